/*
 * contacts/merge: folding clusters into one record with provenance, and
 * undoing it exactly (P-HYG-3).
 *
 * Best value per field (docs/contacts.md "Merge rules"):
 *   - e-mail: a valid, non-disposable address, nominative before other
 *     before role; then the rules below;
 *   - phone: a valid number before an invalid one;
 *   - last_seen: the newest;
 *   - every other field: the value most sources agree on; on a tie, the
 *     value of the most complete record; then the earliest record.
 *   email_kind / phone_type follow the record their e-mail / phone came from.
 * The merged record takes the id of its most complete source and lists all
 * source ids in source_ids; values that lost are listed in "_alternates"
 * with their source id.  The journal (JSON) holds every source record in
 * full with its position, which is all undo needs.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "contacts/contacts_internal.h"

static size_t completeness(const struct contact *c)
{
	size_t n = 0;
	for (int f = 0; f < CF_COUNT; f++)
		n += c->v[f] != NULL;
	return n;
}

/* Preference rank of a source for a field (higher wins before counting). */
static int rank_for(const struct contact *c, enum contact_field f)
{
	if (f == CF_EMAIL) {
		const char *k = c->v[CF_EMAIL_KIND];
		if (k == NULL)
			return 2;
		if (strcmp(k, "invalid") == 0 || strcmp(k, "disposable") == 0)
			return 0;
		if (strncmp(k, "role", 4) == 0)
			return 1;
		if (strncmp(k, "other", 5) == 0)
			return 2;
		return 3;
	}
	if (f == CF_PHONE)
		return c->v[CF_PHONE_TYPE] && strcmp(c->v[CF_PHONE_TYPE], "invalid") == 0 ? 0 : 1;
	if (f == CF_LAST_SEEN)
		return 0;
	return 0;
}

/* Index (into members) of the source whose value of f wins, or -1. */
static long pick(const struct contacts_book *b, const size_t *mem, size_t nm, enum contact_field f,
		 long extra_col)
{
	long best = -1;
	int best_rank = -1;
	size_t best_votes = 0, best_comp = 0;
	for (size_t i = 0; i < nm; i++) {
		const struct contact *c = &b->recs[mem[i]];
		const char *v = extra_col >= 0 ? (c->extra ? c->extra[extra_col] : NULL) : c->v[f];
		if (v == NULL)
			continue;
		int rank = extra_col >= 0 ? 0 : rank_for(c, f);
		size_t votes = 0;
		for (size_t j = 0; j < nm; j++) {
			const struct contact *o = &b->recs[mem[j]];
			const char *w = extra_col >= 0 ? (o->extra ? o->extra[extra_col] : NULL)
						       : o->v[f];
			votes += w && strcmp(v, w) == 0;
		}
		size_t comp = completeness(c);
		bool better;
		if (extra_col < 0 && f == CF_LAST_SEEN)
			better = best < 0 || strcmp(v, b->recs[mem[best]].v[f]) > 0;
		else
			better = best < 0 || rank > best_rank ||
				 (rank == best_rank && (votes > best_votes ||
							(votes == best_votes && comp > best_comp)));
		if (better) {
			best = (long)i;
			best_rank = rank;
			best_votes = votes;
			best_comp = comp;
		}
	}
	return best;
}

static json_t *record_json(const struct contacts_book *b, const struct contact *c, size_t pos)
{
	json_t *o = json_object(), *vals = json_object(), *ex = json_object();
	for (int f = 0; f < CF_COUNT; f++)
		if (c->v[f])
			json_object_set_new(vals, contacts_field_name(f), json_string(c->v[f]));
	for (size_t k = 0; k < b->n_extra; k++)
		if (c->extra && c->extra[k])
			json_object_set_new(ex, b->extra_names[k], json_string(c->extra[k]));
	json_object_set_new(o, "position", json_integer((json_int_t)pos));
	json_object_set_new(o, "values", vals);
	json_object_set_new(o, "extra", ex);
	return o;
}

/* Appends "field=value [id]" to the alternates text. */
static void add_alt(struct cx_buf *alt, const char *field, const char *v, const char *id)
{
	if (alt->len)
		cx_buf_adds(alt, "; ");
	cx_buf_adds(alt, field);
	cx_buf_addc(alt, '=');
	cx_buf_adds(alt, v);
	cx_buf_adds(alt, " [");
	cx_buf_adds(alt, id ? id : "?");
	cx_buf_addc(alt, ']');
}

/* Builds the merged record of one cluster (members in input order) and its
 * journal entry. */
static void merge_cluster(const struct contacts_book *b, const size_t *mem, size_t nm,
			  struct contacts_book *out, json_t *merges)
{
	struct contact *m = contacts_book_add(out);
	m->extra = cx_calloc(out->n_extra, sizeof(char *));
	json_t *j = json_object(), *src = json_array(), *chosen = json_object();
	struct cx_buf alt = {0}, ids = {0};
	size_t master = 0;
	for (size_t i = 1; i < nm; i++)
		if (completeness(&b->recs[mem[i]]) > completeness(&b->recs[mem[master]]))
			master = i;
	for (int f = 0; f < CF_COUNT; f++) {
		if (f == CF_ID || f == CF_SOURCE_IDS || f == CF_EMAIL_KIND || f == CF_PHONE_TYPE)
			continue;
		long w = pick(b, mem, nm, (enum contact_field)f, -1);
		if (w < 0)
			continue;
		const struct contact *wc = &b->recs[mem[w]];
		contacts_set(out, m, (enum contact_field)f, wc->v[f]);
		json_object_set_new(chosen, contacts_field_name(f), json_string(wc->v[CF_ID]));
		if (f == CF_EMAIL)
			contacts_set(out, m, CF_EMAIL_KIND, wc->v[CF_EMAIL_KIND]);
		if (f == CF_PHONE)
			contacts_set(out, m, CF_PHONE_TYPE, wc->v[CF_PHONE_TYPE]);
		for (size_t i = 0; i < nm; i++) {
			const struct contact *c = &b->recs[mem[i]];
			if (c->v[f] && strcmp(c->v[f], wc->v[f]) != 0)
				add_alt(&alt, contacts_field_name(f), c->v[f], c->v[CF_ID]);
		}
	}
	for (size_t k = 0; k < b->n_extra; k++) {
		long w = pick(b, mem, nm, CF_ID, (long)k);
		if (w >= 0)
			m->extra[k] = contacts_strdup(out, b->recs[mem[w]].extra[k],
						      strlen(b->recs[mem[w]].extra[k]));
	}
	for (size_t i = 0; i < nm; i++) {
		const struct contact *c = &b->recs[mem[i]];
		if (ids.len)
			cx_buf_addc(&ids, ';');
		cx_buf_adds(&ids, c->v[CF_ID] ? c->v[CF_ID] : "?");
		json_array_append_new(src, record_json(b, c, mem[i]));
	}
	contacts_set(out, m, CF_ID, b->recs[mem[master]].v[CF_ID]);
	contacts_set(out, m, CF_SOURCE_IDS, ids.p);
	if (alt.len)
		m->extra[out->n_extra - 1] = contacts_strdup(out, alt.p, alt.len);
	json_object_set_new(j, "merged_id", json_string(m->v[CF_ID] ? m->v[CF_ID] : ""));
	json_object_set_new(j, "sources", src);
	json_object_set_new(j, "chosen_from", chosen);
	json_array_append_new(merges, j);
	cx_buf_free(&alt);
	cx_buf_free(&ids);
}

/* Copies a record unchanged into out. */
static void copy_record(const struct contacts_book *b, const struct contact *c,
			struct contacts_book *out)
{
	struct contact *m = contacts_book_add(out);
	m->extra = cx_calloc(out->n_extra, sizeof(char *));
	for (int f = 0; f < CF_COUNT; f++)
		contacts_set(out, m, (enum contact_field)f, c->v[f]);
	for (size_t k = 0; k < b->n_extra; k++)
		if (c->extra && c->extra[k])
			m->extra[k] = contacts_strdup(out, c->extra[k], strlen(c->extra[k]));
}

static struct contacts_book *new_like(const struct contacts_book *b, const char *more)
{
	struct contacts_book *o = contacts_book_new();
	o->extra_names = cx_calloc(b->n_extra + 1, sizeof(char *));
	for (size_t k = 0; k < b->n_extra; k++)
		o->extra_names[k] = cx_strdup(b->extra_names[k]);
	o->n_extra = b->n_extra;
	if (more)
		o->extra_names[o->n_extra++] = cx_strdup(more);
	memcpy(o->field_present, b->field_present, sizeof(o->field_present));
	return o;
}

int contacts_merge(const struct contacts_book *b, const uint32_t *cl, struct contacts_book **out_r,
		   FILE *journal, size_t *merges_r, const char **error_r)
{
	uint32_t ncl = 0;
	for (size_t i = 0; i < b->n; i++)
		if (cl[i] + 1 > ncl)
			ncl = cl[i] + 1;
	/* members of each cluster, in input order (counting sort) */
	size_t *start = cx_calloc((size_t)ncl + 1, sizeof(size_t));
	size_t *mem = cx_malloc((b->n ? b->n : 1) * sizeof(size_t));
	for (size_t i = 0; i < b->n; i++)
		start[cl[i] + 1]++;
	for (uint32_t c = 0; c < ncl; c++)
		start[c + 1] += start[c];
	size_t *fill = cx_malloc(((size_t)ncl + 1) * sizeof(size_t));
	memcpy(fill, start, ((size_t)ncl + 1) * sizeof(size_t));
	for (size_t i = 0; i < b->n; i++)
		mem[fill[cl[i]]++] = i;
	free(fill);
	struct contacts_book *out = new_like(b, "_alternates");
	json_t *root = json_object(), *merges = json_array(), *fields = json_array(),
	       *extras = json_array();
	for (int f = 0; f < CF_COUNT; f++)
		if (b->field_present[f])
			json_array_append_new(fields, json_string(contacts_field_name(f)));
	for (size_t k = 0; k < b->n_extra; k++)
		json_array_append_new(extras, json_string(b->extra_names[k]));
	size_t merged = 0;
	uint8_t *done = cx_calloc(ncl ? ncl : 1, 1);
	for (size_t i = 0; i < b->n; i++) {
		uint32_t c = cl[i];
		if (done[c])
			continue;
		done[c] = 1;
		size_t nm = start[c + 1] - start[c];
		if (nm == 1) {
			copy_record(b, &b->recs[i], out);
			continue;
		}
		merge_cluster(b, mem + start[c], nm, out, merges);
		merged++;
	}
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "records", json_integer((json_int_t)b->n));
	json_object_set_new(root, "fields", fields);
	json_object_set_new(root, "extra_names", extras);
	json_object_set_new(root, "merges", merges);
	int rc = 0;
	if (journal && json_dumpf(root, journal, JSON_COMPACT) != 0) {
		*error_r = "cannot write the merge journal";
		rc = -1;
	}
	json_decref(root);
	free(done);
	free(start);
	free(mem);
	if (rc != 0) {
		contacts_book_free(&out);
		return -1;
	}
	*out_r = out;
	if (merges_r)
		*merges_r = merged;
	return 0;
}

/* Adds a record from its journal form to out. */
static void restore_record(struct contacts_book *out, json_t *src)
{
	struct contact *c = contacts_book_add(out);
	c->extra = cx_calloc(out->n_extra ? out->n_extra : 1, sizeof(char *));
	const char *key;
	json_t *v;
	json_object_foreach(json_object_get(src, "values"), key, v)
	{
		int f = contacts_field_from_header(key, strlen(key));
		if (f >= 0 && json_is_string(v))
			c->v[f] = contacts_strdup(out, json_string_value(v), json_string_length(v));
	}
	json_object_foreach(json_object_get(src, "extra"), key, v)
	{
		for (size_t k = 0; k < out->n_extra; k++)
			if (strcmp(out->extra_names[k], key) == 0 && json_is_string(v))
				c->extra[k] = contacts_strdup(out, json_string_value(v),
							      json_string_length(v));
	}
}

/* Copies a merged-book record that no merge produced, mapping extras by name. */
static void keep_record(struct contacts_book *out, const struct contacts_book *mb,
			const struct contact *src)
{
	struct contact *c = contacts_book_add(out);
	c->extra = cx_calloc(out->n_extra ? out->n_extra : 1, sizeof(char *));
	for (int f = 0; f < CF_COUNT; f++)
		if (src->v[f])
			c->v[f] = contacts_strdup(out, src->v[f], strlen(src->v[f]));
	for (size_t k = 0; k < mb->n_extra; k++)
		for (size_t o = 0; src->extra && src->extra[k] && o < out->n_extra; o++)
			if (strcmp(mb->extra_names[k], out->extra_names[o]) == 0)
				c->extra[o] = contacts_strdup(out, src->extra[k], strlen(src->extra[k]));
}

struct placed {
	size_t pos;
	json_t *src;               /* journal source, or NULL */
	const struct contact *rec; /* kept merged-book record, or NULL */
};

static int placed_cmp(const void *a, const void *b)
{
	const struct placed *x = a, *y = b;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

int contacts_undo(const struct contacts_book *mb, const char *journal, size_t jlen,
		  const char *merge_id, struct contacts_book **out_r, const char **error_r)
{
	json_error_t jerr;
	json_t *root = json_loadb(journal, jlen, 0, &jerr);
	json_t *merges = root ? json_object_get(root, "merges") : NULL;
	if (!json_is_array(merges)) {
		json_decref(root);
		*error_r = "not a merge journal";
		return -1;
	}
	json_t *byid = json_object(), *mm;
	size_t mi;
	json_array_foreach(merges, mi, mm)
	{
		const char *mid = json_string_value(json_object_get(mm, "merged_id"));
		if (mid)
			json_object_set(byid, mid, mm);
	}
	if (merge_id && json_object_get(byid, merge_id) == NULL) {
		json_decref(byid);
		json_decref(root);
		*error_r = "no such merge in the journal";
		return -1;
	}
	struct contacts_book *out = contacts_book_new();
	json_t *ex = json_object_get(root, "extra_names"), *v;
	size_t i;
	out->extra_names = cx_calloc(json_array_size(ex) + 1, sizeof(char *));
	json_array_foreach(ex, i, v) out->extra_names[out->n_extra++] =
		cx_strdup(json_string_value(v) ? json_string_value(v) : "");
	json_array_foreach(json_object_get(root, "fields"), i, v)
	{
		const char *s = json_string_value(v);
		int f = s ? contacts_field_from_header(s, strlen(s)) : -1;
		if (f >= 0)
			out->field_present[f] = 1;
	}
	/* place journal sources at their positions; kept records fill the gaps
	 * in their order, which merge preserved */
	size_t cap = 0, n = 0;
	struct placed *pl = NULL;
	json_int_t nrec = json_integer_value(json_object_get(root, "records"));
	size_t total = mb->n + (nrec > 0 && nrec < (json_int_t)1 << 40 ? (size_t)nrec : 0) + 1;
	uint8_t *used = cx_calloc(total, 1);
	for (size_t r = 0; r < mb->n; r++) {
		const char *rid = mb->recs[r].v[CF_ID];
		json_t *m = rid ? json_object_get(byid, rid) : NULL;
		if (m && mb->recs[r].v[CF_SOURCE_IDS] &&
		    (merge_id == NULL || strcmp(merge_id, mb->recs[r].v[CF_ID]) == 0)) {
			json_t *s;
			size_t k;
			json_array_foreach(json_object_get(m, "sources"), k, s)
			{
				size_t pos = (size_t)json_integer_value(json_object_get(s, "position"));
				if (pos >= total)
					continue;
				cx_grow((void **)&pl, &cap, n + 1, sizeof(*pl));
				pl[n++] = (struct placed){pos, s, NULL};
				used[pos] = 1;
			}
		}
	}
	size_t next = 0;
	for (size_t r = 0; r < mb->n; r++) {
		const char *rid = mb->recs[r].v[CF_ID];
		json_t *m = rid ? json_object_get(byid, rid) : NULL;
		if (m && mb->recs[r].v[CF_SOURCE_IDS] &&
		    (merge_id == NULL || strcmp(merge_id, mb->recs[r].v[CF_ID]) == 0))
			continue;
		while (next < total && used[next])
			next++;
		cx_grow((void **)&pl, &cap, n + 1, sizeof(*pl));
		pl[n++] = (struct placed){next++, NULL, &mb->recs[r]};
	}
	qsort(pl, n, sizeof(*pl), placed_cmp);
	for (size_t k = 0; k < n; k++) {
		if (pl[k].src)
			restore_record(out, pl[k].src);
		else
			keep_record(out, mb, pl[k].rec);
	}
	free(pl);
	free(used);
	json_decref(byid);
	json_decref(root);
	*out_r = out;
	return 0;
}
