/* domain/mail_catalog: privacy-catalog fragment of the outbox and base tables. */
#ifndef IRIS_DOMAIN_MAIL_CATALOG_H
#define IRIS_DOMAIN_MAIL_CATALOG_H

#include "privacy/catalog.h"

extern const struct catalog_column mail_catalog[];
/* The jobs tables (domain/jobs.h). */
extern const struct catalog_column jobs_catalog[];

#endif
