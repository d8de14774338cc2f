/*
 * privacy/audit: appending to a tenant's chain and signing its head
 * (audit.h). Verification is in audit_verify.c, the auditor's extract in
 * audit_export.c.
 *
 * The API takes names, never values: an event's fields are column names and
 * its ids are opaque identifiers. Both are checked for shape here, so that a
 * caller who passes an e-mail address or a free text by mistake gets an
 * error instead of personal data frozen into an unerasable log.
 */
#include "privacy/audit.h"
#include "privacy/audit_internal.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#define AUDIT_ID_MAX 128
#define AUDIT_FIELDS_MAX 1024

/* An opaque identifier: letters, digits and "-_.:", 1 to 128 bytes. No '@',
 * no spaces: e-mail addresses and names are refused. */
static bool id_shaped(const char *s, bool empty_ok)
{
	size_t n = 0;
	for (; s[n] != '\0'; n++) {
		char c = s[n];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':';
		if (!ok || n >= AUDIT_ID_MAX)
			return false;
	}
	return n > 0 || empty_ok;
}

/* A lowercase name: [a-z0-9_.]+, starting with a letter; with commas when
 * list is true ("email,display_name"). */
static bool name_shaped(const char *s, bool list, size_t max)
{
	bool at_start = true;
	size_t n = 0;
	for (; s[n] != '\0'; n++) {
		char c = s[n];
		if (n >= max)
			return false;
		if (list && c == ',' && !at_start) {
			at_start = true;
			continue;
		}
		if (at_start ? !(c >= 'a' && c <= 'z')
		             : !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
		                 c == '.'))
			return false;
		at_start = false;
	}
	return n > 0 && !at_start;
}

/* Returns NULL when ev may be recorded, else what is wrong with it. */
static const char *event_problem(const struct audit_event *ev)
{
	if (ev->tenant_id == NULL || !id_shaped(ev->tenant_id, true))
		return "tenant_id is not an identifier";
	if (ev->actor_id == NULL || !id_shaped(ev->actor_id, false))
		return "actor_id is not an identifier";
	if (ev->actor_role == NULL || !name_shaped(ev->actor_role, false, 64))
		return "actor_role is not a role name";
	if (ev->action == NULL || !name_shaped(ev->action, false, 64))
		return "action is not a dotted verb";
	if (ev->target_type == NULL || !name_shaped(ev->target_type, false, 64))
		return "target_type is not a name";
	if (ev->target_id != NULL && !id_shaped(ev->target_id, false))
		return "target_id is not an identifier";
	if (ev->fields != NULL && *ev->fields != '\0' &&
	    !name_shaped(ev->fields, true, AUDIT_FIELDS_MAX))
		return "fields is not a list of column names (values are never recorded)";
	if (ev->request_id != NULL && !id_shaped(ev->request_id, false))
		return "request_id is not an identifier";
	return NULL;
}

/* Reads the head of tenant's chain: returns 1 with *seq_r and head, 0 when
 * the chain is empty (seq 0, zero head: the genesis), -1 on error. */
static int chain_head(struct store *st, const char *tenant_id, int64_t *seq_r,
                      unsigned char head[AUDIT_HASH_LEN])
{
	struct store_stmt *s =
	    store_query(st,
	                "SELECT seq, entry_hash FROM audit_log WHERE tenant_id = ? "
	                "ORDER BY seq DESC LIMIT 1",
	                "s", tenant_id);
	int rc;
	*seq_r = 0;
	memset(head, 0, AUDIT_HASH_LEN);
	if (s == NULL)
		return -1;
	rc = store_step(s);
	if (rc == STORE_ROW) {
		size_t len = 0;
		const void *h = store_col_blob(s, 1, &len);
		*seq_r = store_col_int(s, 0);
		if (h == NULL || len != AUDIT_HASH_LEN)
			rc = STORE_ERROR;
		else
			memcpy(head, h, AUDIT_HASH_LEN);
	}
	store_stmt_done(s);
	return rc == STORE_ROW ? 1 : rc == STORE_DONE ? 0 : -1;
}

/* Begins a transaction unless the caller already holds one; *own_r says
 * whether this call must commit it. */
static int tx_enter(struct store *st, bool *own_r)
{
	*own_r = !store_in_tx(st);
	return *own_r ? store_tx_begin(st) : 0;
}

static int tx_leave(struct store *st, bool own, int rc)
{
	if (!own)
		return rc;
	if (rc == 0)
		return store_tx_commit(st);
	store_tx_rollback(st);
	return rc;
}

static int insert_entry(struct store *st, const struct audit_row *row,
                        const unsigned char prev[AUDIT_HASH_LEN],
                        const unsigned char hash[AUDIT_HASH_LEN])
{
	int rc = store_run(st,
	                   "INSERT INTO audit_log (" AUDIT_ROW_COLUMNS ") "
	                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                   "siisssssssibb", row->tenant_id, row->seq, row->at_ms, row->actor_id,
	                   row->actor_role, row->action, row->target_type, row->target_id,
	                   row->fields, row->request_id, (int64_t)(row->instruction ? 1 : 0), prev,
	                   (size_t)AUDIT_HASH_LEN, hash, (size_t)AUDIT_HASH_LEN);
	if (rc != STORE_DONE) {
		log_warn("event=audit_append_failed seq=%lld error=\"%s\"", (long long)row->seq,
		         store_errmsg(st));
		return -1;
	}
	return 0;
}

/* Appends ev at the head of its chain; the caller holds the transaction. */
static int append_locked(struct store *st, struct keys *keys, const struct audit_event *ev,
                         unsigned checkpoint_every)
{
	unsigned char prev[AUDIT_HASH_LEN], hash[AUDIT_HASH_LEN];
	int64_t last;
	struct audit_row row = {
	    .tenant_id = ev->tenant_id,
	    .at_ms = audit_now_ms(),
	    .actor_id = ev->actor_id,
	    .actor_role = ev->actor_role,
	    .action = ev->action,
	    .target_type = ev->target_type,
	    .target_id = ev->target_id,
	    .fields = ev->fields != NULL && *ev->fields != '\0' ? ev->fields : NULL,
	    .request_id = ev->request_id,
	    .instruction = ev->instruction,
	};
	if (chain_head(st, ev->tenant_id, &last, prev) < 0)
		return -1;
	row.seq = last + 1;
	if (audit_entry_hash(prev, &row, hash) < 0 || insert_entry(st, &row, prev, hash) < 0)
		return -1;
	if (checkpoint_every != 0 && row.seq % checkpoint_every == 0)
		return audit_checkpoint(st, keys, ev->tenant_id);
	return 0;
}

int audit_append(struct store *st, struct keys *keys, const struct audit_event *ev,
                 unsigned checkpoint_every)
{
	const char *problem = event_problem(ev);
	bool own;
	if (problem != NULL) {
		log_warn("event=audit_event_refused reason=\"%s\"", problem);
		return -1;
	}
	if (tx_enter(st, &own) < 0)
		return -1;
	return tx_leave(st, own, append_locked(st, keys, ev, checkpoint_every));
}

/* Signs (tenant, seq, head) and stores the checkpoint; one per seq. */
static int store_checkpoint(struct store *st, struct keys *keys, const char *tenant_id, int64_t seq,
                            const unsigned char head[AUDIT_HASH_LEN])
{
	unsigned char sig[AUDIT_SIG_LEN], *msg = NULL;
	size_t len = 0;
	int rc;
	if (keys == NULL)
		return -1;
	audit_checkpoint_message(tenant_id, seq, head, &msg, &len);
	rc = keys_sign(keys, st, msg, len, sig);
	free(msg);
	if (rc < 0) {
		log_warn("event=audit_checkpoint_unsigned reason=\"signing failed\"");
		return -1;
	}
	rc =
	    store_run(st,
	              "INSERT INTO audit_checkpoints (tenant_id, seq, head_hash, signature, at_ms) "
	              "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
	              "sibbi", tenant_id, seq, head, (size_t)AUDIT_HASH_LEN, sig,
	              (size_t)AUDIT_SIG_LEN, audit_now_ms());
	return rc == STORE_DONE ? 0 : -1;
}

static int checkpoint_locked(struct store *st, struct keys *keys, const char *tenant_id)
{
	unsigned char head[AUDIT_HASH_LEN];
	int64_t seq;
	int rc = chain_head(st, tenant_id, &seq, head);
	if (rc <= 0)
		return rc; /* an empty chain has nothing to sign */
	return store_checkpoint(st, keys, tenant_id, seq, head);
}

int audit_checkpoint(struct store *st, struct keys *keys, const char *tenant_id)
{
	bool own;
	if (tenant_id == NULL || tx_enter(st, &own) < 0)
		return -1;
	return tx_leave(st, own, checkpoint_locked(st, keys, tenant_id));
}

/* Records the purge in the installation chain, keeps the final head in
 * audit_purges (which unlocks the delete triggers for this tenant), then
 * deletes the tenant's entries and checkpoints. */
static int purge_locked(struct store *st, struct keys *keys, const char *tenant_id,
                        const char *actor_id, const char *actor_role)
{
	unsigned char head[AUDIT_HASH_LEN];
	int64_t seq;
	struct audit_event ev = {
	    .tenant_id = "",
	    .actor_id = actor_id,
	    .actor_role = actor_role,
	    .action = "tenant.audit_purge",
	    .target_type = "tenant",
	    .target_id = tenant_id,
	    .instruction = true,
	};
	const char *problem =
	    *tenant_id == '\0' ? "the installation chain is never purged" : event_problem(&ev);
	if (problem != NULL) {
		log_warn("event=audit_purge_refused reason=\"%s\"", problem);
		return -1;
	}
	if (chain_head(st, tenant_id, &seq, head) < 0 || append_locked(st, keys, &ev, 0) < 0 ||
	    audit_checkpoint(st, keys, "") < 0)
		return -1;
	if (store_run(st,
	              "INSERT INTO audit_purges (tenant_id, last_seq, head_hash, at_ms) "
	              "VALUES (?, ?, ?, ?)",
	              "sibi", tenant_id, seq, head, (size_t)AUDIT_HASH_LEN,
	              audit_now_ms()) != STORE_DONE ||
	    store_run(st, "DELETE FROM audit_checkpoints WHERE tenant_id = ?", "s", tenant_id) !=
	        STORE_DONE ||
	    store_run(st, "DELETE FROM audit_log WHERE tenant_id = ?", "s", tenant_id) !=
	        STORE_DONE)
		return -1;
	return 0;
}

int audit_purge_tenant(struct store *st, struct keys *keys, const char *tenant_id,
                       const char *actor_id, const char *actor_role)
{
	bool own;
	if (tenant_id == NULL || tx_enter(st, &own) < 0)
		return -1;
	return tx_leave(st, own, purge_locked(st, keys, tenant_id, actor_id, actor_role));
}
