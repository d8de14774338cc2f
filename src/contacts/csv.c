/*
 * contacts/csv: a bounded RFC 4180 reader and writer.
 *
 * Any single-byte delimiter; UTF-8 BOM skipped; CRLF, LF or CR line ends.
 * Broken input is repaired, never fatal: a quote inside an unquoted field
 * is literal, a quoted field that never closes (or closes and is followed by
 * junk after spanning lines) is re-read as unquoted text up to the end of
 * its line.  Each repair sets a flag on the row so the caller can report it.
 * Limits (field, columns, row bytes) bound memory whatever the input.
 */
#include <stdlib.h>
#include <string.h>

#include "contacts/contacts_internal.h"

struct cx_csv {
	const char *d;
	size_t len, pos, line;
	char delim;
	struct contacts_limits lim;
	struct cx_buf scratch;
	size_t *off, *flen; /* field offsets in scratch and lengths */
	size_t cap_f;
	struct cx_csv_field *fields;
	size_t cap_fields;
};

/* Picks the candidate delimiter seen most often outside quotes on line 1. */
static char detect_delimiter(const char *d, size_t len)
{
	static const char cand[] = {',', ';', '\t', '|'};
	size_t count[4] = {0};
	bool q = false;
	for (size_t i = 0; i < len && i < 65536; i++) {
		char c = d[i];
		if (c == '"')
			q = !q;
		if (!q && (c == '\n' || c == '\r'))
			break;
		for (size_t k = 0; k < 4 && !q; k++)
			if (c == cand[k])
				count[k]++;
	}
	size_t best = 0;
	for (size_t k = 1; k < 4; k++)
		if (count[k] > count[best])
			best = k;
	return cand[best];
}

struct cx_csv *cx_csv_new(const char *data, size_t len, char delimiter,
			  const struct contacts_limits *lim)
{
	struct cx_csv *r = cx_calloc(1, sizeof(*r));
	r->d = data;
	r->len = len;
	r->line = 1;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		r->pos = 3;
	r->delim = delimiter ? delimiter : detect_delimiter(data + r->pos, len - r->pos);
	r->lim.max_field = lim && lim->max_field ? lim->max_field : 65536;
	r->lim.max_columns = lim && lim->max_columns ? lim->max_columns : 1024;
	r->lim.max_row = lim && lim->max_row ? lim->max_row : (1u << 20);
	return r;
}

char cx_csv_delimiter(const struct cx_csv *r)
{
	return r->delim;
}

void cx_csv_free(struct cx_csv **rp)
{
	struct cx_csv *r = rp ? *rp : NULL;
	if (r == NULL)
		return;
	cx_buf_free(&r->scratch);
	free(r->off);
	free(r->flen);
	free(r->fields);
	free(r);
	*rp = NULL;
}

static bool is_eol(char c)
{
	return c == '\n' || c == '\r';
}

/* Consumes one line end at pos (CRLF, LF or CR) and counts it. */
static size_t skip_eol(struct cx_csv *r, size_t p)
{
	if (p < r->len && r->d[p] == '\r')
		p++;
	if (p < r->len && r->d[p] == '\n')
		p++;
	r->line++;
	return p;
}

/* Appends bytes to the current field unless the field is over its limit. */
static void field_add(struct cx_csv *r, size_t fstart, const char *s, size_t n, unsigned *flags)
{
	size_t have = r->scratch.len - fstart;
	if (have + n > r->lim.max_field) {
		n = have < r->lim.max_field ? r->lim.max_field - have : 0;
		*flags |= CX_ROW_FIELD_TRUNCATED;
	}
	if (n)
		cx_buf_add(&r->scratch, s, n);
}

/* Reads an unquoted field from p; returns the position of its end
 * (delimiter, line end or EOF). */
static size_t read_plain(struct cx_csv *r, size_t p, size_t fstart, unsigned *flags)
{
	size_t s = p;
	while (p < r->len && r->d[p] != r->delim && !is_eol(r->d[p])) {
		if (r->d[p] == '"')
			*flags |= CX_ROW_QUOTE_REPAIRED;
		p++;
	}
	size_t e = p;
	while (e > s && (r->d[e - 1] == ' ' || (r->d[e - 1] == '\t' && r->delim != '\t')))
		e--;
	field_add(r, fstart, r->d + s, e - s, flags);
	return p;
}

/* Reads a quoted field whose opening quote is at p.  Returns the end
 * position, or (size_t)-1 when the quoting is broken and the field must be
 * re-read as plain text. */
static size_t read_quoted(struct cx_csv *r, size_t p, size_t fstart, unsigned *flags)
{
	size_t lines = 0;
	p++;
	for (;;) {
		size_t s = p;
		while (p < r->len && r->d[p] != '"') {
			if (r->d[p] == '\n')
				lines++;
			p++;
		}
		if (p >= r->len)
			return (size_t)-1; /* never closed */
		field_add(r, fstart, r->d + s, p - s, flags);
		if (p + 1 < r->len && r->d[p + 1] == '"') {
			field_add(r, fstart, "\"", 1, flags);
			p += 2;
			continue;
		}
		p++;
		break;
	}
	size_t q = p;
	while (q < r->len && (r->d[q] == ' ' || (r->d[q] == '\t' && r->delim != '\t')))
		q++;
	if (q >= r->len || r->d[q] == r->delim || is_eol(r->d[q]))
		return q;
	if (lines > 0)
		return (size_t)-1; /* closed far away and followed by junk: stray quote */
	/* "abc"def: keep the junk as part of the field */
	*flags |= CX_ROW_QUOTE_REPAIRED;
	size_t s = q;
	while (q < r->len && r->d[q] != r->delim && !is_eol(r->d[q]))
		q++;
	field_add(r, fstart, r->d + s, q - s, flags);
	return q;
}

static void push_field(struct cx_csv *r, size_t n, size_t fstart)
{
	if (n + 1 > r->cap_f) {
		size_t c = r->cap_f;
		cx_grow((void **)&r->off, &c, n + 1, sizeof(size_t));
		r->flen = cx_realloc(r->flen, c * sizeof(size_t));
		r->cap_f = c;
	}
	r->off[n] = fstart;
	r->flen[n] = r->scratch.len - fstart;
}

int cx_csv_next(struct cx_csv *r, struct cx_csv_row *row)
{
	if (r->pos >= r->len)
		return 0;
	memset(row, 0, sizeof(*row));
	row->line = r->line;
	size_t start = r->pos, p = r->pos, n = 0;
	r->scratch.len = 0;
	for (;;) {
		while (p < r->len && r->d[p] == ' ')
			p++;
		size_t fstart = r->scratch.len, lines0 = r->line;
		size_t e;
		if (p < r->len && r->d[p] == '"') {
			e = read_quoted(r, p, fstart, &row->flags);
			if (e == (size_t)-1) {
				r->scratch.len = fstart;
				r->line = lines0;
				row->flags |= CX_ROW_QUOTE_REPAIRED;
				e = read_plain(r, p, fstart, &row->flags);
			} else {
				for (size_t i = p; i < e; i++)
					if (r->d[i] == '\n')
						r->line++;
			}
		} else {
			e = read_plain(r, p, fstart, &row->flags);
		}
		if (n < r->lim.max_columns)
			push_field(r, n, fstart);
		else
			row->flags |= CX_ROW_REJECTED;
		n++;
		if (r->scratch.len > r->lim.max_row || e - start > r->lim.max_row)
			row->flags |= CX_ROW_REJECTED;
		p = e;
		if (p < r->len && r->d[p] == r->delim) {
			p++;
			continue;
		}
		break;
	}
	row->raw = r->d + start;
	row->raw_len = p - start;
	if (p < r->len)
		p = skip_eol(r, p);
	r->pos = p;
	size_t kept = n < r->lim.max_columns ? n : r->lim.max_columns;
	cx_grow((void **)&r->fields, &r->cap_fields, kept + 1, sizeof(*r->fields));
	cx_buf_cstr(&r->scratch);
	for (size_t i = 0; i < kept; i++) {
		r->fields[i].p = r->scratch.p + r->off[i];
		r->fields[i].len = r->flen[i];
	}
	row->f = r->fields;
	row->n = kept;
	return 1;
}

/* RFC 4180 quoting, also for leading/trailing blanks the reader would trim. */
void cx_csv_write_field(FILE *out, const char *s, char delimiter)
{
	if (s == NULL)
		return;
	size_t len = strlen(s);
	bool quote = len > 0 && (s[0] == ' ' || s[len - 1] == ' ' || s[0] == '\t');
	for (size_t i = 0; i < len && !quote; i++)
		if (s[i] == delimiter || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			quote = true;
	if (!quote) {
		fwrite(s, 1, len, out);
		return;
	}
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			fputc('"', out);
		fputc(s[i], out);
	}
	fputc('"', out);
}
