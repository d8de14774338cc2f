/*
 * xmpp/mam_db: the storage side of message archive management (XEP-0313)
 * and of delivery states (receipts XEP-0184, chat markers XEP-0333), worker
 * thread only. Reads a user's archive views (xmpp_archive) with their
 * sealed stanzas opened under the conversation key, and records the state
 * of a sent message in xep_msg_state. The protocol side is xep_mam.c.
 */
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "domain/app.h"
#include "store/store.h"
#include "xmpp/xep_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Position of a view of owner: (at_ms, rowid); -1 when unknown. */
static int view_pos(struct store *st, const char *owner, const char *id, int64_t *at, int64_t *row)
{
	struct store_stmt *q =
	    store_query(st, "SELECT at_ms, rowid FROM xmpp_archive WHERE id = ? AND owner_id = ?",
	                "ss", id, owner);
	int rc = q ? store_step(q) : STORE_ERROR;
	if (rc == STORE_ROW) {
		*at = store_col_int(q, 0);
		*row = store_col_int(q, 1);
	}
	store_stmt_done(q);
	return rc == STORE_ROW ? 0 : -1;
}

/* One result row into *it; false when its stanza cannot be opened
 * (shredded: not shown). */
static bool read_item(struct app *app, struct store *st, struct store_stmt *q, struct mam_item *it)
{
	size_t sl = 0;
	const void *sealed = store_col_blob(q, 5, &sl);
	struct seal_ad ad = {"xmpp_messages", store_col_text(q, 2), "stanza_sealed"};
	if (keys_open_sealed(app->keys, st, store_col_text(q, 3), store_col_text(q, 4), &ad, sealed,
	                     sl, &it->stanza, &it->len) < 0)
		return false;
	snprintf(it->id, sizeof(it->id), "%s", store_col_text(q, 0));
	it->at_ms = store_col_int(q, 1);
	const char *dir = store_col_text(q, 8);
	if (dir != NULL && strcmp(dir, "out") == 0)
		snprintf(it->seen, sizeof(it->seen), "%s",
		         !store_col_is_null(q, 7)   ? "displayed"
		         : !store_col_is_null(q, 6) ? "received"
		                                    : "sent");
	return true;
}

/* How many views of the query's owner and peer lie in [start, end]; 0 when
 * the count cannot be read. */
static int64_t view_count(struct store *st, const struct mam_query *mq)
{
	int64_t n = 0;
	struct store_stmt *q =
	    store_query(st,
	                "SELECT COUNT(*) FROM xmpp_archive a WHERE a.owner_id = ? AND (? = '' OR "
	                "a.peer_id = ?) AND a.at_ms >= ? AND a.at_ms <= ?",
	                "sssii", mq->owner, mq->peer, mq->peer, mq->start, mq->end);
	if (q != NULL && store_step(q) == STORE_ROW)
		n = store_col_int(q, 0);
	store_stmt_done(q);
	return n;
}

int mam_db_query(struct app *app, struct store *st, const struct mam_query *mq,
                 struct mam_page *out)
{
	int64_t pos_at = 0, pos_row = 0;
	bool anchored = mq->anchor[0] != '\0';
	memset(out, 0, sizeof(*out));
	if (anchored && view_pos(st, mq->owner, mq->anchor, &pos_at, &pos_row) < 0)
		return -2; /* item-not-found (XEP-0059 §2.6) */
	/* one SQL text per direction; unused filters are made neutral */
	const char *sql_fwd =
	    "SELECT a.id, a.at_ms, m.id, m.conv_tenant, m.conv_id, m.stanza_sealed, "
	    "s.received_ms, s.displayed_ms, a.direction FROM xmpp_archive a "
	    "JOIN xmpp_messages m ON m.id = a.message_id "
	    "LEFT JOIN xep_msg_state s ON s.message_id = m.id "
	    "WHERE a.owner_id = ? AND (? = '' OR a.peer_id = ?) AND a.at_ms >= ? AND a.at_ms <= ? "
	    "AND (? = 0 OR a.at_ms > ? OR (a.at_ms = ? AND a.rowid > ?)) "
	    "ORDER BY a.at_ms, a.rowid LIMIT ?";
	const char *sql_back =
	    "SELECT a.id, a.at_ms, m.id, m.conv_tenant, m.conv_id, m.stanza_sealed, "
	    "s.received_ms, s.displayed_ms, a.direction FROM xmpp_archive a "
	    "JOIN xmpp_messages m ON m.id = a.message_id "
	    "LEFT JOIN xep_msg_state s ON s.message_id = m.id "
	    "WHERE a.owner_id = ? AND (? = '' OR a.peer_id = ?) AND a.at_ms >= ? AND a.at_ms <= ? "
	    "AND (? = 0 OR a.at_ms < ? OR (a.at_ms = ? AND a.rowid < ?)) "
	    "ORDER BY a.at_ms DESC, a.rowid DESC LIMIT ?";
	struct store_stmt *q =
	    store_query(st, mq->backward ? sql_back : sql_fwd, "sssiiiiiii", mq->owner, mq->peer,
	                mq->peer, mq->start, mq->end, (int64_t)(anchored ? 1 : 0), pos_at, pos_at,
	                pos_row, (int64_t)mq->max + 1);
	if (q == NULL)
		return -1;
	out->items = xcalloc((size_t)mq->max + 1, sizeof(*out->items));
	int rc;
	size_t got = 0;
	while ((rc = store_step(q)) == STORE_ROW) {
		if (got == (size_t)mq->max) {
			got++;
			break;
		}
		got++;
		if (read_item(app, st, q, &out->items[out->n]))
			out->n++;
	}
	store_stmt_done(q);
	if (rc != STORE_ROW && rc != STORE_DONE) {
		mam_db_page_free(out);
		return -1;
	}
	out->complete = got <= (size_t)mq->max;
	if (mq->backward) /* newest first: back to chronological order */
		for (size_t i = 0; i < out->n / 2; i++) {
			struct mam_item t = out->items[i];
			out->items[i] = out->items[out->n - 1 - i];
			out->items[out->n - 1 - i] = t;
		}
	out->count = view_count(st, mq);
	return 0;
}

void mam_db_page_free(struct mam_page *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i].stanza != NULL)
			secret_free(p->items[i].stanza, p->items[i].len + 1);
	free(p->items);
	p->items = NULL;
	p->n = 0;
}

int mam_db_find_sent(struct app *app, struct store *st, const char *sender_id,
                     const char *recipient_id, size_t scan,
                     bool (*match)(const char *stanza, size_t len, const void *ctx),
                     const void *ctx, char message_id_r[IDS_UUID_LEN], char conv_id_r[128])
{
	struct store_stmt *q = store_query(
	    st,
	    "SELECT id, conv_id, conv_tenant, stanza_sealed FROM xmpp_messages WHERE sender_id = ? "
	    "AND recipient_id = ? ORDER BY at_ms DESC, rowid DESC LIMIT ?",
	    "ssi", sender_id, recipient_id, (int64_t)scan);
	int rc, found = 0;
	if (q == NULL)
		return -1;
	while ((rc = store_step(q)) == STORE_ROW) {
		size_t sl = 0, len = 0;
		char *plain = NULL;
		const void *sealed = store_col_blob(q, 3, &sl);
		struct seal_ad ad = {"xmpp_messages", store_col_text(q, 0), "stanza_sealed"};
		if (keys_open_sealed(app->keys, st, store_col_text(q, 2), store_col_text(q, 1), &ad,
		                     sealed, sl, &plain, &len) < 0)
			continue;
		bool hit = match(plain, len, ctx);
		secret_free(plain, len + 1);
		if (hit) {
			snprintf(message_id_r, IDS_UUID_LEN, "%s", store_col_text(q, 0));
			snprintf(conv_id_r, 128, "%s", store_col_text(q, 1));
			found = 1;
			break;
		}
	}
	store_stmt_done(q);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return -1;
	return found;
}

int mam_db_mark(struct store *st, const char *message_id, const char *conv_id, bool displayed,
                int64_t now_ms)
{
	if (store_run(st, "INSERT OR IGNORE INTO xep_msg_state (message_id, conv_id) VALUES (?, ?)",
	              "ss", message_id, conv_id) != STORE_DONE ||
	    store_run(st,
	              "UPDATE xep_msg_state SET received_ms = COALESCE(received_ms, ?) "
	              "WHERE message_id = ?",
	              "is", now_ms, message_id) != STORE_DONE)
		return -1;
	if (displayed &&
	    store_run(st,
	              "UPDATE xep_msg_state SET displayed_ms = COALESCE(displayed_ms, ?) "
	              "WHERE message_id = ?",
	              "is", now_ms, message_id) != STORE_DONE)
		return -1;
	return 0;
}
