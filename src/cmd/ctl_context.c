/* cmd/ctl_context: see ctl_context.h. */
#include "cmd/modules.h"
#include "cmd/ctl_context.h"
#include "cmd/datadir.h"
#include "core/xalloc.h"
#include "domain/tenants.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ctl_context_open(const struct ctl *ctl, struct ctl_context *cx)
{
	char *error = NULL, *used = NULL;
	const char *app_error = NULL;
	memset(cx, 0, sizeof(*cx));
	/* irisd's settings (ports, domain, limits): the same file it runs with */
	if (datadir_load_settings(&cx->cfg, ctl->config_path, ctl->data_dir, true, &used, &error) <
	    0) {
		fprintf(stderr, "irisctl: %s\n", error);
		free(error);
		free(used);
		config_free(&cx->cfg);
		return -1;
	}
	free(used);
	iris_modules_register(); /* idempotent */
	if (app_init(&cx->app, &cx->cfg, cx->cfg.data_dir, ctl->create, &app_error) < 0) {
		fprintf(stderr, "irisctl: %s: %s\n", cx->cfg.data_dir, app_error);
		app_deinit(&cx->app);
		config_free(&cx->cfg);
		return -1;
	}
	cx->st = app_thread_store(&cx->app);
	return 0;
}

void ctl_context_close(struct ctl_context *cx)
{
	app_deinit(&cx->app);
	config_free(&cx->cfg);
}

enum { CTL_OPT_DATA = 0x10000, CTL_OPT_CONFIG };

static const struct cli_opt ctl_common_opts[] = {
    {"data", 'd', true, CTL_OPT_DATA},
    {"config", 'c', true, CTL_OPT_CONFIG},
    {0},
};

void ctl_opts_init(struct cli_opts *p, const struct cli_opt *table, int argc, char **argv,
                   int first)
{
	cli_opts_init(p, "irisctl", table, argc, argv, first);
	p->tables[1] = ctl_common_opts;
}

int ctl_opts_next(struct ctl *ctl, struct cli_opts *p)
{
	for (;;) {
		int id = cli_opts_next(p);
		if (id == CTL_OPT_DATA)
			ctl->data_dir = p->value;
		else if (id == CTL_OPT_CONFIG)
			ctl->config_path = p->value;
		else
			return id;
	}
}

int ctl_operands(struct ctl *ctl, int argc, char **argv, char ***ops_r)
{
	struct cli_opts p;
	ctl_opts_init(&p, NULL, argc, argv, 1);
	if (ctl_opts_next(ctl, &p) != CLI_OPTS_END)
		return -1;
	*ops_r = p.operands;
	return p.n_operands;
}

struct tenant_match {
	const char *name;
	char id[IDS_UUID_LEN];
	int n;
};

static void match_name(const struct tenant *t, void *ctx)
{
	struct tenant_match *m = ctx;
	if (strcmp(t->name, m->name) == 0) {
		memcpy(m->id, t->id, sizeof(m->id));
		m->n++;
	}
}

/* A destroyed tenant (privacy/termination.c) keeps its audit chain and its
 * deletion log: its id still names them. */
static bool had_records(struct ctl_context *cx, const char *id)
{
	struct store_stmt *q = store_query(cx->st,
	                                   "SELECT 1 FROM audit_log WHERE tenant_id = ? UNION ALL "
	                                   "SELECT 1 FROM deletion_log WHERE tenant_id = ? LIMIT 1",
	                                   "ss", id, id);
	bool found = q != NULL && store_step(q) == STORE_ROW;
	store_stmt_done(q);
	return found;
}

int ctl_tenant_find(struct ctl_context *cx, const char *name_or_id, char id_r[IDS_UUID_LEN])
{
	struct tenant t;
	const char *error = NULL;
	struct tenant_match m = {name_or_id, "", 0};
	if (ids_is_uuid4(name_or_id) &&
	    (tenants_get(cx->st, name_or_id, &t, &error) == 0 || had_records(cx, name_or_id))) {
		memcpy(id_r, name_or_id, IDS_UUID_LEN);
		return 0;
	}
	if (tenants_list(cx->st, match_name, &m) < 0)
		return -1;
	if (m.n != 1)
		return 1;
	memcpy(id_r, m.id, IDS_UUID_LEN);
	return 0;
}

int ctl_tenant_resolve(struct ctl_context *cx, const char *name_or_id, char id_r[IDS_UUID_LEN])
{
	int rc = ctl_tenant_find(cx, name_or_id, id_r);
	if (rc < 0)
		fprintf(stderr, "irisctl: cannot read the tenants (database error)\n");
	else if (rc > 0)
		fprintf(stderr, "irisctl: no tenant named %s (see irisctl tenant list)\n",
		        name_or_id);
	return rc == 0 ? 0 : -1;
}

int ctl_tenant_resolve_or_none(struct ctl_context *cx, const char *name_or_id,
                               char id_r[IDS_UUID_LEN])
{
	if (name_or_id == NULL || name_or_id[0] == '\0' || strcmp(name_or_id, "-") == 0) {
		id_r[0] = '\0';
		return 0;
	}
	return ctl_tenant_resolve(cx, name_or_id, id_r);
}

/* Reads standard input up to the first newline (one_line) or to its end
 * into buf; see ctl_read_secret_line and ctl_read_stdin_text. */
static int read_stdin(char *buf, size_t cap, bool one_line)
{
	size_t n = 0;
	char ch;
	ssize_t r;
	/* read(2), not stdio: no copy of the secret stays in a FILE buffer */
	while ((r = read(STDIN_FILENO, &ch, 1)) == 1 && !(one_line && ch == '\n')) {
		if (n + 1 >= cap) {
			secret_wipe(buf, cap);
			return -1;
		}
		buf[n++] = ch;
	}
	if (r < 0 || (r == 0 && n == 0)) {
		secret_wipe(buf, cap);
		return -1;
	}
	if (!one_line && n > 0 && buf[n - 1] == '\n') /* the last line's end */
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return (int)n;
}

int ctl_read_secret_line(char *buf, size_t cap)
{
	return read_stdin(buf, cap, true);
}

int ctl_read_stdin_text(char *buf, size_t cap)
{
	return read_stdin(buf, cap, false);
}
