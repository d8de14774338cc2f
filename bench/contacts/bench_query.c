/*
 * contacts-bench-query: time to find the duplicates of one new contact in a
 * big book (issue 5: under 10 ms for a 1M-contact book).
 *
 *   contacts-bench-query BOOK.csv [queries]
 *
 * Loads and cleans the book, learns the model with a full dedupe, builds
 * the index, then queries with altered copies of random records (a typo in
 * the last name, no phone), cleaning each query as an import would.
 * Prints build times and per-query mean / p99 / max in milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "contacts/contacts_internal.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: contacts-bench-query BOOK.csv [queries]\n", stderr);
		return 2;
	}
	size_t nq = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000;
	FILE *f = fopen(argv[1], "rb");
	if (f == NULL)
		return 1;
	struct cx_buf b = {0};
	char tmp[65536];
	size_t n;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		cx_buf_add(&b, tmp, n);
	fclose(f);
	struct contacts_book *bk = contacts_book_new();
	const char *err = NULL;
	if (contacts_book_import_csv(bk, b.p, b.len, NULL, &err) != 0)
		return 1;
	cx_buf_free(&b);
	struct contacts_clean_opts co = {.default_country = "FR"};
	contacts_clean(bk, &co, NULL, NULL, &err);
	uint32_t *cl;
	struct contacts_model model;
	double t0 = now();
	contacts_dedupe(bk, NULL, &cl, &model, NULL, &err);
	double t1 = now();
	struct contacts_index *ix = contacts_index_build(bk, &model, 0);
	double t2 = now();
	double *lat = calloc(nq ? nq : 1, sizeof(double));
	size_t found = 0;
	srand(42);
	for (size_t q = 0; q < nq; q++) {
		const struct contact *src = &bk->recs[(size_t)rand() % bk->n];
		struct contacts_book *qb = contacts_book_new();
		struct contact *c = contacts_book_add(qb);
		for (int k = 0; k < CF_COUNT; k++)
			if (src->v[k] && k != CF_PHONE)
				contacts_set(qb, c, (enum contact_field)k, src->v[k]);
		if (c->v[CF_LAST] && strlen(c->v[CF_LAST]) > 3)
			c->v[CF_LAST][2] = 'x';
		double a = now();
		struct contacts_clean_opts qo = {.default_country = "FR", .threads = 1};
		contacts_clean(qb, &qo, NULL, NULL, &err);
		size_t hits[64];
		found += contacts_index_query(ix, c, 0.5, hits, 64) > 0;
		lat[q] = (now() - a) * 1000.0;
		contacts_book_free(&qb);
	}
	qsort(lat, nq, sizeof(double), cmp_d);
	double sum = 0;
	for (size_t q = 0; q < nq; q++)
		sum += lat[q];
	printf("book %zu records: dedupe %.2f s, index build %.2f s\n", bk->n, t1 - t0, t2 - t1);
	printf("query (clean + find) over %zu new contacts: mean %.3f ms, p99 %.3f ms, max %.3f "
	       "ms, found a duplicate for %.1f%%\n",
	       nq, sum / (double)nq, lat[nq * 99 / 100], lat[nq - 1],
	       100.0 * (double)found / (double)nq);
	free(lat);
	free(cl);
	contacts_index_free(&ix);
	contacts_book_free(&bk);
	return 0;
}
