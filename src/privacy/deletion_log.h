/*
 * privacy/deletion_log: the record of erasures (P-DSR-3, P-ACC-4): for each,
 * the categories and how many items were erased, when, on whose instruction
 * and for which request, and why; never the erased data, and not the
 * subject's id either: subject_ref is a keyed pseudonym of it, so whoever
 * holds the id can show that it was erased.
 */
#ifndef IRIS_PRIVACY_DELETION_LOG_H
#define IRIS_PRIVACY_DELETION_LOG_H

#include <jansson.h>
#include <stdint.h>

#include "core/ids.h"
#include "privacy/dsr.h"

/* Writes an entry in the caller's transaction; categories is an object
 * {"dpv-pd:...": count}. id_r receives its id. */
int deletion_log_write_tx(const struct dsr_ctx *cx, const struct dsr_erasure *e,
                          const json_t *categories, int64_t items, char id_r[IDS_UUID_LEN]);
/* The same, erased_at = at (the run's time of a job) instead of now. */
int deletion_log_write_at_tx(const struct dsr_ctx *cx, const struct dsr_erasure *e,
                             const json_t *categories, int64_t items, int64_t at,
                             char id_r[IDS_UUID_LEN]);
/* The pseudonym of subject_id in tenant_id's log (out: 65 bytes). */
int deletion_log_subject_ref(const struct dsr_ctx *cx, const char *tenant_id,
                             const char *subject_id, char out[65]);
/* The tenant's entries, oldest first, as a JSON array of {id, subject_ref,
 * categories, items, erased_at, instructed_by, instructed_role, request_id,
 * reason}. */
int deletion_log_list(const struct dsr_ctx *cx, const char *tenant_id, json_t **out_r);

#endif
