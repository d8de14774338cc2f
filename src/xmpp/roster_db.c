/*
 * xmpp/roster_db: roster rows (migration 012, table xmpp_roster). The
 * contact's bare JID stays in clear (routing needs it); the display name and
 * groups the owner chose are sealed under the owner's subject key, bound to
 * the row "<owner_id>/<contact>" and their column.
 */
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "domain/app.h"
#include "store/store.h"
#include "xmpp/c2s_internal.h"
#include "xmpp/sasl_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *row_id(const char *owner_id, const char *contact)
{
	return xasprintf("%s/%s", owner_id, contact);
}

static int seal_text(struct app *app, struct store *st, const char *tenant_id, const char *owner_id,
                     const char *row, const char *column, const char *text, unsigned char **out,
                     size_t *len)
{
	struct seal_ad ad = {"xmpp_roster", row, column};
	*out = NULL;
	*len = 0;
	if (text == NULL)
		return 0;
	return keys_seal(app->keys, st, tenant_id, owner_id, &ad, text, strlen(text), out, len);
}

static char *open_text(struct app *app, struct store *st, const char *tenant_id,
                       const char *owner_id, const char *row, const char *column,
                       struct store_stmt *q, int col)
{
	size_t len = 0, plen = 0;
	const void *sealed = store_col_blob(q, col, &len);
	char *plain = NULL;
	if (sealed == NULL || len == 0)
		return NULL;
	struct seal_ad ad = {"xmpp_roster", row, column};
	if (keys_open_sealed(app->keys, st, tenant_id, owner_id, &ad, sealed, len, &plain, &plen) <
	    0)
		return NULL;
	char *copy = xstrndup(plain, plen);
	secret_free(plain, plen + 1);
	return copy;
}

#define ROSTER_COLS                                                                                \
	"contact, name_sealed, groups_sealed, subscription, ask_out, pending_in, approved, "       \
	"in_roster"

static void read_item(struct app *app, struct store *st, const char *tenant_id,
                      const char *owner_id, struct store_stmt *q, struct roster_item *it)
{
	memset(it, 0, sizeof(*it));
	it->jid = xstrdup(store_col_text(q, 0));
	char *row = row_id(owner_id, it->jid);
	it->name = open_text(app, st, tenant_id, owner_id, row, "name_sealed", q, 1);
	char *groups = open_text(app, st, tenant_id, owner_id, row, "groups_sealed", q, 2);
	for (char *g = groups, *nl; g != NULL && *g && it->n_groups < ROSTER_MAX_GROUPS; g = nl) {
		nl = strchr(g, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		it->groups[it->n_groups++] = xstrdup(g);
		if (nl == NULL)
			break;
	}
	free(groups);
	free(row);
	(void)roster_sub_parse(store_col_text(q, 3), &it->sub);
	it->ask_out = store_col_int(q, 4) != 0;
	it->pending_in = store_col_int(q, 5) != 0;
	it->approved = store_col_int(q, 6) != 0;
	it->in_roster = store_col_int(q, 7) != 0;
}

int roster_db_load(struct app *app, struct store *st, const char *tenant_id, const char *owner_id,
                   struct roster *out)
{
	struct store_stmt *q = store_query(
	    st, "SELECT " ROSTER_COLS " FROM xmpp_roster WHERE owner_id = ? ORDER BY contact", "s",
	    owner_id);
	int rc;
	memset(out, 0, sizeof(*out));
	if (q == NULL)
		return -1;
	/* collect rows first: opening sealed values runs other statements */
	while ((rc = store_step(q)) == STORE_ROW) {
		struct roster_item it;
		read_item(app, st, tenant_id, owner_id, q, &it);
		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 16;
			out->items = xrealloc(out->items, out->cap * sizeof(*out->items));
		}
		out->items[out->n++] = it;
	}
	store_stmt_done(q);
	return rc == STORE_DONE ? 0 : -1;
}

int roster_db_get(struct app *app, struct store *st, const char *tenant_id, const char *owner_id,
                  const char *contact, struct roster_item *out, bool *found_r)
{
	struct store_stmt *q = store_query(
	    st, "SELECT " ROSTER_COLS " FROM xmpp_roster WHERE owner_id = ? AND contact = ?", "ss",
	    owner_id, contact);
	int rc;
	memset(out, 0, sizeof(*out));
	*found_r = false;
	if (q == NULL)
		return -1;
	rc = store_step(q);
	if (rc == STORE_ROW) {
		read_item(app, st, tenant_id, owner_id, q, out);
		*found_r = true;
	} else
		out->jid = xstrdup(contact);
	store_stmt_done(q);
	return rc == STORE_ROW || rc == STORE_DONE ? 0 : -1;
}

int roster_db_delete(struct store *st, const char *owner_id, const char *contact)
{
	return store_run(st, "DELETE FROM xmpp_roster WHERE owner_id = ? AND contact = ?", "ss",
	                 owner_id, contact) == STORE_DONE
	           ? 0
	           : -1;
}

int roster_db_put(struct app *app, struct store *st, const char *tenant_id, const char *owner_id,
                  const struct roster_item *it)
{
	if (!it->in_roster && !it->pending_in && !it->approved && !it->ask_out &&
	    it->sub == SUB_NONE)
		return roster_db_delete(st, owner_id, it->jid);
	char *row = row_id(owner_id, it->jid);
	char groups[ROSTER_MAX_GROUPS * 1025] = "";
	size_t gl = 0;
	for (unsigned i = 0; i < it->n_groups; i++) {
		int n = snprintf(groups + gl, sizeof(groups) - gl, "%s%s", i ? "\n" : "",
		                 it->groups[i]);
		if (n < 0 || (size_t)n >= sizeof(groups) - gl)
			break;
		gl += (size_t)n;
	}
	unsigned char *name_s = NULL, *groups_s = NULL;
	size_t name_len = 0, groups_len = 0;
	int rc = -1;
	if (seal_text(app, st, tenant_id, owner_id, row, "name_sealed", it->name, &name_s,
	              &name_len) < 0 ||
	    seal_text(app, st, tenant_id, owner_id, row, "groups_sealed",
	              it->n_groups ? groups : NULL, &groups_s, &groups_len) < 0)
		goto out;
	if (store_run(st,
	              "INSERT INTO xmpp_roster (owner_id, contact, name_sealed, groups_sealed, "
	              "subscription, ask_out, pending_in, approved, in_roster, updated_at) "
	              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner_id, contact) DO "
	              "UPDATE SET name_sealed = excluded.name_sealed, groups_sealed = "
	              "excluded.groups_sealed, subscription = excluded.subscription, ask_out = "
	              "excluded.ask_out, pending_in = excluded.pending_in, approved = "
	              "excluded.approved, in_roster = excluded.in_roster, updated_at = "
	              "excluded.updated_at",
	              "ssbbsddddi", owner_id, it->jid, name_s, name_len, groups_s, groups_len,
	              roster_sub_name(it->sub), (int)it->ask_out, (int)it->pending_in,
	              (int)it->approved, (int)it->in_roster, sasl_now_ms() / 1000) == STORE_DONE)
		rc = 0;
out:
	free(name_s);
	free(groups_s);
	free(row);
	return rc;
}

/* The tenant's name and its other active members, shown as roster items
 * (P-PRE-2), never stored as roster rows; everything returned is malloc'd
 * and the caller's (see c2s_internal.h). */
void roster_db_tenant_members(struct store *st, const char *tenant_id, const char *except_id,
                              char **tenant_name_r, char ***members_r, size_t *n_r)
{
	struct store_stmt *q =
	    store_query(st, "SELECT name FROM tenants WHERE id = ?", "s", tenant_id);
	*tenant_name_r = NULL;
	if (q != NULL && store_step(q) == STORE_ROW)
		*tenant_name_r = xstrdup(store_col_text(q, 0));
	store_stmt_done(q);
	q = store_query(st,
	                "SELECT username FROM accounts WHERE tenant_id = ? AND id <> ? AND "
	                "status = 'active' ORDER BY username LIMIT 5000",
	                "ss", tenant_id, except_id);
	char **members = NULL;
	size_t n = 0, cap = 0;
	while (q != NULL && store_step(q) == STORE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			members = xrealloc(members, cap * sizeof(*members));
		}
		members[n++] = xstrdup(store_col_text(q, 0));
	}
	store_stmt_done(q);
	*members_r = members;
	*n_r = n;
}
