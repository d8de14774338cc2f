/* Catalog entries of the directory index (migration 010, P-DIR-1, P-DIR-2). */
#include "domain/directory.h"
#include "privacy/catalog.h"

extern const struct catalog_column directory_catalog[];

#define TECH(table, column, why)                                                                   \
	{                                                                                          \
		table, column, false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,  \
		    EXPORT_NONE, why                                                               \
	}

const struct catalog_column directory_catalog[] = {
    TECH("directory_index", "account_id", "the account the index row belongs to"),
    TECH("directory_index", "tenant_id", "organisation of the account (visibility filter)"),
    TECH("directory_index", "kind", "'name' or 'domain'"),
    {"directory_index", "token", true, false, "dpv-pd:Name", "end user, tenant admin, auditor",
     "finding people in the directory and suggesting contacts (P-DIR-1, P-DIR-2); keyed "
     "blind index of name tokens and e-mail domain, not reversible",
     "GDPR Art. 6(1)(b) contract", "until the account is deleted or its names change", 0,
     ERASE_DELETE, EXPORT_NONE, NULL},
    {0},
};

extern const struct catalog_table directory_catalog_tables[];
const struct catalog_table directory_catalog_tables[] = {
    {"directory_index", "account_id", "tenant_id", NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};
