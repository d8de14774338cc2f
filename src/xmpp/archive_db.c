/*
 * xmpp/archive_db: storage of the sealed 1:1 archive and of offline
 * deliveries (worker side, no loop state), see archive.c for the layout.
 * Kept apart from the loop code so unit tests link it with store and keys
 * only.
 */
#include "core/log.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "domain/app.h"
#include "store/store.h"
#include "xmpp/c2s_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void archive_conv_subject(const char *a_id, const char *a_tenant, const char *b_id,
                          const char *b_tenant, char subject[2 * IDS_UUID_LEN + 8],
                          char tenant[IDS_UUID_LEN])
{
	bool a_first = strcmp(a_id, b_id) <= 0;
	snprintf(subject, 2 * IDS_UUID_LEN + 8, "conv:%s:%s", a_first ? a_id : b_id,
	         a_first ? b_id : a_id);
	snprintf(tenant, IDS_UUID_LEN, "%s", strcmp(a_tenant, b_tenant) == 0 ? a_tenant : "");
}

int archive_store(struct app *app, struct store *st, const struct archive_msg *m,
                  char message_id_r[IDS_UUID_LEN])
{
	char subject[2 * IDS_UUID_LEN + 8], tenant[IDS_UUID_LEN], view[IDS_UUID_LEN];
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	int rc = -1;
	archive_conv_subject(m->sender_id, m->sender_tenant, m->recipient_id, m->recipient_tenant,
	                     subject, tenant);
	ids_uuid4(message_id_r);
	struct seal_ad ad = {"xmpp_messages", message_id_r, "stanza_sealed"};
	if (keys_seal(app->keys, st, tenant, subject, &ad, m->stanza, m->stanza_len, &sealed,
	              &sealed_len) < 0)
		return -1;
	if (store_run(st,
	              "INSERT INTO xmpp_messages (id, conv_id, conv_tenant, sender_id, "
	              "recipient_id, at_ms, stanza_sealed) VALUES (?, ?, ?, ?, ?, ?, ?)",
	              "sssssib", message_id_r, subject, tenant, m->sender_id, m->recipient_id,
	              m->at_ms, sealed, sealed_len) != STORE_DONE)
		goto out;
	ids_uuid4(view);
	if (store_run(st,
	              "INSERT INTO xmpp_archive (id, owner_id, message_id, peer_id, direction, "
	              "at_ms) VALUES (?, ?, ?, ?, 'out', ?)",
	              "ssssi", view, m->sender_id, message_id_r, m->recipient_id,
	              m->at_ms) != STORE_DONE)
		goto out;
	if (strcmp(m->sender_id, m->recipient_id) != 0) {
		ids_uuid4(view);
		if (store_run(st,
		              "INSERT INTO xmpp_archive (id, owner_id, message_id, peer_id, "
		              "direction, at_ms) VALUES (?, ?, ?, ?, 'in', ?)",
		              "ssssi", view, m->recipient_id, message_id_r, m->sender_id,
		              m->at_ms) != STORE_DONE)
			goto out;
	}
	if (m->offline) {
		ids_uuid4(view);
		if (store_run(st,
		              "INSERT INTO xmpp_offline (id, owner_id, message_id, at_ms) "
		              "VALUES (?, ?, ?, ?)",
		              "sssi", view, m->recipient_id, message_id_r, m->at_ms) != STORE_DONE)
			goto out;
	}
	rc = 0;
out:
	free(sealed);
	return rc;
}

int offline_count(struct store *st, const char *owner_id)
{
	struct store_stmt *q =
	    store_query(st, "SELECT COUNT(*) FROM xmpp_offline WHERE owner_id = ?", "s", owner_id);
	int n = 0;
	if (q != NULL && store_step(q) == STORE_ROW)
		n = (int)store_col_int(q, 0);
	store_stmt_done(q);
	return n;
}

int offline_load(struct app *app, struct store *st, const char *owner_id, size_t max,
                 struct offline_msg **out, size_t *n_r)
{
	struct store_stmt *q =
	    store_query(st,
	                "SELECT o.id, o.at_ms, m.id, m.conv_tenant, m.conv_id, m.stanza_sealed "
	                "FROM xmpp_offline o JOIN xmpp_messages m ON m.id = o.message_id "
	                "WHERE o.owner_id = ? ORDER BY o.at_ms, o.rowid LIMIT ?",
	                "si", owner_id, (int64_t)max);
	int rc;
	*out = NULL;
	*n_r = 0;
	if (q == NULL)
		return -1;
	struct offline_msg *v = xcalloc(max ? max : 1, sizeof(*v));
	size_t n = 0;
	while ((rc = store_step(q)) == STORE_ROW && n < max) {
		size_t sealed_len = 0;
		const void *sealed = store_col_blob(q, 5, &sealed_len);
		struct seal_ad ad = {"xmpp_messages", store_col_text(q, 2), "stanza_sealed"};
		snprintf(v[n].id, sizeof(v[n].id), "%s", store_col_text(q, 0));
		snprintf(v[n].message_id, sizeof(v[n].message_id), "%s", store_col_text(q, 2));
		v[n].at_ms = store_col_int(q, 1);
		if (keys_open_sealed(app->keys, st, store_col_text(q, 3), store_col_text(q, 4), &ad,
		                     sealed, sealed_len, &v[n].stanza, &v[n].len) < 0) {
			log_warn("event=xmpp_offline_unreadable");
			v[n].stanza = NULL; /* shredded or damaged: removed, not sent */
		}
		n++;
	}
	store_stmt_done(q);
	*out = v;
	*n_r = n;
	return rc == STORE_ROW || rc == STORE_DONE ? 0 : -1;
}

/* Queues an already archived message (message_id) for owner_id's next
 * session (worker side, in the caller's transaction); 0 or -1. */
int offline_add(struct store *st, const char *owner_id, const char *message_id, int64_t at_ms)
{
	char id[IDS_UUID_LEN];
	ids_uuid4(id);
	return store_run(
	           st,
	           "INSERT INTO xmpp_offline (id, owner_id, message_id, at_ms) VALUES (?, ?, ?, ?)",
	           "sssi", id, owner_id, message_id, at_ms) == STORE_DONE
	           ? 0
	           : -1;
}

/* Removes one delivered offline row (worker side; the message itself stays
 * in the archive); 0 or -1. */
int offline_remove(struct store *st, const char *offline_id)
{
	return store_run(st, "DELETE FROM xmpp_offline WHERE id = ?", "s", offline_id) == STORE_DONE
	           ? 0
	           : -1;
}

/* Puts an archived message that a session ended without acknowledging
 * back into owner_id's offline queue at its original time (worker side, in
 * the caller's transaction). Nothing is done when the message was deleted
 * meanwhile or is already waiting. 0 or -1. */
int offline_requeue(struct store *st, const char *owner_id, const char *message_id)
{
	struct store_stmt *q =
	    store_query(st,
	                "SELECT (SELECT at_ms FROM xmpp_messages WHERE id = ?), "
	                "(SELECT COUNT(*) FROM xmpp_offline WHERE owner_id = ? AND "
	                "message_id = ?)",
	                "sss", message_id, owner_id, message_id);
	if (q == NULL || store_step(q) != STORE_ROW) {
		if (q != NULL)
			store_stmt_done(q);
		return -1;
	}
	bool gone = store_col_is_null(q, 0);
	int64_t at = store_col_int(q, 0);
	int64_t have = store_col_int(q, 1);
	store_stmt_done(q);
	if (gone || have > 0)
		return 0;
	return offline_add(st, owner_id, message_id, at);
}

void offline_free(struct offline_msg *msgs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (msgs[i].stanza != NULL)
			secret_free(msgs[i].stanza, msgs[i].len + 1);
	free(msgs);
}
