/*
 * domain/contact_book_internal: shared by the contact_book*.c files and
 * their unit test only.
 */
#ifndef IRIS_DOMAIN_CONTACT_BOOK_INTERNAL_H
#define IRIS_DOMAIN_CONTACT_BOOK_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "contacts/contacts.h"
#include "core/ids.h"
#include "domain/contact_book.h"

struct app;
struct store;
struct actor;

/* The sealed columns of a contact row, in table order. */
enum cb_col {
	CB_NAME,
	CB_EMAIL,
	CB_PHONE,
	CB_WORK,
	CB_ADDRESS,
	CB_IDENT,
	CB_EXTRA,
	CB_CHANGES,
	CB_NCOL
};
extern const char *const cb_col_names[CB_NCOL];

/* The plain texts of one row's sealed columns (malloc'd JSON, NULL when
 * empty) plus its place in the book. */
struct cb_row {
	char id[IDS_UUID_LEN];
	int64_t pos;
	char import_id[IDS_UUID_LEN];
	int64_t created_at;
	char *plain[CB_NCOL];
};
void cb_row_clear(struct cb_row *r);

/* A book loaded for the engine: rec i of b is row ids[i] at pos[i]. */
struct cb_book {
	struct contacts_book *b;
	char (*ids)[IDS_UUID_LEN];
	int64_t *pos;
	size_t cap;
};
void cb_book_free(struct cb_book *bk);

/* Subject id of a contact ("contact:<id>") and of the book. */
void cb_subject(const char *contact_id, char out[64]);
void cb_book_subject(const char *tenant_id, char out[64]);

/* Encodes record c of b (and its changes, may be NULL) into row->plain. */
void cb_encode(const struct contacts_book *b, const struct contact *c, json_t *changes,
               struct cb_row *row);
/* Adds the record held by row->plain to b; returns it. */
struct contact *cb_decode(struct contacts_book *b, const struct cb_row *row);
/* Index of extra column name in b, adding it (and growing every record). */
size_t cb_extra_index(struct contacts_book *b, const char *name);

/* Seals and inserts row (new id) with its blind indexes (from c when
 * given, else decoded from row); in a transaction. */
int cb_insert(struct app *app, struct store *st, const char *tenant_id, const struct cb_row *row,
              const struct contact *c);
/* Re-seals every column of an existing row and rebuilds its indexes. */
int cb_update(struct app *app, struct store *st, const char *tenant_id, const struct cb_row *row);
/* Reads and opens one row of the tenant; 1 found, 0 not found, -1 error. */
int cb_read(struct app *app, struct store *st, const char *tenant_id, const char *contact_id,
            struct cb_row *row);
/* Loads every contact of the tenant (book order) into bk. */
int cb_load(struct app *app, struct store *st, const char *tenant_id, struct cb_book *bk);
/* Erases a contact and, recursively, the sources of its merges: keys
 * destroyed, rows deleted. In a transaction. */
int cb_erase(struct app *app, struct store *st, const char *tenant_id, const char *contact_id);
/* Largest pos of the book, or -1. */
int64_t cb_max_pos(struct store *st, const char *tenant_id);

/* Settings as read for the engine. */
struct cb_settings {
	char country[3];
	char lang[8];
	double threshold;
	bool keep_alternates;
	bool informed, consent_required, agreed;
	json_t *column_map; /* owned */
};
int cb_settings_load(struct store *st, const char *tenant_id, struct cb_settings *s);
/* Saves map as the tenant's column_map (instruction); in a transaction. */
int cb_settings_save_map(struct app *app, struct store *st, const struct actor *actor,
                         const char *tenant_id, json_t *map);
/* A valid column map {"header": "field"} / ISO country code. */
bool cb_map_ok(json_t *map);
bool cb_country_ok(const char *country);
void cb_settings_free(struct cb_settings *s);

/* Appends an audit entry (instruction) in the current transaction. */
int cb_audit(struct app *app, struct store *st, const struct actor *actor, const char *tenant_id,
             const char *action, const char *target_type, const char *target_id,
             const char *fields);

/* Folded search tokens of a name (lower case, accents stripped), written as
 * a NULL-terminated malloc'd array of malloc'd strings. */
char **cb_name_tokens(const char *s);
void cb_tokens_free(char **t);

int64_t cb_now(void);
/* JSON of one record: {id, source_id, fields{...}, extra{...}}. */
json_t *cb_record_json(const struct contacts_book *b, const struct contact *c, const char *id);

#endif
