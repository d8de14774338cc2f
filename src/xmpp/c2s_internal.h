/*
 * xmpp/c2s_internal: the types shared by the client-to-server files
 * (xmpp_server.c, c2s.c, sasl*.c, session.c, router.c, roster*.c,
 * presence.c, archive.c, offline.c) and their tests. Nothing outside
 * src/xmpp includes it; the public contract is xmpp/xmpp_server.h.
 *
 * Threads: everything in these structs belongs to the loop thread, except
 * what a struct dbjob hands to its work function (which runs on the store's
 * writer thread or on a libuv worker, with that thread's store connection,
 * and must only touch the job).
 */
#ifndef IRIS_XMPP_C2S_INTERNAL_H
#define IRIS_XMPP_C2S_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/ids.h"
#include "crypto/scram.h"
#include "store/writer.h"
#include "xml/stanza_error.h"
#include "xml/stream_error.h"
#include "xml/xml_buf.h"
#include "xml/xml_elem.h"
#include "xml/xml_parser.h"
#include "xmpp/xmpp_module.h"

struct app;
struct config;
struct store;
struct tls_ctx;
struct tls_conn;
struct xmpp_server;
struct c2s_conn;

#define XMPP_NS_TLS "urn:ietf:params:xml:ns:xmpp-tls"
#define XMPP_NS_SASL "urn:ietf:params:xml:ns:xmpp-sasl"
#define XMPP_NS_BIND "urn:ietf:params:xml:ns:xmpp-bind"
#define XMPP_NS_SESSION "urn:ietf:params:xml:ns:xmpp-session"
#define XMPP_NS_ROSTER "jabber:iq:roster"
#define XMPP_NS_VERSION "jabber:iq:version"
#define XMPP_NS_PING "urn:xmpp:ping"
#define XMPP_NS_DELAY "urn:xmpp:delay"
#define XMPP_NS_DISCO_INFO "http://jabber.org/protocol/disco#info"
#define XMPP_NS_SM "urn:xmpp:sm:3"
#define XMPP_NS_INVISIBLE "urn:xmpp:invisible:0"

/* Resources bound at once per account; more get <resource-constraint/>. */
#define XMPP_MAX_RESOURCES 16
/* Stanzas waiting in one session's queue before reading pauses. */
#define C2S_QUEUE_PAUSE 64
/* Output bytes queued to a slow reader before the connection is closed. */
#define C2S_OUT_MAX (4u * 1024 * 1024)
/* Presence stanzas a session may send: PRESENCE_RATE per second, bursts of
 * PRESENCE_BURST; beyond, each is refused with <policy-violation/>. */
#define PRESENCE_RATE 5
#define PRESENCE_BURST 30
/* Items in a roster (stored ones; tenant members come on top). */
#define ROSTER_MAX_ITEMS 2000
#define ROSTER_MAX_GROUPS 16

/* ---- storage jobs (xmpp_server.c) ---------------------------------- */

/*
 * A unit of storage work. Batched jobs (tx = true) go to the store's one
 * writer thread (store/writer.h): work() runs there with the writer's
 * store, inside the batch's transaction and its own savepoint, so one
 * failing job does not undo the others; status is -1 for every job of a
 * batch whose commit failed. Jobs queued during one loop iteration are
 * handed to the writer together at its end (group commit); batches run one
 * at a time, in queue order, so a job sees every write of the jobs queued
 * before it. Unbatched jobs (tx = false: PBKDF2, reads) run at once,
 * concurrently, on a libuv worker with that thread's store. done() runs
 * afterwards on the loop thread, only after the commit is durable, and
 * frees the job.
 */
struct dbjob {
	struct dbjob *next;
	struct xmpp_server *srv;
	struct c2s_conn *conn; /* referenced while the job runs; may be NULL */
	bool tx;
	bool is_msg; /* a message job: later messages may pipeline */
	int status;
	void (*work)(struct dbjob *job, struct app *app, struct store *st);
	void (*done)(struct dbjob *job);
	uv_work_t req;        /* tx = false: libuv's pool */
	struct writer_job wj; /* tx = true: the writer thread */
};

/* Queues job (fields above set by the caller; conn is referenced). When the
 * writer's queue is full, batched jobs wait here, in order, and sessions
 * stop reading (srv->writer_blocked) until it has room again. */
void xmpp_job_submit(struct xmpp_server *srv, struct dbjob *job);

/* ---- roster items -------------------------------------------------- */

enum roster_sub { SUB_NONE = 0, SUB_TO, SUB_FROM, SUB_BOTH };

struct roster_item {
	char *jid; /* bare, normalised */
	char *name;
	char *groups[ROSTER_MAX_GROUPS];
	unsigned n_groups;
	enum roster_sub sub;
	bool ask_out;
	bool pending_in;
	bool approved;
	bool in_roster;
};

struct roster {
	struct roster_item *items;
	size_t n, cap;
};

const char *roster_sub_name(enum roster_sub sub);
int roster_sub_parse(const char *s, enum roster_sub *sub_r);
bool roster_sub_has_to(enum roster_sub sub);
bool roster_sub_has_from(enum roster_sub sub);
void roster_item_clear(struct roster_item *it);
void roster_item_copy(struct roster_item *dst, const struct roster_item *src);
struct roster_item *roster_find(struct roster *r, const char *jid);
/* Replaces or adds a copy of it (removes when !in_roster && !pending_in &&
 * sub none && !approved && !ask_out). */
void roster_put(struct roster *r, const struct roster_item *it);
void roster_clear(struct roster *r);

/* Storage (worker thread). owner is an account id; contact a bare JID. */
int roster_db_load(struct app *app, struct store *st, const char *tenant_id, const char *owner_id,
                   struct roster *out);
int roster_db_get(struct app *app, struct store *st, const char *tenant_id, const char *owner_id,
                  const char *contact, struct roster_item *out, bool *found_r);
int roster_db_put(struct app *app, struct store *st, const char *tenant_id, const char *owner_id,
                  const struct roster_item *it);
int roster_db_delete(struct store *st, const char *owner_id, const char *contact);
/* The shared roster of a tenant (P-PRE-2): its name (NULL when unknown) and
 * the usernames of its active accounts other than except_id, sorted, at
 * most 5000. *tenant_name_r, *members_r and each member are malloc'd and
 * the caller's; *members_r is NULL when there are none. */
void roster_db_tenant_members(struct store *st, const char *tenant_id, const char *except_id,
                              char **tenant_name_r, char ***members_r, size_t *n_r);

/* Subscription state machine of RFC 6121 §3, pure. */
enum sub_event { SUB_EV_SUBSCRIBE, SUB_EV_SUBSCRIBED, SUB_EV_UNSUBSCRIBE, SUB_EV_UNSUBSCRIBED };
/* Applies what the owner sends (outbound) to the owner's item; returns true
 * when the stanza is to be delivered to the contact. */
bool roster_sub_outbound(struct roster_item *it, enum sub_event ev);
/* Applies what the owner receives (inbound) to the owner's item; returns
 * true when it changed the item (and so needs a push), sets *deliver_r when
 * the stanza must reach the owner's resources, *auto_reply_r when the
 * server answers "subscribed" on the owner's behalf (already subscribed or
 * pre-approved). */
bool roster_sub_inbound(struct roster_item *it, enum sub_event ev, bool *deliver_r,
                        bool *auto_reply_r);

/* ---- accounts as seen by XMPP ------------------------------------- */

struct xacct {
	char id[IDS_UUID_LEN];
	char tenant_id[IDS_UUID_LEN];
	char username[65];
	char status[16];
	bool must_change_password;
	bool restricted; /* restriction of processing (P-DSR-4), set at login */
};
/* Looks username up (worker thread). 1 found, 0 not found, -1 error. */
int xacct_by_username(struct store *st, const char *username, struct xacct *out);
/* The local username of a bare JID on our domain, or NULL. Points into jid. */
const char *xacct_local_of(const struct xmpp_server *srv, const char *bare_jid, char *buf,
                           size_t size);

/* ---- online users and sessions ------------------------------------ */

struct xuser {
	struct xuser *hnext; /* hash chain by username */
	struct xuser *tnext; /* online members of the same tenant */
	struct xacct acct;
	char bare[160];            /* username@domain */
	struct c2s_conn *sessions; /* bound sessions, via conn->unext */
	unsigned n_sessions;
	struct roster roster;
	bool roster_loaded;
	char *tenant_name; /* NULL for freemium users */
	char **members;    /* usernames of the tenant's other active members */
	size_t n_members;
};

enum c2s_state {
	C2S_CONNECTED = 0, /* waiting for the stream header */
	C2S_TLS_OFFERED,   /* header answered, STARTTLS mandatory */
	C2S_SASL,          /* TLS (or allowed plaintext), mechanisms offered */
	C2S_AUTHED,        /* SASL done, bind offered */
	C2S_BOUND,         /* resource bound: stanzas flow */
	C2S_CLOSING,
};

struct sasl_state;
struct sm_state;
struct pep_sess;
struct ws_decoder;
struct http_upgraded;

struct c2s_conn {
	struct c2s_conn *next, *prev; /* server's list */
	struct c2s_conn *unext;       /* user's sessions */
	struct c2s_conn *dirty_next;  /* output to flush this iteration */
	struct xmpp_server *srv;
	uv_tcp_t tcp;
	uv_timer_t timer;
	unsigned refs; /* handles still open + jobs in flight */
	bool direct_tls, tls_active, secure, loopback, dirty, reading, dead, tls_pending;
	struct tls_conn *tls;
	struct xml_parser *parser;
	enum c2s_state state;
	char addr[64];
	char stream_id[33];
	struct xml_buf out;  /* plaintext waiting for the flush */
	size_t out_inflight; /* bytes handed to uv_write, not yet written */
	/* stanzas waiting because a job of this session is in flight */
	struct xml_doc **queue;
	size_t q_head, q_len, q_cap;
	unsigned jobs_inflight;
	unsigned msg_jobs; /* of which message jobs */
	struct sasl_state *sasl;
	/* after SASL */
	struct xacct acct;
	struct xuser *user;
	char *resource;
	char *full; /* user@domain/resource */
	bool available, wants_roster, initial_done;
	bool invisible; /* XEP-0186: available to itself, offline to others */
	int priority;
	struct xml_doc *presence; /* last broadcast available presence */
	char **directed;          /* full JIDs that got directed presence */
	size_t n_directed;
	char version_id[20]; /* id of our jabber:iq:version query */
	char addr_hash[65];
	/* The last account_state_changes seq the login saw (account_watch.c):
	 * set at the SASL lookup, then by the transaction that accepted it. */
	int64_t state_seq;
	double presence_tokens; /* flood bucket, see PRESENCE_RATE */
	uint64_t presence_at;   /* uv_now() of the last refill */
	/* XEP-0198 (sm.c): NULL until <enable/>. A hibernating session lost
	 * its TCP connection (dead) but stays bound, waiting for <resume/>. */
	struct sm_state *sm;
	/* XEP-0352 client state and +notify interests (pep_csi.c); NULL until
	 * the session needs them, freed by pep_session_end. */
	struct pep_sess *pep;
	bool hibernating;
	/* XMPP over WebSocket (RFC 7395): each element is one text message */
	bool ws, ws_close_sent, ws_closed_by_peer;
	struct ws_decoder *wsd;
};

/* c2s.c */
void c2s_accept(struct xmpp_server *srv, uv_stream_t *listener, bool direct_tls);
/* Appends a stanza (written in jabber:client scope) to the output. */
void c2s_send(struct c2s_conn *c, const struct xml_elem *stanza);
void c2s_send_raw(struct c2s_conn *c, const char *text);
/* Appends one complete element (a WebSocket message when framing). */
void c2s_out_element(struct c2s_conn *c, const char *text, size_t len);
/* Appends one stanza written in jabber:client scope (qualified when framing). */
void c2s_out_stanza(struct c2s_conn *c, const char *text, size_t len);
/* A connection upgraded to WebSocket on the HTTPS listener. */
void c2s_accept_ws(struct xmpp_server *srv, struct http_upgraded *up);
/* Appends one stanza already written as text (counted by XEP-0198; the
 * message id of an archived message lets it go back to offline storage). */
void c2s_send_stanza_text(struct c2s_conn *c, const char *text, size_t len, const char *message_id);
/* XEP-0198: the transport of a resumable session is gone (or replaced):
 * closes the socket, keeps the session bound for xmpp.resume_timeout_s. */
void c2s_sm_detach(struct c2s_conn *c);
/* Ends a hibernating session now (timeout, conflict, shutdown). */
void c2s_sm_expire(struct c2s_conn *c);
/* Frees a connection whose session moved to another one. */
void c2s_retire(struct c2s_conn *c);
/* Stream error, stream close, then the transport closes after the flush. */
void c2s_stream_error(struct c2s_conn *c, enum stream_error_cond cond, const char *text);
void c2s_close(struct c2s_conn *c);
/* Flushes every connection with pending output (once per iteration). */
void c2s_flush_dirty(struct xmpp_server *srv);
void c2s_ref(struct c2s_conn *c);
void c2s_unref(struct c2s_conn *c);
/* A job of this session finished: runs queued stanzas. */
void c2s_job_finished(struct c2s_conn *c);
/* The writer has room again: every session runs its held stanzas and
 * reads again (backpressure off). */
void c2s_writer_unblocked(struct xmpp_server *srv);
/* Restarts the stream after SASL success. */
void c2s_restart_stream(struct c2s_conn *c);
/* Sends the features for the current state after a stream header. */
void c2s_send_stanza_error(struct c2s_conn *c, const struct xml_elem *stanza,
                           enum stanza_error_cond cond);

/* sm.c: stream management (XEP-0198) */
void sm_features(struct c2s_conn *c, struct xml_elem *features);
/* <enable/>, <r/>, <a/>, <resume/>; takes doc. */
void sm_handle(struct c2s_conn *c, struct xml_doc *doc);
void sm_count_in(struct c2s_conn *c);
bool sm_resumable(const struct c2s_conn *c);
void sm_record_out(struct c2s_conn *c, const char *text, size_t len, const char *message_id);
/* Appends an <r/> when stanzas were sent since the last one. */
void sm_before_flush(struct c2s_conn *c);
void sm_job_finished(struct c2s_conn *c);
/* The session ends without resumption: unacknowledged archived messages
 * go back to offline storage; frees the state. */
void sm_session_end(struct c2s_conn *c);
void sm_free(struct c2s_conn *c);

/* sasl.c: handles <auth/>, <response/>, <abort/> in C2S_SASL. */
void sasl_features(struct c2s_conn *c, struct xml_elem *features);
void sasl_handle(struct c2s_conn *c, struct xml_elem *el);
void sasl_free(struct sasl_state **s);
/* The account a SASL exchange in progress is about (looked up), or NULL. */
const struct xacct *sasl_account(const struct c2s_conn *c);

/* session.c */
void session_features(struct c2s_conn *c, struct xml_elem *features);
/* A stanza of a bound session (or bind/session iq in C2S_AUTHED). */
void session_dispatch(struct c2s_conn *c, struct xml_doc *doc);
/* The session ends (connection closing): unavailable, unbind. */
void session_end(struct c2s_conn *c);
struct xuser *xuser_find(struct xmpp_server *srv, const char *username);
/* Available resources of u in priority order; returns the count. */
size_t xuser_available(struct xuser *u, struct c2s_conn **out, size_t max);
void server_send_iq_result(struct c2s_conn *c, const struct xml_elem *iq,
                           struct xml_doc **payload_doc);

/* router.c */
void router_message(struct c2s_conn *c, struct xml_doc *doc);
void router_iq(struct c2s_conn *c, struct xml_doc *doc);
/* Delivers a stanza to u's resources that are eligible (message rules of
 * RFC 6121 §8.5.2). Returns the number of resources it went to. */
size_t router_deliver_bare(struct xuser *u, const struct xml_elem *stanza, const char *type);
/* The session of a full JID, or NULL. */
struct c2s_conn *router_find_full(struct xmpp_server *srv, const char *full);

/* presence.c */
void presence_handle(struct c2s_conn *c, struct xml_doc *doc);
/* XEP-0186 <invisible/> or <visible/> iq (set): answers it; takes doc. */
void presence_invisible_iq(struct c2s_conn *c, struct xml_doc *doc, bool invisible);
void presence_unavailable(struct c2s_conn *c, const char *status_text);
/*
 * P-PRE-2: may viewer see owner's presence and profile? Members of the same
 * tenant, and contacts owner accepted (subscription from/both in owner's
 * roster). Members of a shared bubble join here when bubbles exist.
 */
bool presence_visible(const struct xuser *owner, const struct xacct *viewer,
                      const char *viewer_bare);
/* Sends u's current presence (each available resource) to one session. */
void presence_send_current(struct xuser *u, struct c2s_conn *to);
void presence_send_unavailable_to(struct xuser *u, struct c2s_conn *to_session,
                                  const char *to_bare);
/* Roster changes (done callbacks) may open or close visibility: sends the
 * presence of owner to viewer's sessions (or unavailable). */
void presence_after_sub_change(struct xmpp_server *srv, const char *owner_user,
                               const char *viewer_user);

/* roster.c (loop side) */
void roster_iq(struct c2s_conn *c, struct xml_doc *doc);
void roster_subscription(struct c2s_conn *c, struct xml_doc *doc, enum sub_event ev);
/* Loads the roster, tenant name and tenant members of c's user (once per
 * online user), then calls fn(c, doc) on the loop; fn owns doc. */
void roster_ensure_loaded(struct c2s_conn *c, struct xml_doc *doc,
                          void (*fn)(struct c2s_conn *c, struct xml_doc *doc));
void roster_push(struct xuser *u, const struct roster_item *it, bool removed);
/* Writes a roster <item/> for it under query. */
void roster_item_xml(struct xml_elem *query, const struct roster_item *it);

/* archive.c: the group-committed archive and offline store. */
/* Archives (when it carries a body) and routes a message to the local
 * account `to_user` (online or not); answers service-unavailable when the
 * account does not exist. Takes doc. */
void archive_message(struct c2s_conn *c, struct xml_doc *doc, const char *to_user,
                     const char *to_full);
/* Seals and stores one message (worker side); exposed for tests. */
struct archive_msg {
	const char *sender_id, *sender_tenant;
	const char *recipient_id, *recipient_tenant;
	const char *stanza;
	size_t stanza_len;
	bool offline;
	int64_t at_ms;
};
int archive_store(struct app *app, struct store *st, const struct archive_msg *m,
                  char message_id_r[IDS_UUID_LEN]);
/* The conversation subject and its tenant (worker or loop). */
void archive_conv_subject(const char *a_id, const char *a_tenant, const char *b_id,
                          const char *b_tenant, char subject[2 * IDS_UUID_LEN + 8],
                          char tenant[IDS_UUID_LEN]);

/* offline.c */
struct offline_msg {
	char id[IDS_UUID_LEN];
	char message_id[IDS_UUID_LEN];
	char *stanza; /* opened stanza text */
	size_t len;
	int64_t at_ms;
};
/* Reads (and opens) up to max waiting messages of owner_id, oldest first. */
int offline_load(struct app *app, struct store *st, const char *owner_id, size_t max,
                 struct offline_msg **out, size_t *n_r);
void offline_free(struct offline_msg *msgs, size_t n);
/* Sends msgs to c (with XEP-0203 delay) and queues their removal. */
void offline_deliver(struct c2s_conn *c, struct offline_msg *msgs, size_t n);
int offline_count(struct store *st, const char *owner_id);
/* Worker side (archive_db.c): queue an archived message for owner_id, and
 * remove one delivered offline row; 0 or -1. */
int offline_add(struct store *st, const char *owner_id, const char *message_id, int64_t at_ms);
int offline_remove(struct store *st, const char *offline_id);
/* Worker side (archive_db.c): an unacknowledged message back into
 * owner_id's offline queue unless deleted or already waiting; 0 or -1. */
int offline_requeue(struct store *st, const char *owner_id, const char *message_id);

/* connection log (P-LOG-1), worker side, inside the caller's transaction */
int connlog_write(struct store *st, const char *account_id, const char *tenant_id,
                  const char *event, const char *addr_hash, const char *client);

/* ---- the server ---------------------------------------------------- */

struct xmpp_server {
	uv_loop_t *loop;
	struct app *app;
	const struct config *cfg;
	struct tls_ctx *tls;
	char *domain;
	uv_tcp_t listen_plain, listen_tls;
	bool have_plain, have_tls;
	unsigned handles_open; /* listener handles to close on a failed start */
	int port_plain, port_tls;
	uv_check_t check;
	struct c2s_conn *conns;
	unsigned n_conns;
	struct c2s_conn *dirty;
	struct xuser **users; /* hash by username */
	size_t users_cap;
	struct {
		char tenant_id[IDS_UUID_LEN];
		struct xuser *head;
	} * tenants;
	size_t n_tenants, tenants_cap;
	/* storage jobs */
	struct writer *writer;                     /* the store's one writer (app->writer) */
	struct dbjob *pending_head, *pending_tail; /* not yet taken by the writer */
	unsigned jobs_in_writer;                   /* taken, done() not yet run */
	bool writer_blocked;   /* the writer refused a job: sessions stop reading */
	unsigned jobs_running; /* unbatched jobs on libuv's pool */
	bool draining;
	void (*drain_done)(void *arg);
	void *drain_arg;
	struct xml_limits limits;
	unsigned char fake_key[32];
	uint64_t next_id;
	/* message id of the archived message being routed (XEP-0198 keeps it
	 * with the unacknowledged copy), NULL otherwise */
	const char *sm_msg_id;
	struct account_watch *watch; /* account_watch.c */
	/* iq handlers of the registered modules, their disco features and
	 * per-server state (xmpp_registry.h) */
	struct xmpp_registry *registry;
};

/* The online-user record of acct (created on first bind), and its removal
 * when the last session ends. */
struct xuser *xmpp_user_get(struct xmpp_server *srv, const struct xacct *acct);
void xmpp_user_drop(struct xmpp_server *srv, struct xuser *u);
/* Online members of tenant_id ("" = none: NULL). */
struct xuser *xmpp_tenant_online(struct xmpp_server *srv, const char *tenant_id);
void xmpp_tenant_link(struct xmpp_server *srv, struct xuser *u);
void xmpp_tenant_unlink(struct xmpp_server *srv, struct xuser *u);
/* Called when something that drain waits for finished. */
void xmpp_server_maybe_drained(struct xmpp_server *srv);
/* A short unique id for stanzas the server makes. */
void xmpp_server_new_id(struct xmpp_server *srv, char out[20]);

/* router.c: the core's iq handlers (roster, session, ping, invisible) and
 * its message-only disco features. */
extern const struct xmpp_module router_xmpp;

/* account_watch.c: sessions end when their account may no longer log in
 * (core/account_events.h). start subscribes (loop thread, at start), stop
 * unsubscribes and closes the wake-up handle (at drain). */
struct account_event;
struct account_watch;
void account_watch_start(struct xmpp_server *srv);
void account_watch_stop(struct xmpp_server *srv);
/* Ends every session ev concerns with a stream error saying why (loop
 * thread); returns how many. */
unsigned account_watch_apply(struct xmpp_server *srv, const struct account_event *ev);

/* base64 (sasl_util.c) */
char *sasl_b64_encode(const void *data, size_t len);
/* Strict decode; "=" is the empty payload. -1 on invalid input or text
 * longer than max_text characters. sasl_b64_decode bounds it by the SCRAM
 * message limit; payloads (avatars, vCard photos) are bounded by the stanza
 * limit that carried them and then by the profile's avatar limit. */
int xmpp_b64_decode(const char *text, size_t max_text, unsigned char **out_r, size_t *len_r);
int sasl_b64_decode(const char *text, unsigned char **out_r, size_t *len_r);

#endif
