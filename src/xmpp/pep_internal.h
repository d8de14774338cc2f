/*
 * xmpp/pep_internal: what pep*.c share (see pep.h). Loop thread unless
 * said otherwise.
 */
#ifndef IRIS_XMPP_PEP_INTERNAL_H
#define IRIS_XMPP_PEP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xmpp/c2s_internal.h"
#include "xmpp/pep.h"
#include "xmpp/xmpp_module.h"

/* PEP and private XML handlers and features (pep.c). */
extern const struct xmpp_module pep_xmpp;
/* The module's per-server state (pep_avatar.c: the XEP-0153 hash cache). */
void *pep_state_new(struct xmpp_server *srv);
void pep_state_free(void *state);

struct keys;

#define NS_PUBSUB "http://jabber.org/protocol/pubsub"
#define NS_PUBSUB_EVENT "http://jabber.org/protocol/pubsub#event"
#define NS_PUBSUB_OWNER "http://jabber.org/protocol/pubsub#owner"
#define NS_PUBSUB_ERRORS "http://jabber.org/protocol/pubsub#errors"
#define NS_PRIVATE "jabber:iq:private"
#define NS_AVATAR_DATA "urn:xmpp:avatar:data"
#define NS_AVATAR_META "urn:xmpp:avatar:metadata"
#define NS_VCARD_UPDATE "vcard-temp:x:update"
#define NS_BOOKMARKS2 "urn:xmpp:bookmarks:1"

/* Bounds on what a client may store. */
#define PEP_NODE_MAX 256     /* bytes of a node name */
#define PEP_ITEM_ID_MAX 256  /* bytes of an item id */
#define PEP_NODES_MAX 64     /* nodes per account */
#define PEP_ITEMS_MAX 256    /* items per node ("max") */
#define PEP_PRIVATE_MAX 64   /* private XML namespaces per account */
#define PEP_LAST_OWNERS 2000 /* owners looked at for last items at login */

enum pep_access { PEP_ACCESS_PRESENCE = 0, PEP_ACCESS_WHITELIST };

/* ---- storage (worker thread; pep_db.c) ------------------------------ */

/* Node configuration; 1 found, 0 not, -1 error. */
int pep_db_node(struct store *st, const char *owner_id, const char *node, enum pep_access *access_r,
                int *max_items_r);
/* Creates or reconfigures a node (auto-create); -1 on error, -2 when the
 * account has PEP_NODES_MAX nodes. */
int pep_db_node_put(struct store *st, const char *owner_id, const char *tenant_id, const char *node,
                    enum pep_access access, int max_items, int64_t now_ms);
/* Stores item_xml (an <item id=.../> written standalone) under item_id,
 * replacing the same id, then trims the node to max_items. */
int pep_db_item_put(struct app *app, struct store *st, const char *owner_id, const char *tenant_id,
                    const char *node, const char *item_id, const char *item_xml, size_t len,
                    int max_items, int64_t now_ms);
/* 1 removed, 0 not there, -1 error. */
int pep_db_item_delete(struct app *app, struct store *st, const char *owner_id,
                       const char *tenant_id, const char *node, const char *item_id);
/* Opened item texts of a node, newest first (at most max; item_id NULL for
 * all). Each *out[i] is malloc'd; free with pep_db_free_items. */
int pep_db_items(struct app *app, struct store *st, const char *owner_id, const char *tenant_id,
                 const char *node, const char *item_id, size_t max, char ***out_r, size_t *n_r);
void pep_db_free_items(char **items, size_t n);
/* Names of owner_id's nodes, sorted (all when own, else those with the
 * presence access model), at most max; returns how many. Each nodes_r[i]
 * is malloc'd and the caller's to free. 0 on error. */
size_t pep_db_visible_nodes(struct store *st, const char *owner_id, bool own, char **nodes_r,
                            size_t max);
/* Up to max members of tenant_id other than except_id who have PEP nodes
 * (id, tenant_id, username filled in the caller's out); returns how many,
 * 0 on error. */
size_t pep_db_tenant_owners(struct store *st, const char *tenant_id, const char *except_id,
                            struct xacct *out, size_t max);
/* XEP-0049: the stored element of ns (opened, malloc'd) or NULL. */
int pep_db_private_get(struct app *app, struct store *st, const char *owner_id,
                       const char *tenant_id, const char *ns, char **xml_r, size_t *len_r);
int pep_db_private_put(struct app *app, struct store *st, const char *owner_id,
                       const char *tenant_id, const char *ns, const char *xml, size_t len,
                       int64_t now_ms);

/* Profile avatar: SHA-1 (hex, "" when none) and, when want_data, the bytes
 * and type (worker). 0 or -1. */
int pep_avatar_info(struct app *app, struct store *st, const struct xacct *acct, char hash[41],
                    char type[32], size_t *len_r, char **data_r);

/* ---- loop side ------------------------------------------------------ */

/* Per-session state (pep_csi.c): CSI, held presence, +notify interests. */
struct pep_sess {
	bool inactive;
	struct xml_doc **held; /* latest presence per sender, in first-held order */
	size_t n_held, cap_held;
	bool notify_known; /* the client's caps were answered */
	char **notify;     /* nodes with +notify */
	size_t n_notify;
	char caps_ver[64];
	char disco_id[20];
};
struct pep_sess *pep_sess_get(struct c2s_conn *c, bool create);
/* Does session s want notifications of node (XEP-0163 §4)? Without known
 * caps: yes. */
bool pep_wants(struct c2s_conn *s, const char *node);

/* Sends a pubsub#event message from owner's bare JID to every session
 * that may see it (P-PRE-2, blocking) and wants the node; whitelist nodes
 * only to the owner's own resources. ev is the <event/> element. */
void pep_notify(struct xmpp_server *srv, struct xuser *owner, const char *node,
                enum pep_access access, const struct xml_elem *event);

/* pep_avatar.c: XEP-0084 nodes over the profile avatar. */
bool pep_avatar_node(const char *node);
/* XEP-0153 stamp of a broadcast presence; see pep_presence_out. */
bool pep_avatar_presence(struct c2s_conn *c, struct xml_doc *doc);
/* Worker: the pubsub <items/> answer of an avatar node built from the
 * profile (NULL on error); item_id NULL for the current one. */
struct xml_doc *pep_avatar_items(struct app *app, struct store *st, const struct xacct *owner,
                                 const char *node, const char *item_id);
/* Worker: a publish to an avatar node sets (data) or removes (empty
 * metadata) the profile avatar; metadata must name the current avatar.
 * 1 notify, 0 stored without notification, -1 refused (*err_r). */
int pep_avatar_publish(struct app *app, struct store *st, const struct xacct *acct,
                       const char *node, const char *item_id, const char *item_xml, size_t len,
                       enum stanza_error_cond *err_r);
/* Loop: the avatar of c's user changed: forget the cached hash and send
 * the presence of each available session again (new XEP-0153 hash). */
void pep_avatar_changed(struct c2s_conn *c);

/* pep_csi.c: the client's caps (XEP-0115) in a broadcast presence: asks
 * its disco#info once per caps version to learn its +notify nodes. */
void pep_caps_seen(struct c2s_conn *c, const struct xml_elem *presence);
/* The client's answer to that query: pep_caps_answer (pep.h). */

/* pep.c: the last item of every node c's user may see (initial presence). */
void pep_send_last_items(struct c2s_conn *c);

#endif
