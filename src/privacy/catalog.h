/*
 * privacy/catalog: every stored column declared once (DESIGN.md "The privacy
 * catalog"). Personal columns carry their data category, data subject,
 * purpose, legal basis, retention, erasure action and export rule; other
 * columns are declared as not personal, with a reason. The access report,
 * the export, erasure, retention sweeps and the registers are all derived
 * from this catalog, and a unit test fails when a column of the schema has
 * no entry.
 *
 * Modules declare their tables in their own fragment (an array terminated by
 * a zeroed entry) and register it at start-up with privacy_catalog_register();
 * privacy never includes domain headers.
 */
#ifndef IRIS_PRIVACY_CATALOG_H
#define IRIS_PRIVACY_CATALOG_H

#include <stdbool.h>
#include <stddef.h> /* NULL, for fragments */

enum catalog_erasure {
	ERASE_NOT_PERSONAL = 0, /* technical column, nothing to erase */
	ERASE_DELETE,           /* row or value deleted */
	ERASE_SHRED,            /* sealed: subject key destroyed, then deleted */
	ERASE_ANONYMISE,        /* value replaced, row kept (e.g. statistics) */
	ERASE_KEEP_LEGAL,       /* kept under a legal duty until retention ends */
};

enum catalog_export {
	EXPORT_NONE = 0,
	EXPORT_VALUE, /* exported as is (opened if sealed) */
	EXPORT_FILE,  /* a blob exported as a file */
};

struct catalog_column {
	const char *table;
	const char *column;
	bool personal;
	bool sealed;             /* stored as AES-256-GCM under a subject key */
	const char *category;    /* W3C DPV term, e.g. "dpv-pd:EmailAddress" */
	const char *subject;     /* data subject, e.g. "end user", "tenant admin" */
	const char *purpose;     /* e.g. "account management" */
	const char *legal_basis; /* e.g. "GDPR Art. 6(1)(b) contract" */
	const char *retention;   /* human text, e.g. "until account deletion" */
	int retention_days;      /* 0 = for the life of the subject */
	enum catalog_erasure erasure;
	enum catalog_export export_as;
	const char *note; /* for non-personal columns: why not personal */
};

/* Registers a fragment (static storage, zero-terminated). Idempotent. */
void privacy_catalog_register(const struct catalog_column *fragment);
/* Registers the columns and tables of every registered module
 * (core/module.h); idempotent. The composition root calls it once. */
void privacy_catalog_register_modules(void);
/* Finds the entry of table.column, or NULL. */
const struct catalog_column *privacy_catalog_find(const char *table, const char *column);
/* Calls fn for every registered entry, in registration order. */
void privacy_catalog_each(void (*fn)(const struct catalog_column *entry, void *ctx), void *ctx);
/* Entry count (registered). */
unsigned privacy_catalog_count(void);
/* Text names for reports. */
const char *privacy_catalog_erasure_name(enum catalog_erasure erasure);
const char *privacy_catalog_export_name(enum catalog_export export_as);
/* Forgets every registered fragment (tests, shutdown). */
void privacy_catalog_reset(void);

struct store;
/* Walks every column of the live schema (store_each_column) and returns 0
 * when each has an entry; else -1 with *missing_r a malloc'd list
 * "table.column, ..." of the columns without one (caller frees). */
int privacy_catalog_check_schema(struct store *st, char **missing_r);
/* Checks every registered entry: a personal one has a DPV category, data
 * subject, purpose, legal basis, retention and an erasure action (crypto-
 * shredding only for sealed columns); a non-personal one has a note and no
 * erasure action; no column is declared twice. Returns 0, or -1 with
 * *error_r a malloc'd list "table.column (what is missing), ..." */
int privacy_catalog_validate(char **error_r);

/*
 * Table-level declarations (issue 4, data-subject rights): which column of a
 * table ties a row to its data subject (an account id), which column holds
 * the tenant, and which column's value is the row id bound into the
 * associated data of sealed values. The access report, the export and
 * erasure (privacy/dsr.h) walk every declared table for a subject without
 * knowing the modules. A table with a personal column needs a declaration
 * (privacy_catalog_check_tables); subject_column NULL means its rows are not
 * about one account (say why in note).
 */
struct catalog_table {
	const char *table;
	const char *subject_column; /* account id of the data subject, or NULL */
	const char *tenant_column;  /* tenant of the row, or NULL */
	const char *row_column;     /* row id in the sealing AD (NULL: no sealed column) */
	const char *note;           /* e.g. why rows are not about one subject */
};

/* Registers a zero-terminated table fragment (static storage). Idempotent. */
void privacy_catalog_register_tables(const struct catalog_table *fragment);
/* The declaration of table, or NULL. */
const struct catalog_table *privacy_catalog_find_table(const char *table);
/* Calls fn for every declared table, in registration order. */
void privacy_catalog_each_table(void (*fn)(const struct catalog_table *t, void *ctx), void *ctx);
/* Number of declared tables. */
unsigned privacy_catalog_table_count(void);
/* Returns 0 when every table with a personal column entry has a table
 * declaration and every declaration names catalogued columns; else -1 with
 * *error_r a malloc'd list of the problems. */
int privacy_catalog_check_tables(char **error_r);

#endif
