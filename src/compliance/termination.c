/* privacy/termination: see termination.h. */
#include "core/clock.h"
#include "core/module.h"
#include "compliance/termination.h"
#include "core/account_events.h"
#include "privacy/account_changes.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/config.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "domain/accounts.h"
#include "domain/app.h"
#include "domain/jobs.h"
#include "privacy/audit.h"
#include "privacy/catalog.h"
#include "privacy/deletion_log.h"
#include "privacy/dsr.h"
#include "compliance/register_internal.h"
#include "compliance/retention.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DAY 86400

/* Tables never swept by table name here: keys go with keys_tenant_destroy,
 * the audit chain with audit_purge_tenant; jobs and this record stay. */
static bool excluded(const char *table)
{
	static const char *const names[] = {"audit_log",   "audit_checkpoints", "audit_purges",
	                                    "tenant_keys", "subject_keys",      "install_keys",
	                                    "jobs",        "job_runs",          "terminations",
	                                    "tenants",     "accounts"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(table, names[i]) == 0)
			return true;
	return false;
}

int termination_schedule(struct app *app, struct store *st, const struct actor *actor,
                         const char *tenant_id, int64_t end_at, int grace_days,
                         const char **error_r)
{
	int64_t now = clock_action_now();
	char key[96];
	*error_r = "invalid_field";
	if (end_at <= 0 || end_at > now + 20LL * 365 * DAY || grace_days < 0 ||
	    grace_days > TERMINATION_MAX_GRACE_DAYS)
		return -1;
	if (regs_count(st,
	               "SELECT COUNT(*) FROM terminations WHERE tenant_id = ? AND"
	               " status = 'done'",
	               tenant_id) != 0) {
		*error_r = "conflict";
		return -1;
	}
	int64_t due = end_at + (int64_t)grace_days * DAY;
	snprintf(key, sizeof(key), "tenant.end:%s", tenant_id);
	*error_r = "internal";
	if (store_tx_begin(st) < 0)
		return -1;
	if (jobs_cancel(st, key) < 0 ||
	    store_run(st,
	              "INSERT INTO terminations (tenant_id, end_at, due_at, status, requested_by,"
	              " requested_at) VALUES (?, ?, ?, 'scheduled', ?, ?) ON CONFLICT (tenant_id)"
	              " DO UPDATE SET end_at = excluded.end_at, due_at = excluded.due_at, status ="
	              " 'scheduled', requested_by = excluded.requested_by, requested_at ="
	              " excluded.requested_at",
	              "siisi", tenant_id, end_at, due, actor->id, now) != STORE_DONE ||
	    jobs_schedule(st, "tenant.end", tenant_id, "", due, key, NULL) < 0 ||
	    regs_audit(app, st, actor, tenant_id, "tenant.terminate", "tenant", tenant_id,
	               "terminations.end_at,terminations.due_at", true) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		return -1;
	}
	return 0;
}

int termination_cancel(struct app *app, struct store *st, const struct actor *actor,
                       const char *tenant_id, const char **error_r)
{
	char key[96];
	snprintf(key, sizeof(key), "tenant.end:%s", tenant_id);
	*error_r = "internal";
	if (store_tx_begin(st) < 0)
		return -1;
	if (store_run(st,
	              "UPDATE terminations SET status = 'cancelled' WHERE tenant_id = ? AND"
	              " status = 'scheduled'",
	              "s", tenant_id) != STORE_DONE)
		goto fail;
	if (store_changes(st) != 1) {
		*error_r = "not_found";
		goto fail;
	}
	if (jobs_cancel(st, key) < 0 ||
	    regs_audit(app, st, actor, tenant_id, "tenant.terminate_cancel", "tenant", tenant_id,
	               "terminations.status", true) < 0 ||
	    store_tx_commit(st) < 0)
		goto fail;
	return 0;
fail:
	store_tx_rollback(st);
	return -1;
}

json_t *termination_get_json(struct store *st, const char *tenant_id)
{
	struct store_stmt *q = store_query(st,
	                                   "SELECT end_at, due_at, status, requested_by,"
	                                   " requested_at, archive_path, done_at, deletion_summary"
	                                   " FROM terminations WHERE tenant_id = ?",
	                                   "s", tenant_id);
	json_t *o = NULL;
	if (q != NULL && store_step(q) == STORE_ROW) {
		const char *path = store_col_text(q, 5), *sum = store_col_text(q, 7);
		json_t *deleted = sum ? json_loads(sum, 0, NULL) : NULL;
		o = json_pack(
		    "{s:s, s:I, s:I, s:s, s:s, s:I, s:o, s:o, s:o}", "tenant_id", tenant_id,
		    "end_at", (json_int_t)store_col_int(q, 0), "due_at",
		    (json_int_t)store_col_int(q, 1), "status", store_col_text(q, 2), "requested_by",
		    store_col_text(q, 3), "requested_at", (json_int_t)store_col_int(q, 4),
		    "archive", path ? json_string(path) : json_null(), "done_at",
		    store_col_is_null(q, 6) ? json_null() : json_integer(store_col_int(q, 6)),
		    "deleted", deleted ? deleted : json_null());
	}
	store_stmt_done(q);
	return o;
}

/* Table → its columns, collected from the catalog. */
struct table_cols {
	json_t *tables; /* {table: [entries as index into catalog walk]} */
};

static void collect(const struct catalog_column *e, void *ctx)
{
	json_t *tables = ctx;
	json_t *cols = json_object_get(tables, e->table);
	if (cols == NULL) {
		cols = json_array();
		json_object_set_new(tables, e->table, cols);
	}
	json_array_append_new(cols,
	                      json_pack("{s:s, s:b, s:s?}", "name", e->column, "sealed", e->sealed,
	                                "category", e->personal ? e->category : NULL));
}

static bool has_col(json_t *cols, const char *name)
{
	size_t i;
	json_t *c;
	json_array_foreach(cols, i, c) if (strcmp(json_string_value(json_object_get(c, "name")),
	                                          name) == 0) return true;
	return false;
}

/* WHERE clause selecting the tenant's rows of a table, or NULL. */
static const char *tenant_filter(const char *table, json_t *cols)
{
	if (strcmp(table, "tenants") == 0)
		return "id = ?";
	if (has_col(cols, "tenant_id"))
		return "tenant_id = ?";
	if (has_col(cols, "account_id"))
		return "account_id IN (SELECT id FROM accounts WHERE tenant_id = ?)";
	return NULL;
}

/* Opens a sealed value trying the row's id/account_id as subject and row. */
static json_t *open_value(struct app *app, struct store *st, const char *tenant_id,
                          const char *table, const char *column, const void *blob, size_t len,
                          const char *id, const char *account_id)
{
	const char *cands[2] = {account_id, id};
	for (int s = 0; s < 2; s++) {
		for (int r = 0; r < 2; r++) {
			if (cands[s] == NULL || cands[r] == NULL)
				continue;
			struct seal_ad ad = {table, cands[r], column};
			char *plain = NULL;
			size_t plen = 0;
			if (keys_open_sealed(app->keys, st, tenant_id, cands[s], &ad, blob, len,
			                     &plain, &plen) == 0) {
				json_t *v = json_stringn(plain, plen);
				if (v == NULL)
					v = json_string("(binary value)");
				secret_free(plain, plen + 1);
				return v;
			}
		}
	}
	return json_string("(sealed; could not be opened)");
}

struct sealed_item {
	size_t row;
	const char *column;
	void *data;
	size_t len;
};

static json_t *dump_table(struct app *app, struct store *st, const char *tenant_id,
                          const char *table, json_t *cols, const char *filter)
{
	size_t i, n = json_array_size(cols), nitems = 0, cap = 16;
	struct sealed_item *items = xmalloc(cap * sizeof(*items));
	json_t *c, *rows = json_array();
	char *list = xstrdup("");
	json_array_foreach(cols, i, c)
	{
		char *next = xasprintf("%s%s%s", list, i ? ", " : "",
		                       json_string_value(json_object_get(c, "name")));
		free(list);
		list = next;
	}
	char *sql = xasprintf("SELECT %s FROM %s WHERE %s", list, table, filter);
	free(list);
	/* Rows first; sealed values are opened after (opening runs statements). */
	struct store_stmt *q = store_query(st, sql, "s", tenant_id);
	while (q != NULL && store_step(q) == STORE_ROW) {
		json_t *row = json_object();
		for (i = 0; i < n; i++) {
			json_t *col = json_array_get(cols, i);
			const char *name = json_string_value(json_object_get(col, "name"));
			if (store_col_is_null(q, (int)i)) {
				json_object_set_new(row, name, json_null());
			} else if (json_is_true(json_object_get(col, "sealed"))) {
				size_t len = 0;
				const void *b = store_col_blob(q, (int)i, &len);
				if (nitems == cap)
					items = xrealloc(items, (cap *= 2) * sizeof(*items));
				items[nitems].row = json_array_size(rows);
				items[nitems].column = name;
				items[nitems].data = xmalloc(len + 1);
				memcpy(items[nitems].data, b, len);
				items[nitems++].len = len;
			} else {
				const char *t = store_col_text(q, (int)i);
				json_t *v = json_string(t);
				json_object_set_new(row, name, v ? v : json_string("(binary)"));
			}
		}
		json_array_append_new(rows, row);
	}
	store_stmt_done(q);
	free(sql);
	for (i = 0; i < nitems; i++) {
		json_t *row = json_array_get(rows, items[i].row);
		const char *id = json_string_value(json_object_get(row, "id"));
		const char *acc = json_string_value(json_object_get(row, "account_id"));
		json_object_set_new(row, items[i].column,
		                    open_value(app, st, tenant_id, table, items[i].column,
		                               items[i].data, items[i].len, id, acc));
		free(items[i].data);
	}
	free(items);
	return rows;
}

static int audit_lines(struct store *st, const char *tenant_id, json_t *out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	if (fp == NULL)
		return -1;
	int rc = audit_export(st, tenant_id, 0, fp);
	fclose(fp);
	json_object_set_new(out, "audit_extract", json_stringn(buf ? buf : "", len));
	free(buf);
	return rc;
}

/* Writes the return archive; *path_r malloc'd. */
static int write_export(struct app *app, struct store *st, const char *tenant_id, int64_t now,
                        json_t *tables, char **path_r)
{
	json_t *doc =
	    json_pack("{s:s, s:s, s:I, s:o}", "format", "iris-tenant-return-1", "tenant_id",
	              tenant_id, "generated_at", (json_int_t)now, "tables", json_object());
	const char *table;
	json_t *cols;
	json_object_foreach(tables, table, cols)
	{
		const char *filter = tenant_filter(table, cols);
		if (filter == NULL || strncmp(table, "audit_", 6) == 0 || strstr(table, "_keys"))
			continue;
		json_object_set_new(json_object_get(doc, "tables"), table,
		                    dump_table(app, st, tenant_id, table, cols, filter));
	}
	audit_lines(st, tenant_id, doc);
	char *dir = xasprintf("%s/exports", app->data_dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		free(dir);
		json_decref(doc);
		return -1;
	}
	*path_r = xasprintf("%s/tenant-%s-%lld.json", dir, tenant_id, (long long)now);
	free(dir);
	int fd = open(*path_r, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc =
	    fd >= 0 && json_dumpfd(doc, fd, JSON_INDENT(1) | JSON_SORT_KEYS) == 0 && fsync(fd) == 0
	        ? 0
	        : -1;
	if (fd >= 0)
		close(fd);
	json_decref(doc);
	return rc;
}

/* Deletes the tenant's rows table by table; a table refused by a foreign
 * key is retried after the others. Counts go into summary. */
static int destroy_rows(struct store *st, const char *tenant_id, json_t *tables, json_t *summary)
{
	const char *table;
	json_t *cols;
	for (int pass = 0; pass < 4; pass++) {
		int failed = 0;
		json_object_foreach(tables, table, cols)
		{
			const char *filter = tenant_filter(table, cols);
			if (filter == NULL || excluded(table) || json_object_get(summary, table))
				continue;
			char *sql = xasprintf("DELETE FROM %s WHERE %s", table, filter);
			int rc = store_run(st, sql, "s", tenant_id);
			free(sql);
			if (rc == STORE_DONE)
				json_object_set_new(summary, table,
				                    json_integer(store_changes(st)));
			else
				failed++;
		}
		if (failed == 0)
			break;
	}
	/* Then the accounts (their profiles and tokens cascade) and the tenant. */
	if (store_run(st, "DELETE FROM accounts WHERE tenant_id = ?", "s", tenant_id) != STORE_DONE)
		return -1;
	json_object_set_new(summary, "accounts", json_integer(store_changes(st)));
	if (store_run(st, "DELETE FROM tenants WHERE id = ?", "s", tenant_id) != STORE_DONE)
		return -1;
	json_object_set_new(summary, "tenants", json_integer(store_changes(st)));
	return 0;
}

/* The deletion-log entry of the destruction (P-END-1, P-DSR-3): per data
 * category, the rows destroyed in tables holding it; never data. Written in
 * the destruction's transaction, before the tenant key goes (the entry's
 * subject_ref is keyed with it), after the rows (it survives them). */
static int log_destruction_tx(struct app *app, struct store *st, const char *tenant_id,
                              json_t *tables, json_t *deleted, int64_t now)
{
	struct dsr_ctx cx = {app->keys, st, (unsigned)app->cfg->audit_checkpoint_every};
	struct dsr_erasure e = {.tenant_id = tenant_id,
	                        .subject_id = tenant_id,
	                        .actor = {"system", "system"},
	                        .request_id = NULL,
	                        .reason = "end of contract: tenant destroyed (P-END-1)"};
	json_t *cats = json_object(), *cols, *c, *n;
	const char *table;
	int64_t items = 0;
	char id[IDS_UUID_LEN];
	size_t i;
	json_object_foreach(deleted, table, n)
	{
		int64_t rows = json_integer_value(n);
		items += rows;
		json_t *seen = json_object(); /* each category once per table */
		cols = json_object_get(tables, table);
		json_array_foreach(cols, i, c)
		{
			const char *cat = json_string_value(json_object_get(c, "category"));
			if (cat == NULL || rows == 0 || json_object_get(seen, cat) != NULL)
				continue;
			json_object_set_new(seen, cat, json_true());
			json_t *have = json_object_get(cats, cat);
			json_object_set_new(
			    cats, cat, json_integer((have ? json_integer_value(have) : 0) + rows));
		}
		json_decref(seen);
	}
	int rc = deletion_log_write_at_tx(&cx, &e, cats, items, now, id);
	json_decref(cats);
	return rc;
}

/* The modules' own duties at the end of a contract (core/module.h): rows
 * the catalog does not tie to the tenant; the first failure stops. */
struct terminate_walk {
	struct store *st;
	const char *tenant_id;
	bool failed;
};

static void terminate_module(const struct module *m, void *ctx)
{
	struct terminate_walk *w = ctx;
	if (!w->failed && m->privacy.terminate_tx != NULL &&
	    m->privacy.terminate_tx(w->st, w->tenant_id) < 0) {
		log_warn("event=terminate_module_failed module=%s", m->name);
		w->failed = true;
	}
}

static int terminate_modules_tx(struct store *st, const char *tenant_id)
{
	struct terminate_walk w = {st, tenant_id, false};
	module_each(terminate_module, &w);
	return w.failed ? -1 : 0;
}

int termination_run(struct app *app, struct store *st, const char *tenant_id, int64_t now,
                    char *summary, size_t len)
{
	json_t *tables = json_object(), *deleted = json_object();
	char *path = NULL, *sum = NULL;
	struct actor sys;
	int rc = -1;
	actor_system(&sys, "system");
	if (regs_count(st,
	               "SELECT COUNT(*) FROM terminations WHERE tenant_id = ? AND"
	               " status = 'scheduled'",
	               tenant_id) != 1) {
		snprintf(summary, len, "no scheduled termination");
		rc = 0;
		goto out;
	}
	privacy_catalog_each(collect, tables);
	if (write_export(app, st, tenant_id, now, tables, &path) < 0) {
		snprintf(summary, len, "export failed; nothing destroyed");
		goto out;
	}
	if (store_tx_begin(st) < 0)
		goto out;
	if (terminate_modules_tx(st, tenant_id) < 0 ||
	    destroy_rows(st, tenant_id, tables, deleted) < 0 ||
	    log_destruction_tx(app, st, tenant_id, tables, deleted, now) < 0 ||
	    account_changes_record_tx(st, ACCOUNT_CHANGE_TENANT_DESTROYED, NULL, tenant_id, NULL) <
	        0 ||
	    keys_tenant_destroy(app->keys, st, tenant_id) < 0 ||
	    audit_purge_tenant(st, app->keys, tenant_id, "system", "system") < 0)
		goto rollback;
	sum = json_dumps(deleted, JSON_COMPACT | JSON_SORT_KEYS);
	if (store_run(st,
	              "UPDATE terminations SET status = 'done', archive_path = ?, done_at = ?,"
	              " deletion_summary = ? WHERE tenant_id = ?",
	              "siss", strrchr(path, '/') + 1, now, sum, tenant_id) != STORE_DONE ||
	    regs_audit(app, st, &sys, "", "tenant.destroy", "tenant", tenant_id,
	               "terminations.deletion_summary", false) < 0 ||
	    store_tx_commit(st) < 0)
		goto rollback;
	account_events_notify(ACCOUNT_CHANGE_TENANT_DESTROYED, NULL, tenant_id, NULL);
	log_info("event=tenant_destroyed tenant=%s", tenant_id);
	snprintf(summary, len, "returned and destroyed: %zu tables", json_object_size(deleted));
	rc = 0;
	goto out;
rollback:
	store_tx_rollback(st);
	snprintf(summary, len, "destruction failed; rolled back");
out:
	free(sum);
	free(path);
	json_decref(tables);
	json_decref(deleted);
	return rc;
}
