/*
 * Catalog entries of migration 012 (XMPP rosters, the sealed 1:1 archive,
 * offline storage, the connection log). Declared by xmpp_module (src/cmd/modules.c).
 */
#include "core/module.h"
#include "privacy/catalog.h"
#include "xmpp/c2s_internal.h"

extern const struct catalog_column xmpp_catalog[];

#define CONTRACT "GDPR Art. 6(1)(b) contract"
#define SUBJECT "end user"
#define CHAT_PURPOSE "instant messaging between users (P-CHAT-1)"
#define ROSTER_PURPOSE "contact list and presence sharing (P-PRE-2)"
#define LOG_PURPOSE "security of processing: connection logging (P-LOG-1)"
#define LOG_BASIS "GDPR Art. 6(1)(f) legitimate interest; Art. 32 security"
#define LOG_RETENTION "1 year (P-LOG-2)"
#define CHAT_RETENTION "until every participant deleted the conversation (P-CHAT-2)"

#define TECH(table, column, why)                                                                   \
	{                                                                                          \
		table, column, false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,  \
		    EXPORT_NONE, why                                                               \
	}
#define PERSONAL(table, column, sealed, cat, purpose, basis, retention, days, erase, export)       \
	{                                                                                          \
		table, column, true, sealed, cat, SUBJECT, purpose, basis, retention, days, erase, \
		    export, NULL                                                                   \
	}

const struct catalog_column xmpp_catalog[] = {
    PERSONAL("xmpp_roster", "owner_id", false, "dpv-pd:Identifier", ROSTER_PURPOSE, CONTRACT,
             "until the account is deleted", 0, ERASE_DELETE, EXPORT_VALUE),
    PERSONAL("xmpp_roster", "contact", false, "dpv-pd:Username", ROSTER_PURPOSE, CONTRACT,
             "until removed from the roster or the account is deleted", 0, ERASE_DELETE,
             EXPORT_VALUE),
    PERSONAL("xmpp_roster", "name_sealed", true, "dpv-pd:Nickname", ROSTER_PURPOSE, CONTRACT,
             "until removed from the roster or the account is deleted", 0, ERASE_SHRED,
             EXPORT_VALUE),
    PERSONAL("xmpp_roster", "groups_sealed", true, "dpv-pd:Preference", ROSTER_PURPOSE, CONTRACT,
             "until removed from the roster or the account is deleted", 0, ERASE_SHRED,
             EXPORT_VALUE),
    PERSONAL("xmpp_roster", "subscription", false, "dpv-pd:Communication", ROSTER_PURPOSE, CONTRACT,
             "until removed from the roster or the account is deleted", 0, ERASE_DELETE,
             EXPORT_VALUE),
    TECH("xmpp_roster", "ask_out", "pending outbound subscription flag (RFC 6121)"),
    TECH("xmpp_roster", "pending_in", "pending inbound subscription flag (RFC 6121)"),
    TECH("xmpp_roster", "approved", "subscription pre-approval flag (RFC 6121 §3.4)"),
    TECH("xmpp_roster", "in_roster", "whether the item is shown in the owner's roster"),
    TECH("xmpp_roster", "updated_at", "time of the last change"),

    TECH("xmpp_messages", "id", "random UUIDv4 of the message"),
    TECH("xmpp_messages", "conv_id", "conversation key subject, derived from the two account ids"),
    TECH("xmpp_messages", "conv_tenant", "tenant holding the conversation key"),
    PERSONAL("xmpp_messages", "sender_id", false, "dpv-pd:Identifier", CHAT_PURPOSE, CONTRACT,
             CHAT_RETENTION, 0, ERASE_DELETE, EXPORT_VALUE),
    PERSONAL("xmpp_messages", "recipient_id", false, "dpv-pd:Identifier", CHAT_PURPOSE, CONTRACT,
             CHAT_RETENTION, 0, ERASE_DELETE, EXPORT_VALUE),
    PERSONAL("xmpp_messages", "at_ms", false, "dpv-pd:Communication", CHAT_PURPOSE, CONTRACT,
             CHAT_RETENTION, 0, ERASE_DELETE, EXPORT_VALUE),
    PERSONAL("xmpp_messages", "stanza_sealed", true, "dpv-pd:Communication", CHAT_PURPOSE, CONTRACT,
             CHAT_RETENTION, 0, ERASE_SHRED, EXPORT_VALUE),

    TECH("xmpp_archive", "id", "random UUIDv4 of a participant's view (archive id)"),
    PERSONAL("xmpp_archive", "owner_id", false, "dpv-pd:Identifier", CHAT_PURPOSE, CONTRACT,
             "until the owner deletes the conversation (P-CHAT-2)", 0, ERASE_DELETE, EXPORT_VALUE),
    TECH("xmpp_archive", "message_id", "the message this view shows"),
    PERSONAL("xmpp_archive", "peer_id", false, "dpv-pd:Identifier", CHAT_PURPOSE, CONTRACT,
             "until the owner deletes the conversation (P-CHAT-2)", 0, ERASE_DELETE, EXPORT_VALUE),
    TECH("xmpp_archive", "direction", "sent or received, from the owner's side"),
    PERSONAL("xmpp_archive", "at_ms", false, "dpv-pd:Communication", CHAT_PURPOSE, CONTRACT,
             "until the owner deletes the conversation (P-CHAT-2)", 0, ERASE_DELETE, EXPORT_VALUE),

    TECH("xmpp_offline", "id", "random UUIDv4 of the waiting delivery"),
    PERSONAL("xmpp_offline", "owner_id", false, "dpv-pd:Identifier", CHAT_PURPOSE, CONTRACT,
             "until delivered at the next login (XEP-0160)", 0, ERASE_DELETE, EXPORT_NONE),
    TECH("xmpp_offline", "message_id", "the waiting message"),
    TECH("xmpp_offline", "at_ms", "arrival time, for the delay stamp"),

    TECH("connection_log", "id", "random UUIDv4 of the entry"),
    PERSONAL("connection_log", "account_id", false, "dpv-pd:Identifier", LOG_PURPOSE, LOG_BASIS,
             LOG_RETENTION, 365, ERASE_ANONYMISE, EXPORT_VALUE),
    TECH("connection_log", "tenant_id", "organisation of the account"),
    PERSONAL("connection_log", "at_ms", false, "dpv-pd:LoginRecord", LOG_PURPOSE, LOG_BASIS,
             LOG_RETENTION, 365, ERASE_ANONYMISE, EXPORT_VALUE),
    TECH("connection_log", "protocol", "xmpp or https"),
    PERSONAL("connection_log", "event", false, "dpv-pd:LoginRecord", LOG_PURPOSE, LOG_BASIS,
             LOG_RETENTION, 365, ERASE_ANONYMISE, EXPORT_VALUE),
    PERSONAL("connection_log", "addr_hash", false, "dpv-pd:IPAddress", LOG_PURPOSE, LOG_BASIS,
             LOG_RETENTION, 365, ERASE_KEEP_LEGAL, EXPORT_NONE),
    PERSONAL("connection_log", "client", false, "dpv-pd:DeviceSoftware", LOG_PURPOSE, LOG_BASIS,
             LOG_RETENTION, 365, ERASE_ANONYMISE, EXPORT_VALUE),
    {0},
};

extern const struct catalog_table xmpp_catalog_tables[];

/* Sealed values: xmpp_roster's are bound to the row "<owner_id>/<contact>"
 * (no single column), xmpp_messages' are sealed under the conversation
 * subject (conv_tenant, conv_id), not under one account. */
const struct catalog_table xmpp_catalog_tables[] = {
    {"xmpp_roster", "owner_id", NULL, NULL,
     "name_sealed/groups_sealed sealed for (owner tenant, owner_id) with row id "
     "'<owner_id>/<contact>'"},
    {"xmpp_messages", NULL, "conv_tenant", "id",
     "a message belongs to both participants: sealed under subject conv_id of tenant "
     "conv_tenant; each participant reaches it through their xmpp_archive view"},
    {"xmpp_archive", "owner_id", NULL, NULL, NULL},
    {"xmpp_offline", "owner_id", NULL, NULL, NULL},
    {"connection_log", "account_id", "tenant_id", NULL, NULL},
    {0},
};

/* The module descriptor (core/module.h) of the XMPP core: rosters, archive, offline messages,
 * connection state. */
const struct module xmpp_module = {
    .name = "xmpp",
    .columns = xmpp_catalog,
    .tables = xmpp_catalog_tables,
    .xmpp = &router_xmpp,
};
