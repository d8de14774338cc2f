/*
 * xmpp/xep: the XMPP extensions served beside the c2s core (issue 3):
 * service discovery (XEP-0030) with entity capabilities (XEP-0115), ping
 * (XEP-0199), software version (XEP-0092), last activity / uptime
 * (XEP-0012), vcard-temp (XEP-0054) over the Iris profile, message
 * archive management (XEP-0313) with result set management (XEP-0059),
 * carbons (XEP-0280), receipts and chat markers stored as "seen"
 * (XEP-0184, XEP-0333), blocking (XEP-0191) and the ad-hoc command
 * "delete-history" (XEP-0050, P-CHAT-2). docs/xeps.md lists versions and
 * tests.
 *
 * The core calls four hooks (loop thread):
 */
#ifndef IRIS_XMPP_XEP_H
#define IRIS_XMPP_XEP_H

#include <stdbool.h>

struct c2s_conn;
struct xml_doc;
struct xml_elem;

/* router_iq, after the iq was validated and stamped: looks a get or set up
 * in the server's handler registry (xmpp_module.h: the handlers of every
 * registered module) and calls its handler; takes the client's answer to
 * the server's caps query. Returns true when the iq was handled (doc
 * taken); false leaves it to the router (a full JID, or
 * <service-unavailable/>). */
bool xep_iq_dispatch(struct c2s_conn *c, struct xml_doc *doc);

/* router_message, just before archive_message(c, doc, to_user, to_full):
 * returns true when the message was handled here (dropped, refused, or
 * archived and routed with carbons); doc is then taken. */
bool xep_message(struct c2s_conn *c, struct xml_doc *doc, const char *to_user, const char *to_full);

/* presence_handle, once from is stamped: returns true when a presence to
 * a local account was dropped by blocking (doc taken). */
bool xep_presence(struct c2s_conn *c, struct xml_doc *doc);

/* c2s before login: an in-band registration iq (XEP-0077) gets
 * <not-allowed/>, account creation over XMPP being off; returns true when
 * it was one (doc taken). */
bool xep_preauth_iq(struct c2s_conn *c, struct xml_doc *doc);

/* session_features: adds the server's entity capabilities (XEP-0115). */
void xep_stream_features(struct c2s_conn *c, struct xml_elem *features);

#endif
