/*
 * domain/contact_book_merge: duplicate clusters with scores and
 * explanations, merges that keep every source record in a sealed journal,
 * and exact undo (P-HYG-3).
 */
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "domain/app.h"
#include "domain/contact_book_internal.h"
#include "store/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Compared attributes, in the engine's order (contacts/compare.c). */
static const char *const attr_names[CONTACTS_NCOMP] = {
    "first_name", "last_name", "email",    "phone",      "company",     "street_number",
    "street",     "city",      "postcode", "birth_date", "national_id", "address2",
};
static const char *const level_names[4] = {"missing", "different", "close", "same"};

/* Most members of one cluster whose pairs are explained. */
#define PAIRS_MEMBERS_MAX 30

/* Clusters of a book: members[start[c] .. start[c+1]) in book order. */
struct clusters {
	uint32_t *cl;
	size_t *start, *mem;
	uint32_t n;
	struct contacts_model model;
};

static void clusters_free(struct clusters *c)
{
	free(c->cl);
	free(c->start);
	free(c->mem);
}

static int clusters_build(const struct contacts_book *b, double threshold, struct clusters *c)
{
	const char *err = NULL;
	struct contacts_dedupe_opts o = {threshold, 0, 2};
	memset(c, 0, sizeof(*c));
	if (b->n == 0)
		return 0;
	if (contacts_dedupe(b, &o, &c->cl, &c->model, NULL, &err) < 0)
		return -1;
	for (size_t i = 0; i < b->n; i++)
		if (c->cl[i] + 1 > c->n)
			c->n = c->cl[i] + 1;
	c->start = xcalloc((size_t)c->n + 2, sizeof(size_t));
	c->mem = xcalloc(b->n, sizeof(size_t));
	for (size_t i = 0; i < b->n; i++)
		c->start[c->cl[i] + 1]++;
	for (uint32_t k = 0; k < c->n; k++)
		c->start[k + 1] += c->start[k];
	size_t *fill = xcalloc((size_t)c->n + 1, sizeof(size_t));
	memcpy(fill, c->start, ((size_t)c->n + 1) * sizeof(size_t));
	for (size_t i = 0; i < b->n; i++)
		c->mem[fill[c->cl[i]]++] = i;
	free(fill);
	return 0;
}

static json_t *explain(const struct contacts_model *m, const uint8_t lv[CONTACTS_NCOMP])
{
	json_t *o = json_object();
	for (int k = 0; k < CONTACTS_NCOMP; k++) {
		double w = 0.0;
		if (lv[k] != CL_MISSING && m->m[k][lv[k]] > 0 && m->u[k][lv[k]] > 0)
			w = log2(m->m[k][lv[k]] / m->u[k][lv[k]]);
		json_object_set_new(o, attr_names[k],
		                    json_pack("{s:s, s:f}", "level", level_names[lv[k] & 3],
		                              "weight", round(w * 100.0) / 100.0));
	}
	return o;
}

static json_t *member_json(const struct cb_book *bk, size_t i)
{
	const struct contact *c = &bk->b->recs[i];
	return json_pack("{s:s, s:o, s:o, s:o, s:o}", "id", bk->ids[i], "source_id",
	                 c->v[CF_ID] ? json_string(c->v[CF_ID]) : json_null(), "first_name",
	                 c->v[CF_FIRST] ? json_string(c->v[CF_FIRST]) : json_null(), "last_name",
	                 c->v[CF_LAST] ? json_string(c->v[CF_LAST]) : json_null(), "email",
	                 c->v[CF_EMAIL] ? json_string(c->v[CF_EMAIL]) : json_null());
}

/* One cluster: members, every explained pair, and its score (the mean
 * match probability of its linked pairs). */
static json_t *cluster_json(const struct cb_book *bk, const struct clusters *c, uint32_t k,
                            double threshold)
{
	const size_t *mem = c->mem + c->start[k];
	size_t nm = c->start[k + 1] - c->start[k];
	json_t *members = json_array(), *pairs = json_array();
	double sum = 0.0;
	size_t linked = 0;
	for (size_t i = 0; i < nm; i++)
		json_array_append_new(members, member_json(bk, mem[i]));
	for (size_t i = 0; i < nm && i < PAIRS_MEMBERS_MAX; i++)
		for (size_t j = i + 1; j < nm && j < PAIRS_MEMBERS_MAX; j++) {
			uint8_t lv[CONTACTS_NCOMP];
			contacts_compare(&bk->b->recs[mem[i]], &bk->b->recs[mem[j]], lv);
			double p = contacts_match_probability(&c->model, lv);
			if (p >= threshold) {
				sum += p;
				linked++;
			}
			json_array_append_new(
			    pairs, json_pack("{s:s, s:s, s:f, s:o}", "a", bk->ids[mem[i]], "b",
			                     bk->ids[mem[j]], "score", round(p * 10000.0) / 10000.0,
			                     "explanation", explain(&c->model, lv)));
		}
	double score = linked ? sum / (double)linked : 0.0;
	return json_pack("{s:s, s:f, s:I, s:o, s:o}", "cluster_id", bk->ids[mem[0]], "score",
	                 round(score * 10000.0) / 10000.0, "size", (json_int_t)nm, "contacts",
	                 members, "pairs", pairs);
}

int contact_book_duplicates(struct app *app, struct store *st, const char *tenant_id,
                            double threshold, json_t **out_r, const char **error_r)
{
	struct cb_settings s;
	struct cb_book bk;
	struct clusters c;
	if (cb_settings_load(st, tenant_id, &s) < 0)
		return *error_r = "internal", -1;
	cb_settings_free(&s);
	if (threshold < 0)
		threshold = s.threshold;
	if (cb_load(app, st, tenant_id, &bk) < 0)
		return *error_r = "internal", -1;
	if (clusters_build(bk.b, threshold, &c) < 0) {
		cb_book_free(&bk);
		return *error_r = "internal", -1;
	}
	json_t *list = json_array();
	for (uint32_t k = 0; k < c.n; k++)
		if (c.start[k + 1] - c.start[k] > 1)
			json_array_append_new(list, cluster_json(&bk, &c, k, threshold));
	*out_r = json_pack("{s:f, s:I, s:o}", "threshold", threshold, "contacts",
	                   (json_int_t)bk.b->n, "clusters", list);
	clusters_free(&c);
	cb_book_free(&bk);
	*error_r = NULL;
	return 0;
}

/* A book holding copies of the given records of b (same extra columns). */
static struct contacts_book *sub_book(const struct contacts_book *b, const size_t *mem, size_t nm)
{
	struct contacts_book *s = contacts_book_new();
	for (size_t k = 0; k < b->n_extra; k++)
		cb_extra_index(s, b->extra_names[k]);
	for (size_t i = 0; i < nm; i++) {
		const struct contact *src = &b->recs[mem[i]];
		struct contact *c = contacts_book_add(s);
		c->extra = xcalloc(s->n_extra + 1, sizeof(char *));
		for (int f = 0; f < CF_COUNT; f++)
			contacts_set(s, c, (enum contact_field)f, src->v[f]);
		for (size_t k = 0; k < b->n_extra; k++)
			if (src->extra && src->extra[k])
				c->extra[k] =
				    contacts_strdup(s, src->extra[k], strlen(src->extra[k]));
	}
	return s;
}

/* Moves one source row into the merge journal (sealed under its own key,
 * which stays alive) and deletes it from the book. */
static int journal_source(struct app *app, struct store *st, const char *tenant_id,
                          const char *merge_id, const char *contact_id)
{
	struct cb_row row;
	char subject[64], adrow[96];
	unsigned char *sealed = NULL;
	size_t slen = 0;
	if (cb_read(app, st, tenant_id, contact_id, &row) != 1)
		return -1;
	json_t *cols = json_object();
	for (int i = 0; i < CB_NCOL; i++)
		json_object_set_new(cols, cb_col_names[i],
		                    row.plain[i] ? json_string(row.plain[i]) : json_null());
	json_t *rec = json_pack("{s:I, s:o, s:I, s:o}", "pos", (json_int_t)row.pos, "import_id",
	                        row.import_id[0] ? json_string(row.import_id) : json_null(),
	                        "created_at", (json_int_t)row.created_at, "columns", cols);
	char *text = json_dumps(rec, JSON_COMPACT);
	json_decref(rec);
	snprintf(adrow, sizeof(adrow), "%s/%s", merge_id, contact_id);
	struct seal_ad ad = {"contact_merge_sources", adrow, "record_sealed"};
	cb_subject(contact_id, subject);
	int rc = text && keys_seal(app->keys, st, tenant_id, subject, &ad, text, strlen(text),
	                           &sealed, &slen) == 0
	             ? 0
	             : -1;
	if (rc == 0 &&
	    (store_run(st,
	               "INSERT INTO contact_merge_sources (merge_id, contact_id, pos, "
	               "record_sealed) VALUES (?, ?, ?, ?)",
	               "ssib", merge_id, contact_id, row.pos, sealed, slen) != STORE_DONE ||
	     store_run(st, "DELETE FROM contacts WHERE id = ? AND tenant_id = ?", "ss", contact_id,
	               tenant_id) != STORE_DONE))
		rc = -1;
	if (text)
		secret_free(text, strlen(text));
	free(sealed);
	cb_row_clear(&row);
	return rc;
}

/* Merges the records mem[0..nm) of bk (book order) into one new contact. */
static int merge_one(struct app *app, struct store *st, const struct actor *actor,
                     const char *tenant_id, const struct cb_book *bk, const size_t *mem, size_t nm,
                     bool keep_alternates, json_t *out)
{
	struct contacts_book *sub = sub_book(bk->b, mem, nm), *merged = NULL;
	uint32_t *zero = xcalloc(nm, sizeof(uint32_t));
	const char *err = NULL;
	struct cb_row row = {.pos = bk->pos[mem[0]], .created_at = cb_now()};
	char merge_id[IDS_UUID_LEN];
	int rc =
	    contacts_merge(sub, zero, &merged, NULL, NULL, &err) == 0 && merged->n == 1 ? 0 : -1;
	free(zero);
	ids_uuid4(row.id);
	ids_uuid4(merge_id);
	if (rc == 0 && !keep_alternates && merged->n_extra > 0)
		merged->recs[0].extra[merged->n_extra - 1] = NULL;
	if (rc == 0 &&
	    store_run(st,
	              "INSERT INTO contact_merges (id, tenant_id, contact_id, created_at) "
	              "VALUES (?, ?, ?, ?)",
	              "sssi", merge_id, tenant_id, row.id, row.created_at) != STORE_DONE)
		rc = -1;
	json_t *sources = json_array();
	for (size_t i = 0; i < nm && rc == 0; i++) {
		rc = journal_source(app, st, tenant_id, merge_id, bk->ids[mem[i]]);
		json_array_append_new(sources, json_string(bk->ids[mem[i]]));
	}
	if (rc == 0) {
		cb_encode(merged, &merged->recs[0], NULL, &row);
		rc = cb_insert(app, st, tenant_id, &row, &merged->recs[0]);
		cb_row_clear(&row);
	}
	if (rc == 0)
		rc = cb_audit(app, st, actor, tenant_id, "contacts.merge", "contact_merge",
		              merge_id, "contact");
	json_array_append_new(out, json_pack("{s:s, s:s, s:o}", "merge_id", merge_id, "contact_id",
	                                     row.id, "source_contact_ids", sources));
	contacts_book_free(&merged);
	contacts_book_free(&sub);
	return rc;
}

/* Positions in bk of the requested contact ids (book order, distinct). */
static int pick_ids(const struct cb_book *bk, json_t *ids, size_t **mem_r, size_t *nm_r,
                    const char **error_r)
{
	size_t n = json_array_size(ids), nm = 0;
	if (!json_is_array(ids) || n < 2 || n > 1000)
		return *error_r = "invalid_field", -1;
	size_t *mem = xcalloc(n, sizeof(size_t));
	for (size_t i = 0; i < bk->b->n; i++)
		for (size_t k = 0; k < n; k++) {
			const char *id = json_string_value(json_array_get(ids, k));
			if (id && strcmp(id, bk->ids[i]) == 0) {
				mem[nm++] = i;
				break;
			}
		}
	for (size_t k = 0; k < n; k++)
		if (!json_is_string(json_array_get(ids, k))) {
			free(mem);
			return *error_r = "invalid_field", -1;
		}
	if (nm < n) {
		free(mem);
		return *error_r = "not_found", -1;
	}
	*mem_r = mem;
	*nm_r = nm;
	return 0;
}

/* The clusters to merge for {cluster_id} or {all}: groups appended to
 * *groups (each: count then members). */
static int pick_clusters(const struct cb_book *bk, double threshold, const char *cluster_id,
                         size_t **groups_r, size_t *len_r, const char **error_r)
{
	struct clusters c;
	if (clusters_build(bk->b, threshold, &c) < 0)
		return *error_r = "internal", -1;
	size_t *g = xcalloc(2 * bk->b->n + 1, sizeof(size_t)), len = 0;
	for (uint32_t k = 0; k < c.n; k++) {
		size_t nm = c.start[k + 1] - c.start[k];
		const size_t *mem = c.mem + c.start[k];
		if (nm < 2 || (cluster_id && strcmp(bk->ids[mem[0]], cluster_id) != 0))
			continue;
		g[len++] = nm;
		memcpy(g + len, mem, nm * sizeof(size_t));
		len += nm;
	}
	clusters_free(&c);
	if (cluster_id && len == 0) {
		free(g);
		return *error_r = "conflict", -1;
	}
	*groups_r = g;
	*len_r = len;
	return 0;
}

/* Reads the request into groups of book positions. */
static int merge_plan(const struct cb_book *bk, const struct cb_settings *s, json_t *req,
                      size_t **groups_r, size_t *len_r, const char **error_r)
{
	json_t *ids = json_object_get(req, "contact_ids"), *th = json_object_get(req, "threshold");
	const char *cluster = json_string_value(json_object_get(req, "cluster_id"));
	bool all = json_is_true(json_object_get(req, "all"));
	double threshold = s->threshold;
	if ((ids != NULL) + (cluster != NULL) + all != 1)
		return *error_r = "invalid_field", -1;
	if (th != NULL) {
		if (!json_is_number(th) || json_number_value(th) <= 0 || json_number_value(th) >= 1)
			return *error_r = "invalid_field", -1;
		threshold = json_number_value(th);
	}
	if (ids == NULL)
		return pick_clusters(bk, threshold, cluster, groups_r, len_r, error_r);
	size_t *mem, nm;
	if (pick_ids(bk, ids, &mem, &nm, error_r) < 0)
		return -1;
	size_t *g = xcalloc(nm + 1, sizeof(size_t));
	g[0] = nm;
	memcpy(g + 1, mem, nm * sizeof(size_t));
	free(mem);
	*groups_r = g;
	*len_r = nm + 1;
	return 0;
}

int contact_book_merge(struct app *app, struct store *st, const struct actor *actor,
                       const char *tenant_id, json_t *req, json_t **out_r, const char **error_r)
{
	struct cb_settings s;
	struct cb_book bk;
	size_t *groups = NULL, len = 0;
	if (cb_settings_load(st, tenant_id, &s) < 0)
		return *error_r = "internal", -1;
	cb_settings_free(&s);
	if (cb_load(app, st, tenant_id, &bk) < 0)
		return *error_r = "internal", -1;
	if (merge_plan(&bk, &s, req, &groups, &len, error_r) < 0) {
		cb_book_free(&bk);
		return -1;
	}
	json_t *merges = json_array();
	int rc = store_tx_begin(st);
	for (size_t i = 0; i < len && rc == 0; i += 1 + groups[i])
		rc = merge_one(app, st, actor, tenant_id, &bk, groups + i + 1, groups[i],
		               s.keep_alternates, merges);
	if (rc == 0)
		rc = store_tx_commit(st);
	if (rc < 0 && store_in_tx(st))
		store_tx_rollback(st);
	free(groups);
	cb_book_free(&bk);
	if (rc < 0) {
		json_decref(merges);
		return *error_r = "internal", -1;
	}
	*out_r = json_pack("{s:o}", "merges", merges);
	*error_r = NULL;
	return 0;
}

int contact_book_merges(struct app *app, struct store *st, const char *tenant_id, json_t **out_r,
                        const char **error_r)
{
	(void)app;
	struct store_stmt *q = store_query(
	    st,
	    "SELECT m.id, m.contact_id, m.created_at, s.contact_id, "
	    "(SELECT COUNT(*) FROM contacts c WHERE c.id = m.contact_id) FROM contact_merges m "
	    "JOIN contact_merge_sources s ON s.merge_id = m.id WHERE m.tenant_id = ? "
	    "ORDER BY m.created_at, m.id, s.pos",
	    "s", tenant_id);
	json_t *list = json_array(), *cur = NULL;
	int step = STORE_ERROR;
	while (q && (step = store_step(q)) == STORE_ROW) {
		const char *mid = store_col_text(q, 0);
		if (cur == NULL ||
		    strcmp(json_string_value(json_object_get(cur, "merge_id")), mid)) {
			cur = json_pack("{s:s, s:s, s:I, s:b, s:[]}", "merge_id", mid, "contact_id",
			                store_col_text(q, 1), "created_at",
			                (json_int_t)store_col_int(q, 2), "undoable",
			                store_col_int(q, 4) > 0, "source_contact_ids");
			json_array_append_new(list, cur);
		}
		json_array_append_new(json_object_get(cur, "source_contact_ids"),
		                      json_string(store_col_text(q, 3)));
	}
	store_stmt_done(q);
	if (step != STORE_DONE) {
		json_decref(list);
		return *error_r = "internal", -1;
	}
	*out_r = json_pack("{s:o}", "merges", list);
	*error_r = NULL;
	return 0;
}

/* Puts one journalled source back exactly as it was. */
static int restore_source(struct app *app, struct store *st, const char *tenant_id,
                          const char *merge_id, const char *contact_id, const void *sealed,
                          size_t slen)
{
	char subject[64], adrow[96], *plain = NULL;
	size_t plen = 0;
	snprintf(adrow, sizeof(adrow), "%s/%s", merge_id, contact_id);
	struct seal_ad ad = {"contact_merge_sources", adrow, "record_sealed"};
	cb_subject(contact_id, subject);
	if (keys_open_sealed(app->keys, st, tenant_id, subject, &ad, sealed, slen, &plain, &plen) <
	    0)
		return -1;
	json_t *rec = json_loadb(plain, plen, 0, NULL);
	secret_free(plain, plen + 1);
	json_t *cols = json_object_get(rec, "columns");
	struct cb_row row = {.pos = json_integer_value(json_object_get(rec, "pos")),
	                     .created_at = json_integer_value(json_object_get(rec, "created_at"))};
	snprintf(row.id, sizeof(row.id), "%s", contact_id);
	const char *imp = json_string_value(json_object_get(rec, "import_id"));
	if (imp)
		snprintf(row.import_id, sizeof(row.import_id), "%s", imp);
	for (int i = 0; i < CB_NCOL; i++) {
		const char *v = json_string_value(json_object_get(cols, cb_col_names[i]));
		row.plain[i] = v ? xstrdup(v) : NULL;
	}
	json_decref(rec);
	int rc = cols ? cb_insert(app, st, tenant_id, &row, NULL) : -1;
	cb_row_clear(&row);
	return rc;
}

static int undo_tx(struct app *app, struct store *st, const char *tenant_id, const char *merge_id,
                   const char *merged_id, json_t *restored)
{
	struct store_stmt *q = store_query(st,
	                                   "SELECT contact_id, record_sealed FROM "
	                                   "contact_merge_sources WHERE merge_id = ? ORDER BY pos",
	                                   "s", merge_id);
	struct {
		char id[IDS_UUID_LEN];
		void *sealed;
		size_t len;
	} *src = NULL;
	size_t n = 0;
	int step = STORE_ERROR, rc = 0;
	while (q && (step = store_step(q)) == STORE_ROW) {
		size_t len = 0;
		const void *b = store_col_blob(q, 1, &len);
		src = xrealloc(src, (n + 1) * sizeof(*src));
		snprintf(src[n].id, IDS_UUID_LEN, "%s", store_col_text(q, 0));
		src[n].sealed = xmalloc(len + 1);
		memcpy(src[n].sealed, b, len);
		src[n++].len = len;
	}
	store_stmt_done(q);
	if (step != STORE_DONE)
		rc = -1;
	/* the journal goes first, so erasing the merged contact keeps the sources' keys */
	if (rc == 0 &&
	    store_run(st, "DELETE FROM contact_merges WHERE id = ?", "s", merge_id) != STORE_DONE)
		rc = -1;
	if (rc == 0)
		rc = cb_erase(app, st, tenant_id, merged_id);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = restore_source(app, st, tenant_id, merge_id, src[i].id, src[i].sealed,
			                    src[i].len);
		json_array_append_new(restored, json_string(src[i].id));
		free(src[i].sealed);
	}
	free(src);
	return rc;
}

int contact_book_undo(struct app *app, struct store *st, const struct actor *actor,
                      const char *tenant_id, const char *merge_id, json_t **out_r,
                      const char **error_r)
{
	char merged[IDS_UUID_LEN] = "";
	struct store_stmt *q = store_query(
	    st,
	    "SELECT m.contact_id, (SELECT COUNT(*) FROM contacts c WHERE c.id = m.contact_id) "
	    "FROM contact_merges m WHERE m.id = ? AND m.tenant_id = ?",
	    "ss", merge_id, tenant_id);
	int step = q ? store_step(q) : STORE_ERROR;
	bool present = false;
	if (step == STORE_ROW) {
		snprintf(merged, sizeof(merged), "%s", store_col_text(q, 0));
		present = store_col_int(q, 1) > 0;
	}
	store_stmt_done(q);
	if (step != STORE_ROW)
		return *error_r = step == STORE_DONE ? "not_found" : "internal", -1;
	if (!present)
		return *error_r = "conflict", -1;
	json_t *restored = json_array();
	int rc = store_tx_begin(st);
	if (rc == 0)
		rc = undo_tx(app, st, tenant_id, merge_id, merged, restored);
	if (rc == 0)
		rc = cb_audit(app, st, actor, tenant_id, "contacts.undo", "contact_merge", merge_id,
		              "contact");
	if (rc == 0)
		rc = store_tx_commit(st);
	if (rc < 0) {
		if (store_in_tx(st))
			store_tx_rollback(st);
		json_decref(restored);
		return *error_r = "internal", -1;
	}
	*out_r = json_pack("{s:s, s:o}", "merge_id", merge_id, "restored_contact_ids", restored);
	*error_r = NULL;
	return 0;
}
