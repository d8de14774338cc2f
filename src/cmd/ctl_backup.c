/*
 * cmd/ctl_backup: irisctl backup, restore and erasure-ledger (P-AVL-1;
 * docs/backup.md).
 *
 *   irisctl [--data DIR] backup FILE
 *   irisctl restore FILE --data NEWDIR --key MASTER_KEY
 *           (--replay-from OLD_DATA_DIR | --ledger LEDGER_FILE | --no-replay)
 *   irisctl [--data DIR] erasure-ledger export FILE
 *   irisctl [--data DIR] directory reindex    (blind indexes of every account, P-DIR-1)
 *
 * Restore replays the erasure ledger of the live installation (never the
 * one inside the backup) so that nobody erased after the backup was taken
 * comes back: the subject keys are destroyed again and the accounts erased
 * through the same path as any erasure (accounts_erase_tx → dsr_erase_tx).
 */
#include "cmd/ctl_commands.h"
#include "cmd/ctl_context.h"
#include "domain/accounts.h"
#include "domain/directory.h"
#include "privacy/backup.h"
#include "privacy/erasure_ledger.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void when(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int cmd_backup(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_context cx;
	struct backup_info info;
	const char *error = NULL;
	char at[32];
	char **ops = NULL;
	if (ctl_operands(ctl, argc, argv, &ops) != 1) {
		fprintf(stderr, "usage: irisctl [--data DIR] backup FILE\n");
		return 2;
	}
	const char *file = ops[0];
	if (ctl_context_open(ctl, &cx) < 0)
		return 1;
	int rc = backup_write(cx.app.keys, cx.st, cx.app.data_dir, file, &info, &error);
	ctl_context_close(&cx);
	if (rc < 0) {
		fprintf(stderr, "irisctl backup: %s\n", error);
		return 1;
	}
	when(info.created_at, at);
	printf("backup %s written to %s (taken %s, schema %d, database %llu bytes, sha256 %s)\n"
	       "Keep the master key (DATA/master.key) apart from the backups: restoring needs "
	       "both.\n",
	       info.id, file, at, info.schema_version, (unsigned long long)info.db_bytes,
	       info.db_sha256);
	return 0;
}

/* Erases the rows of a replayed subject that is an account. */
static int erase_rows(void *ctx, struct store *st, const char *tenant_id, const char *subject_id)
{
	struct ctl_context *cx = ctx;
	struct account acc;
	struct actor replay;
	const char *error = NULL;
	(void)tenant_id;
	if (accounts_get(st, subject_id, &acc, &error) < 0)
		return strcmp(error, "not_found") == 0 ? 0 : -1;
	actor_system(&replay, "erasure-replay");
	if (accounts_erase_tx(&cx->app, st, &replay, &acc, &error) < 0) {
		fprintf(stderr, "irisctl restore: erasing a replayed subject failed: %s\n", error);
		return -1;
	}
	return 1;
}

static int load_ledger(const char *replay_from, const char *ledger_file, struct erasure_list *list)
{
	const char *error = NULL;
	if (ledger_file != NULL) {
		if (erasure_ledger_load_file(ledger_file, list, &error) < 0) {
			fprintf(stderr, "irisctl restore: %s: %s\n", ledger_file, error);
			return -1;
		}
		return 0;
	}
	char *url = NULL;
	struct store *old = NULL;
	if (asprintf(&url, "sqlite:%s/iris.db", replay_from) < 0)
		return -1;
	int rc = store_open(url, &old, &error);
	free(url);
	if (rc < 0 || erasure_ledger_load(old, list) < 0) {
		fprintf(stderr, "irisctl restore: cannot read the erasure ledger of %s%s%s\n",
		        replay_from, error ? ": " : "", error ? error : "");
		store_close(&old);
		return -1;
	}
	store_close(&old);
	return 0;
}

static int cmd_restore(struct ctl *ctl, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
	    {"key", 'k', true, 'k'},
	    {"replay-from", 'r', true, 'r'},
	    {"ledger", 'l', true, 'l'},
	    {"no-replay", 'n', false, 'n'},
	    {0},
	};
	const char *key = NULL, *replay_from = NULL, *ledger = NULL;
	bool no_replay = false;
	struct cli_opts p;
	int c;
	/* --data NEWDIR is irisctl's own --data, accepted anywhere */
	ctl_opts_init(&p, opts, argc, argv, 1);
	while ((c = ctl_opts_next(ctl, &p)) != CLI_OPTS_END) {
		switch (c) {
		case 'k':
			key = p.value;
			break;
		case 'r':
			replay_from = p.value;
			break;
		case 'l':
			ledger = p.value;
			break;
		case 'n':
			no_replay = true;
			break;
		default:
			return 2;
		}
	}
	const char *data = ctl->data_dir;
	int sources = (replay_from != NULL) + (ledger != NULL) + no_replay;
	if (p.n_operands != 1 || data == NULL || key == NULL || sources != 1) {
		fprintf(
		    stderr,
		    "usage: irisctl restore FILE --data NEWDIR --key MASTER_KEY\n"
		    "         (--replay-from OLD_DATA_DIR | --ledger LEDGER_FILE | --no-replay)\n"
		    "NEWDIR must be empty or absent. The erasure ledger of the live installation\n"
		    "is replayed so that nobody erased after the backup comes back; --no-replay\n"
		    "skips that and is only right when no erasure happened since the backup.\n");
		return 2;
	}
	const char *file = p.operands[0];
	struct erasure_list list = {0};
	if (!no_replay && load_ledger(replay_from, ledger, &list) < 0)
		return 1;
	struct backup_info info;
	const char *error = NULL;
	if (backup_restore(file, key, data, &info, &error) < 0) {
		fprintf(stderr, "irisctl restore: %s\n", error);
		erasure_list_free(&list);
		return 1;
	}
	struct ctl restored = {.data_dir = data, .config_path = ctl->config_path};
	struct ctl_context cx;
	if (ctl_context_open(&restored, &cx) < 0) {
		erasure_list_free(&list);
		return 1;
	}
	int effective = 0, ret = 0;
	if (erasure_ledger_replay(cx.app.keys, cx.st, &list, erase_rows, &cx, &effective, &error) <
	    0) {
		fprintf(
		    stderr,
		    "irisctl restore: %s; do not start irisd on %s before a successful replay\n",
		    error, data);
		ret = 1;
	}
	ctl_context_close(&cx);
	char at[32];
	when(info.created_at, at);
	printf("restored backup %s (taken %s, schema %d) into %s\n", info.id, at,
	       info.schema_version, data);
	if (no_replay)
		printf(
		    "WARNING: no erasure ledger replayed: anyone erased after %s is back in %s\n",
		    at, data);
	else
		printf("erasure ledger: %zu entries replayed, %d subjects erased again\n", list.n,
		       effective);
	erasure_list_free(&list);
	return ret;
}

static int cmd_ledger(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_context cx;
	char **ops = NULL;
	if (ctl_operands(ctl, argc, argv, &ops) != 2 || strcmp(ops[0], "export") != 0) {
		fprintf(stderr, "usage: irisctl [--data DIR] erasure-ledger export FILE\n");
		return 2;
	}
	const char *file = ops[1];
	FILE *out = strcmp(file, "-") == 0 ? stdout : fopen(file, "w");
	if (out == NULL) {
		fprintf(stderr, "irisctl erasure-ledger: cannot write %s\n", file);
		return 1;
	}
	if (ctl_context_open(ctl, &cx) < 0) {
		if (out != stdout)
			fclose(out);
		return 1;
	}
	int n = erasure_ledger_export(cx.st, out);
	ctl_context_close(&cx);
	if ((out != stdout && fclose(out) != 0) || n < 0) {
		fprintf(stderr, "irisctl erasure-ledger: export failed\n");
		return 1;
	}
	if (out != stdout)
		fprintf(stderr, "%d erasures exported to %s\n", n, file);
	return 0;
}

static int cmd_directory(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_context cx;
	int n = 0;
	char **ops = NULL;
	if (ctl_operands(ctl, argc, argv, &ops) != 1 || strcmp(ops[0], "reindex") != 0) {
		fprintf(stderr, "usage: irisctl [--data DIR] directory reindex\n");
		return 2;
	}
	if (ctl_context_open(ctl, &cx) < 0)
		return 1;
	int rc = directory_reindex_all(&cx.app, cx.st, &n);
	ctl_context_close(&cx);
	printf("%d accounts indexed for the directory\n", n);
	if (rc < 0)
		fprintf(stderr, "irisctl directory: reindexing failed\n");
	return rc < 0 ? 1 : 0;
}

int ctl_backup(struct ctl *ctl, int argc, char **argv)
{
	if (strcmp(argv[0], "directory") == 0)
		return cmd_directory(ctl, argc, argv);
	if (strcmp(argv[0], "backup") == 0)
		return cmd_backup(ctl, argc, argv);
	if (strcmp(argv[0], "restore") == 0)
		return cmd_restore(ctl, argc, argv);
	return cmd_ledger(ctl, argc, argv);
}
