/*
 * contacts-eval: pairwise precision, recall and F1 of a dedupe output.
 *
 *   contacts-eval --febrl OUT.csv          truth from rec-N-org / rec-N-dup-K ids
 *   contacts-eval --truth entity OUT.csv   truth from a column
 *
 * OUT.csv is what `contacts dedupe` writes (its first column cluster_id).
 * Prints "precision recall f1 true_pairs predicted_pairs".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contacts/contacts_internal.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Sum over runs of equal values of n*(n-1)/2. */
static double pairs_of(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(uint64_t), cmp_u64);
	double total = 0;
	for (size_t s = 0; s < n;) {
		size_t e = s;
		while (e < n && v[e] == v[s])
			e++;
		total += (double)(e - s) * (double)(e - s - 1) / 2.0;
		s = e;
	}
	return total;
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4) {
		fputs("usage: contacts-eval --febrl FILE | --truth COLUMN FILE\n", stderr);
		return 2;
	}
	int febrl = strcmp(argv[1], "--febrl") == 0;
	const char *col = febrl ? NULL : argv[2];
	const char *path = argv[argc - 1];
	FILE *f = fopen(path, "rb");
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
	if (contacts_book_import_csv(bk, b.p, b.len, NULL, &err) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	cx_buf_free(&b);
	long ccl = -1, ctr = -1;
	for (size_t k = 0; k < bk->n_extra; k++) {
		if (strcmp(bk->extra_names[k], "cluster_id") == 0)
			ccl = (long)k;
		if (col && strcmp(bk->extra_names[k], col) == 0)
			ctr = (long)k;
	}
	if (ccl < 0 || (!febrl && ctr < 0)) {
		fputs("contacts-eval: missing cluster_id or truth column\n", stderr);
		return 1;
	}
	uint64_t *cl = calloc(bk->n + 1, 8), *tr = calloc(bk->n + 1, 8), *both = calloc(bk->n + 1, 8);
	for (size_t i = 0; i < bk->n; i++) {
		const struct contact *c = &bk->recs[i];
		const char *cv = c->extra[ccl] ? c->extra[ccl] : "";
		const char *tv;
		char ent[64] = "";
		if (febrl) {
			const char *id = c->v[CF_ID] ? c->v[CF_ID] : "";
			const char *d = strchr(id, '-');
			size_t l = d ? strcspn(d + 1, "-") : 0;
			snprintf(ent, sizeof(ent), "%.*s", (int)l, d ? d + 1 : "");
			tv = ent;
		} else {
			tv = c->extra[ctr] ? c->extra[ctr] : "";
		}
		cl[i] = strtoull(cv, NULL, 10);
		tr[i] = cx_hash(tv, strlen(tv), 1);
		both[i] = cl[i] * 0x9E3779B97F4A7C15ull ^ tr[i];
	}
	double pc = pairs_of(cl, bk->n), pt = pairs_of(tr, bk->n), tp = pairs_of(both, bk->n);
	double p = pc > 0 ? tp / pc : 1.0, r = pt > 0 ? tp / pt : 1.0;
	double f1 = p + r > 0 ? 2 * p * r / (p + r) : 0;
	printf("%.4f %.4f %.4f %.0f %.0f\n", p, r, f1, pt, pc);
	free(cl);
	free(tr);
	free(both);
	contacts_book_free(&bk);
	return 0;
}
