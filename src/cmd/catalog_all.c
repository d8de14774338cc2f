/*
 * The composition root of the privacy catalog: every module's fragment,
 * registered once. A module with personal data that is missing here fails
 * the whole-schema test (tests/unit/test_schema_catalog.c).
 */
#include "domain/app.h"
#include "domain/mail_catalog.h"
#include "privacy/catalog.h"

extern const struct catalog_column crypto_catalog[];
extern const struct catalog_column audit_catalog[];
extern const struct catalog_column accounts_catalog[];

void app_register_catalog(void)
{
	privacy_catalog_register(crypto_catalog);
	privacy_catalog_register(audit_catalog);
	privacy_catalog_register(mail_catalog);
	privacy_catalog_register(jobs_catalog);
	privacy_catalog_register(accounts_catalog);
}
