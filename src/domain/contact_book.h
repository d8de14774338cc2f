/*
 * domain/contact_book: a tenant's contact book on the server (issue 5 item
 * 7; P-HYG-1..5, P-INS-1). The engine (contacts/contacts.h) does the work
 * in memory on the calling worker thread; this module stores the result.
 *
 * Storage (migration 011): every value of a contact is sealed under the
 * contact's own subject key "contact:<id>" (one contact can be crypto-
 * shredded), in seven column groups that follow the DPV categories (name,
 * e-mail, phone, work, address, identifiers, extra columns) plus its change
 * report. Search goes through blind indexes (normalised e-mail, E.164
 * phone, folded name tokens). A merge keeps every source record, sealed
 * under the source's key, in the merge journal; undo puts the sources back
 * byte for byte. Import reports (rejected rows' raw text) are sealed under
 * the book key "contacts:<tenant>".
 *
 * Every function runs on the caller's store connection; the writing ones
 * run one transaction with the audit entry (instruction=true, field names
 * only). Errors come back as API codes in *error_r: "invalid_field",
 * "not_found", "conflict", "internal", "too_many_rows",
 * "employees_not_informed", "employees_not_agreed", "invalid_input".
 * Results are JSON objects (new references) documented in
 * docs/api/openapi.yaml.
 */
#ifndef IRIS_DOMAIN_CONTACT_BOOK_H
#define IRIS_DOMAIN_CONTACT_BOOK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "privacy/catalog.h"

struct app;
struct store;
struct actor;

/* Most rows one import may hold, and most contacts one book may hold. */
#define CONTACT_BOOK_MAX_IMPORT_ROWS 200000
#define CONTACT_BOOK_MAX_CONTACTS 1000000
/* Page size bounds of the list. */
#define CONTACT_BOOK_PAGE_MAX 500

/* The tenant's settings as JSON: default_country, lang, dedupe_threshold,
 * merge_keep_alternates, column_map, employees_informed, consent_required,
 * employees_agreed, refresh_recorded_at, updated_at. */
int contact_book_settings_get(struct app *app, struct store *st, const char *tenant_id,
                              json_t **out_r, const char **error_r);
/* Applies a patch of those settings (strictly validated; *field_r names a
 * bad one) and records it as the tenant's instruction, naming the changed
 * settings. Recording employees_informed / consent_required /
 * employees_agreed is the refresh consent record (P-HYG-4). */
int contact_book_settings_patch(struct app *app, struct store *st, const struct actor *actor,
                                const char *tenant_id, json_t *patch, const char **error_r,
                                const char **field_r);

struct contact_book_import_opts {
	const char *format;  /* "csv", "vcard" or NULL (detected) */
	const char *country; /* default country for phones; NULL: the tenant's */
	json_t *map;         /* {"Header": "field"} for this file, or NULL */
	bool save_map;       /* also save map as the tenant's column_map (instruction) */
	char delimiter;      /* 0: detected */
};
/* The mapping step: headers of the file and the field each maps to (saved
 * mapping, then map, then synonyms), without importing anything. */
int contact_book_preview(struct app *app, struct store *st, const char *tenant_id, const char *data,
                         size_t len, const struct contact_book_import_opts *o, json_t **out_r,
                         const char **error_r);
/* Imports a CSV or vCard file: parse, clean (change report), store in one
 * transaction. Bad rows are repaired or rejected into the report, never
 * abort. *out_r: {import_id, rows_read, imported, repaired, rejected,
 * issues[], changes_total, changes[] (first 500), cleaned{field: n}}. */
int contact_book_import(struct app *app, struct store *st, const struct actor *actor,
                        const char *tenant_id, const char *data, size_t len,
                        const struct contact_book_import_opts *o, json_t **out_r,
                        const char **error_r);
/* The stored report of one import: counts and its per-row notes (paged). */
int contact_book_import_report(struct app *app, struct store *st, const char *tenant_id,
                               const char *import_id, size_t offset, size_t limit, json_t **out_r,
                               const char **error_r);

/* A page of contacts in book order; q (optional) searches the blind
 * indexes: an e-mail, a phone number, or name words (all must match). */
int contact_book_list(struct app *app, struct store *st, const char *tenant_id, const char *q,
                      size_t offset, size_t limit, json_t **out_r, const char **error_r);
/* One contact with its fields, extra columns, change report and merge. */
int contact_book_get(struct app *app, struct store *st, const char *tenant_id,
                     const char *contact_id, json_t **out_r, const char **error_r);
/* Erases one contact (contact_id) or the whole book (NULL): keys destroyed
 * (merge journal sources too), rows deleted, instruction audited. */
int contact_book_delete(struct app *app, struct store *st, const struct actor *actor,
                        const char *tenant_id, const char *contact_id, size_t *deleted_r,
                        const char **error_r);

/* Duplicate clusters: {threshold, clusters: [{cluster_id, score, contacts,
 * pairs: [{a, b, score, explanation}]}]}. threshold < 0: the tenant's. */
int contact_book_duplicates(struct app *app, struct store *st, const char *tenant_id,
                            double threshold, json_t **out_r, const char **error_r);
/* Merges {contact_ids: [...]} or {cluster_id} or {all: true, threshold?}.
 * *out_r: {merges: [{merge_id, contact_id, source_contact_ids}]}. */
int contact_book_merge(struct app *app, struct store *st, const struct actor *actor,
                       const char *tenant_id, json_t *req, json_t **out_r, const char **error_r);
/* The merge journal: {merges: [{merge_id, contact_id, sources, created_at}]}. */
int contact_book_merges(struct app *app, struct store *st, const char *tenant_id, json_t **out_r,
                        const char **error_r);
/* Undoes one merge exactly; "conflict" when its merged contact is itself
 * merged away (undo that first). *out_r: {restored: [ids]}. */
int contact_book_undo(struct app *app, struct store *st, const struct actor *actor,
                      const char *tenant_id, const char *merge_id, json_t **out_r,
                      const char **error_r);

/* Exports the book as "csv", "vcard" or "json" with source ids and a
 * cluster id; *body_r malloc'd. The export is audited as an instruction. */
int contact_book_export(struct app *app, struct store *st, const struct actor *actor,
                        const char *tenant_id, const char *format, char **body_r, size_t *len_r,
                        const char **content_type_r, const char **error_r);

/* Mailbox refresh (P-HYG-4) from an mbox or a sender/date CSV; refused
 * ("employees_not_informed" / "employees_not_agreed") unless the tenant
 * recorded it. *out_r: {events, bounces_marked, addresses_updated,
 * last_seen_updated, ignored, changes[]}. */
int contact_book_refresh(struct app *app, struct store *st, const struct actor *actor,
                         const char *tenant_id, const char *data, size_t len, json_t **out_r,
                         const char **error_r);

/* Catalog fragments of migration 011 (columns and tables). */
extern const struct catalog_column contact_book_catalog[];
extern const struct catalog_table contact_book_catalog_tables[];

#endif
