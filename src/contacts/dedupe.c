/*
 * contacts/dedupe: blocking, pairwise comparison, Fellegi-Sunter weights
 * learned by EM, and clustering by linked pairs (P-HYG-3).  Also the
 * incremental index that answers "duplicates of this new contact".
 *
 * Blocking: every record gets up to CX_MAX_KEYS 32-bit keys; entries
 * (key << 32 | record) are radix-sorted so that each key's block is a run.
 * A pair sharing several keys is compared only in the block of the smallest
 * shared key, so no global pair set is needed.  Blocks larger than
 * max_block are skipped (a very common name); other keys still cover them.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "contacts/contacts_internal.h"

struct cx_blocks {
	size_t n;
	struct cx_prep *prep;
	uint32_t (*keys)[CX_MAX_KEYS];
	uint8_t *nkeys;
	uint64_t *ent; /* sorted key << 32 | record */
	size_t nent;
	uint32_t *big; /* sorted keys of oversized blocks */
	size_t nbig;
	size_t max_block;
};

struct prep_job {
	const struct contacts_book *book;
	struct cx_blocks *b;
	size_t from, to;
};

static void *prep_range(void *arg)
{
	struct prep_job *j = arg;
	for (size_t i = j->from; i < j->to; i++) {
		cx_prep_init(&j->b->prep[i], &j->book->recs[i]);
		j->b->nkeys[i] = (uint8_t)cx_block_keys(&j->b->prep[i], j->b->keys[i]);
	}
	return NULL;
}

/* LSD radix sort on the upper 32 bits; stable, so records stay in order
 * inside a block. */
static void radix_sort_hi(uint64_t *a, size_t n)
{
	uint64_t *tmp = cx_malloc(n * sizeof(uint64_t));
	for (int pass = 0; pass < 4; pass++) {
		int shift = 32 + pass * 8;
		size_t count[257] = {0};
		for (size_t i = 0; i < n; i++)
			count[((a[i] >> shift) & 0xFF) + 1]++;
		for (int k = 0; k < 256; k++)
			count[k + 1] += count[k];
		for (size_t i = 0; i < n; i++)
			tmp[count[(a[i] >> shift) & 0xFF]++] = a[i];
		memcpy(a, tmp, n * sizeof(uint64_t));
	}
	free(tmp);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static bool is_big(const struct cx_blocks *b, uint32_t k)
{
	return b->nbig && bsearch(&k, b->big, b->nbig, sizeof(uint32_t), cmp_u32) != NULL;
}

static void blocks_free(struct cx_blocks *b)
{
	for (size_t i = 0; b->prep && i < b->n; i++)
		cx_prep_free(&b->prep[i]);
	free(b->prep);
	free(b->keys);
	free(b->nkeys);
	free(b->ent);
	free(b->big);
	memset(b, 0, sizeof(*b));
}

/* Prepares every record (in parallel) and builds the sorted key entries. */
static void blocks_build(struct cx_blocks *b, const struct contacts_book *book, int threads,
			 size_t max_block)
{
	memset(b, 0, sizeof(*b));
	b->n = book->n;
	b->max_block = max_block;
	b->prep = cx_calloc(b->n, sizeof(*b->prep));
	b->keys = cx_calloc(b->n, sizeof(*b->keys));
	b->nkeys = cx_calloc(b->n, 1);
	struct prep_job jobs[64];
	pthread_t th[64];
	int nt = threads < 1 ? 1 : threads > 64 ? 64 : threads;
	for (int i = 0; i < nt; i++)
		jobs[i] = (struct prep_job){book, b, b->n * (size_t)i / (size_t)nt,
					    b->n * (size_t)(i + 1) / (size_t)nt};
	int started = 0;
	for (int i = 1; i < nt; i++, started++)
		if (pthread_create(&th[i], NULL, prep_range, &jobs[i]) != 0)
			break;
	prep_range(&jobs[0]);
	for (int i = started + 1; i < nt; i++)
		prep_range(&jobs[i]);
	for (int i = 1; i <= started; i++)
		pthread_join(th[i], NULL);
	size_t total = 0;
	for (size_t i = 0; i < b->n; i++)
		total += b->nkeys[i];
	b->ent = cx_malloc((total ? total : 1) * sizeof(uint64_t));
	for (size_t i = 0; i < b->n; i++)
		for (size_t k = 0; k < b->nkeys[i]; k++)
			b->ent[b->nent++] = (uint64_t)b->keys[i][k] << 32 | (uint32_t)i;
	radix_sort_hi(b->ent, b->nent);
	size_t cap = 0;
	for (size_t s = 0; s < b->nent;) {
		size_t e = s;
		while (e < b->nent && (b->ent[e] >> 32) == (b->ent[s] >> 32))
			e++;
		if (e - s > max_block) {
			cx_grow((void **)&b->big, &cap, b->nbig + 1, sizeof(uint32_t));
			b->big[b->nbig++] = (uint32_t)(b->ent[s] >> 32);
		}
		s = e;
	}
}

/* True when records i and j share a usable key smaller than k: the pair
 * was (or will be) compared in that block instead. */
static bool seen_earlier(const struct cx_blocks *b, uint32_t i, uint32_t j, uint32_t k)
{
	for (size_t x = 0; x < b->nkeys[i]; x++) {
		uint32_t ki = b->keys[i][x];
		if (ki >= k)
			continue;
		for (size_t y = 0; y < b->nkeys[j]; y++)
			if (b->keys[j][y] == ki && !is_big(b, ki))
				return true;
	}
	return false;
}

/* ---- pattern histogram: open addressing, pattern + 1 as the key ---- */
struct pat_map {
	uint32_t *key;
	uint64_t *cnt;
	size_t cap, n;
};

static void pat_add(struct pat_map *m, uint32_t p, uint64_t c);

static void pat_grow(struct pat_map *m)
{
	struct pat_map old = *m;
	m->cap = old.cap ? old.cap * 2 : 1024;
	m->key = cx_calloc(m->cap, sizeof(uint32_t));
	m->cnt = cx_calloc(m->cap, sizeof(uint64_t));
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.key[i])
			pat_add(m, old.key[i] - 1, old.cnt[i]);
	free(old.key);
	free(old.cnt);
}

static size_t pat_slot(const struct pat_map *m, uint32_t p)
{
	size_t i = (size_t)(cx_hash(&p, sizeof(p), 7) & (m->cap - 1));
	while (m->key[i] && m->key[i] != p + 1)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void pat_add(struct pat_map *m, uint32_t p, uint64_t c)
{
	if ((m->n + 1) * 2 > m->cap)
		pat_grow(m);
	size_t i = pat_slot(m, p);
	if (!m->key[i]) {
		m->key[i] = p + 1;
		m->n++;
	}
	m->cnt[i] += c;
}

static void pat_free(struct pat_map *m)
{
	free(m->key);
	free(m->cnt);
	memset(m, 0, sizeof(*m));
}

struct pair {
	uint32_t i, j, pat;
};

struct pair_job {
	const struct cx_blocks *b;
	size_t from, to; /* entry range, on block boundaries */
	struct pair *pairs;
	size_t npairs, cap;
	struct pat_map hist;
	size_t skipped;
};

static void *pair_range(void *arg)
{
	struct pair_job *j = arg;
	const struct cx_blocks *b = j->b;
	for (size_t s = j->from; s < j->to;) {
		uint32_t k = (uint32_t)(b->ent[s] >> 32);
		size_t e = s;
		while (e < j->to && (uint32_t)(b->ent[e] >> 32) == k)
			e++;
		if (e - s > b->max_block) {
			j->skipped++;
			s = e;
			continue;
		}
		for (size_t x = s; x < e; x++)
			for (size_t y = x + 1; y < e; y++) {
				uint32_t ri = (uint32_t)b->ent[x], rj = (uint32_t)b->ent[y];
				if (ri == rj || seen_earlier(b, ri, rj, k))
					continue;
				uint8_t lv[CONTACTS_NCOMP];
				cx_compare_prep(&b->prep[ri], &b->prep[rj], lv);
				uint32_t p = cx_pattern_pack(lv);
				cx_grow((void **)&j->pairs, &j->cap, j->npairs + 1, sizeof(struct pair));
				j->pairs[j->npairs++] = (struct pair){ri, rj, p};
				pat_add(&j->hist, p, 1);
			}
		s = e;
	}
	return NULL;
}

/* Splits the entries into nt ranges on block boundaries. */
static void split_ranges(const struct cx_blocks *b, struct pair_job *jobs, int nt)
{
	size_t s = 0;
	for (int t = 0; t < nt; t++) {
		size_t e = t == nt - 1 ? b->nent : b->nent * (size_t)(t + 1) / (size_t)nt;
		if (e < s)
			e = s;
		while (e < b->nent && e > 0 && (b->ent[e] >> 32) == (b->ent[e - 1] >> 32))
			e++;
		jobs[t].b = b;
		jobs[t].from = s;
		jobs[t].to = e;
		s = e;
	}
}

static uint32_t uf_find(uint32_t *par, uint32_t x)
{
	while (par[x] != x) {
		par[x] = par[par[x]];
		x = par[x];
	}
	return x;
}

/* Links pairs whose pattern's posterior reaches the threshold and numbers
 * the resulting components densely in record order. */
static void cluster(struct pair_job *jobs, int nt, const struct pat_map *all,
		    const struct contacts_model *m, double thr, size_t n, uint32_t *out,
		    struct contacts_dedupe_stats *st)
{
	double *post = cx_calloc(all->cap, sizeof(double));
	for (size_t i = 0; i < all->cap; i++)
		if (all->key[i]) {
			uint8_t lv[CONTACTS_NCOMP];
			cx_pattern_unpack(all->key[i] - 1, lv);
			post[i] = contacts_match_probability(m, lv);
		}
	uint32_t *par = cx_malloc((n ? n : 1) * sizeof(uint32_t));
	for (size_t i = 0; i < n; i++)
		par[i] = (uint32_t)i;
	for (int t = 0; t < nt; t++)
		for (size_t p = 0; p < jobs[t].npairs; p++) {
			struct pair *pr = &jobs[t].pairs[p];
			if (post[pat_slot(all, pr->pat)] < thr)
				continue;
			st->linked_pairs++;
			uint32_t a = uf_find(par, pr->i), c = uf_find(par, pr->j);
			if (a != c)
				par[a > c ? a : c] = a < c ? a : c;
		}
	uint32_t *num = cx_malloc((n ? n : 1) * sizeof(uint32_t));
	uint32_t *size = cx_calloc(n ? n : 1, sizeof(uint32_t));
	uint32_t next = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t r = uf_find(par, (uint32_t)i);
		if (r == i)
			num[i] = next++;
		out[i] = num[r];
		size[out[i]]++;
	}
	st->clusters = next;
	for (uint32_t c = 0; c < next; c++)
		st->multi_clusters += size[c] > 1;
	free(size);
	free(num);
	free(par);
	free(post);
}

int contacts_dedupe(const struct contacts_book *book, const struct contacts_dedupe_opts *opts,
		    uint32_t **cluster_r, struct contacts_model *model_r,
		    struct contacts_dedupe_stats *stats_r, const char **error_r)
{
	struct contacts_dedupe_opts d = {0};
	if (opts)
		d = *opts;
	double thr = d.threshold > 0 ? d.threshold : 0.5;
	size_t maxb = d.max_block ? d.max_block : 400;
	int nt = d.threads > 0 ? (d.threads > 64 ? 64 : d.threads) : 2;
	if (book->n >= UINT32_MAX) {
		*error_r = "too many records";
		return -1;
	}
	struct contacts_dedupe_stats st = {0};
	struct cx_blocks b;
	blocks_build(&b, book, nt, maxb);
	struct pair_job jobs[64];
	memset(jobs, 0, sizeof(jobs));
	split_ranges(&b, jobs, nt);
	pthread_t th[64];
	int started = 0;
	for (int i = 1; i < nt; i++, started++)
		if (pthread_create(&th[i], NULL, pair_range, &jobs[i]) != 0)
			break;
	pair_range(&jobs[0]);
	for (int i = started + 1; i < nt; i++)
		pair_range(&jobs[i]);
	for (int i = 1; i <= started; i++)
		pthread_join(th[i], NULL);
	struct pat_map all = {0};
	for (int t = 0; t < nt; t++) {
		for (size_t i = 0; i < jobs[t].hist.cap; i++)
			if (jobs[t].hist.key[i])
				pat_add(&all, jobs[t].hist.key[i] - 1, jobs[t].hist.cnt[i]);
		st.candidate_pairs += jobs[t].npairs;
		st.skipped_blocks += jobs[t].skipped;
		pat_free(&jobs[t].hist);
	}
	if (all.cap == 0)
		pat_grow(&all);
	uint32_t *pats = cx_malloc((all.n ? all.n : 1) * sizeof(uint32_t));
	uint64_t *cnts = cx_malloc((all.n ? all.n : 1) * sizeof(uint64_t));
	size_t np = 0;
	for (size_t i = 0; i < all.cap; i++)
		if (all.key[i]) {
			pats[np] = all.key[i] - 1;
			cnts[np++] = all.cnt[i];
		}
	st.patterns = np;
	struct contacts_model model;
	memset(&model, 0, sizeof(model));
	cx_em_train(&model, pats, cnts, np);
	uint32_t *out = cx_malloc((book->n ? book->n : 1) * sizeof(uint32_t));
	cluster(jobs, nt, &all, &model, thr, book->n, out, &st);
	for (int t = 0; t < nt; t++)
		free(jobs[t].pairs);
	free(pats);
	free(cnts);
	pat_free(&all);
	blocks_free(&b);
	*cluster_r = out;
	if (model_r)
		*model_r = model;
	if (stats_r)
		*stats_r = st;
	return 0;
}

/* ---- incremental index ---- */

struct contacts_index {
	struct cx_blocks b;
	struct contacts_model model;
};

struct contacts_index *contacts_index_build(const struct contacts_book *book,
					    const struct contacts_model *model,
					    size_t max_block)
{
	struct contacts_index *ix = cx_calloc(1, sizeof(*ix));
	blocks_build(&ix->b, book, 2, max_block ? max_block : 400);
	ix->model = *model;
	return ix;
}

void contacts_index_free(struct contacts_index **ixp)
{
	struct contacts_index *ix = ixp ? *ixp : NULL;
	if (ix == NULL)
		return;
	blocks_free(&ix->b);
	free(ix);
	*ixp = NULL;
}

/* First entry whose key is >= k (binary search over the sorted entries). */
static size_t lower_bound(const struct cx_blocks *b, uint32_t k)
{
	size_t lo = 0, hi = b->nent;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if ((uint32_t)(b->ent[mid] >> 32) < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t contacts_index_query(const struct contacts_index *ix, const struct contact *c,
			    double threshold, size_t *out, size_t max)
{
	const struct cx_blocks *b = &ix->b;
	struct cx_prep p;
	cx_prep_init(&p, c);
	uint32_t keys[CX_MAX_KEYS];
	size_t nk = cx_block_keys(&p, keys), n = 0;
	for (size_t k = 0; k < nk; k++) {
		size_t s = lower_bound(b, keys[k]), e = s;
		while (e < b->nent && (uint32_t)(b->ent[e] >> 32) == keys[k])
			e++;
		if (e - s > b->max_block)
			continue;
		for (size_t x = s; x < e; x++) {
			uint32_t r = (uint32_t)b->ent[x];
			bool dup = false;
			for (size_t q = 0; q < n && !dup; q++)
				dup = out[q] == r;
			if (dup || n >= max)
				continue;
			uint8_t lv[CONTACTS_NCOMP];
			cx_compare_prep(&p, &b->prep[r], lv);
			if (contacts_match_probability(&ix->model, lv) >= threshold)
				out[n++] = r;
		}
	}
	cx_prep_free(&p);
	return n;
}
