/*
 * irisctl dsr: data-subject rights from the server host (docs/privacy-centre.md).
 *   irisctl dsr report --user U [--html]      access report (JSON or HTML) on stdout
 *   irisctl dsr export --user U --out FILE    export archive (ustar)
 *   irisctl dsr erase --user U                erase the account (operator instruction)
 *   irisctl dsr deletion-log --tenant T|-     a tenant's deletion log ("-": no tenant)
 */
#include "cmd/ctl_commands.h"
#include "cmd/ctl_context.h"
#include "core/xalloc.h"
#include "domain/accounts.h"
#include "privacy/deletion_log.h"
#include "privacy/dsr.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
	fprintf(stderr, "usage: irisctl dsr report --user U [--html]\n"
	                "       irisctl dsr export --user U --out FILE\n"
	                "       irisctl dsr erase --user U\n"
	                "       irisctl dsr deletion-log --tenant T|-\n");
	return 2;
}

static int print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(j);
	if (s == NULL)
		return 1;
	puts(s);
	free(s);
	return 0;
}

static int run(struct ctl_context *cx, const char *cmd, const char *user, const char *tenant,
               const char *out, bool html)
{
	struct dsr_ctx d = {cx->app.keys, cx->st, (unsigned)cx->cfg.audit_checkpoint_every};
	struct account acc;
	const char *error = NULL;
	if (strcmp(cmd, "deletion-log") == 0) {
		json_t *list;
		if (deletion_log_list(&d, strcmp(tenant, "-") == 0 ? "" : tenant, &list) < 0)
			return 1;
		return print_json(list);
	}
	if (accounts_get_by_username(cx->st, user, &acc, &error) < 0) {
		fprintf(stderr, "irisctl: no account '%s'\n", user);
		return 1;
	}
	if (strcmp(cmd, "report") == 0) {
		json_t *r;
		if (dsr_report(&d, acc.tenant_id, acc.id, &r) < 0)
			return 1;
		if (!html)
			return print_json(r);
		char *page = dsr_report_html(r);
		json_decref(r);
		fputs(page, stdout);
		free(page);
		return 0;
	}
	if (strcmp(cmd, "export") == 0) {
		unsigned char *tar = NULL;
		size_t len = 0;
		FILE *f = NULL;
		int rc = 1;
		if (dsr_export(&d, acc.tenant_id, acc.id, &tar, &len) < 0)
			return 1;
		if ((f = fopen(out, "wx")) == NULL || fwrite(tar, 1, len, f) != len)
			fprintf(stderr, "irisctl: cannot write %s (exists already?)\n", out);
		else
			rc = 0;
		if (f != NULL && fclose(f) != 0)
			rc = 1;
		secret_free(tar, len);
		return rc;
	}
	struct actor op;
	actor_system(&op, "operator-cli");
	if (accounts_erase(&cx->app, cx->st, &op, acc.id, &error) < 0) {
		fprintf(stderr, "irisctl: not erased: %s\n", error);
		return 1;
	}
	printf("erased\n");
	return 0;
}

int ctl_dsr(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"user", required_argument, NULL, 'u'},
	    {"tenant", required_argument, NULL, 't'},
	    {"out", required_argument, NULL, 'o'},
	    {"html", no_argument, NULL, 'H'},
	    {NULL, 0, NULL, 0},
	};
	const char *user = NULL, *tenant = NULL, *out = NULL;
	bool html = false;
	int c;
	if (argc < 2)
		return usage();
	const char *cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "u:t:o:H", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			user = optarg;
			break;
		case 't':
			tenant = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'H':
			html = true;
			break;
		default:
			return usage();
		}
	}
	bool ok = optind == argc && ((strcmp(cmd, "deletion-log") == 0 && tenant != NULL) ||
	                             (strcmp(cmd, "report") == 0 && user != NULL) ||
	                             (strcmp(cmd, "export") == 0 && user != NULL && out != NULL) ||
	                             (strcmp(cmd, "erase") == 0 && user != NULL));
	if (!ok)
		return usage();
	struct ctl_context cx;
	if (ctl_context_open(ctl, &cx) < 0)
		return 1;
	int rc = run(&cx, cmd, user, tenant, out, html);
	ctl_context_close(&cx);
	return rc;
}
