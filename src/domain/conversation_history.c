/*
 * domain/conversation_history: per-user deletion of a conversation's history
 * (P-CHAT-2, P-CHAT-3); see conversation_history.h.
 */
#include "domain/conversation_history.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/log.h"
#include "crypto/keys.h"
#include "domain/accounts.h"
#include "domain/app.h"
#include "privacy/audit.h"
#include "privacy/deletion_log.h"
#include "privacy/dsr.h"
#include "store/store.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static conversation_call_history_fn *call_hook;

void conversation_history_set_call_hook(conversation_call_history_fn *fn)
{
	call_hook = fn;
}

static int64_t count1(struct store *st, const char *sql, const char *a, const char *b)
{
	struct store_stmt *q = store_query(st, sql, "ss", a, b);
	int64_t n = -1;
	if (q != NULL && store_step(q) == STORE_ROW)
		n = store_col_int(q, 0);
	store_stmt_done(q);
	return n;
}

/* The conversation subject and tenant of owner and peer, from their
 * messages (empty when they have none). */
static int conv_of(struct store *st, const char *owner, const char *peer, char conv[128],
                   char tenant[IDS_UUID_LEN])
{
	struct store_stmt *q =
	    store_query(st,
	                "SELECT conv_id, conv_tenant FROM xmpp_messages WHERE (sender_id = ? AND "
	                "recipient_id = ?) OR (sender_id = ? AND recipient_id = ?) LIMIT 1",
	                "ssss", owner, peer, peer, owner);
	int rc;
	conv[0] = tenant[0] = '\0';
	if (q == NULL)
		return -1;
	rc = store_step(q);
	if (rc == STORE_ROW) {
		snprintf(conv, 128, "%s", store_col_text(q, 0));
		snprintf(tenant, IDS_UUID_LEN, "%s", store_col_text(q, 1));
	}
	store_stmt_done(q);
	return rc == STORE_ROW || rc == STORE_DONE ? 0 : -1;
}

static int delete_tx(struct app *app, struct store *st, const char *owner_id,
                     const char *owner_tenant, const char *actor_id, const char *actor_role,
                     const char *peer_id, struct conversation_history_result *out)
{
	char conv[128], conv_tenant[IDS_UUID_LEN];
	if (conv_of(st, owner_id, peer_id, conv, conv_tenant) < 0)
		return -1;
	out->views =
	    count1(st, "SELECT COUNT(*) FROM xmpp_archive WHERE owner_id = ? AND peer_id = ?",
	           owner_id, peer_id);
	if (out->views < 0)
		return -1;
	/* waiting deliveries of the peer's messages to the owner */
	if (store_run(st,
	              "DELETE FROM xmpp_offline WHERE owner_id = ? AND message_id IN (SELECT "
	              "message_id FROM xmpp_archive WHERE owner_id = ? AND peer_id = ?)",
	              "sss", owner_id, owner_id, peer_id) != STORE_DONE ||
	    store_run(st, "DELETE FROM xmpp_archive WHERE owner_id = ? AND peer_id = ?", "ss",
	              owner_id, peer_id) != STORE_DONE)
		return -1;
	if (conv[0] != '\0') {
		int64_t before = count1(st,
		                        "SELECT COUNT(*) FROM xmpp_messages WHERE conv_id = ? AND "
		                        "conv_tenant = ?",
		                        conv, conv_tenant);
		if (before < 0 ||
		    store_run(
		        st,
		        "DELETE FROM xmpp_messages WHERE conv_id = ? AND NOT EXISTS (SELECT 1 "
		        "FROM xmpp_archive a WHERE a.message_id = xmpp_messages.id) AND NOT "
		        "EXISTS (SELECT 1 FROM xmpp_offline o WHERE o.message_id = "
		        "xmpp_messages.id)",
		        "s", conv) != STORE_DONE ||
		    store_run(
		        st,
		        "DELETE FROM xep_msg_state WHERE conv_id = ? AND NOT EXISTS (SELECT 1 "
		        "FROM xmpp_messages m WHERE m.id = xep_msg_state.message_id)",
		        "s", conv) != STORE_DONE)
			return -1;
		int64_t left = count1(st,
		                      "SELECT COUNT(*) FROM xmpp_messages WHERE conv_id = ? AND "
		                      "conv_tenant = ?",
		                      conv, conv_tenant);
		if (left < 0)
			return -1;
		out->messages = before - left;
		if (left == 0) {
			/* every participant deleted: the key goes (P-CHAT-2) */
			if (keys_subject_destroy(app->keys, st, conv_tenant, conv) < 0)
				return -1;
			out->key_destroyed = true;
		}
	}
	if (call_hook != NULL) {
		out->calls = call_hook(st, owner_id, peer_id);
		if (out->calls < 0)
			return -1;
	}
	unsigned every = (unsigned)app->cfg->audit_checkpoint_every;
	struct audit_event ev = {.tenant_id = owner_tenant,
	                         .actor_id = actor_id,
	                         .actor_role = actor_role,
	                         .action = "chat.history_delete",
	                         .target_type = "account",
	                         .target_id = peer_id,
	                         .fields = "xmpp_archive,xmpp_offline,call_history"};
	if (audit_append(st, app->keys, &ev, every) < 0)
		return -1;
	if (out->key_destroyed) {
		struct audit_event k = {.tenant_id = owner_tenant,
		                        .actor_id = actor_id,
		                        .actor_role = actor_role,
		                        .action = "chat.conversation_shred",
		                        .target_type = "conversation",
		                        .target_id = conv,
		                        .fields = "xmpp_messages,xep_msg_state,subject_keys"};
		if (audit_append(st, app->keys, &k, every) < 0)
			return -1;
	}
	struct dsr_ctx cx = {app->keys, st, every};
	struct dsr_erasure e = {owner_tenant,
	                        owner_id,
	                        {actor_id, actor_role},
	                        NULL,
	                        "chat history deleted by its owner (P-CHAT-2)"};
	json_t *cats = json_pack("{s:I, s:I}", "dpv-pd:Communication", (json_int_t)out->views,
	                         "dpv-pd:CallLog", (json_int_t)out->calls);
	char log_id[IDS_UUID_LEN];
	int rc = cats != NULL
	             ? deletion_log_write_tx(&cx, &e, cats, out->views + out->calls, log_id)
	             : -1;
	json_decref(cats);
	return rc;
}

int conversation_history_delete(struct app *app, struct store *st, const char *owner_id,
                       const char *owner_tenant, const char *actor_id, const char *actor_role,
                       const char *peer_username, struct conversation_history_result *out,
                       const char **error_r)
{
	struct account peer;
	memset(out, 0, sizeof(*out));
	if (accounts_get_by_username(st, peer_username, &peer, error_r) < 0)
		return -1;
	if (store_tx_begin(st) < 0)
		return *error_r = "internal", -1;
	if (delete_tx(app, st, owner_id, owner_tenant, actor_id, actor_role, peer.id, out) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		char ps[LOG_PSEUDONYM_LEN];
		log_warn("event=chat_history_delete_failed owner=%s", log_pseudonym(owner_id, ps));
		memset(out, 0, sizeof(*out));
		return *error_r = "internal", -1;
	}
	char ps[LOG_PSEUDONYM_LEN];
	log_info("event=chat_history_deleted owner=%s views=%lld key_destroyed=%d",
	         log_pseudonym(owner_id, ps), (long long)out->views, out->key_destroyed ? 1 : 0);
	return 0;
}

static json_t *ms_or_null(struct store_stmt *q, int col)
{
	return store_col_is_null(q, col) ? json_null() : json_integer(store_col_int(q, col));
}

int conversation_history_states(struct store *st, const char *owner_id, const char *peer_username,
                       int64_t before_ms, size_t limit, json_t **out_r, const char **error_r)
{
	struct account peer;
	*out_r = NULL;
	if (accounts_get_by_username(st, peer_username, &peer, error_r) < 0)
		return -1;
	struct store_stmt *q = store_query(
	    st,
	    "SELECT a.id, a.direction, a.at_ms, s.received_ms, s.displayed_ms FROM xmpp_archive a "
	    "LEFT JOIN xep_msg_state s ON s.message_id = a.message_id "
	    "WHERE a.owner_id = ? AND a.peer_id = ? AND (? <= 0 OR a.at_ms < ?) "
	    "ORDER BY a.at_ms DESC, a.rowid DESC LIMIT ?",
	    "ssiii", owner_id, peer.id, before_ms, before_ms, (int64_t)limit);
	if (q == NULL)
		return *error_r = "internal", -1;
	json_t *list = json_array();
	int rc;
	while ((rc = store_step(q)) == STORE_ROW)
		json_array_append_new(
		    list,
		    json_pack("{s:s, s:s, s:I, s:o, s:o}", "id", store_col_text(q, 0), "direction",
		              store_col_text(q, 1), "sent_at", (json_int_t)store_col_int(q, 2),
		              "received_at", ms_or_null(q, 3), "displayed_at", ms_or_null(q, 4)));
	store_stmt_done(q);
	if (rc != STORE_DONE) {
		json_decref(list);
		return *error_r = "internal", -1;
	}
	*out_r = list;
	return 0;
}
