/*
 * domain/contact_book: storage of contacts (see contact_book.h): encoding a
 * record into its sealed column groups, sealing, blind indexes, loading a
 * whole book for the engine, erasure.
 */
#include "domain/contact_book_internal.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "domain/accounts.h"
#include "domain/app.h"
#include "core/config.h"
#include "privacy/audit.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const cb_col_names[CB_NCOL] = {
    "name_sealed",    "email_sealed", "phone_sealed", "work_sealed",
    "address_sealed", "ident_sealed", "extra_sealed", "changes_sealed",
};

/* The engine fields of each field group (CB_NAME .. CB_IDENT). */
static const enum contact_field group_fields[CB_EXTRA][9] = {
    [CB_NAME] = {CF_CIVILITY, CF_GENDER, CF_FIRST, CF_LAST, CF_FULL_NAME, CF_COUNT},
    [CB_EMAIL] = {CF_EMAIL, CF_EMAIL_KIND, CF_EMAIL_STATUS, CF_LAST_SEEN, CF_COUNT},
    [CB_PHONE] = {CF_PHONE, CF_PHONE_TYPE, CF_COUNT},
    [CB_WORK] = {CF_COMPANY, CF_WEBSITE, CF_JOB_TITLE, CF_COUNT},
    [CB_ADDRESS] = {CF_STREET_NUMBER, CF_ADDRESS1, CF_ADDRESS2, CF_CITY, CF_POSTCODE, CF_REGION,
                    CF_COUNTRY, CF_COUNT},
    [CB_IDENT] = {CF_ID, CF_SOURCE_IDS, CF_BIRTH_DATE, CF_NATIONAL_ID, CF_COUNT},
};

int64_t cb_now(void)
{
	return (int64_t)time(NULL);
}

void cb_subject(const char *contact_id, char out[64])
{
	snprintf(out, 64, "contact:%.40s", contact_id);
}

void cb_book_subject(const char *tenant_id, char out[64])
{
	snprintf(out, 64, "contacts:%.40s", tenant_id);
}

void cb_row_clear(struct cb_row *r)
{
	for (int i = 0; i < CB_NCOL; i++) {
		if (r->plain[i] != NULL)
			secret_free(r->plain[i], strlen(r->plain[i]));
		r->plain[i] = NULL;
	}
}

void cb_book_free(struct cb_book *bk)
{
	contacts_book_free(&bk->b);
	free(bk->ids);
	free(bk->pos);
	memset(bk, 0, sizeof(*bk));
}

static char *dump(json_t *o)
{
	char *s = NULL;
	if (json_object_size(o) > 0 || json_array_size(o) > 0)
		s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

void cb_encode(const struct contacts_book *b, const struct contact *c, json_t *changes,
               struct cb_row *row)
{
	for (int g = 0; g < CB_EXTRA; g++) {
		json_t *o = json_object();
		for (int k = 0; group_fields[g][k] != CF_COUNT; k++) {
			enum contact_field f = group_fields[g][k];
			if (c->v[f] != NULL)
				json_object_set_new(o, contacts_field_name(f),
				                    json_string(c->v[f]));
		}
		row->plain[g] = dump(o);
	}
	json_t *x = json_object();
	for (size_t k = 0; c->extra != NULL && k < b->n_extra; k++)
		if (c->extra[k] != NULL)
			json_object_set_new(x, b->extra_names[k], json_string(c->extra[k]));
	row->plain[CB_EXTRA] = dump(x);
	row->plain[CB_CHANGES] = changes ? dump(json_incref(changes)) : NULL;
}

size_t cb_extra_index(struct contacts_book *b, const char *name)
{
	for (size_t k = 0; k < b->n_extra; k++)
		if (strcmp(b->extra_names[k], name) == 0)
			return k;
	b->extra_names = xrealloc(b->extra_names, (b->n_extra + 1) * sizeof(char *));
	b->extra_names[b->n_extra++] = xstrdup(name);
	for (size_t i = 0; i < b->n; i++) {
		b->recs[i].extra = xrealloc(b->recs[i].extra, b->n_extra * sizeof(char *));
		b->recs[i].extra[b->n_extra - 1] = NULL;
	}
	return b->n_extra - 1;
}

static int field_of(const char *name)
{
	for (int f = 0; f < CF_COUNT; f++)
		if (strcmp(contacts_field_name((enum contact_field)f), name) == 0)
			return f;
	return -1;
}

struct contact *cb_decode(struct contacts_book *b, const struct cb_row *row)
{
	struct contact *c = contacts_book_add(b);
	c->extra = xcalloc(b->n_extra + 1, sizeof(char *));
	const char *key;
	json_t *v;
	for (int g = 0; g < CB_CHANGES; g++) {
		if (row->plain[g] == NULL)
			continue;
		json_t *o = json_loads(row->plain[g], 0, NULL);
		json_object_foreach(o, key, v)
		{
			if (!json_is_string(v))
				continue;
			if (g == CB_EXTRA) {
				size_t k = cb_extra_index(b, key);
				c = &b->recs[b->n - 1]; /* extra arrays may have moved */
				c->extra[k] =
				    contacts_strdup(b, json_string_value(v), json_string_length(v));
			} else {
				int f = field_of(key);
				if (f >= 0)
					contacts_set(b, c, (enum contact_field)f,
					             json_string_value(v));
			}
		}
		json_decref(o);
	}
	return c;
}

/* One blind-index row. */
static int index_add(struct app *app, struct store *st, const char *tenant_id, const char *cid,
                     const char *kind, const char *norm)
{
	char token[65];
	if (norm == NULL || *norm == '\0')
		return 0;
	if (keys_blind_index(app->keys, st, tenant_id, kind, norm, token) < 0)
		return -1;
	return store_run(st,
	                 "INSERT INTO contact_index (tenant_id, contact_id, kind, token) "
	                 "VALUES (?, ?, ?, ?)",
	                 "ssss", tenant_id, cid, kind, token) == STORE_DONE
	           ? 0
	           : -1;
}

char **cb_name_tokens(const char *s)
{
	char *f = contacts_fold(s);
	size_t n = 0, cap = 4;
	char **out = xcalloc(cap, sizeof(char *));
	for (char *save = NULL, *t = strtok_r(f, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (n + 2 > cap) {
			cap *= 2;
			out = xrealloc(out, cap * sizeof(char *));
		}
		out[n++] = xstrdup(t);
	}
	out[n] = NULL;
	free(f);
	return out;
}

void cb_tokens_free(char **t)
{
	for (size_t i = 0; t && t[i]; i++)
		free(t[i]);
	free(t);
}

/* The blind indexes of one record: e-mail, phone, name tokens (deduplicated). */
static int index_record(struct app *app, struct store *st, const char *tenant_id, const char *cid,
                        const struct contact *c)
{
	if (index_add(app, st, tenant_id, cid, "email", c->v[CF_EMAIL]) < 0 ||
	    index_add(app, st, tenant_id, cid, "phone", c->v[CF_PHONE]) < 0)
		return -1;
	const enum contact_field nf[] = {CF_FIRST, CF_LAST, CF_FULL_NAME};
	char *done[64];
	size_t nd = 0;
	int rc = 0;
	for (size_t i = 0; i < 3 && rc == 0; i++) {
		char **t = cb_name_tokens(c->v[nf[i]]);
		for (size_t k = 0; t[k] && rc == 0 && nd < 64; k++) {
			bool seen = false;
			for (size_t j = 0; j < nd && !seen; j++)
				seen = strcmp(done[j], t[k]) == 0;
			if (seen)
				continue;
			done[nd++] = xstrdup(t[k]);
			rc = index_add(app, st, tenant_id, cid, "name", t[k]);
		}
		cb_tokens_free(t);
	}
	for (size_t j = 0; j < nd; j++)
		free(done[j]);
	return rc;
}

/* Seals the row's columns: sealed[i] malloc'd or NULL. */
static int seal_row(struct app *app, struct store *st, const char *tenant_id,
                    const struct cb_row *row, unsigned char *sealed[CB_NCOL], size_t len[CB_NCOL])
{
	char subject[64];
	cb_subject(row->id, subject);
	for (int i = 0; i < CB_NCOL; i++) {
		sealed[i] = NULL;
		len[i] = 0;
		if (row->plain[i] == NULL)
			continue;
		struct seal_ad ad = {"contacts", row->id, cb_col_names[i]};
		if (keys_seal(app->keys, st, tenant_id, subject, &ad, row->plain[i],
		              strlen(row->plain[i]), &sealed[i], &len[i]) < 0)
			return -1;
	}
	return 0;
}

static void sealed_free(unsigned char *sealed[CB_NCOL])
{
	for (int i = 0; i < CB_NCOL; i++)
		free(sealed[i]);
}

/* Indexes the row from its plain texts. */
static int index_row(struct app *app, struct store *st, const char *tenant_id,
                     const struct cb_row *row)
{
	struct contacts_book *b = contacts_book_new();
	struct contact *c = cb_decode(b, row);
	int rc = index_record(app, st, tenant_id, row->id, c);
	contacts_book_free(&b);
	return rc;
}

int cb_insert(struct app *app, struct store *st, const char *tenant_id, const struct cb_row *row,
              const struct contact *c)
{
	unsigned char *s[CB_NCOL];
	size_t l[CB_NCOL];
	int rc = -1;
	if (seal_row(app, st, tenant_id, row, s, l) < 0)
		goto out;
	if (store_run(st,
	              "INSERT INTO contacts (id, tenant_id, pos, import_id, name_sealed, "
	              "email_sealed, phone_sealed, work_sealed, address_sealed, ident_sealed, "
	              "extra_sealed, changes_sealed, created_at, updated_at) "
	              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	              "ssisbbbbbbbbii", row->id, tenant_id, row->pos,
	              row->import_id[0] ? row->import_id : NULL, s[0], l[0], s[1], l[1], s[2], l[2],
	              s[3], l[3], s[4], l[4], s[5], l[5], s[6], l[6], s[7], l[7], row->created_at,
	              cb_now()) != STORE_DONE)
		goto out;
	rc = c ? index_record(app, st, tenant_id, row->id, c) : index_row(app, st, tenant_id, row);
out:
	sealed_free(s);
	return rc;
}

int cb_update(struct app *app, struct store *st, const char *tenant_id, const struct cb_row *row)
{
	unsigned char *s[CB_NCOL];
	size_t l[CB_NCOL];
	int rc = -1;
	if (seal_row(app, st, tenant_id, row, s, l) < 0)
		goto out;
	if (store_run(st,
	              "UPDATE contacts SET name_sealed = ?, email_sealed = ?, phone_sealed = ?, "
	              "work_sealed = ?, address_sealed = ?, ident_sealed = ?, extra_sealed = ?, "
	              "changes_sealed = ?, updated_at = ? WHERE id = ? AND tenant_id = ?",
	              "bbbbbbbbiss", s[0], l[0], s[1], l[1], s[2], l[2], s[3], l[3], s[4], l[4],
	              s[5], l[5], s[6], l[6], s[7], l[7], cb_now(), row->id,
	              tenant_id) != STORE_DONE ||
	    store_run(st, "DELETE FROM contact_index WHERE contact_id = ?", "s", row->id) !=
	        STORE_DONE)
		goto out;
	rc = index_row(app, st, tenant_id, row);
out:
	sealed_free(s);
	return rc;
}

#define ROW_COLUMNS                                                                                \
	"id, pos, import_id, created_at, name_sealed, email_sealed, phone_sealed, work_sealed, "   \
	"address_sealed, ident_sealed, extra_sealed, changes_sealed"

/* Opens the current row of q (ROW_COLUMNS) into row. */
static int open_row(struct app *app, struct store *st, const char *tenant_id, struct store_stmt *q,
                    struct cb_row *row, bool with_changes)
{
	char subject[64];
	memset(row, 0, sizeof(*row));
	snprintf(row->id, sizeof(row->id), "%s", store_col_text(q, 0));
	row->pos = store_col_int(q, 1);
	if (store_col_text(q, 2) != NULL)
		snprintf(row->import_id, sizeof(row->import_id), "%s", store_col_text(q, 2));
	row->created_at = store_col_int(q, 3);
	cb_subject(row->id, subject);
	for (int i = 0; i < CB_NCOL; i++) {
		size_t slen = 0, plen = 0;
		const void *sealed = store_col_blob(q, 4 + i, &slen);
		if (sealed == NULL || (i == CB_CHANGES && !with_changes))
			continue;
		struct seal_ad ad = {"contacts", row->id, cb_col_names[i]};
		if (keys_open_sealed(app->keys, st, tenant_id, subject, &ad, sealed, slen,
		                     &row->plain[i], &plen) < 0) {
			cb_row_clear(row);
			return -1;
		}
	}
	return 0;
}

int cb_read(struct app *app, struct store *st, const char *tenant_id, const char *contact_id,
            struct cb_row *row)
{
	struct store_stmt *q =
	    store_query(st, "SELECT " ROW_COLUMNS " FROM contacts WHERE id = ? AND tenant_id = ?",
	                "ss", contact_id, tenant_id);
	int rc = q ? store_step(q) : STORE_ERROR;
	if (rc == STORE_ROW)
		rc = open_row(app, st, tenant_id, q, row, true) < 0 ? -1 : 1;
	else
		rc = rc == STORE_DONE ? 0 : -1;
	store_stmt_done(q);
	return rc;
}

static void book_push(struct cb_book *bk, const struct cb_row *row)
{
	if (bk->b->n == bk->cap) {
		bk->cap = bk->cap ? bk->cap * 2 : 256;
		bk->ids = xrealloc(bk->ids, bk->cap * sizeof(*bk->ids));
		bk->pos = xrealloc(bk->pos, bk->cap * sizeof(*bk->pos));
	}
	memcpy(bk->ids[bk->b->n], row->id, IDS_UUID_LEN);
	bk->pos[bk->b->n] = row->pos;
	cb_decode(bk->b, row);
}

int cb_load(struct app *app, struct store *st, const char *tenant_id, struct cb_book *bk)
{
	memset(bk, 0, sizeof(*bk));
	bk->b = contacts_book_new();
	struct store_stmt *q = store_query(
	    st, "SELECT " ROW_COLUMNS " FROM contacts WHERE tenant_id = ? ORDER BY pos, id", "s",
	    tenant_id);
	int rc = q ? 0 : -1, step;
	while (rc == 0 && (step = store_step(q)) == STORE_ROW) {
		struct cb_row row;
		if (open_row(app, st, tenant_id, q, &row, false) < 0) {
			rc = -1;
			break;
		}
		book_push(bk, &row);
		cb_row_clear(&row);
	}
	if (rc == 0 && step != STORE_DONE)
		rc = -1;
	store_stmt_done(q);
	if (rc < 0)
		cb_book_free(bk);
	return rc;
}

int64_t cb_max_pos(struct store *st, const char *tenant_id)
{
	struct store_stmt *q =
	    store_query(st, "SELECT MAX(pos) FROM contacts WHERE tenant_id = ?", "s", tenant_id);
	int64_t v = -1;
	if (q && store_step(q) == STORE_ROW && !store_col_is_null(q, 0))
		v = store_col_int(q, 0);
	store_stmt_done(q);
	return v;
}

/* Source contact ids of the merges whose result is contact_id. */
static int merge_sources(struct store *st, const char *tenant_id, const char *contact_id,
                         char ***ids_r, size_t *n_r)
{
	struct store_stmt *q = store_query(
	    st,
	    "SELECT s.contact_id FROM contact_merge_sources s JOIN contact_merges m ON m.id = "
	    "s.merge_id WHERE m.tenant_id = ? AND m.contact_id = ?",
	    "ss", tenant_id, contact_id);
	size_t n = 0;
	char **ids = NULL;
	int step;
	while (q && (step = store_step(q)) == STORE_ROW) {
		ids = xrealloc(ids, (n + 1) * sizeof(char *));
		ids[n++] = xstrdup(store_col_text(q, 0));
	}
	store_stmt_done(q);
	*ids_r = ids;
	*n_r = n;
	return q ? 0 : -1;
}

int cb_erase(struct app *app, struct store *st, const char *tenant_id, const char *contact_id)
{
	char subject[64], **src = NULL;
	size_t n = 0;
	int rc = merge_sources(st, tenant_id, contact_id, &src, &n);
	/* the sources first (they may be merges themselves), then the journal */
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 && strcmp(src[i], contact_id) != 0)
			rc = cb_erase(app, st, tenant_id, src[i]);
		free(src[i]);
	}
	free(src);
	cb_subject(contact_id, subject);
	if (rc == 0 &&
	    (store_run(st, "DELETE FROM contact_merges WHERE tenant_id = ? AND contact_id = ?",
	               "ss", tenant_id, contact_id) != STORE_DONE ||
	     keys_subject_destroy(app->keys, st, tenant_id, subject) < 0 ||
	     store_run(st, "DELETE FROM contacts WHERE id = ? AND tenant_id = ?", "ss", contact_id,
	               tenant_id) != STORE_DONE))
		rc = -1;
	return rc;
}

int cb_audit(struct app *app, struct store *st, const struct actor *actor, const char *tenant_id,
             const char *action, const char *target_type, const char *target_id, const char *fields)
{
	struct audit_event ev = {
	    .tenant_id = tenant_id,
	    .actor_id = actor->id,
	    .actor_role = account_role_name(actor->role),
	    .action = action,
	    .target_type = target_type,
	    .target_id = target_id,
	    .fields = fields,
	    .request_id = NULL,
	    .instruction = true,
	};
	return audit_append(st, app->keys, &ev, (unsigned)app->cfg->audit_checkpoint_every);
}

json_t *cb_record_json(const struct contacts_book *b, const struct contact *c, const char *id)
{
	json_t *fields = json_object(), *extra = json_object();
	for (int f = 0; f < CF_COUNT; f++)
		if (c->v[f] != NULL && f != CF_ID)
			json_object_set_new(fields, contacts_field_name((enum contact_field)f),
			                    json_string(c->v[f]));
	for (size_t k = 0; c->extra != NULL && k < b->n_extra; k++)
		if (c->extra[k] != NULL)
			json_object_set_new(extra, b->extra_names[k], json_string(c->extra[k]));
	return json_pack("{s:s, s:o, s:o, s:o}", "id", id, "source_id",
	                 c->v[CF_ID] ? json_string(c->v[CF_ID]) : json_null(), "fields", fields,
	                 "extra", extra);
}
