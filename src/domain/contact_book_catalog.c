/*
 * Catalog entries of migration 011 (the tenant's contact book). Contacts
 * are the tenant's customers, prospects and suppliers: Iris processes them
 * on the tenant's instruction (GDPR Art. 28), keeps them until the tenant
 * deletes them or the contract ends, and erases one contact by destroying
 * its subject key.
 */
#include "domain/contact_book.h"

#define SUBJECT "customer/prospect/supplier contact"
#define PURPOSE "contact data hygiene on the tenant's instruction"
#define BASIS "GDPR Art. 28 processing on instruction"
#define RETENTION "until the tenant deletes it or the contract ends"

#define TECH(table, column, why)                                                                   \
	{                                                                                          \
		table, column, false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,  \
		    EXPORT_NONE, why                                                               \
	}
#define SEALED(table, column, category)                                                            \
	{                                                                                          \
		table, column, true, true, category, SUBJECT, PURPOSE, BASIS, RETENTION, 0,        \
		    ERASE_SHRED, EXPORT_VALUE, NULL                                                \
	}

const struct catalog_column contact_book_catalog[] = {
    TECH("contact_settings", "tenant_id", "organisation whose settings these are"),
    TECH("contact_settings", "default_country", "setting: default country for phone numbers"),
    TECH("contact_settings", "lang", "setting: language of civilities"),
    TECH("contact_settings", "dedupe_threshold_milli", "setting: match probability threshold"),
    TECH("contact_settings", "merge_keep_alternates", "setting: merge rule"),
    TECH("contact_settings", "column_map", "setting: saved header names to field names"),
    TECH("contact_settings", "employees_informed", "the tenant's record for mailbox refresh"),
    TECH("contact_settings", "consent_required", "the tenant's record for mailbox refresh"),
    TECH("contact_settings", "employees_agreed", "the tenant's record for mailbox refresh"),
    TECH("contact_settings", "refresh_recorded_at", "time of that record"),
    TECH("contact_settings", "updated_at", "time of the last settings change"),

    TECH("contacts", "id", "random UUIDv4 of the contact row"),
    TECH("contacts", "tenant_id", "organisation whose book holds the contact"),
    TECH("contacts", "pos", "order of the contact in the book"),
    TECH("contacts", "import_id", "the import that brought the contact"),
    SEALED("contacts", "name_sealed", "dpv-pd:Name, dpv-pd:Gender (civility, first, last)"),
    SEALED("contacts", "email_sealed", "dpv-pd:EmailAddress (with status, last seen)"),
    SEALED("contacts", "phone_sealed", "dpv-pd:TelephoneNumber"),
    SEALED("contacts", "work_sealed", "dpv-pd:Employer, dpv-pd:JobTitle, dpv-pd:Website"),
    SEALED("contacts", "address_sealed", "dpv-pd:PhysicalAddress"),
    SEALED("contacts", "ident_sealed",
           "dpv-pd:Identifier, dpv-pd:BirthDate, dpv-pd:OfficialID (source ids)"),
    SEALED("contacts", "extra_sealed", "dpv-pd:PersonalData (unmapped columns of the file)"),
    SEALED("contacts", "changes_sealed", "dpv-pd:PersonalData (cleaning before/after values)"),
    TECH("contacts", "created_at", "time of import"),
    TECH("contacts", "updated_at", "time of the last change"),

    TECH("contact_index", "tenant_id", "organisation of the indexed contact"),
    TECH("contact_index", "contact_id", "the indexed contact"),
    TECH("contact_index", "kind", "email, phone or name"),
    {"contact_index", "token", true, false,
     "dpv-pd:EmailAddress, dpv-pd:TelephoneNumber, "
     "dpv-pd:Name",
     SUBJECT, "search in the contact book (keyed blind index, not reversible)", BASIS, RETENTION, 0,
     ERASE_DELETE, EXPORT_NONE, NULL},

    TECH("contact_merges", "id", "random UUIDv4 of the merge"),
    TECH("contact_merges", "tenant_id", "organisation of the merge"),
    TECH("contact_merges", "contact_id", "the merged contact"),
    TECH("contact_merges", "created_at", "time of the merge"),
    TECH("contact_merge_sources", "merge_id", "the merge"),
    TECH("contact_merge_sources", "contact_id", "the source contact"),
    TECH("contact_merge_sources", "pos", "the source's place in the book, for undo"),
    SEALED("contact_merge_sources", "record_sealed",
           "dpv-pd:Name, dpv-pd:EmailAddress, dpv-pd:TelephoneNumber, dpv-pd:PhysicalAddress "
           "(the whole source record, for undo)"),

    TECH("contact_imports", "id", "random UUIDv4 of the import"),
    TECH("contact_imports", "tenant_id", "organisation of the import"),
    TECH("contact_imports", "format", "csv or vcard"),
    TECH("contact_imports", "rows_read", "count"),
    TECH("contact_imports", "rows_imported", "count"),
    TECH("contact_imports", "rows_repaired", "count"),
    TECH("contact_imports", "rows_rejected", "count"),
    TECH("contact_imports", "changes", "count"),
    /* Import reports are working notes, not the book: kept 90 days, swept by
     * the retention category "contact_import_reports" (privacy/retention.c). */
    {"contact_imports", "report_sealed", true, true,
     "dpv-pd:PersonalData (per-row notes with the raw text of rejected rows)", SUBJECT, PURPOSE,
     BASIS, "90 days after the import (the tenant may shorten it)", 90, ERASE_SHRED,
     EXPORT_VALUE, NULL},
    TECH("contact_imports", "created_at", "time of the import"),
    {0},
};

/* Table declarations (privacy/dsr.h): contacts are the tenant's customers,
 * prospects and suppliers, not accounts of Iris, so no row is about one
 * account; a contact's erasure is the tenant's instruction (DELETE
 * /contacts/{cid}), which destroys its key. */
#define NOTE "contact of the tenant, not an Iris account: erased on the tenant's instruction"
const struct catalog_table contact_book_catalog_tables[] = {
    {"contact_settings", NULL, "tenant_id", NULL, "the tenant's settings, no person"},
    {"contacts", NULL, "tenant_id", "id", NOTE},
    {"contact_index", NULL, "tenant_id", NULL, NOTE},
    {"contact_merges", NULL, "tenant_id", NULL, NOTE},
    {"contact_merge_sources", NULL, NULL, NULL, NOTE},
    {"contact_imports", NULL, "tenant_id", "id", NOTE},
    {0},
};
