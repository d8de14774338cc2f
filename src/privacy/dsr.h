/*
 * privacy/dsr: data-subject rights derived from the privacy catalog
 * (P-DSR-1 access, P-DSR-3 erasure, P-DSR-5 portability, P-ACC-4).
 *
 * Every table with personal data declares which column ties a row to its
 * data subject (struct catalog_table); this module walks every declared
 * table for one subject (tenant_id, account id) without knowing the modules:
 * it selects the catalogued personal columns, opens sealed ones with
 * keys_open_sealed under the subject's key and the AD (table, row, column),
 * and hands each value to the caller. From that walk come the access report
 * (JSON and HTML, per category with purpose, legal basis and retention), the
 * export archive (ustar with manifest.json, per-table JSON, a vCard and the
 * uploaded files) and erasure (deletion-log entry, each column's erasure
 * action, destruction of the subject key, in the caller's transaction).
 *
 * Functions that write run in the caller's transaction (suffix _tx) or open
 * their own; errors are stable codes in *error_r ("not_found", "legal_hold",
 * "internal", ...).
 */
#ifndef IRIS_PRIVACY_DSR_H
#define IRIS_PRIVACY_DSR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ids.h"
#include "privacy/catalog.h"

struct keys;
struct store;
struct archive_writer;

/* What every function here works with. */
struct dsr_ctx {
	struct keys *keys;
	struct store *st;
	unsigned audit_every; /* cfg->audit_checkpoint_every */
};

/* Who acts (recorded in the audit log and the deletion log). role is a role
 * name ("user", "tenant_admin", "operator", "system"). */
struct dsr_actor {
	const char *id;
	const char *role;
};

/* Appends an audit entry (field names only); instruction when the actor is
 * not the subject. Call inside a transaction. */
int dsr_audit(const struct dsr_ctx *cx, const struct dsr_actor *actor, const char *tenant_id,
              const char *action, const char *target_type, const char *target_id,
              const char *fields, bool instruction);

/* One catalogued value of the subject. data is the clear value (opened when
 * sealed), NUL-terminated, or NULL when the column is NULL or could not be
 * opened (unreadable true: key gone). */
struct dsr_value {
	const struct catalog_table *table;
	const struct catalog_column *column;
	const char *row_id;
	unsigned long row; /* index of the row within its table, from 0 */
	const char *data;
	size_t len;
	bool unreadable;
};
/* The clear value as JSON (new reference): integers of unsealed columns as
 * integers, stored JSON lists/objects as themselves, anything else a string.
 * Shared by the access report and the export so both show values alike. */
json_t *dsr_value_json(const struct dsr_value *v);
/* Calls fn for every personal column of every row of every declared table
 * that belongs to the subject. fn returns non-zero to stop (then -1). */
int dsr_walk(const struct dsr_ctx *cx, const char *tenant_id, const char *subject_id,
             int (*fn)(const struct dsr_value *v, void *ctx), void *ctx);

/* Access report (P-DSR-1): *out_r = {"subject":{...}, "generated_at",
 * "categories":[{"category", "items":[{"source", "purpose", "legal_basis",
 * "retention", "erasure", "count", "values"[, "note"]}]}]}. */
int dsr_report(const struct dsr_ctx *cx, const char *tenant_id, const char *subject_id,
               json_t **out_r);
/* The report as a standalone HTML page (every value escaped); malloc'd. */
char *dsr_report_html(const json_t *report);

/* Portability (P-DSR-5): an ustar archive in *tar_r (malloc'd). */
int dsr_export(const struct dsr_ctx *cx, const char *tenant_id, const char *subject_id,
               unsigned char **tar_r, size_t *len_r);

/* Modules with data the catalog walk cannot shape (XEP-0227 roster and
 * messages, iCalendar, ...) add files and their manifest entries
 * ({"path", "categories":[...], "format"}) through the export hook of their
 * descriptor (core/module.h), called here after the walk. */

/* Erasure (P-DSR-3, P-ACC-4), inside the caller's transaction: checks the
 * erasure guard (legal hold), writes the deletion-log entry (categories and
 * counts, time, instruction, request id; never the data), applies every
 * column's erasure action (rows deleted, or kept with the subject link and
 * erasable columns set to NULL when a column is anonymised or kept under a
 * legal duty) and destroys the subject key. log_id_r receives the entry id. */
struct dsr_erasure {
	const char *tenant_id;
	const char *subject_id;
	struct dsr_actor actor;
	const char *request_id; /* NULL when none */
	const char *reason;     /* "self-service", "admin instruction", ... */
};
int dsr_erase_tx(const struct dsr_ctx *cx, const struct dsr_erasure *e, char log_id_r[IDS_UUID_LEN],
                 const char **error_r);

/* Every registered module (core/module.h) takes part: its erase_guard is
 * consulted first (a legal hold refuses with "legal_hold"), its erase_tx
 * runs once the subject key is destroyed (others' rosters, the backups'
 * erasure ledger). The reason of the last refusal on this thread, or NULL: */
const char *dsr_erase_refusal(void);

/* This module's tables (the privacy centre's own rows); the privacy
 * centre's module descriptor (api/api_dsr.c) declares them. */
extern const struct catalog_table dsr_tables[];
extern const struct catalog_column dsr_catalog[];

#endif
