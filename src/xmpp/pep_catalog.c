/*
 * Catalog entries of migration 015 (PEP nodes and items, bookmarks among
 * them, and private XML storage: src/xmpp/pep*.c). Registered in
 * src/cmd/modules.c (pep_module). Sealed values are sealed under the owner's
 * subject key (tenant_id, owner_id) with the row id column id.
 */
#include "core/module.h"
#include "privacy/catalog.h"
#include "xmpp/pep_internal.h"

extern const struct catalog_column pep_catalog[];
extern const struct catalog_table pep_catalog_tables[];

#define CONTRACT "GDPR Art. 6(1)(b) contract"
#define SUBJECT "end user"
#define PEP_PURPOSE "personal eventing and bookmarks the user publishes (XEP-0163, XEP-0402)"
#define PRIVATE_PURPOSE "settings a client keeps on the server (XEP-0049)"
#define UNTIL "until the user retracts it or the account is deleted"

#define TECH(table, column, why)                                                                   \
	{                                                                                          \
		table, column, false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,  \
		    EXPORT_NONE, why                                                               \
	}
#define PERSONAL(table, column, sealed, cat, purpose, erase, export)                               \
	{                                                                                          \
		table, column, true, sealed, cat, SUBJECT, purpose, CONTRACT, UNTIL, 0, erase,     \
		    export, NULL                                                                   \
	}

const struct catalog_column pep_catalog[] = {
    PERSONAL("pep_nodes", "owner_id", false, "dpv-pd:Identifier", PEP_PURPOSE, ERASE_DELETE,
             EXPORT_VALUE),
    TECH("pep_nodes", "tenant_id", "organisation holding the owner's key"),
    PERSONAL("pep_nodes", "node", false, "dpv-pd:Preference", PEP_PURPOSE, ERASE_DELETE,
             EXPORT_VALUE),
    TECH("pep_nodes", "access_model", "who may read the node: presence viewers or the owner"),
    TECH("pep_nodes", "max_items", "items kept in the node"),
    TECH("pep_nodes", "created_at", "time the node was created"),

    TECH("pep_items", "id", "random UUIDv4 of the row (bound into the sealed value)"),
    PERSONAL("pep_items", "owner_id", false, "dpv-pd:Identifier", PEP_PURPOSE, ERASE_DELETE,
             EXPORT_VALUE),
    TECH("pep_items", "tenant_id", "organisation holding the owner's key"),
    PERSONAL("pep_items", "node", false, "dpv-pd:Preference", PEP_PURPOSE, ERASE_DELETE,
             EXPORT_VALUE),
    TECH("pep_items", "item_key", "keyed blind index of the item id, for replacement"),
    PERSONAL("pep_items", "item_sealed", true, "dpv-pd:Communication", PEP_PURPOSE, ERASE_SHRED,
             EXPORT_VALUE),
    PERSONAL("pep_items", "published_ms", false, "dpv-pd:Communication", PEP_PURPOSE, ERASE_DELETE,
             EXPORT_VALUE),

    TECH("xmpp_private", "id", "random UUIDv4 of the row (bound into the sealed value)"),
    PERSONAL("xmpp_private", "owner_id", false, "dpv-pd:Identifier", PRIVATE_PURPOSE, ERASE_DELETE,
             EXPORT_VALUE),
    TECH("xmpp_private", "tenant_id", "organisation holding the owner's key"),
    TECH("xmpp_private", "ns_key", "keyed blind index of the element's namespace"),
    PERSONAL("xmpp_private", "xml_sealed", true, "dpv-pd:Preference", PRIVATE_PURPOSE, ERASE_SHRED,
             EXPORT_VALUE),
    PERSONAL("xmpp_private", "updated_ms", false, "dpv-pd:Preference", PRIVATE_PURPOSE,
             ERASE_DELETE, EXPORT_VALUE),
    {0},
};

const struct catalog_table pep_catalog_tables[] = {
    {"pep_nodes", "owner_id", "tenant_id", NULL, NULL},
    {"pep_items", "owner_id", "tenant_id", "id", NULL},
    {"xmpp_private", "owner_id", "tenant_id", "id", NULL},
    {0},
};

/* The module descriptor (core/module.h) of personal eventing (PEP nodes, avatars). */
const struct module pep_module = {
    .name = "xmpp.pep",
    .columns = pep_catalog,
    .tables = pep_catalog_tables,
    .xmpp = &pep_xmpp,
};
