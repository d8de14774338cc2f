/*
 * crypto/keys_catalog: the privacy-catalog fragment of the key tables
 * (migration 002), registered by the composition root.
 */
#ifndef IRIS_PRIVACY_KEYS_CATALOG_H
#define IRIS_PRIVACY_KEYS_CATALOG_H

#include "privacy/catalog.h"

extern const struct catalog_column crypto_catalog[];
extern const struct catalog_table crypto_catalog_tables[];
/* The keys' module descriptor (core/module.h): catalog only. */
extern const struct module keys_module;

#endif
