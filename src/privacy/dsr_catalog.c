/*
 * Catalog entries of migration 007 (deletion log, restrictions, consents,
 * objections, privacy requests) and the table-level declarations
 * (struct catalog_table) of this module and of the foundation modules whose
 * fragments predate them (keys, audit, outbox, jobs).
 */
#include "privacy/catalog.h"
#include "privacy/dsr.h"

#define TECH(table, column, why)                                                                   \
	{                                                                                          \
		table, column, false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,  \
		    EXPORT_NONE, why                                                               \
	}
#define PD(table, column, sealed, category, purpose, basis, retention, erasure, export_as)         \
	{                                                                                          \
		table, column, true, sealed, category, "end user, tenant admin", purpose, basis,   \
		    retention, 0, erasure, export_as, NULL                                         \
	}

#define ACCOUNTABILITY "GDPR Art. 5(2) accountability"
#define LOG_PURPOSE "proof that an erasure was carried out (P-DSR-3)"
#define RESTRICT_PURPOSE "restriction of processing on request (GDPR Art. 18, P-DSR-4)"
#define RESTRICT_BASIS "GDPR Art. 6(1)(c) legal obligation (Art. 18)"
#define CONSENT_PURPOSE "proof of consent and its withdrawal (GDPR Art. 7(1), P-DSR-6)"
#define CONSENT_BASIS "GDPR Art. 6(1)(c) legal obligation (Art. 7(1))"
#define OBJECT_PURPOSE "recording objections to processing (GDPR Art. 21, P-DSR-6)"
#define OBJECT_BASIS "GDPR Art. 6(1)(c) legal obligation (Art. 21)"
#define REQUEST_PURPOSE "handling the data subject's requests (GDPR Art. 12, P-DSR-7)"
#define REQUEST_BASIS "GDPR Art. 6(1)(c) legal obligation (Art. 12, 28(3)(e))"
#define UNTIL_ERASURE "until the account is deleted"

const struct catalog_column dsr_catalog[] = {
    TECH("deletion_log", "id", "random UUIDv4 of the entry"),
    TECH("deletion_log", "tenant_id", "organisation whose log this is"),
    PD("deletion_log", "subject_ref", false, "dpv-pd:Identifier", LOG_PURPOSE, ACCOUNTABILITY,
       "for the tenant's contract, as proof", ERASE_KEEP_LEGAL, EXPORT_NONE),
    TECH("deletion_log", "categories", "names of data categories and counts, never values"),
    TECH("deletion_log", "items", "number of items erased"),
    TECH("deletion_log", "erased_at", "time of the erasure"),
    PD("deletion_log", "instructed_by", false, "dpv-pd:Identifier", LOG_PURPOSE, ACCOUNTABILITY,
       "for the tenant's contract, as proof", ERASE_KEEP_LEGAL, EXPORT_VALUE),
    TECH("deletion_log", "instructed_role", "role name from a fixed list"),
    TECH("deletion_log", "request_id", "random UUIDv4 of the request the erasure answered"),
    TECH("deletion_log", "reason", "reason from a fixed list (self-service, admin, ...)"),

    PD("account_restrictions", "account_id", false, "dpv-pd:Identifier", RESTRICT_PURPOSE,
       RESTRICT_BASIS, "while the restriction lasts", ERASE_DELETE, EXPORT_VALUE),
    TECH("account_restrictions", "tenant_id", "organisation of the account"),
    PD("account_restrictions", "since", false, "dpv-pd:Preference", RESTRICT_PURPOSE,
       RESTRICT_BASIS, "while the restriction lasts", ERASE_DELETE, EXPORT_VALUE),
    PD("account_restrictions", "set_by", false, "dpv-pd:Identifier", RESTRICT_PURPOSE,
       RESTRICT_BASIS, "while the restriction lasts", ERASE_DELETE, EXPORT_VALUE),

    TECH("consents", "id", "random UUIDv4 of the consent record"),
    TECH("consents", "tenant_id", "organisation of the account"),
    PD("consents", "account_id", false, "dpv-pd:Identifier", CONSENT_PURPOSE, CONSENT_BASIS,
       UNTIL_ERASURE, ERASE_DELETE, EXPORT_VALUE),
    PD("consents", "purpose", false, "dpv-pd:Preference", CONSENT_PURPOSE, CONSENT_BASIS,
       UNTIL_ERASURE, ERASE_DELETE, EXPORT_VALUE),
    PD("consents", "given_at", false, "dpv-pd:Preference", CONSENT_PURPOSE, CONSENT_BASIS,
       UNTIL_ERASURE, ERASE_DELETE, EXPORT_VALUE),
    PD("consents", "withdrawn_at", false, "dpv-pd:Preference", CONSENT_PURPOSE, CONSENT_BASIS,
       UNTIL_ERASURE, ERASE_DELETE, EXPORT_VALUE),

    TECH("objections", "id", "random UUIDv4 of the objection"),
    TECH("objections", "tenant_id", "organisation of the account"),
    PD("objections", "account_id", false, "dpv-pd:Identifier", OBJECT_PURPOSE, OBJECT_BASIS,
       UNTIL_ERASURE, ERASE_DELETE, EXPORT_VALUE),
    PD("objections", "purpose", false, "dpv-pd:Preference", OBJECT_PURPOSE, OBJECT_BASIS,
       UNTIL_ERASURE, ERASE_DELETE, EXPORT_VALUE),
    PD("objections", "reason_sealed", true, "dpv-pd:Opinion", OBJECT_PURPOSE, OBJECT_BASIS,
       UNTIL_ERASURE, ERASE_SHRED, EXPORT_VALUE),
    PD("objections", "created_at", false, "dpv-pd:Preference", OBJECT_PURPOSE, OBJECT_BASIS,
       UNTIL_ERASURE, ERASE_DELETE, EXPORT_VALUE),

    TECH("privacy_requests", "id", "random UUIDv4 of the request"),
    TECH("privacy_requests", "tenant_id", "organisation whose admins answer"),
    PD("privacy_requests", "account_id", false, "dpv-pd:Identifier", REQUEST_PURPOSE, REQUEST_BASIS,
       "until the account is deleted; then the record stays without it", ERASE_ANONYMISE,
       EXPORT_VALUE),
    TECH("privacy_requests", "kind", "type of request from a fixed list"),
    PD("privacy_requests", "message_sealed", true, "dpv-pd:Communication", REQUEST_PURPOSE,
       REQUEST_BASIS, UNTIL_ERASURE, ERASE_SHRED, EXPORT_VALUE),
    TECH("privacy_requests", "status", "received, forwarded or answered"),
    TECH("privacy_requests", "received_at", "time of receipt"),
    TECH("privacy_requests", "forwarded_at", "time of forwarding to the tenant admins"),
    TECH("privacy_requests", "due_at", "due date, one month after receipt"),
    TECH("privacy_requests", "answered_at", "time of the answer"),
    PD("privacy_requests", "answered_by", false, "dpv-pd:Identifier", REQUEST_PURPOSE,
       ACCOUNTABILITY, "as long as the request record", ERASE_KEEP_LEGAL, EXPORT_VALUE),
    PD("privacy_requests", "answer_sealed", true, "dpv-pd:Communication", REQUEST_PURPOSE,
       REQUEST_BASIS, UNTIL_ERASURE, ERASE_SHRED, EXPORT_VALUE),
    {0},
};

const struct catalog_table dsr_tables[] = {
    {"deletion_log", NULL, "tenant_id", NULL,
     "names the erased subject only through a keyed pseudonym; kept as proof of erasure"},
    {"account_restrictions", "account_id", "tenant_id", NULL, NULL},
    {"consents", "account_id", "tenant_id", NULL, NULL},
    {"objections", "account_id", "tenant_id", "id", NULL},
    {"privacy_requests", "account_id", "tenant_id", "id", NULL},
    {0},
};
