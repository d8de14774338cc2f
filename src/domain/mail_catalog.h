/* domain/mail_catalog: privacy-catalog fragment of the outbox and base tables. */
#ifndef IRIS_DOMAIN_MAIL_CATALOG_H
#define IRIS_DOMAIN_MAIL_CATALOG_H

#include "privacy/catalog.h"

extern const struct catalog_column mail_catalog[];
extern const struct catalog_table mail_catalog_tables[];
/* The outbox's module descriptor (core/module.h). */
extern const struct module mail_module;
/* The jobs tables (domain/jobs.h). */
extern const struct catalog_column jobs_catalog[];
extern const struct catalog_table jobs_catalog_tables[];
/* The jobs table's module descriptor (core/module.h). */
extern const struct module jobs_module;

#endif
