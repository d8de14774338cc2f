/*
 * The composition root of the privacy catalog: every module's fragment,
 * registered once. A module with personal data that is missing here fails
 * the whole-schema test (tests/unit/test_schema_catalog.c).
 */
#include "domain/app.h"
#include "domain/mail_catalog.h"
#include "privacy/catalog.h"
#include "privacy/dsr.h"
#include "privacy/legal_hold.h"
#include "privacy/register.h"
#include "privacy/dsr.h"

extern const struct catalog_column crypto_catalog[];
extern const struct catalog_column audit_catalog[];
extern const struct catalog_column accounts_catalog[];
extern const struct catalog_column backup_catalog[];
extern const struct catalog_column directory_catalog[];
extern const struct catalog_table backup_catalog_tables[];
extern const struct catalog_table directory_catalog_tables[];
extern const struct catalog_column contact_book_catalog[];
extern const struct catalog_column xmpp_catalog[];
extern const struct catalog_table xmpp_catalog_tables[];
extern const struct catalog_column xep_catalog[];
extern const struct catalog_table xep_catalog_tables[];
extern const struct catalog_column pep_catalog[];
extern const struct catalog_table pep_catalog_tables[];
extern const struct catalog_table accounts_catalog_tables[];
extern const struct catalog_table contact_book_catalog_tables[];

/* Erasure waits while a legal hold covers the account (P-RET-2). */
static int erase_guard_legal_hold(struct store *st, const char *tenant_id, const char *subject_id,
				  const char **reason_r)
{
	if (!legal_hold_active(st, tenant_id, "user", subject_id))
		return 0;
	*reason_r = "a legal hold suspends deletion of this account";
	return 1;
}

void app_register_catalog(void)
{
	/* Wiring between privacy modules that must not know each other: the
	 * legal hold guards erasure. Done here because every program calls
	 * this once. (The backups' erasure ledger is written by accounts.c.) */
	dsr_set_erase_guard(erase_guard_legal_hold);
	privacy_catalog_register(crypto_catalog);
	privacy_catalog_register(audit_catalog);
	privacy_catalog_register(mail_catalog);
	privacy_catalog_register(jobs_catalog);
	privacy_catalog_register(accounts_catalog);
	privacy_catalog_register(backup_catalog);
	privacy_catalog_register(directory_catalog);
	privacy_catalog_register_tables(backup_catalog_tables);
	privacy_catalog_register_tables(directory_catalog_tables);
	privacy_catalog_register(dsr_catalog);
	privacy_catalog_register_tables(dsr_foundation_tables);
	privacy_catalog_register_tables(accounts_catalog_tables);
	privacy_catalog_register_tables(dsr_tables);
	privacy_catalog_register(contact_book_catalog);
	privacy_catalog_register_tables(contact_book_catalog_tables);
	privacy_catalog_register(xmpp_catalog);
	privacy_catalog_register_tables(xmpp_catalog_tables);
	privacy_catalog_register(xep_catalog);
	privacy_catalog_register_tables(xep_catalog_tables);
	privacy_catalog_register(pep_catalog);
	privacy_catalog_register_tables(pep_catalog_tables);
	privacy_catalog_register(registers_catalog);
	privacy_catalog_register_tables(registers_catalog_tables);
}
