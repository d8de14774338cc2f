/* domain/directory: see directory.h. */
#include "domain/directory.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "domain/accounts_internal.h"
#include "domain/app.h"
#include "domain/profile.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_TOKENS 8
#define CANDIDATES 200

static bool separator(unsigned char c)
{
	return c <= ' ' || strchr(",.;:-'\"()/&+_", c) != NULL;
}

int directory_tokens(const char *text, char out[][65], int max)
{
	int n = 0;
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	while (*p != '\0' && n < max) {
		while (*p != '\0' && separator(*p))
			p++;
		size_t len = 0;
		char tok[65];
		while (*p != '\0' && !separator(*p)) {
			if (len < 64)
				tok[len++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
			p++;
		}
		tok[len] = '\0';
		if (len < 2)
			continue;
		bool dup = false;
		for (int i = 0; i < n && !dup; i++)
			dup = strcmp(out[i], tok) == 0;
		if (!dup)
			snprintf(out[n++], 65, "%s", tok);
	}
	return n;
}

static int index_row(struct app *app, struct store *st, const char *account_id,
                     const char *tenant_id, const char *kind, const char *value)
{
	char purpose[32], h[65];
	snprintf(purpose, sizeof(purpose), "directory-%s", kind);
	if (keys_blind_index(app->keys, st, "", purpose, value, h) < 0)
		return -1;
	return store_run(st,
	                 "INSERT INTO directory_index (account_id, tenant_id, kind, token) VALUES "
	                 "(?, ?, ?, ?) ON CONFLICT DO NOTHING",
	                 "ssss", account_id, tenant_id, kind, h) == STORE_DONE
	           ? 0
	           : -1;
}

static int index_names(struct app *app, struct store *st, const struct account *acc)
{
	char *first = NULL, *last = NULL;
	char toks[2 * NAME_TOKENS][65];
	int ret = 0;
	if (profile_names(app, st, acc, &first, &last) < 0)
		return 0; /* no profile row: nothing to index */
	int n = directory_tokens(first, toks, NAME_TOKENS);
	n += directory_tokens(last, toks + n, NAME_TOKENS);
	for (int i = 0; i < n && ret == 0; i++)
		ret = index_row(app, st, acc->id, acc->tenant_id, "name", toks[i]);
	secret_wipe(toks, sizeof(toks));
	if (first != NULL)
		secret_free(first, strlen(first) + 1);
	if (last != NULL)
		secret_free(last, strlen(last) + 1);
	return ret;
}

static int index_domain(struct app *app, struct store *st, const struct account *acc)
{
	char *email = NULL, norm[ACCOUNTS_EMAIL_MAX + 1];
	int ret = 0;
	if (accounts_email(app, st, acc, &email) < 0)
		return 0; /* no e-mail (or unreadable): no domain row */
	if (email != NULL && acc_email_normalise(email, norm, sizeof(norm)) == 0) {
		const char *at = strrchr(norm, '@');
		if (at != NULL && at[1] != '\0')
			ret = index_row(app, st, acc->id, acc->tenant_id, "domain", at + 1);
		secret_wipe(norm, sizeof(norm));
	}
	if (email != NULL)
		secret_free(email, strlen(email) + 1);
	return ret;
}

int directory_reindex_tx(struct app *app, struct store *st, const char *account_id)
{
	struct account acc;
	const char *error = NULL;
	if (store_run(st, "DELETE FROM directory_index WHERE account_id = ?", "s", account_id) !=
	    STORE_DONE)
		return -1;
	if (accounts_get(st, account_id, &acc, &error) < 0)
		return strcmp(error, "not_found") == 0 ? 0 : -1;
	if (index_names(app, st, &acc) < 0 || index_domain(app, st, &acc) < 0) {
		log_warn("event=directory_reindex_failed");
		return -1;
	}
	return 0;
}

int directory_reindex_all(struct app *app, struct store *st, int *count_r)
{
	struct store_stmt *q = store_query(st, "SELECT id FROM accounts ORDER BY id", "");
	char(*ids)[IDS_UUID_LEN] = NULL;
	size_t n = 0, cap = 0;
	int rc, ret = 0;
	*count_r = 0;
	if (q == NULL)
		return -1;
	while ((rc = store_step(q)) == STORE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			ids = xrealloc(ids, cap * sizeof(*ids));
		}
		snprintf(ids[n++], IDS_UUID_LEN, "%s", store_col_text(q, 0));
	}
	store_stmt_done(q);
	if (rc != STORE_DONE) {
		free(ids);
		return -1;
	}
	for (size_t i = 0; i < n && ret == 0; i++) {
		if (store_tx_begin(st) < 0 || directory_reindex_tx(app, st, ids[i]) < 0 ||
		    store_tx_commit(st) < 0) {
			store_tx_rollback(st);
			ret = -1;
		} else {
			(*count_r)++;
		}
	}
	free(ids);
	return ret;
}

int directory_move_tx(struct store *st, const char *account_id, const char *to)
{
	return store_run(st, "UPDATE directory_index SET tenant_id = ? WHERE account_id = ?", "ss",
	                 to, account_id) == STORE_DONE
	           ? 0
	           : -1;
}

/* Candidates, in order of discovery, without duplicates. */
struct cands {
	char ids[CANDIDATES][IDS_UUID_LEN];
	int n;
};

static void cand_add(struct cands *c, const char *id)
{
	for (int i = 0; i < c->n; i++)
		if (strcmp(c->ids[i], id) == 0)
			return;
	if (c->n < CANDIDATES)
		snprintf(c->ids[c->n++], IDS_UUID_LEN, "%s", id);
}

static int cands_from(struct store_stmt *q, struct cands *c)
{
	int rc;
	if (q == NULL)
		return -1;
	while ((rc = store_step(q)) == STORE_ROW)
		cand_add(c, store_col_text(q, 0));
	store_stmt_done(q);
	return rc == STORE_DONE ? 0 : -1;
}

/* Visible to caller? Fills acc. */
static bool visible(struct store *st, const struct account *caller, const char *id,
                    struct account *acc)
{
	struct store_stmt *q =
	    store_query(st,
	                "SELECT " ACC_COLUMNS " FROM accounts WHERE id = ? AND status = 'active' "
	                "AND role <> 'operator' AND (tenant_id = '' OR tenant_id = ? OR "
	                "EXISTS (SELECT 1 FROM tenants t WHERE t.id = accounts.tenant_id AND "
	                "t.discoverable = 1))",
	                "ss", id, caller->tenant_id);
	bool ok = q != NULL && store_step(q) == STORE_ROW;
	if (ok)
		acc_from_row(q, acc);
	store_stmt_done(q);
	return ok;
}

static void emit(struct app *app, struct store *st, const struct account *acc, directory_fn *fn,
                 void *ctx)
{
	struct directory_entry e;
	char *first = NULL, *last = NULL;
	memset(&e, 0, sizeof(e));
	snprintf(e.username, sizeof(e.username), "%s", acc->username);
	if (profile_names(app, st, acc, &first, &last) == 0 && (first || last))
		snprintf(e.display_name, sizeof(e.display_name), "%s%s%s", first ? first : "",
		         first && last ? " " : "", last ? last : "");
	else
		snprintf(e.display_name, sizeof(e.display_name), "%s", acc->username);
	if (first != NULL)
		secret_free(first, strlen(first) + 1);
	if (last != NULL)
		secret_free(last, strlen(last) + 1);
	fn(&e, ctx);
	secret_wipe(&e, sizeof(e));
}

static int emit_visible(struct app *app, struct store *st, const struct account *caller,
                        const struct cands *c, bool skip_self, directory_fn *fn, void *ctx)
{
	int shown = 0;
	for (int i = 0; i < c->n && shown < DIRECTORY_MAX_RESULTS; i++) {
		struct account acc;
		if (skip_self && strcmp(c->ids[i], caller->id) == 0)
			continue;
		if (!visible(st, caller, c->ids[i], &acc))
			continue;
		emit(app, st, &acc, fn, ctx);
		shown++;
	}
	return shown;
}

static const char *const name_sql[DIRECTORY_QUERY_TOKENS + 1] = {
    NULL,
    "SELECT account_id FROM directory_index WHERE kind = 'name' AND token IN (?) "
    "GROUP BY account_id HAVING COUNT(DISTINCT token) = ? LIMIT 200",
    "SELECT account_id FROM directory_index WHERE kind = 'name' AND token IN (?, ?) "
    "GROUP BY account_id HAVING COUNT(DISTINCT token) = ? LIMIT 200",
    "SELECT account_id FROM directory_index WHERE kind = 'name' AND token IN (?, ?, ?) "
    "GROUP BY account_id HAVING COUNT(DISTINCT token) = ? LIMIT 200",
    "SELECT account_id FROM directory_index WHERE kind = 'name' AND token IN (?, ?, ?, ?) "
    "GROUP BY account_id HAVING COUNT(DISTINCT token) = ? LIMIT 200",
};

static int search_names(struct app *app, struct store *st, const char *q, struct cands *c)
{
	char toks[DIRECTORY_QUERY_TOKENS + 1][65], h[DIRECTORY_QUERY_TOKENS][65];
	int n = directory_tokens(q, toks, DIRECTORY_QUERY_TOKENS + 1);
	if (n == 0 || n > DIRECTORY_QUERY_TOKENS)
		return n == 0 ? 0 : -2;
	for (int i = 0; i < n; i++)
		if (keys_blind_index(app->keys, st, "", "directory-name", toks[i], h[i]) < 0)
			return -1;
	struct store_stmt *s = store_prepare(st, name_sql[n]);
	if (s == NULL)
		return -1;
	for (int i = 0; i < n; i++)
		store_bind_text(s, i + 1, h[i]);
	store_bind_int(s, n + 1, n);
	return cands_from(s, c);
}

int directory_search(struct app *app, struct store *st, const struct account *caller, const char *q,
                     directory_fn *fn, void *ctx, const char **error_r)
{
	struct cands *c = xcalloc(1, sizeof(*c));
	size_t len = q ? strlen(q) : 0;
	int ret = -1;
	*error_r = "invalid_field";
	if (len == 0 || len > DIRECTORY_QUERY_MAX)
		goto out;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)q[i] < ' ')
			goto out;
	*error_r = "internal";
	if (strchr(q, '@') != NULL) {
		char norm[ACCOUNTS_EMAIL_MAX + 1], h[65];
		if (acc_email_normalise(q, norm, sizeof(norm)) == 0) {
			if (acc_email_index(app, st, norm, h) < 0 ||
			    cands_from(store_query(st,
			                           "SELECT id FROM accounts WHERE email_index = ?",
			                           "s", h),
			               c) < 0)
				goto out;
		}
	} else {
		char lower[DIRECTORY_QUERY_MAX + 1];
		for (size_t i = 0; i <= len; i++)
			lower[i] = (char)(q[i] >= 'A' && q[i] <= 'Z' ? q[i] + 32 : q[i]);
		if (accounts_username_valid(lower) &&
		    cands_from(
		        store_query(st, "SELECT id FROM accounts WHERE username = ?", "s", lower),
		        c) < 0)
			goto out;
		int rc = search_names(app, st, q, c);
		if (rc == -2) {
			*error_r = "invalid_field";
			goto out;
		}
		if (rc < 0)
			goto out;
	}
	emit_visible(app, st, caller, c, false, fn, ctx);
	*error_r = NULL;
	ret = 0;
out:
	free(c);
	return ret;
}

int directory_suggestions(struct app *app, struct store *st, const struct account *caller,
                          directory_fn *fn, void *ctx, const char **error_r)
{
	struct cands *c = xcalloc(1, sizeof(*c));
	int ret = -1;
	*error_r = "internal";
	if (caller->tenant_id[0] == '\0') { /* freemium: no company domain to go by */
		ret = 0;
		*error_r = NULL;
		goto out;
	}
	if (cands_from(store_query(st,
	                           "SELECT o.account_id FROM directory_index me JOIN "
	                           "directory_index o ON o.kind = 'domain' AND o.token = me.token "
	                           "AND o.tenant_id = me.tenant_id WHERE me.account_id = ? AND "
	                           "me.kind = 'domain' AND me.tenant_id = ? AND o.account_id <> ? "
	                           "LIMIT 200",
	                           "sss", caller->id, caller->tenant_id, caller->id),
	               c) < 0)
		goto out;
	emit_visible(app, st, caller, c, true, fn, ctx);
	*error_r = NULL;
	ret = 0;
out:
	free(c);
	return ret;
}

int directory_tenant_get(struct store *st, const char *tenant_id, bool *discoverable_r)
{
	struct store_stmt *q =
	    store_query(st, "SELECT discoverable FROM tenants WHERE id = ?", "s", tenant_id);
	int rc = q ? store_step(q) : STORE_ERROR;
	if (rc == STORE_ROW)
		*discoverable_r = store_col_int(q, 0) != 0;
	store_stmt_done(q);
	return rc == STORE_ROW ? 0 : -1;
}

int directory_tenant_set(struct app *app, struct store *st, const struct actor *actor,
                         const char *tenant_id, bool discoverable, const char **error_r)
{
	if (store_tx_begin(st) < 0)
		return *error_r = "internal", -1;
	if (store_run(st, "UPDATE tenants SET discoverable = ? WHERE id = ?", "ds",
	              (int)discoverable, tenant_id) != STORE_DONE ||
	    store_changes(st) != 1 ||
	    acc_audit(app, st, actor, tenant_id, "tenant.directory", "tenant", tenant_id,
	              "discoverable", true) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		return *error_r = "internal", -1;
	}
	*error_r = NULL;
	return 0;
}
