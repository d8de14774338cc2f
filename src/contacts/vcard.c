/*
 * contacts/vcard: vCard 3.0 / 4.0 import and vCard 4.0 export (P-HYG-1).
 *
 * Import unfolds lines, reads FN, N, EMAIL, TEL, ORG, TITLE, URL, ADR,
 * BDAY, GENDER, UID and Iris's own X-IRIS-FIELD / X-IRIS-EXTRA lines, and
 * keeps every other line verbatim in the "_vcard" extra column, so nothing
 * is lost.  Export writes what import reads, so a book round-trips.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "contacts/contacts_internal.h"

#define VCARD_MAX_LINE 65536
#define VCARD_MAX_PROPS 2000

/* Unescapes a vCard text value (\n \, \; \\) into a malloc'd string. */
static char *unescape(const char *s, size_t n)
{
	char *o = cx_malloc(n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			char c = s[++i];
			o[k++] = (c == 'n' || c == 'N') ? '\n' : c;
			continue;
		}
		o[k++] = s[i];
	}
	o[k] = '\0';
	return o;
}

/* Splits a structured value on unescaped ';' into at most max parts
 * (each malloc'd, unescaped); returns the count. */
static size_t split_struct(const char *v, char **parts, size_t max)
{
	size_t n = 0, start = 0, len = strlen(v);
	for (size_t i = 0; i <= len && n < max; i++) {
		if (i < len && v[i] == '\\') {
			i++;
			continue;
		}
		if (i == len || v[i] == ';') {
			parts[n++] = unescape(v + start, i - start);
			start = i + 1;
		}
	}
	return n;
}

struct card {
	struct contacts_book *b;
	struct contact *c;
	struct cx_buf rest; /* lines kept verbatim */
	char *fn;
	bool have_n, have_full;
	size_t props;
};

static void set_if_empty(struct card *k, enum contact_field f, const char *v)
{
	if (k->c->v[f] == NULL && v && *v)
		contacts_set(k->b, k->c, f, v);
}

static void keep_line(struct card *k, const char *line)
{
	if (k->rest.len)
		cx_buf_addc(&k->rest, '\n');
	cx_buf_adds(&k->rest, line);
}

/* Value of parameter NAME=... in the parameter part, malloc'd, or NULL. */
static char *param(const char *params, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = params; p && *p; p++) {
		if (*p != ';')
			continue;
		if (strncasecmp(p + 1, name, nl) == 0 && p[1 + nl] == '=') {
			const char *v = p + 2 + nl;
			if (*v == '"') {
				const char *e = strchr(v + 1, '"');
				return e ? cx_strndup(v + 1, (size_t)(e - v - 1)) : NULL;
			}
			return cx_strndup(v, strcspn(v, ";:"));
		}
	}
	return NULL;
}

static void prop_n(struct card *k, const char *v)
{
	char *p[5] = {0};
	size_t n = split_struct(v, p, 5);
	set_if_empty(k, CF_LAST, p[0]);
	set_if_empty(k, CF_FIRST, n > 1 ? p[1] : NULL);
	set_if_empty(k, CF_CIVILITY, n > 3 ? p[3] : NULL);
	k->have_n = true;
	for (size_t i = 0; i < n; i++)
		free(p[i]);
}

static void prop_adr(struct card *k, const char *v)
{
	char *p[7] = {0};
	size_t n = split_struct(v, p, 7);
	static const enum contact_field map[7] = {CF_COUNT,   CF_ADDRESS2, CF_ADDRESS1, CF_CITY,
						  CF_REGION, CF_POSTCODE, CF_COUNTRY};
	for (size_t i = 1; i < n; i++)
		set_if_empty(k, map[i], p[i]);
	for (size_t i = 0; i < n; i++)
		free(p[i]);
}

static void prop_iris(struct card *k, const char *name, const char *params, const char *val)
{
	char *pn = param(params, "NAME");
	if (pn == NULL) {
		free(pn);
		return;
	}
	if (strcasecmp(name, "X-IRIS-FIELD") == 0) {
		int f = contacts_field_from_header(pn, strlen(pn));
		if (f >= 0)
			contacts_set(k->b, k->c, (enum contact_field)f, val);
		if (f == CF_FULL_NAME)
			k->have_full = true;
	} else {
		size_t i;
		for (i = 0; i < k->b->n_extra; i++)
			if (strcmp(k->b->extra_names[i], pn) == 0)
				break;
		if (i < k->b->n_extra && k->c->extra)
			k->c->extra[i] = contacts_strdup(k->b, val, strlen(val));
		else
			keep_line(k, name); /* unknown column: kept below with its value */
	}
	free(pn);
}

/* Applies one unfolded content line to the current card. */
static void prop(struct card *k, char *line, size_t lineno)
{
	char *colon = NULL;
	bool q = false;
	for (char *p = line; *p; p++) {
		if (*p == '"')
			q = !q;
		if (*p == ':' && !q) {
			colon = p;
			break;
		}
	}
	if (colon == NULL || ++k->props > VCARD_MAX_PROPS) {
		(void)lineno;
		keep_line(k, line);
		return;
	}
	*colon = '\0';
	const char *value = colon + 1;
	char *dot = strchr(line, '.');
	char *name = dot && dot < line + strcspn(line, ";") ? dot + 1 : line;
	char *params = strchr(name, ';');
	size_t nl = params ? (size_t)(params - name) : strlen(name);
	char nm[64];
	if (nl >= sizeof(nm))
		nl = sizeof(nm) - 1;
	memcpy(nm, name, nl);
	nm[nl] = '\0';
	char *val = unescape(value, strlen(value));
	if (strcasecmp(nm, "FN") == 0 && k->fn == NULL) {
		k->fn = cx_strdup(val);
	} else if (strcasecmp(nm, "N") == 0 && !k->have_n) {
		prop_n(k, value);
	} else if (strcasecmp(nm, "EMAIL") == 0 && !k->c->v[CF_EMAIL]) {
		set_if_empty(k, CF_EMAIL, val);
	} else if (strcasecmp(nm, "TEL") == 0 && !k->c->v[CF_PHONE]) {
		set_if_empty(k, CF_PHONE, strncasecmp(val, "tel:", 4) == 0 ? val + 4 : val);
	} else if (strcasecmp(nm, "ORG") == 0 && !k->c->v[CF_COMPANY]) {
		char *p[1] = {0};
		if (split_struct(value, p, 1) == 1)
			set_if_empty(k, CF_COMPANY, p[0]);
		free(p[0]);
	} else if (strcasecmp(nm, "TITLE") == 0 && !k->c->v[CF_JOB_TITLE]) {
		set_if_empty(k, CF_JOB_TITLE, val);
	} else if (strcasecmp(nm, "URL") == 0 && !k->c->v[CF_WEBSITE]) {
		set_if_empty(k, CF_WEBSITE, val);
	} else if (strcasecmp(nm, "ADR") == 0 && !k->c->v[CF_ADDRESS1] && !k->c->v[CF_CITY]) {
		prop_adr(k, value);
	} else if (strcasecmp(nm, "BDAY") == 0 && !k->c->v[CF_BIRTH_DATE]) {
		set_if_empty(k, CF_BIRTH_DATE, val);
	} else if (strcasecmp(nm, "GENDER") == 0 && !k->c->v[CF_GENDER]) {
		const char *g = (val[0] == 'M' || val[0] == 'm')   ? "male"
				: (val[0] == 'F' || val[0] == 'f') ? "female"
								   : NULL;
		set_if_empty(k, CF_GENDER, g);
	} else if (strcasecmp(nm, "UID") == 0 && !k->c->v[CF_ID]) {
		set_if_empty(k, CF_ID, val);
	} else if (strncasecmp(nm, "X-IRIS-", 7) == 0 && params) {
		prop_iris(k, nm, params, val);
	} else if (strcasecmp(nm, "VERSION") != 0) {
		*colon = ':';
		keep_line(k, line);
	}
	free(val);
}

/* Finishes a card: FN becomes the full name when N did not say it all. */
static void end_card(struct card *k, size_t lineno)
{
	struct contact *c = k->c;
	if (k->fn && !k->have_full) {
		struct cx_buf comp = {0};
		if (c->v[CF_FIRST])
			cx_buf_adds(&comp, c->v[CF_FIRST]);
		if (c->v[CF_FIRST] && c->v[CF_LAST])
			cx_buf_addc(&comp, ' ');
		if (c->v[CF_LAST])
			cx_buf_adds(&comp, c->v[CF_LAST]);
		if (strcmp(cx_buf_cstr(&comp), k->fn) != 0)
			contacts_set(k->b, c, CF_FULL_NAME, k->fn);
		cx_buf_free(&comp);
	}
	if (k->rest.len)
		c->extra[k->b->n_extra - 1] = contacts_strdup(k->b, k->rest.p, k->rest.len);
	if (c->v[CF_ID] == NULL) {
		char id[32];
		int n = snprintf(id, sizeof(id), "v%zu", lineno);
		if (n > 0 && (size_t)n < sizeof(id))
			contacts_set(k->b, c, CF_ID, id);
	}
	free(k->fn);
	k->fn = NULL;
	cx_buf_free(&k->rest);
	k->c = NULL;
}

/* Reads the next unfolded line into out; returns false at end. */
static bool next_line(const char *d, size_t len, size_t *pos, size_t *lineno, struct cx_buf *out,
		      bool *toolong)
{
	out->len = 0;
	*toolong = false;
	if (*pos >= len)
		return false;
	size_t p = *pos;
	for (;;) {
		size_t s = p;
		while (p < len && d[p] != '\n' && d[p] != '\r')
			p++;
		if (out->len + (p - s) <= VCARD_MAX_LINE)
			cx_buf_add(out, d + s, p - s);
		else
			*toolong = true;
		if (p < len && d[p] == '\r')
			p++;
		if (p < len && d[p] == '\n')
			p++;
		(*lineno)++;
		if (p < len && (d[p] == ' ' || d[p] == '\t')) {
			p++; /* folded continuation */
			continue;
		}
		break;
	}
	cx_buf_cstr(out);
	*pos = p;
	return true;
}

/* Registers the NAME parameter of an X-IRIS-EXTRA line as an extra column
 * unless the book has it already. */
static void add_extra_name(struct contacts_book *b, const char *params)
{
	char *copy = cx_strndup(params, strcspn(params, ":"));
	char *pn = param(copy, "NAME");
	free(copy);
	if (pn == NULL)
		return;
	for (size_t i = 0; i < b->n_extra; i++)
		if (strcmp(b->extra_names[i], pn) == 0) {
			free(pn);
			return;
		}
	b->extra_names = cx_realloc(b->extra_names, (b->n_extra + 1) * sizeof(char *));
	b->extra_names[b->n_extra++] = pn;
}

int contacts_book_import_vcard(struct contacts_book *b, const char *data, size_t len,
			       const char **error_r)
{
	size_t pos = 0, lineno = 0, cards = 0;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	struct card k = {.b = b};
	struct cx_buf line = {0};
	bool toolong;
	/* the extra columns vCard can fill: Iris's own extras, then "_vcard" */
	size_t p0 = pos;
	while (next_line(data, len, &pos, &lineno, &line, &toolong))
		if (strncasecmp(line.p, "X-IRIS-EXTRA;", 13) == 0)
			add_extra_name(b, line.p + 12);
	pos = p0;
	lineno = 0;
	b->extra_names = cx_realloc(b->extra_names, (b->n_extra + 1) * sizeof(char *));
	b->extra_names[b->n_extra++] = cx_strdup("_vcard");
	while (next_line(data, len, &pos, &lineno, &line, &toolong)) {
		char *l = line.p;
		if (!cx_utf8_valid(l, line.len)) {
			char *u = cx_cp1252_to_utf8(l, line.len);
			line.len = 0;
			cx_buf_adds(&line, u);
			free(u);
			l = line.p;
		}
		if (toolong) {
			cx_grow((void **)&b->issues, &b->cap_issues, b->n_issues + 1,
				sizeof(*b->issues));
			b->issues[b->n_issues++] =
				(struct contacts_issue){lineno, CI_VCARD_BAD_LINE, cx_strdup(l)};
		}
		if (strcasecmp(l, "BEGIN:VCARD") == 0) {
			if (k.c)
				end_card(&k, lineno);
			k.c = contacts_book_add(b);
			k.c->extra = cx_calloc(b->n_extra, sizeof(char *));
			k.have_n = k.have_full = false;
			k.props = 0;
			b->rows_read++;
			cards++;
		} else if (strcasecmp(l, "END:VCARD") == 0) {
			if (k.c)
				end_card(&k, lineno);
		} else if (k.c && *l) {
			prop(&k, l, lineno);
		}
	}
	if (k.c)
		end_card(&k, lineno);
	cx_buf_free(&line);
	if (cards == 0) {
		*error_r = "no BEGIN:VCARD found";
		return -1;
	}
	return 0;
}

/* Writes "NAME:value" folded at 75 octets without splitting a UTF-8
 * sequence; value escaped unless structured (already escaped). */
static void put_line(FILE *out, const char *name, const char *value, bool escape)
{
	struct cx_buf l = {0};
	cx_buf_adds(&l, name);
	cx_buf_addc(&l, ':');
	for (const char *p = value; *p; p++) {
		if (escape && (*p == ',' || *p == ';' || *p == '\\'))
			cx_buf_addc(&l, '\\');
		if (*p == '\n') {
			cx_buf_adds(&l, "\\n");
			continue;
		}
		if (*p == '\r')
			continue;
		cx_buf_addc(&l, *p);
	}
	size_t col = 0;
	for (size_t i = 0; i < l.len; i++) {
		unsigned char c = (unsigned char)l.p[i];
		if (col >= 74 && (c & 0xC0) != 0x80) {
			fputs("\r\n ", out);
			col = 1;
		}
		fputc(c, out);
		col++;
	}
	fputs("\r\n", out);
	cx_buf_free(&l);
}

static void add_struct(struct cx_buf *b, const char *v, bool last)
{
	for (const char *p = v ? v : ""; *p; p++) {
		if (*p == ',' || *p == ';' || *p == '\\')
			cx_buf_addc(b, '\\');
		if (*p == '\n') {
			cx_buf_adds(b, "\\n");
			continue;
		}
		cx_buf_addc(b, *p);
	}
	if (!last)
		cx_buf_addc(b, ';');
}

static void export_card(const struct contacts_book *bk, const struct contact *c, FILE *out)
{
	fputs("BEGIN:VCARD\r\nVERSION:4.0\r\n", out);
	if (c->v[CF_ID])
		put_line(out, "UID", c->v[CF_ID], true);
	struct cx_buf fn = {0};
	if (c->v[CF_FIRST])
		cx_buf_adds(&fn, c->v[CF_FIRST]);
	if (c->v[CF_FIRST] && c->v[CF_LAST])
		cx_buf_addc(&fn, ' ');
	if (c->v[CF_LAST])
		cx_buf_adds(&fn, c->v[CF_LAST]);
	put_line(out, "FN", fn.len ? fn.p : (c->v[CF_FULL_NAME] ? c->v[CF_FULL_NAME] : ""), true);
	cx_buf_free(&fn);
	if (c->v[CF_FIRST] || c->v[CF_LAST] || c->v[CF_CIVILITY]) {
		struct cx_buf n = {0};
		add_struct(&n, c->v[CF_LAST], false);
		add_struct(&n, c->v[CF_FIRST], false);
		add_struct(&n, NULL, false);
		add_struct(&n, c->v[CF_CIVILITY], false);
		add_struct(&n, NULL, true);
		put_line(out, "N", cx_buf_cstr(&n), false);
		cx_buf_free(&n);
	}
	static const struct {
		enum contact_field f;
		const char *prop;
	} simple[] = {{CF_EMAIL, "EMAIL"}, {CF_PHONE, "TEL"}, {CF_COMPANY, "ORG"},
		      {CF_JOB_TITLE, "TITLE"}, {CF_WEBSITE, "URL"}, {CF_BIRTH_DATE, "BDAY"}};
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (c->v[simple[i].f])
			put_line(out, simple[i].prop, c->v[simple[i].f], true);
	if (c->v[CF_ADDRESS1] || c->v[CF_ADDRESS2] || c->v[CF_CITY] || c->v[CF_REGION] ||
	    c->v[CF_POSTCODE] || c->v[CF_COUNTRY]) {
		struct cx_buf a = {0};
		add_struct(&a, NULL, false);
		add_struct(&a, c->v[CF_ADDRESS2], false);
		add_struct(&a, c->v[CF_ADDRESS1], false);
		add_struct(&a, c->v[CF_CITY], false);
		add_struct(&a, c->v[CF_REGION], false);
		add_struct(&a, c->v[CF_POSTCODE], false);
		add_struct(&a, c->v[CF_COUNTRY], true);
		put_line(out, "ADR", cx_buf_cstr(&a), false);
		cx_buf_free(&a);
	}
	if (c->v[CF_GENDER])
		put_line(out, "GENDER", strcmp(c->v[CF_GENDER], "male") == 0 ? "M" : "F", false);
	/* fields vCard has no property for, under Iris's own name */
	static const enum contact_field own[] = {
		CF_SOURCE_IDS, CF_FULL_NAME, CF_EMAIL_KIND, CF_PHONE_TYPE, CF_STREET_NUMBER,
		CF_NATIONAL_ID, CF_EMAIL_STATUS, CF_LAST_SEEN};
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		if (!c->v[own[i]])
			continue;
		char nm[64];
		int n = snprintf(nm, sizeof(nm), "X-IRIS-FIELD;NAME=%s",
				 contacts_field_name(own[i]));
		if (n > 0 && (size_t)n < sizeof(nm))
			put_line(out, nm, c->v[own[i]], true);
	}
	for (size_t k = 0; k < bk->n_extra; k++) {
		if (c->extra == NULL || c->extra[k] == NULL)
			continue;
		if (strcmp(bk->extra_names[k], "_vcard") == 0) {
			/* lines kept verbatim from an imported card */
			const char *p = c->extra[k];
			while (*p) {
				size_t n = strcspn(p, "\n");
				fwrite(p, 1, n, out);
				fputs("\r\n", out);
				p += n + (p[n] == '\n');
			}
			continue;
		}
		struct cx_buf nm = {0};
		cx_buf_adds(&nm, "X-IRIS-EXTRA;NAME=\"");
		for (const char *p = bk->extra_names[k]; *p; p++)
			if (*p != '"' && *p != '\n' && *p != '\r')
				cx_buf_addc(&nm, *p);
		cx_buf_addc(&nm, '"');
		put_line(out, nm.p, c->extra[k], true);
		cx_buf_free(&nm);
	}
	fputs("END:VCARD\r\n", out);
}

int contacts_book_export_vcard(const struct contacts_book *b, FILE *out, const char **error_r)
{
	for (size_t i = 0; i < b->n; i++)
		export_card(b, &b->recs[i], out);
	if (ferror(out)) {
		*error_r = "write error";
		return -1;
	}
	return 0;
}
