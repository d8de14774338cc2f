/*
 * xmpp/pep_db: storage of PEP nodes and items and of private XML
 * (migration 015, worker thread). Item texts and private elements are
 * sealed under the owner's subject key, bound to (table, row id, column);
 * item ids and private namespaces are looked up through blind indexes (an
 * item id of a bookmark is a room address).
 */
#include "core/ids.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "domain/app.h"
#include "store/store.h"
#include "xmpp/pep_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pep_db_node(struct store *st, const char *owner_id, const char *node, enum pep_access *access_r,
                int *max_items_r)
{
	struct store_stmt *q = store_query(
	    st, "SELECT access_model, max_items FROM pep_nodes WHERE owner_id = ? AND node = ?",
	    "ss", owner_id, node);
	if (q == NULL)
		return -1;
	int rc = store_step(q), found = 0;
	if (rc == STORE_ROW) {
		const char *a = store_col_text(q, 0);
		*access_r = a != NULL && strcmp(a, "whitelist") == 0 ? PEP_ACCESS_WHITELIST
		                                                     : PEP_ACCESS_PRESENCE;
		*max_items_r = (int)store_col_int(q, 1);
		found = 1;
	} else if (rc != STORE_DONE)
		found = -1;
	store_stmt_done(q);
	return found;
}

int pep_db_node_put(struct store *st, const char *owner_id, const char *tenant_id, const char *node,
                    enum pep_access access, int max_items, int64_t now_ms)
{
	enum pep_access old;
	int old_max;
	int found = pep_db_node(st, owner_id, node, &old, &old_max);
	const char *a = access == PEP_ACCESS_WHITELIST ? "whitelist" : "presence";
	if (found < 0)
		return -1;
	if (found == 1)
		return store_run(st,
		                 "UPDATE pep_nodes SET access_model = ?, max_items = ? WHERE "
		                 "owner_id = ? AND node = ?",
		                 "sdss", a, max_items, owner_id, node) == STORE_DONE
		           ? 0
		           : -1;
	struct store_stmt *q =
	    store_query(st, "SELECT COUNT(*) FROM pep_nodes WHERE owner_id = ?", "s", owner_id);
	int64_t n = 0;
	if (q == NULL)
		return -1;
	if (store_step(q) == STORE_ROW)
		n = store_col_int(q, 0);
	store_stmt_done(q);
	if (n >= PEP_NODES_MAX)
		return -2;
	return store_run(st,
	                 "INSERT INTO pep_nodes (owner_id, tenant_id, node, access_model, "
	                 "max_items, created_at) VALUES (?, ?, ?, ?, ?, ?)",
	                 "ssssdi", owner_id, tenant_id, node, a, max_items, now_ms) == STORE_DONE
	           ? 0
	           : -1;
}

static int item_key(struct app *app, struct store *st, const char *tenant_id, const char *node,
                    const char *item_id, char out[65])
{
	char *v = xasprintf("%s\n%s", node, item_id);
	int rc = keys_blind_index(app->keys, st, tenant_id, "pep-item", v, out);
	free(v);
	return rc;
}

int pep_db_item_put(struct app *app, struct store *st, const char *owner_id, const char *tenant_id,
                    const char *node, const char *item_id, const char *item_xml, size_t len,
                    int max_items, int64_t now_ms)
{
	char key[65], id[IDS_UUID_LEN];
	unsigned char *sealed = NULL;
	size_t slen = 0;
	if (item_key(app, st, tenant_id, node, item_id, key) < 0)
		return -1;
	if (store_run(st, "DELETE FROM pep_items WHERE owner_id = ? AND node = ? AND item_key = ?",
	              "sss", owner_id, node, key) != STORE_DONE)
		return -1;
	ids_uuid4(id);
	struct seal_ad ad = {"pep_items", id, "item_sealed"};
	if (keys_seal(app->keys, st, tenant_id, owner_id, &ad, item_xml, len, &sealed, &slen) < 0)
		return -1;
	int rc = store_run(st,
	                   "INSERT INTO pep_items (id, owner_id, tenant_id, node, item_key, "
	                   "item_sealed, published_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
	                   "sssssbi", id, owner_id, tenant_id, node, key, sealed, slen, now_ms);
	free(sealed);
	if (rc != STORE_DONE)
		return -1;
	/* keep the newest max_items */
	rc = store_run(st,
	               "DELETE FROM pep_items WHERE owner_id = ? AND node = ? AND id NOT IN "
	               "(SELECT id FROM pep_items WHERE owner_id = ? AND node = ? "
	               "ORDER BY published_ms DESC, rowid DESC LIMIT ?)",
	               "ssssd", owner_id, node, owner_id, node, max_items);
	return rc == STORE_DONE ? 0 : -1;
}

int pep_db_item_delete(struct app *app, struct store *st, const char *owner_id,
                       const char *tenant_id, const char *node, const char *item_id)
{
	char key[65];
	if (item_key(app, st, tenant_id, node, item_id, key) < 0)
		return -1;
	if (store_run(st, "DELETE FROM pep_items WHERE owner_id = ? AND node = ? AND item_key = ?",
	              "sss", owner_id, node, key) != STORE_DONE)
		return -1;
	return store_changes(st) > 0 ? 1 : 0;
}

int pep_db_items(struct app *app, struct store *st, const char *owner_id, const char *tenant_id,
                 const char *node, const char *item_id, size_t max, char ***out_r, size_t *n_r)
{
	char key[65];
	struct store_stmt *q;
	*out_r = NULL;
	*n_r = 0;
	if (item_id != NULL) {
		if (item_key(app, st, tenant_id, node, item_id, key) < 0)
			return -1;
		q = store_query(st,
		                "SELECT id, item_sealed FROM pep_items WHERE owner_id = ? AND "
		                "node = ? AND item_key = ?",
		                "sss", owner_id, node, key);
	} else
		q = store_query(st,
		                "SELECT id, item_sealed FROM pep_items WHERE owner_id = ? AND "
		                "node = ? ORDER BY published_ms DESC, rowid DESC LIMIT ?",
		                "ssd", owner_id, node, (int)max);
	if (q == NULL)
		return -1;
	int rc;
	char **out = xcalloc(max ? max : 1, sizeof(*out));
	size_t n = 0;
	while ((rc = store_step(q)) == STORE_ROW && n < (max ? max : 1)) {
		size_t slen = 0, plen = 0;
		const void *sealed = store_col_blob(q, 1, &slen);
		struct seal_ad ad = {"pep_items", store_col_text(q, 0), "item_sealed"};
		char *plain = NULL;
		if (keys_open_sealed(app->keys, st, tenant_id, owner_id, &ad, sealed, slen, &plain,
		                     &plen) < 0)
			continue; /* shredded or moved: as if absent */
		out[n++] = xstrdup(plain);
		secret_free(plain, plen + 1);
	}
	store_stmt_done(q);
	if (rc != STORE_ROW && rc != STORE_DONE) {
		pep_db_free_items(out, n);
		return -1;
	}
	*out_r = out;
	*n_r = n;
	return 0;
}

void pep_db_free_items(char **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

size_t pep_db_visible_nodes(struct store *st, const char *owner_id, bool own, char **nodes_r,
                            size_t max)
{
	struct store_stmt *q = store_query(
	    st, "SELECT node, access_model FROM pep_nodes WHERE owner_id = ? ORDER BY node", "s",
	    owner_id);
	size_t n = 0;
	if (q == NULL)
		return 0;
	while (n < max && store_step(q) == STORE_ROW) {
		const char *am = store_col_text(q, 1);
		if (own || (am != NULL && strcmp(am, "presence") == 0))
			nodes_r[n++] = xstrdup(store_col_text(q, 0));
	}
	store_stmt_done(q);
	return n;
}

size_t pep_db_tenant_owners(struct store *st, const char *tenant_id, const char *except_id,
                            struct xacct *out, size_t max)
{
	struct store_stmt *q = store_query(
	    st,
	    "SELECT DISTINCT n.owner_id, a.username FROM pep_nodes n JOIN accounts a ON "
	    "a.id = n.owner_id WHERE n.tenant_id = ? AND n.owner_id <> ? LIMIT ?",
	    "ssi", tenant_id, except_id, (int64_t)max);
	size_t n = 0;
	if (q == NULL)
		return 0;
	while (n < max && store_step(q) == STORE_ROW) {
		struct xacct *o = &out[n++];
		snprintf(o->id, sizeof(o->id), "%s", store_col_text(q, 0));
		snprintf(o->tenant_id, sizeof(o->tenant_id), "%s", tenant_id);
		snprintf(o->username, sizeof(o->username), "%s", store_col_text(q, 1));
	}
	store_stmt_done(q);
	return n;
}

static int private_key(struct app *app, struct store *st, const char *tenant_id, const char *ns,
                       char out[65])
{
	return keys_blind_index(app->keys, st, tenant_id, "xmpp-private", ns, out);
}

int pep_db_private_get(struct app *app, struct store *st, const char *owner_id,
                       const char *tenant_id, const char *ns, char **xml_r, size_t *len_r)
{
	char key[65];
	*xml_r = NULL;
	*len_r = 0;
	if (private_key(app, st, tenant_id, ns, key) < 0)
		return -1;
	struct store_stmt *q = store_query(
	    st, "SELECT id, xml_sealed FROM xmpp_private WHERE owner_id = ? AND ns_key = ?", "ss",
	    owner_id, key);
	if (q == NULL)
		return -1;
	int rc = store_step(q), ret = 0;
	if (rc == STORE_ROW) {
		size_t slen = 0, plen = 0;
		const void *sealed = store_col_blob(q, 1, &slen);
		struct seal_ad ad = {"xmpp_private", store_col_text(q, 0), "xml_sealed"};
		char *plain = NULL;
		if (keys_open_sealed(app->keys, st, tenant_id, owner_id, &ad, sealed, slen, &plain,
		                     &plen) == 0) {
			*xml_r = xstrdup(plain);
			*len_r = plen;
			secret_free(plain, plen + 1);
		}
	} else if (rc != STORE_DONE)
		ret = -1;
	store_stmt_done(q);
	return ret;
}

int pep_db_private_put(struct app *app, struct store *st, const char *owner_id,
                       const char *tenant_id, const char *ns, const char *xml, size_t len,
                       int64_t now_ms)
{
	char key[65], id[IDS_UUID_LEN];
	unsigned char *sealed = NULL;
	size_t slen = 0;
	if (private_key(app, st, tenant_id, ns, key) < 0)
		return -1;
	if (store_run(st, "DELETE FROM xmpp_private WHERE owner_id = ? AND ns_key = ?", "ss",
	              owner_id, key) != STORE_DONE)
		return -1;
	struct store_stmt *q =
	    store_query(st, "SELECT COUNT(*) FROM xmpp_private WHERE owner_id = ?", "s", owner_id);
	int64_t n = 0;
	if (q == NULL)
		return -1;
	if (store_step(q) == STORE_ROW)
		n = store_col_int(q, 0);
	store_stmt_done(q);
	if (n >= PEP_PRIVATE_MAX)
		return -2;
	ids_uuid4(id);
	struct seal_ad ad = {"xmpp_private", id, "xml_sealed"};
	if (keys_seal(app->keys, st, tenant_id, owner_id, &ad, xml, len, &sealed, &slen) < 0)
		return -1;
	int rc = store_run(st,
	                   "INSERT INTO xmpp_private (id, owner_id, tenant_id, ns_key, xml_sealed, "
	                   "updated_ms) VALUES (?, ?, ?, ?, ?, ?)",
	                   "ssssbi", id, owner_id, tenant_id, key, sealed, slen, now_ms);
	free(sealed);
	return rc == STORE_DONE ? 0 : -1;
}
