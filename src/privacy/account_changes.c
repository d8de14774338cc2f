/* privacy/account_changes: see account_changes.h. */
#include "privacy/account_changes.h"
#include "core/module.h"
#include "privacy/catalog.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define PURPOSE "ending the live sessions of an account that may no longer log in (security)"
#define BASIS "GDPR Art. 6(1)(f) legitimate interest (Art. 32 security of processing)"
#define KEEP "one hour"
#define TECH(col, why)                                                                             \
	{                                                                                          \
		"account_state_changes", col, false, false, NULL, NULL, NULL, NULL, NULL, 0,       \
		    ERASE_NOT_PERSONAL, EXPORT_NONE, why                                           \
	}

/* Declared by account_changes_module below (src/cmd/modules.c lists it). */
const struct catalog_column account_changes_catalog[] = {
    TECH("seq", "order of the changes"),
    {"account_state_changes", "account_id", true, false, "dpv-pd:Identifier", "end user", PURPOSE,
     BASIS, KEEP, 0, ERASE_DELETE, EXPORT_NONE, NULL},
    TECH("tenant_id", "organisation of the account"),
    TECH("kind", "which change (restricted, disabled, password, erased, tenant_destroyed)"),
    {"account_state_changes", "keep_session", true, false, "dpv-pd:DeviceBased", "end user",
     PURPOSE, BASIS, KEEP, 0, ERASE_DELETE, EXPORT_NONE, NULL},
    TECH("at", "time of the change"),
    {0},
};

const struct catalog_table account_changes_catalog_tables[] = {
    {"account_state_changes", "account_id", "tenant_id", NULL, NULL},
    {0},
};

/* The module descriptor (core/module.h): catalog only. */
const struct module account_changes_module = {
    .name = "account_changes",
    .columns = account_changes_catalog,
    .tables = account_changes_catalog_tables,
};

int account_changes_record_tx(struct store *st, enum account_change change, const char *account_id,
                              const char *tenant_id, const char *keep_session)
{
	if (keep_session != NULL &&
	    (keep_session[0] == '\0' || strlen(keep_session) > ACCOUNT_EVENTS_KEEP_MAX))
		keep_session = NULL; /* as account_events_notify: nothing kept */
	return store_run(st,
	                 "INSERT INTO account_state_changes (account_id, tenant_id, kind, "
	                 "keep_session, at) VALUES (?, ?, ?, ?, ?)",
	                 "ssssi", account_id, tenant_id != NULL ? tenant_id : "",
	                 account_change_name(change), keep_session,
	                 (int64_t)time(NULL)) == STORE_DONE
	           ? 0
	           : -1;
}

int64_t account_changes_last(struct store *st)
{
	struct store_stmt *q =
	    store_query(st, "SELECT COALESCE(MAX(seq), 0) FROM account_state_changes", "");
	int64_t last = q != NULL && store_step(q) == STORE_ROW ? store_col_int(q, 0) : -1;
	store_stmt_done(q);
	return last;
}

static void copy_col(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL && strlen(src) < size ? src : "");
}

int account_changes_since(struct store *st, int64_t after, struct account_event *out, size_t max,
                          size_t *n_r, int64_t *last_r)
{
	struct store_stmt *q = store_query(st,
	                                   "SELECT seq, account_id, tenant_id, kind, keep_session "
	                                   "FROM account_state_changes WHERE seq > ? ORDER BY seq "
	                                   "LIMIT ?",
	                                   "ii", after, (int64_t)max);
	int rc = q != NULL ? STORE_ROW : STORE_ERROR;
	*n_r = 0;
	*last_r = after;
	while (q != NULL && *n_r < max && (rc = store_step(q)) == STORE_ROW) {
		struct account_event *ev = &out[*n_r];
		memset(ev, 0, sizeof(*ev));
		*last_r = store_col_int(q, 0);
		if (account_change_parse(store_col_text(q, 3), &ev->change) < 0)
			continue; /* written by a newer version: not ours to judge */
		ev->seq = store_col_int(q, 0);
		copy_col(ev->account_id, sizeof(ev->account_id), store_col_text(q, 1));
		copy_col(ev->tenant_id, sizeof(ev->tenant_id), store_col_text(q, 2));
		copy_col(ev->keep_session, sizeof(ev->keep_session), store_col_text(q, 4));
		(*n_r)++;
	}
	store_stmt_done(q);
	return rc == STORE_ERROR ? -1 : 0;
}

int account_changes_prune(struct store *st, int64_t now_s)
{
	return store_run(st, "DELETE FROM account_state_changes WHERE at < ?", "i",
	                 now_s - ACCOUNT_CHANGES_KEEP_S) == STORE_DONE
	           ? 0
	           : -1;
}
