/*
 * privacy/register: the record of processing activities the processor keeps
 * for each tenant (GDPR Art. 30(2), P-REG-1), generated from the privacy
 * catalog, the settings and the sub-processor register; as JSON and HTML.
 * Also the catalog fragment of the registers' tables (migrations 008, 009).
 */
#ifndef IRIS_PRIVACY_REGISTER_H
#define IRIS_PRIVACY_REGISTER_H

#include <jansson.h>

#include "privacy/catalog.h"

struct app;
struct store;

/* The record for tenant_id; NULL when the tenant does not exist. */
json_t *register_ropa_json(struct app *app, struct store *st, const char *tenant_id);
/* The same as a self-contained HTML page (malloc'd). */
char *register_ropa_html(const json_t *ropa);

/* Catalog fragment of migrations 008 and 009. */
extern const struct catalog_column registers_catalog[];
extern const struct catalog_table registers_catalog_tables[];

#endif
