/*
 * contacts: a tenant's contact book, cleaned, enriched and de-duplicated
 * (PROMISES.md P-HYG-1..4).
 *
 * This header is the module's whole contract.  The flow is:
 *
 *   contacts_book_import_csv / _vcard   parse a file into a book       (P-HYG-1)
 *   contacts_clean                      normalise every field, with a
 *                                       change list saying what and why (P-HYG-2)
 *   contacts_dedupe                     block, compare, learn weights
 *                                       (Fellegi-Sunter + EM), cluster  (P-HYG-3)
 *   contacts_merge / contacts_undo      fold each cluster into one record
 *                                       keeping every source value; undo (P-HYG-3)
 *   contacts_refresh                    bounces / newer addresses      (P-HYG-4)
 *   contacts_book_export_csv / _vcard   write it back, with source ids (P-HYG-1)
 *
 * Ownership: a book owns every string reachable from it; strings handed in
 * are copied.  Functions that can fail return 0 on success and -1 on error
 * with a static message in *error_r.  Nothing here logs or touches the
 * network: callers decide what to print.
 */
#ifndef IRIS_CONTACTS_H
#define IRIS_CONTACTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The fields the engine understands.  Anything else in an input file is
 * kept verbatim as an "extra" column, so an import loses nothing. */
enum contact_field {
	CF_ID,          /* the source record id (kept through every step) */
	CF_SOURCE_IDS,  /* ';'-separated ids a merged record came from */
	CF_CIVILITY,    /* Mr, Mrs, Ms, M., Mme, Dr ... */
	CF_GENDER,      /* "male" / "female", only when the first name is clear */
	CF_FIRST,       /* first (given) name */
	CF_LAST,        /* last name (surname) */
	CF_FULL_NAME,   /* a full name as given, split by cleaning */
	CF_EMAIL,
	CF_EMAIL_KIND,  /* nominative@pro, role@free, other@pro ..., disposable, invalid */
	CF_PHONE,
	CF_PHONE_TYPE,  /* mobile | fixed | fixed_or_mobile | voip | ... | invalid */
	CF_COMPANY,
	CF_WEBSITE,
	CF_JOB_TITLE,
	CF_STREET_NUMBER,
	CF_ADDRESS1,
	CF_ADDRESS2,
	CF_CITY,
	CF_POSTCODE,
	CF_REGION,
	CF_COUNTRY,     /* ISO 3166 alpha-2 when known */
	CF_BIRTH_DATE,
	CF_NATIONAL_ID, /* any strong external identifier (customer no., SSN) */
	CF_EMAIL_STATUS, /* "" | bounced | updated (set by contacts_refresh) */
	CF_LAST_SEEN,   /* ISO date of the newest correspondence seen */
	CF_COUNT
};

/* Canonical column name of a field ("first_name", "email" ...). */
const char *contacts_field_name(enum contact_field f);

/* Maps an arbitrary header ("Prénom", "E-mail Address", "Given Name") to a
 * field through a synonym table; returns -1 when it does not know it. */
int contacts_field_from_header(const char *name, size_t len);

/* One record.  v[f] is NULL when the field is absent; extra[i] belongs to
 * the book's extra_names[i] (NULL when the row had no value). */
struct contact {
	char *v[CF_COUNT];
	char **extra;
};

/* Why an input row was repaired or rejected (P-HYG-1, "bad input"). */
enum contacts_issue_code {
	CI_EMPTY_ROW = 1,    /* skipped: nothing in it */
	CI_QUOTE_REPAIRED,   /* a stray or unterminated quote taken literally */
	CI_BAD_UTF8,         /* bytes re-read as Windows-1252 */
	CI_FIELD_TRUNCATED,  /* a field over the length limit: cut, full text kept in the report */
	CI_TOO_MANY_COLUMNS, /* more columns than the header: extras joined into "_overflow" */
	CI_ROW_REJECTED,     /* row over the size or column limit: kept raw in the report */
	CI_VCARD_BAD_LINE,   /* vCard line without a ':' or an unknown encoding */
};

/* One per-row note of the import report.  raw is the original text when
 * the row was rejected or a value truncated, so nothing is lost. */
struct contacts_issue {
	size_t line;
	enum contacts_issue_code code;
	char *raw;
};

/* One cleaning change: field f of record rec went from before to after. */
struct contacts_change {
	size_t rec;
	enum contact_field field;
	char *before;
	char *after;
	const char *why; /* static text */
};

struct contacts_arena;

struct contacts_book {
	struct contact *recs;
	size_t n, cap;
	char **extra_names; /* unmapped input columns, in input order */
	size_t n_extra;
	int field_present[CF_COUNT]; /* a column for the field exists */
	struct contacts_issue *issues;
	size_t n_issues, cap_issues;
	size_t rows_read, rows_rejected, rows_repaired;
	struct contacts_arena *arena;
};

/* A user-given column mapping: header text -> field, overriding synonyms. */
struct contacts_mapping {
	const char *header;
	enum contact_field field;
};

/* Import limits; zero values take the defaults shown. */
struct contacts_limits {
	size_t max_field;   /* 65536 bytes */
	size_t max_columns; /* 1024 */
	size_t max_row;     /* 1 MiB */
};

struct contacts_import_opts {
	char delimiter; /* 0: detect from the header line among , ; TAB | */
	const struct contacts_mapping *map;
	size_t n_map;
	struct contacts_limits limits;
};

struct contacts_book *contacts_book_new(void);
/* Frees the book and everything it owns; accepts NULL and sets *book to NULL. */
void contacts_book_free(struct contacts_book **book);
/* Appends an empty record and returns it (owned by the book). */
struct contact *contacts_book_add(struct contacts_book *book);
/* Sets a field to a copy of value (NULL clears it). */
void contacts_set(struct contacts_book *book, struct contact *c, enum contact_field f,
		  const char *value);
/* Copies a string into the book's arena. */
char *contacts_strdup(struct contacts_book *book, const char *s, size_t len);

/* Reads a CSV file (RFC 4180, any delimiter, UTF-8 with or without BOM)
 * into book.  Bad rows are repaired or rejected with an issue each; they
 * never abort the import.  Fails only when the data has no header. */
int contacts_book_import_csv(struct contacts_book *book, const char *data, size_t len,
			     const struct contacts_import_opts *opts, const char **error_r);
/* Reads vCard 3.0 / 4.0 (BEGIN:VCARD ... END:VCARD, folded lines). */
int contacts_book_import_vcard(struct contacts_book *book, const char *data, size_t len,
			       const char **error_r);

/* Writes the book as CSV (header of canonical names present in the book,
 * then extras; cluster ids first when given). */
int contacts_book_export_csv(const struct contacts_book *book, FILE *out, char delimiter,
			     const uint32_t *cluster_ids, const char **error_r);
/* Writes vCard 4.0; the source id goes in UID and X-IRIS-SOURCE-IDS. */
int contacts_book_export_vcard(const struct contacts_book *book, FILE *out,
			       const char **error_r);
/* Writes one JSON object per record (JSON Lines), with a cluster id when given. */
int contacts_book_export_json(const struct contacts_book *book, FILE *out,
			      const uint32_t *cluster_ids, const char **error_r);

/* ---- Cleaning (P-HYG-2) ---- */

struct contacts_clean_opts {
	const char *default_country; /* ISO alpha-2 for phones without +, "FR" */
	const char *lang;            /* "fr" gives M./Mme civilities, else Mr/Mrs/Ms */
	int threads;                 /* 0: 2 */
	int keep_changes;            /* collect a change list (costs memory) */
};

/* Counts by kind, for the summary at the end of a run. */
struct contacts_clean_stats {
	size_t changed[CF_COUNT];
	size_t email_typo_fixed, email_invalid, phone_invalid, names_split, civility_added;
};

struct contacts_changes {
	struct contacts_change *v;
	size_t n, cap;
};

int contacts_clean(struct contacts_book *book, const struct contacts_clean_opts *opts,
		   struct contacts_clean_stats *stats_r, struct contacts_changes *changes_r,
		   const char **error_r);
void contacts_changes_free(struct contacts_changes *ch);

/* Single-value cleaners, exposed for tests and callers that clean one
 * field.  Each returns a malloc'd string (caller frees) or NULL when the
 * value is unusable; why_r (optional) gets a static reason. */
char *contacts_clean_name_part(const char *s, int is_last);
/* Splits "Dr. Jean-Pierre van der Berg" into civility, first and last. */
void contacts_split_full_name(const char *full, char **civility_r, char **first_r,
			      char **last_r);
/* "male", "female" or NULL (unknown or ambiguous). */
const char *contacts_gender_of(const char *first_name);
/* Civility for a clear first name, or NULL; lang "fr" gives M./Mme. */
const char *contacts_civility_for(const char *first_name, const char *lang);
char *contacts_clean_email(const char *s, const char **why_r);
/* "nominative@pro", "nominative@free", "role@pro", "role@free", "other@pro",
 * "other@free", "disposable" or "invalid" */
const char *contacts_email_kind(const char *clean_email, const char *first, const char *last);
char *contacts_clean_phone(const char *s, const char *default_country, const char **type_r);
/* Company name guessed from a professional e-mail domain ("acme" -> "Acme"). */
char *contacts_company_from_email(const char *clean_email);
/* Website normalised to its host ("https://www.Acme.com/x" -> "acme.com"). */
char *contacts_clean_website(const char *s);
char *contacts_clean_job_title(const char *s);
/* Registrable domain of a host through the public suffix list. */
char *contacts_registrable_domain(const char *host);
/* Folded form for keys and search tokens: lower case, Latin accents
 * stripped, [a-z0-9] kept, every other run one space, trimmed ("Müller-
 * Lüdenscheidt" -> "muller ludenscheidt").  malloc'd; caller frees. */
char *contacts_fold(const char *s);

/* ---- De-duplication (P-HYG-3) ---- */

/* Comparison levels of one field for one pair. */
enum { CL_MISSING = 0, CL_DIFF = 1, CL_CLOSE = 2, CL_SAME = 3 };
#define CONTACTS_NCOMP 12 /* compared attributes */

/* Learned Fellegi-Sunter parameters. */
struct contacts_model {
	double m[CONTACTS_NCOMP][4], u[CONTACTS_NCOMP][4];
	double prior; /* share of matches among candidate pairs */
	int iterations;
};

struct contacts_dedupe_opts {
	double threshold;     /* posterior match probability; 0: 0.5 */
	size_t max_block;     /* blocks larger than this are skipped; 0: 400 */
	int threads;          /* 0: 2 */
};

struct contacts_dedupe_stats {
	size_t candidate_pairs, patterns, linked_pairs, clusters, multi_clusters, skipped_blocks;
};

/* Clusters the book: cluster_r[i] is a cluster number (0-based, dense) for
 * every record; the caller frees *cluster_r.  model_r (optional) gets the
 * learned weights. */
int contacts_dedupe(const struct contacts_book *book, const struct contacts_dedupe_opts *opts,
		    uint32_t **cluster_r, struct contacts_model *model_r,
		    struct contacts_dedupe_stats *stats_r, const char **error_r);

/* Comparison vector of two records (levels per attribute) and its posterior
 * under a model. */
void contacts_compare(const struct contact *a, const struct contact *b,
		      uint8_t levels_r[CONTACTS_NCOMP]);
double contacts_match_probability(const struct contacts_model *m,
				  const uint8_t levels[CONTACTS_NCOMP]);

/* Incremental lookup: an index over a book answers "which records are
 * duplicates of this new contact" without re-running the whole dedupe. */
struct contacts_index;
struct contacts_index *contacts_index_build(const struct contacts_book *book,
					    const struct contacts_model *model,
					    size_t max_block);
void contacts_index_free(struct contacts_index **ix);
/* Writes up to max record numbers whose match probability >= threshold;
 * returns how many. */
size_t contacts_index_query(const struct contacts_index *ix, const struct contact *c,
			    double threshold, size_t *out, size_t max);

/* String comparators (exposed for tests). */
double contacts_jaro_winkler(const char *a, const char *b);
size_t contacts_levenshtein(const char *a, const char *b, size_t cap);

/* ---- Merge and undo (P-HYG-3) ---- */

/* Folds each cluster of book into one record of out (a new book), keeping
 * the best value per field (documented in docs/contacts.md) and every source
 * value with its source id in the journal.  journal is a JSON document
 * written to the given stream; it is what undo needs. */
int contacts_merge(const struct contacts_book *book, const uint32_t *clusters,
		   struct contacts_book **out_r, FILE *journal, size_t *merges_r,
		   const char **error_r);

/* Undoes merges: given the merged book and the journal, rebuilds the book
 * as it was before the merge, record for record and field for field.  When
 * merge_id is not NULL only that merged record is split back. */
int contacts_undo(const struct contacts_book *merged, const char *journal, size_t journal_len,
		  const char *merge_id, struct contacts_book **out_r, const char **error_r);

/* ---- Mailbox refresh (P-HYG-4) ---- */

struct contacts_refresh_opts {
	int employees_informed; /* must be 1, or refresh refuses to run */
	int consent_required;   /* the tenant requires the employees' agreement */
	int employees_agreed;
};

struct contacts_refresh_stats {
	size_t events, bounces_marked, addresses_updated, last_seen_updated, ignored;
};

/* Applies mail events to the book.  events is either an mbox (starts with
 * "From ") or a CSV with columns email/sender, date, and optionally type
 * (bounce|message) and name.  Changes go into changes_r. */
int contacts_refresh(struct contacts_book *book, const char *events, size_t len,
		     const struct contacts_refresh_opts *opts,
		     struct contacts_refresh_stats *stats_r, struct contacts_changes *changes_r,
		     const char **error_r);

#endif
