/*
 * Catalog entries of migration 004 (tenants, accounts, credentials, tokens,
 * login events, profiles, confirmations, deletion requests). Every column is
 * declared; personal ones with their DPV category, purpose, legal basis,
 * retention and what erasure does (accounts_erase).
 */
#include "domain/accounts.h"
#include "privacy/catalog.h"

extern const struct catalog_column accounts_catalog[];
extern const struct catalog_table accounts_catalog_tables[];

#define ACCOUNT_PURPOSE "account management and service provision"
#define CONTRACT "GDPR Art. 6(1)(b) contract"
#define UNTIL_ERASURE "until the account is deleted"
#define SECURITY_PURPOSE "security of processing: login logging and throttling (P-SEC-5)"
#define SECURITY_BASIS "GDPR Art. 6(1)(f) legitimate interest; Art. 32 security"
#define SUBJECT "end user, tenant admin, auditor, operator"

#define TECH(table, column, why)                                                                   \
	{                                                                                          \
		table, column, false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,  \
		    EXPORT_NONE, why                                                               \
	}
/* A personal value sealed under the account's subject key (profile, e-mail). */
#define SEALED(table, column, category, purpose)                                                   \
	{                                                                                          \
		table, column, true, true, category, SUBJECT, purpose, CONTRACT, UNTIL_ERASURE, 0, \
		    ERASE_SHRED, EXPORT_VALUE, NULL                                                \
	}
#define PROFILE(column, category)                                                                  \
	SEALED("account_profiles", column, category, "user profile shown to contacts (P-PRO-1)")

const struct catalog_column accounts_catalog[] = {
    TECH("tenants", "id", "random UUIDv4 of the organisation"),
    TECH("tenants", "name", "name of the organisation (a legal person), not of a person"),
    TECH("tenants", "plan", "business (operator-made) or company (founded by a user)"),
    TECH("tenants", "discoverable", "directory setting of the organisation (P-DIR-1)"),
    TECH("tenants", "created_at", "creation time of the organisation"),

    TECH("tenant_agreements", "id", "random UUIDv4 of the acceptance record"),
    TECH("tenant_agreements", "tenant_id", "organisation that accepted"),
    {"tenant_agreements", "accepted_by", true, false, "dpv-pd:Identifier", "tenant admin",
     "proof of the processing agreement's acceptance (P-ACC-3)",
     "GDPR Art. 28(3) and 5(2) accountability", "for the tenant's contract and after, as proof", 0,
     ERASE_KEEP_LEGAL, EXPORT_VALUE, NULL},
    TECH("tenant_agreements", "agreement_version", "version of the standard agreement"),
    TECH("tenant_agreements", "accepted_at", "time of acceptance"),

    TECH("accounts", "id", "random UUIDv4 (P-SEC-7), reveals nothing about the person"),
    TECH("accounts", "tenant_id", "organisation the account belongs to"),
    {"accounts", "username", true, false, "dpv-pd:Username", SUBJECT,
     "login and XMPP address (needed in clear for routing)", CONTRACT, UNTIL_ERASURE, 0,
     ERASE_DELETE, EXPORT_VALUE, NULL},
    TECH("accounts", "role", "authorisation role"),
    TECH("accounts", "status", "pending, active or disabled"),
    {"accounts", "email_index", true, false, "dpv-pd:EmailAddress", SUBJECT,
     "uniqueness of the e-mail address (keyed blind index, not reversible)", CONTRACT,
     UNTIL_ERASURE, 0, ERASE_DELETE, EXPORT_NONE, NULL},
    SEALED("accounts", "email_sealed", "dpv-pd:EmailAddress",
           "account confirmation and service e-mail (P-ACC-1)"),
    {"accounts", "scram_sha256", true, false, "dpv-pd:Password", SUBJECT,
     "authentication (salted SCRAM keys only, P-SEC-1)", CONTRACT, UNTIL_ERASURE, 0, ERASE_DELETE,
     EXPORT_NONE, NULL},
    {"accounts", "scram_sha1", true, false, "dpv-pd:Password", SUBJECT,
     "authentication of older XMPP clients (salted SCRAM keys only, P-SEC-1)", CONTRACT,
     UNTIL_ERASURE, 0, ERASE_DELETE, EXPORT_NONE, NULL},
    TECH("accounts", "must_change_password", "flag: one-time password in use"),
    TECH("accounts", "created_at", "creation time of the account"),
    TECH("accounts", "updated_at", "time of the last change"),

    TECH("account_profiles", "account_id", "random UUIDv4 of the account"),
    PROFILE("first_name_sealed", "dpv-pd:FirstName"),
    PROFILE("last_name_sealed", "dpv-pd:LastName"),
    PROFILE("title_sealed", "dpv-pd:Title"),
    PROFILE("nickname_sealed", "dpv-pd:Nickname"),
    PROFILE("job_title_sealed", "dpv-pd:JobTitle"),
    PROFILE("department_sealed", "dpv-pd:Job"),
    PROFILE("phone_numbers_sealed", "dpv-pd:TelephoneNumber"),
    PROFILE("other_emails_sealed", "dpv-pd:EmailAddress"),
    PROFILE("postal_address_sealed", "dpv-pd:PostalAddress"),
    PROFILE("company_sealed", "dpv-pd:Employer"),
    PROFILE("display_name_sealed", "dpv-pd:Name"),
    {"account_profiles", "avatar_sealed", true, true, "dpv-pd:Picture", SUBJECT,
     "user profile shown to contacts (P-PRO-1)", CONTRACT, UNTIL_ERASURE, 0, ERASE_SHRED,
     EXPORT_FILE, NULL},
    TECH("account_profiles", "avatar_type", "image format of the avatar (png or jpeg)"),
    TECH("account_profiles", "updated_at", "time of the last profile change"),

    TECH("account_confirmations", "code_hash", "SHA-256 of a random single-use code"),
    TECH("account_confirmations", "account_id", "random UUIDv4 of the pending account"),
    TECH("account_confirmations", "created_at", "issue time of the code"),
    TECH("account_confirmations", "expires_at", "expiry of the code"),

    TECH("auth_tokens", "id", "random UUIDv4 of the token"),
    TECH("auth_tokens", "token_hash", "SHA-256 of a random bearer token"),
    TECH("auth_tokens", "account_id", "random UUIDv4 of the token's account"),
    TECH("auth_tokens", "scope", "full or password change only"),
    TECH("auth_tokens", "created_at", "issue time"),
    TECH("auth_tokens", "expires_at", "expiry time"),
    TECH("auth_tokens", "revoked_at", "revocation time"),

    TECH("login_events", "id", "random UUIDv4 of the event"),
    {"login_events", "account_id", true, false, "dpv-pd:Identifier", SUBJECT, SECURITY_PURPOSE,
     SECURITY_BASIS, "1 year (P-LOG-2)", 365, ERASE_ANONYMISE, EXPORT_VALUE, NULL},
    TECH("login_events", "tenant_id", "organisation of the account"),
    {"login_events", "at_ms", true, false, "dpv-pd:LoginRecord", SUBJECT, SECURITY_PURPOSE,
     SECURITY_BASIS, "1 year (P-LOG-2)", 365, ERASE_ANONYMISE, EXPORT_VALUE, NULL},
    {"login_events", "addr_hash", true, false, "dpv-pd:IPAddress", SUBJECT, SECURITY_PURPOSE,
     SECURITY_BASIS, "1 year (P-LOG-2)", 365, ERASE_KEEP_LEGAL, EXPORT_NONE, NULL},
    {"login_events", "addr_sealed", true, true, "dpv-pd:IPAddress", SUBJECT, SECURITY_PURPOSE,
     SECURITY_BASIS, "1 year (P-LOG-2)", 365, ERASE_SHRED, EXPORT_VALUE, NULL},
    {"login_events", "result", true, false, "dpv-pd:LoginRecord", SUBJECT, SECURITY_PURPOSE,
     SECURITY_BASIS, "1 year (P-LOG-2)", 365, ERASE_ANONYMISE, EXPORT_VALUE, NULL},
    {"login_events", "user_key", true, false, "dpv-pd:Identifier", SUBJECT, SECURITY_PURPOSE,
     SECURITY_BASIS, "1 year (P-LOG-2)", 365, ERASE_DELETE, EXPORT_NONE, NULL},

    TECH("deletion_requests", "id", "random UUIDv4 of the request"),
    TECH("deletion_requests", "tenant_id", "organisation whose admins decide"),
    {"deletion_requests", "account_id", true, false, "dpv-pd:Identifier", "end user",
     "handling the member's deletion request (P-ACC-2)", "GDPR Art. 17 and 12(3)",
     "until decided; set to NULL when the account is erased", 0, ERASE_ANONYMISE, EXPORT_VALUE,
     NULL},
    TECH("deletion_requests", "status", "open, done or rejected"),
    TECH("deletion_requests", "created_at", "time of the request"),
    TECH("deletion_requests", "decided_at", "time of the decision"),
    {"deletion_requests", "decided_by", true, false, "dpv-pd:Identifier", "tenant admin",
     "accountability for the decision on a deletion request (P-INS-1)",
     "GDPR Art. 5(2) accountability", "as long as the request record", 0, ERASE_KEEP_LEGAL,
     EXPORT_VALUE, NULL},
    {0},
};

/* Which column ties each row to its data subject (privacy/dsr.h walks these). */
const struct catalog_table accounts_catalog_tables[] = {
    {"tenant_agreements", "accepted_by", "tenant_id", NULL, NULL},
    {"accounts", "id", "tenant_id", "id", NULL},
    {"account_profiles", "account_id", NULL, "account_id", NULL},
    {"account_confirmations", "account_id", NULL, NULL, NULL},
    {"auth_tokens", "account_id", NULL, NULL, NULL},
    {"login_events", "account_id", "tenant_id", "id", NULL},
    {"deletion_requests", "account_id", "tenant_id", NULL, NULL},
    {0},
};
