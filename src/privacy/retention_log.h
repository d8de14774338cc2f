/*
 * privacy/retention_log: the record of automatic deletions (P-RET-1): which
 * category of which tenant lost how many rows older than which cutoff, and
 * when. Written by the retention sweeps and by duties that erase otherwise
 * (expired pending registrations); read by the tenant's admins and
 * auditors. Part of the privacy core, so the domain can record its own
 * deletions without knowing the compliance services.
 */
#ifndef IRIS_PRIVACY_RETENTION_LOG_H
#define IRIS_PRIVACY_RETENTION_LOG_H

#include <jansson.h>
#include <stdint.h>

struct store;

/* Records an automatic deletion in the caller's transaction: deleted rows
 * of category from table, older than cutoff, at now. Nothing when deleted
 * is 0. */
int retention_log_write_tx(struct store *st, const char *tenant_id, const char *category,
                           const char *table, int64_t deleted, int64_t cutoff, int64_t now);
/* The tenant's retention log, newest first (at most limit). New reference. */
json_t *retention_log_json(struct store *st, const char *tenant_id, int limit);

#endif
