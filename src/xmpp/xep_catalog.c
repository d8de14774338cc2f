/*
 * Catalog entries of migration 013 (XMPP extensions: the blocking list and
 * the delivery state of archived messages). Registered in
 * src/cmd/modules.c (xep_module).
 */
#include "core/module.h"
#include "privacy/catalog.h"
#include "xmpp/xep_internal.h"

extern const struct catalog_column xep_catalog[];
extern const struct catalog_table xep_catalog_tables[];

#define CONTRACT "GDPR Art. 6(1)(b) contract"
#define SUBJECT "end user"
#define BLOCK_PURPOSE "blocking unwanted contacts (XEP-0191)"
#define SEEN_PURPOSE "read receipts of 1:1 chat messages (P-CHAT-1)"

#define TECH(table, column, why)                                                                   \
	{                                                                                          \
		table, column, false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,  \
		    EXPORT_NONE, why                                                               \
	}
#define PERSONAL(table, column, cat, purpose, retention, erase)                                    \
	{                                                                                          \
		table, column, true, false, cat, SUBJECT, purpose, CONTRACT, retention, 0, erase,  \
		    EXPORT_VALUE, NULL                                                             \
	}

const struct catalog_column xep_catalog[] = {
    PERSONAL("xep_blocklist", "owner_id", "dpv-pd:Identifier", BLOCK_PURPOSE,
             "until unblocked or the account is deleted", ERASE_DELETE),
    PERSONAL("xep_blocklist", "jid", "dpv-pd:Username", BLOCK_PURPOSE,
             "until unblocked or the account is deleted", ERASE_DELETE),
    TECH("xep_blocklist", "created_at", "time the block was set"),
    TECH("xep_msg_state", "message_id", "the archived message (xmpp_messages.id)"),
    TECH("xep_msg_state", "conv_id", "conversation of the message, for deletion with it"),
    PERSONAL("xep_msg_state", "received_ms", "dpv-pd:Communication", SEEN_PURPOSE,
             "until every participant deleted the conversation (P-CHAT-2)", ERASE_DELETE),
    PERSONAL("xep_msg_state", "displayed_ms", "dpv-pd:Communication", SEEN_PURPOSE,
             "until every participant deleted the conversation (P-CHAT-2)", ERASE_DELETE),
    {0},
};

const struct catalog_table xep_catalog_tables[] = {
    {"xep_blocklist", "owner_id", NULL, NULL, NULL},
    {"xep_msg_state", NULL, NULL, NULL,
     "belongs to the conversation of message_id (both participants); deleted with the "
     "message when both deleted the conversation"},
    {0},
};

/* The module descriptor (core/module.h) of the XEPs with storage: blocking, private XML, bookmarks,
 * history deletion. */
const struct module xep_module = {
    .name = "xmpp.xeps",
    .columns = xep_catalog,
    .tables = xep_catalog_tables,
    .xmpp = &xep_xmpp,
};
