/*
 * The composition root of the privacy catalog: every module's fragment,
 * registered once. A module with personal data that is missing here fails
 * the whole-schema test (tests/unit/test_schema_catalog.c).
 */
#include "domain/app.h"
#include "domain/mail_catalog.h"
#include "privacy/catalog.h"
#include "privacy/register.h"
#include "privacy/dsr.h"

extern const struct catalog_column crypto_catalog[];
extern const struct catalog_column audit_catalog[];
extern const struct catalog_column accounts_catalog[];
extern const struct catalog_column backup_catalog[];
extern const struct catalog_column directory_catalog[];
extern const struct catalog_column contact_book_catalog[];
extern const struct catalog_table accounts_catalog_tables[];
extern const struct catalog_table contact_book_catalog_tables[];

void app_register_catalog(void)
{
	privacy_catalog_register(crypto_catalog);
	privacy_catalog_register(audit_catalog);
	privacy_catalog_register(mail_catalog);
	privacy_catalog_register(jobs_catalog);
	privacy_catalog_register(accounts_catalog);
	privacy_catalog_register(backup_catalog);
	privacy_catalog_register(directory_catalog);
	privacy_catalog_register(dsr_catalog);
	privacy_catalog_register_tables(dsr_foundation_tables);
	privacy_catalog_register_tables(accounts_catalog_tables);
	privacy_catalog_register_tables(dsr_tables);
	privacy_catalog_register(contact_book_catalog);
	privacy_catalog_register_tables(contact_book_catalog_tables);
	privacy_catalog_register(registers_catalog);
	privacy_catalog_register_tables(registers_catalog_tables);
}
