/*
 * contacts/compare: string comparators, the per-record comparison forms,
 * the comparison vector of a pair, and blocking keys (P-HYG-3).
 *
 * Attributes compared (index: what, levels):
 *   0 first name, 1 last name   exact or nickname / Jaro-Winkler >= 0.88,
 *                               also tried crossed (first <-> last)
 *   2 e-mail                    exact / same local part at another domain
 *   3 phone                     exact / same last 8 digits
 *   4 company                   exact or same professional domain / JW >= 0.9
 *   5 street number, 8 postcode, 9 birth date, 10 national id
 *                               exact / one edit (or day-month swap)
 *   6 street, 7 city, 11 address line 2
 *                               exact / Jaro-Winkler >= 0.88, spaces ignored
 */
#include <stdlib.h>
#include <string.h>

#include "contacts/contacts_internal.h"

/* Jaro-Winkler similarity of two ASCII strings (at most 64 bytes used). */
double contacts_jaro_winkler(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64)
		la = 64;
	if (lb > 64)
		lb = 64;
	if (la == 0 || lb == 0)
		return (la == lb) ? 1.0 : 0.0;
	size_t range = (la > lb ? la : lb) / 2;
	range = range > 0 ? range - 1 : 0;
	bool ma[64] = {0}, mb[64] = {0};
	size_t m = 0;
	for (size_t i = 0; i < la; i++) {
		size_t lo = i > range ? i - range : 0, hi = i + range + 1 < lb ? i + range + 1 : lb;
		for (size_t j = lo; j < hi; j++) {
			if (!mb[j] && a[i] == b[j]) {
				ma[i] = mb[j] = true;
				m++;
				break;
			}
		}
	}
	if (m == 0)
		return 0.0;
	size_t t = 0, k = 0;
	for (size_t i = 0; i < la; i++) {
		if (!ma[i])
			continue;
		while (!mb[k])
			k++;
		if (a[i] != b[k])
			t++;
		k++;
	}
	double md = (double)m;
	double jaro = (md / (double)la + md / (double)lb + (md - (double)t / 2.0) / md) / 3.0;
	size_t l = 0;
	while (l < 4 && l < la && l < lb && a[l] == b[l])
		l++;
	return jaro + (double)l * 0.1 * (1.0 - jaro);
}

/* Optimal-string-alignment distance (Levenshtein plus adjacent
 * transpositions), stopping early at cap. */
size_t contacts_levenshtein(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 128 || lb > 128)
		return cap;
	if ((la > lb ? la - lb : lb - la) >= cap)
		return cap;
	size_t d[3][130];
	size_t *pp = d[0], *p = d[1], *c = d[2];
	for (size_t j = 0; j <= lb; j++)
		p[j] = j;
	for (size_t i = 1; i <= la; i++) {
		c[0] = i;
		size_t rowmin = c[0];
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (p[j - 1] + cost < v)
				v = p[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
			if (v < rowmin)
				rowmin = v;
		}
		if (rowmin >= cap)
			return cap;
		size_t *t = pp;
		pp = p;
		p = c;
		c = t;
	}
	return p[lb] < cap ? p[lb] : cap;
}

/* American Soundex of the letters of a folded string. */
void cx_soundex(const char *s, char out[5])
{
	static const char code[] = "01230120022455012623010202";
	size_t o = 0;
	char last = 0;
	for (; *s && o < 4; s++) {
		if (*s < 'a' || *s > 'z')
			continue;
		char c = code[*s - 'a'];
		if (o == 0) {
			out[o++] = (char)(*s - 32);
			last = c;
			continue;
		}
		if (c != '0' && c != last)
			out[o++] = c;
		if (*s != 'h' && *s != 'w')
			last = c;
	}
	if (o == 0)
		out[o++] = 'Z';
	while (o < 4)
		out[o++] = '0';
	out[4] = '\0';
}

/* Appends a NUL-terminated string to b and returns its offset, or SIZE_MAX
 * for an empty one (absent). */
static size_t put(struct cx_buf *b, const char *s, size_t n)
{
	if (n == 0)
		return SIZE_MAX;
	size_t off = b->len;
	cx_buf_add(b, s, n);
	cx_buf_addc(b, '\0');
	return off;
}

static size_t put_folded(struct cx_buf *b, const char *s, bool nospace)
{
	char tmp[256];
	if (s == NULL)
		return SIZE_MAX;
	size_t n = cx_fold_into(s, tmp, sizeof(tmp));
	if (nospace) {
		size_t o = 0;
		for (size_t i = 0; i < n; i++)
			if (tmp[i] != ' ')
				tmp[o++] = tmp[i];
		n = o;
		tmp[n] = '\0';
	}
	return put(b, tmp, n);
}

static size_t put_digits(struct cx_buf *b, const char *s, size_t keep_last)
{
	char tmp[64];
	size_t n = 0;
	for (; s && *s && n < sizeof(tmp) - 1; s++)
		if (*s >= '0' && *s <= '9')
			tmp[n++] = *s;
	size_t from = keep_last && n > keep_last ? n - keep_last : 0;
	return put(b, tmp + from, n - from);
}

enum {
	P_FIRST, P_LAST, P_CANON, P_EMAIL, P_LOCAL, P_DOMAIN, P_PHONE, P_COMPANY, P_SNO,
	P_STREET, P_ADDR2, P_CITY, P_POST, P_BIRTH, P_NATID, P_N
};

/* Builds the folded forms of one record, all in one allocation. */
void cx_prep_init(struct cx_prep *p, const struct contact *c)
{
	struct cx_buf b = {0};
	size_t off[P_N];
	off[P_FIRST] = put_folded(&b, c->v[CF_FIRST], false);
	off[P_LAST] = put_folded(&b, c->v[CF_LAST], true);
	off[P_CANON] = SIZE_MAX;
	if (off[P_FIRST] != SIZE_MAX) {
		const char *nk = cx_nickname_canon(b.p + off[P_FIRST]);
		if (nk)
			off[P_CANON] = put(&b, nk, strlen(nk));
	}
	off[P_EMAIL] = off[P_LOCAL] = off[P_DOMAIN] = SIZE_MAX;
	const char *e = c->v[CF_EMAIL];
	const char *at = e ? strrchr(e, '@') : NULL;
	if (at && (c->v[CF_EMAIL_KIND] == NULL || strcmp(c->v[CF_EMAIL_KIND], "invalid") != 0)) {
		off[P_EMAIL] = put(&b, e, strlen(e));
		size_t ln = (size_t)(at - e);
		bool role = c->v[CF_EMAIL_KIND] && strncmp(c->v[CF_EMAIL_KIND], "role", 4) == 0;
		if (ln >= 5 && !role)
			off[P_LOCAL] = put(&b, e, ln);
		if (!cx_domain_is_free(at + 1))
			off[P_DOMAIN] = put(&b, at + 1, strlen(at + 1));
	}
	off[P_PHONE] = put_digits(&b, c->v[CF_PHONE], 9);
	off[P_COMPANY] = put_folded(&b, c->v[CF_COMPANY], true);
	off[P_SNO] = put_folded(&b, c->v[CF_STREET_NUMBER], true);
	off[P_STREET] = put_folded(&b, c->v[CF_ADDRESS1], true);
	off[P_ADDR2] = put_folded(&b, c->v[CF_ADDRESS2], true);
	off[P_CITY] = put_folded(&b, c->v[CF_CITY], true);
	off[P_POST] = put_folded(&b, c->v[CF_POSTCODE], true);
	off[P_BIRTH] = put_digits(&b, c->v[CF_BIRTH_DATE], 0);
	off[P_NATID] = put_folded(&b, c->v[CF_NATIONAL_ID], true);
	cx_buf_cstr(&b);
	p->buf = b.p;
	const char **dst[P_N] = {&p->first,   &p->last,     &p->first_canon, &p->email,
				 &p->email_local, &p->email_domain, &p->phone, &p->company,
				 &p->street_no, &p->street, &p->addr2, &p->city,
				 &p->postcode, &p->birth, &p->natid};
	for (int i = 0; i < P_N; i++)
		*dst[i] = off[i] == SIZE_MAX ? NULL : b.p + off[i];
}

void cx_prep_free(struct cx_prep *p)
{
	free(p->buf);
	p->buf = NULL;
}

/* Level of a name pair: same (also through nicknames), close, different. */
static uint8_t name_level(const char *a, const char *ac, const char *b, const char *bc)
{
	if (a == NULL || b == NULL)
		return CL_MISSING;
	if (strcmp(a, b) == 0)
		return CL_SAME;
	if ((ac && strcmp(ac, b) == 0) || (bc && strcmp(bc, a) == 0) ||
	    (ac && bc && strcmp(ac, bc) == 0))
		return CL_SAME;
	if (contacts_jaro_winkler(a, b) >= 0.88)
		return CL_CLOSE;
	return CL_DIFF;
}

static uint8_t text_level(const char *a, const char *b, double close)
{
	if (a == NULL || b == NULL)
		return CL_MISSING;
	if (strcmp(a, b) == 0)
		return CL_SAME;
	return contacts_jaro_winkler(a, b) >= close ? CL_CLOSE : CL_DIFF;
}

static uint8_t code_level(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return CL_MISSING;
	if (strcmp(a, b) == 0)
		return CL_SAME;
	return contacts_levenshtein(a, b, 2) <= 1 ? CL_CLOSE : CL_DIFF;
}

/* Dates as digits: one edit, or yyyymmdd with day and month swapped. */
static uint8_t date_level(const char *a, const char *b)
{
	uint8_t l = code_level(a, b);
	if (l != CL_DIFF || strlen(a) != 8 || strlen(b) != 8)
		return l;
	if (memcmp(a, b, 4) == 0 && memcmp(a + 4, b + 6, 2) == 0 && memcmp(a + 6, b + 4, 2) == 0)
		return CL_CLOSE;
	return CL_DIFF;
}

static uint8_t email_level(const struct cx_prep *a, const struct cx_prep *b)
{
	if (a->email == NULL || b->email == NULL)
		return CL_MISSING;
	if (strcmp(a->email, b->email) == 0)
		return CL_SAME;
	if (a->email_local && b->email_local && strcmp(a->email_local, b->email_local) == 0)
		return CL_CLOSE;
	return CL_DIFF;
}

static uint8_t phone_level(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return CL_MISSING;
	if (strcmp(a, b) == 0)
		return CL_SAME;
	size_t la = strlen(a), lb = strlen(b);
	if (la >= 8 && lb >= 8 && strcmp(a + la - 8, b + lb - 8) == 0)
		return CL_CLOSE;
	return CL_DIFF;
}

static uint8_t company_level(const struct cx_prep *a, const struct cx_prep *b)
{
	if (a->email_domain && b->email_domain && strcmp(a->email_domain, b->email_domain) == 0)
		return CL_SAME;
	return text_level(a->company, b->company, 0.9);
}

/* The comparison vector of two prepared records. */
void cx_compare_prep(const struct cx_prep *a, const struct cx_prep *b,
		     uint8_t lv[CONTACTS_NCOMP])
{
	uint8_t f = name_level(a->first, a->first_canon, b->first, b->first_canon);
	uint8_t l = name_level(a->last, NULL, b->last, NULL);
	if (f + l < 2 * CL_SAME && a->first && a->last && b->first && b->last) {
		/* swapped first and last names */
		uint8_t xf = name_level(a->first, NULL, b->last, NULL);
		uint8_t xl = name_level(a->last, NULL, b->first, NULL);
		if (xf + xl > f + l)
			f = xf, l = xl;
	}
	lv[0] = f;
	lv[1] = l;
	lv[2] = email_level(a, b);
	lv[3] = phone_level(a->phone, b->phone);
	lv[4] = company_level(a, b);
	lv[5] = code_level(a->street_no, b->street_no);
	lv[6] = text_level(a->street, b->street, 0.88);
	lv[7] = text_level(a->city, b->city, 0.88);
	lv[8] = code_level(a->postcode, b->postcode);
	lv[9] = date_level(a->birth, b->birth);
	lv[10] = code_level(a->natid, b->natid);
	lv[11] = text_level(a->addr2, b->addr2, 0.88);
}

void contacts_compare(const struct contact *a, const struct contact *b,
		      uint8_t levels_r[CONTACTS_NCOMP])
{
	struct cx_prep pa, pb;
	cx_prep_init(&pa, a);
	cx_prep_init(&pb, b);
	cx_compare_prep(&pa, &pb, levels_r);
	cx_prep_free(&pa);
	cx_prep_free(&pb);
}

uint32_t cx_pattern_pack(const uint8_t lv[CONTACTS_NCOMP])
{
	uint32_t p = 0;
	for (int k = 0; k < CONTACTS_NCOMP; k++)
		p |= (uint32_t)(lv[k] & 3) << (2 * k);
	return p;
}

void cx_pattern_unpack(uint32_t p, uint8_t lv[CONTACTS_NCOMP])
{
	for (int k = 0; k < CONTACTS_NCOMP; k++)
		lv[k] = (uint8_t)((p >> (2 * k)) & 3);
}

static uint32_t key_of(char kind, const char *a, const char *b)
{
	char tmp[160];
	int n = snprintf(tmp, sizeof(tmp), "%c|%s|%s", kind, a ? a : "", b ? b : "");
	if (n < 0)
		return 0;
	size_t len = (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1;
	return (uint32_t)cx_hash(tmp, len, 0);
}

/* Blocking keys: a pair is compared when it shares at least one.  Chosen
 * so that any single typo or swap still leaves a shared key. */
size_t cx_block_keys(const struct cx_prep *p, uint32_t k[CX_MAX_KEYS])
{
	size_t n = 0;
	char sf[5], sl[5] = "";
	if (p->email)
		k[n++] = key_of('e', p->email, NULL);
	if (p->email_local)
		k[n++] = key_of('l', p->email_local, NULL);
	if (p->phone)
		k[n++] = key_of('p', p->phone, NULL);
	if (p->natid)
		k[n++] = key_of('i', p->natid, NULL);
	if (p->birth)
		k[n++] = key_of('b', p->birth, NULL);
	if (p->last)
		cx_soundex(p->last, sl);
	if (p->first) {
		cx_soundex(p->first, sf);
		if (p->last) {
			/* both names, in either order: catches swapped names */
			bool lt = strcmp(sf, sl) < 0;
			k[n++] = key_of('s', lt ? sf : sl, lt ? sl : sf);
		}
		const char *where = p->postcode ? p->postcode
				    : p->email_domain ? p->email_domain
						      : p->company;
		if (where)
			k[n++] = key_of('w', sf, where);
	}
	if (p->postcode && p->street_no)
		k[n++] = key_of('a', p->postcode, p->street_no);
	return n;
}
