/*
 * xmpp/xep_internal: what the xep_*.c files share (loop thread unless
 * said otherwise). See xep.h.
 */
#ifndef IRIS_XMPP_XEP_INTERNAL_H
#define IRIS_XMPP_XEP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xmpp/c2s_internal.h"
#include "xmpp/xmpp_module.h"

#define NS_DISCO_ITEMS "http://jabber.org/protocol/disco#items"
#define NS_CAPS "http://jabber.org/protocol/caps"
#define NS_LAST "jabber:iq:last"
#define NS_VCARD "vcard-temp"
#define NS_MAM "urn:xmpp:mam:2"
#define NS_RSM "http://jabber.org/protocol/rsm"
#define NS_XDATA "jabber:x:data"
#define NS_FORWARD "urn:xmpp:forward:0"
#define NS_CARBONS "urn:xmpp:carbons:2"
#define NS_RECEIPTS "urn:xmpp:receipts"
#define NS_MARKERS "urn:xmpp:chat-markers:0"
#define NS_BLOCKING "urn:xmpp:blocking"
#define NS_BLOCKING_ERRORS "urn:xmpp:blocking:errors"
#define NS_COMMANDS "http://jabber.org/protocol/commands"
#define NS_HINTS "urn:xmpp:hints"
#define NS_REGISTER "jabber:iq:register"
#define NS_IRIS_SEEN "urn:iris:seen:0"
#define XEP_CAPS_NODE "https://iris.example/caps"
#define XEP_CMD_DELETE "delete-history"

/* The extensions' iq handlers, disco features and state (xep.c). */
extern const struct xmpp_module xep_xmpp;

/* Where an iq or vCard query points. */
enum xep_target { XT_SERVER = 0, XT_SELF, XT_OTHER, XT_NONE };
/* XT_OTHER fills local (65 bytes) with the other account's username. */
enum xep_target xep_target_of(struct c2s_conn *c, const struct xml_elem *el, char local[65]);

/* Replies: result with the root of *payload (may be NULL); error. Both
 * free doc. */
void xep_result(struct c2s_conn *c, struct xml_doc **doc, struct xml_doc **payload);
void xep_error(struct c2s_conn *c, struct xml_doc **doc, enum stanza_error_cond cond);

/* Value of field var in a jabber:x:data form (NULL when absent). */
const char *xep_form_value(struct xml_elem *x, const char *var);
/* XEP-0082 date-time: parse to ms (-1 when invalid); format (32 bytes). */
int64_t xep_time_parse(const char *s);
void xep_time_format(int64_t ms, char out[32]);
/* Parses one stanza written by xml_writer in jabber:client scope. */
struct xml_doc *xep_parse_stanza(const char *text, size_t len);

/* Blocking (XEP-0191): does owner (username) block bare (or its domain)? */
bool xep_is_blocked(struct xmpp_server *srv, const char *owner, const char *bare);

/* ---- blocking_db.c: stored block lists (worker thread) ---------------- */

/* One stored block: the owner's username and the blocked JID. */
struct block_row {
	char *owner, *jid;
};
/* Every block of every account into *rows_r (malloc'd, the caller's; free
 * with blocking_db_rows_free). 0, or -1 with nothing returned. */
int blocking_db_load_all(struct store *st, struct block_row **rows_r, size_t *n_r);
void blocking_db_rows_free(struct block_row *rows, size_t n);
/* Adds (idempotent) or removes one block of owner_id, or clears all of
 * them; 0 or -1. */
int blocking_db_add(struct store *st, const char *owner_id, const char *jid, int64_t now_ms);
int blocking_db_remove(struct store *st, const char *owner_id, const char *jid);
int blocking_db_clear(struct store *st, const char *owner_id);

/* disco#info answer of an account's bare JID (frees doc). */
void xep_disco_account_reply(struct c2s_conn *c, struct xml_doc **doc);

/* xep_vcard.c */
void xep_vcard_iq(struct c2s_conn *c, struct xml_doc *doc, enum xep_target t, const char *local);
/* disco#info on another account's bare JID: answered when visible. */
void xep_disco_other(struct c2s_conn *c, struct xml_doc *doc, const char *local);
/* P-PRE-2 on the worker: may viewer see owner's profile? (owner offline) */
bool xep_visible_db(struct app *app, struct store *st, const struct xacct *owner,
                    const struct xacct *viewer, const char *viewer_bare);

/* xep_register.c: XEP-0077, password change only (q is the query; takes
 * doc) */
void xep_register_iq(struct c2s_conn *c, struct xml_doc *doc, struct xml_elem *q, bool set);

/* xep_mam.c */
void xep_mam_iq(struct c2s_conn *c, struct xml_doc *doc);
/* A receipt or marker of reader about a message of sender_user (id). */
void xep_mark(struct c2s_conn *c, const char *sender_user, const char *ref_id, bool displayed);
/* Worker: finds the message of sender to recipient with stanza id ref_id
 * among their last ones and stores its state. 1 found, 0 not, -1 error. */
int xep_mark_store(struct app *app, struct store *st, const char *sender_id,
                   const char *recipient_id, const char *ref_id, bool displayed, int64_t now_ms);

/* ---- mam_db.c: archive queries and delivery states (worker thread) ---- */

/* One archived message as a MAM result: the view id, its time, the opened
 * stanza (secret_free'd with mam_db_page_free) and, for a sent message,
 * its delivery state ("sent", "received", "displayed"; "" otherwise). */
struct mam_item {
	char id[IDS_UUID_LEN];
	int64_t at_ms;
	char *stanza;
	size_t len;
	char seen[16];
};
/* A query over owner's views: peer "" for every conversation, [start, end]
 * in ms, anchor a view id ("" for none) after which (or, backward, before
 * which) the page starts, at most max items. Strings are the caller's. */
struct mam_query {
	const char *owner, *peer, *anchor;
	int64_t start, end;
	bool backward;
	int max;
};
/* A page in chronological order; complete when it reaches the end in the
 * direction of paging; count of all views matching the filters. */
struct mam_page {
	struct mam_item *items;
	size_t n;
	int64_t count;
	bool complete;
};
/* Fills the caller's *out (its items are then the caller's, freed with
 * mam_db_page_free). Stanzas that cannot be opened (shredded) are left out.
 * 0, -1 on error, -2 when the anchor is not one of owner's views. */
int mam_db_query(struct app *app, struct store *st, const struct mam_query *mq,
                 struct mam_page *out);
void mam_db_page_free(struct mam_page *p);
/* Walks the last scan messages of sender to recipient, newest first, and
 * opens each; the first for which match(stanza, len, ctx) is true gives
 * its message and conversation ids. 1 found, 0 not, -1 error. */
int mam_db_find_sent(struct app *app, struct store *st, const char *sender_id,
                     const char *recipient_id, size_t scan,
                     bool (*match)(const char *stanza, size_t len, const void *ctx),
                     const void *ctx, char message_id_r[IDS_UUID_LEN], char conv_id_r[128]);
/* Records that message_id was received (and displayed) at now_ms; earlier
 * times are kept. 0 or -1. */
int mam_db_mark(struct store *st, const char *message_id, const char *conv_id, bool displayed,
                int64_t now_ms);

#endif
