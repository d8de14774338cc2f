/*
 * xmpp/pep: the second XEP batch (issue 3 item 5): personal eventing
 * (XEP-0163) on a minimal PubSub subset (XEP-0060: publish, retract, items,
 * auto-create, publish-options), avatars (XEP-0084 nodes and the XEP-0153
 * hash in presence, both over the profile avatar of domain/profile.h),
 * bookmarks (XEP-0402 PEP nodes, private) and private XML storage
 * (XEP-0049), client state indication (XEP-0352) and the blocking filter
 * of presence broadcasts (XEP-0191). Items and private XML are sealed
 * under the owner's subject key (migration 015, pep_catalog.c).
 *
 * Hooks called by the core and xep.c (loop thread):
 */
#ifndef IRIS_XMPP_PEP_H
#define IRIS_XMPP_PEP_H

#include <stdbool.h>

struct c2s_conn;
struct xml_doc;
struct xml_elem;

/* xep_iq_dispatch: the client's answer (result or error) to the server's
 * caps query. True when it was one (doc taken). The pubsub and
 * jabber:iq:private handlers are pep_xmpp's (xmpp_module.h). */
bool pep_caps_answer(struct c2s_conn *c, struct xml_doc *doc);

/* xep_presence, for a presence without a to (a broadcast): stamps the
 * XEP-0153 photo hash of the profile avatar, learns the client's +notify
 * interests from its caps, and after the initial presence sends the last
 * items of the nodes the user may see. True when doc was taken (it comes
 * back through presence_handle once the avatar hash is known). */
bool pep_presence_out(struct c2s_conn *c, struct xml_doc *doc);

/* c2s_send, for every stanza to a bound session: true when the stanza is
 * not to be written now (a presence from or to a blocked JID, dropped; a
 * presence held while the client is inactive, XEP-0352). */
bool pep_send_filter(struct c2s_conn *c, const struct xml_elem *stanza);

/* c2s dispatch: <active/> or <inactive/> in urn:xmpp:csi:0 (takes doc). */
void pep_csi(struct c2s_conn *c, struct xml_doc *doc);

/* session_end: forgets the session's state (held presence, interests). */
void pep_session_end(struct c2s_conn *c);

/* xep_stream_features: <csi xmlns='urn:xmpp:csi:0'/>. */
void pep_stream_features(struct c2s_conn *c, struct xml_elem *features);

#define NS_CSI "urn:xmpp:csi:0"

#endif
