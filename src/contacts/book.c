/*
 * contacts/book: the in-memory contact book, header mapping and CSV / JSON
 * import and export (P-HYG-1).
 */
#include <stdlib.h>
#include <string.h>

#include "contacts/contacts_internal.h"

static const char *const field_names[CF_COUNT] = {
	[CF_ID] = "id",
	[CF_SOURCE_IDS] = "source_ids",
	[CF_CIVILITY] = "civility",
	[CF_GENDER] = "gender",
	[CF_FIRST] = "first_name",
	[CF_LAST] = "last_name",
	[CF_FULL_NAME] = "full_name",
	[CF_EMAIL] = "email",
	[CF_EMAIL_KIND] = "email_kind",
	[CF_PHONE] = "phone",
	[CF_PHONE_TYPE] = "phone_type",
	[CF_COMPANY] = "company",
	[CF_WEBSITE] = "website",
	[CF_JOB_TITLE] = "job_title",
	[CF_STREET_NUMBER] = "street_number",
	[CF_ADDRESS1] = "address_1",
	[CF_ADDRESS2] = "address_2",
	[CF_CITY] = "city",
	[CF_POSTCODE] = "postcode",
	[CF_REGION] = "region",
	[CF_COUNTRY] = "country",
	[CF_BIRTH_DATE] = "birth_date",
	[CF_NATIONAL_ID] = "national_id",
	[CF_EMAIL_STATUS] = "email_status",
	[CF_LAST_SEEN] = "last_seen",
};

const char *contacts_field_name(enum contact_field f)
{
	return (unsigned)f < CF_COUNT ? field_names[f] : "?";
}

/* Header synonyms, folded (lower case, no accents, words split by one
 * space).  English, French and German forms from common CRM and address
 * book exports (Outlook, Google, HubSpot, Salesforce). */
static const struct {
	const char *name;
	enum contact_field f;
} synonyms[] = {
	{"rec id", CF_ID}, {"record id", CF_ID}, {"contact id", CF_ID}, {"uid", CF_ID},
	{"source id", CF_ID}, {"identifiant", CF_ID},
	{"title", CF_CIVILITY}, {"salutation", CF_CIVILITY}, {"civilite", CF_CIVILITY},
	{"prefix", CF_CIVILITY}, {"name prefix", CF_CIVILITY}, {"anrede", CF_CIVILITY},
	{"sex", CF_GENDER}, {"sexe", CF_GENDER}, {"genre", CF_GENDER},
	{"first name", CF_FIRST}, {"firstname", CF_FIRST}, {"given name", CF_FIRST},
	{"given", CF_FIRST}, {"prenom", CF_FIRST}, {"forename", CF_FIRST}, {"first", CF_FIRST},
	{"vorname", CF_FIRST},
	{"last name", CF_LAST}, {"lastname", CF_LAST}, {"surname", CF_LAST},
	{"family name", CF_LAST}, {"nom", CF_LAST}, {"nom de famille", CF_LAST},
	{"last", CF_LAST}, {"nachname", CF_LAST},
	{"name", CF_FULL_NAME}, {"full name", CF_FULL_NAME}, {"fullname", CF_FULL_NAME},
	{"display name", CF_FULL_NAME}, {"contact name", CF_FULL_NAME},
	{"nom complet", CF_FULL_NAME},
	{"e mail", CF_EMAIL}, {"email address", CF_EMAIL}, {"e mail address", CF_EMAIL},
	{"mail", CF_EMAIL}, {"courriel", CF_EMAIL}, {"adresse email", CF_EMAIL},
	{"adresse e mail", CF_EMAIL}, {"e mail 1 value", CF_EMAIL}, {"email 1", CF_EMAIL},
	{"telephone", CF_PHONE}, {"tel", CF_PHONE}, {"phone number", CF_PHONE},
	{"mobile", CF_PHONE}, {"mobile phone", CF_PHONE}, {"portable", CF_PHONE},
	{"business phone", CF_PHONE}, {"phone 1 value", CF_PHONE}, {"telefon", CF_PHONE},
	{"organization", CF_COMPANY}, {"organisation", CF_COMPANY}, {"societe", CF_COMPANY},
	{"entreprise", CF_COMPANY}, {"employer", CF_COMPANY}, {"company name", CF_COMPANY},
	{"account name", CF_COMPANY}, {"firma", CF_COMPANY},
	{"web site", CF_WEBSITE}, {"web", CF_WEBSITE}, {"url", CF_WEBSITE},
	{"site web", CF_WEBSITE}, {"homepage", CF_WEBSITE}, {"web page", CF_WEBSITE},
	{"job title", CF_JOB_TITLE}, {"jobtitle", CF_JOB_TITLE}, {"position", CF_JOB_TITLE},
	{"fonction", CF_JOB_TITLE}, {"poste", CF_JOB_TITLE}, {"role", CF_JOB_TITLE},
	{"street no", CF_STREET_NUMBER}, {"house number", CF_STREET_NUMBER},
	{"address", CF_ADDRESS1}, {"street", CF_ADDRESS1}, {"address line 1", CF_ADDRESS1},
	{"adresse", CF_ADDRESS1}, {"rue", CF_ADDRESS1}, {"street address", CF_ADDRESS1},
	{"address1", CF_ADDRESS1}, {"address line 2", CF_ADDRESS2}, {"address2", CF_ADDRESS2},
	{"complement", CF_ADDRESS2},
	{"suburb", CF_CITY}, {"town", CF_CITY}, {"ville", CF_CITY}, {"locality", CF_CITY},
	{"stadt", CF_CITY},
	{"postal code", CF_POSTCODE}, {"zip", CF_POSTCODE}, {"zip code", CF_POSTCODE},
	{"code postal", CF_POSTCODE}, {"cp", CF_POSTCODE}, {"plz", CF_POSTCODE},
	{"state", CF_REGION}, {"province", CF_REGION}, {"county", CF_REGION},
	{"pays", CF_COUNTRY}, {"country code", CF_COUNTRY}, {"land", CF_COUNTRY},
	{"date of birth", CF_BIRTH_DATE}, {"birthday", CF_BIRTH_DATE}, {"dob", CF_BIRTH_DATE},
	{"date de naissance", CF_BIRTH_DATE}, {"birthdate", CF_BIRTH_DATE},
	{"soc sec id", CF_NATIONAL_ID}, {"ssn", CF_NATIONAL_ID},
	{"customer id", CF_NATIONAL_ID}, {"customer number", CF_NATIONAL_ID},
	{"client id", CF_NATIONAL_ID},
};

int contacts_field_from_header(const char *name, size_t len)
{
	char raw[256], folded[256], canon[64];
	if (len >= sizeof(raw))
		return -1;
	memcpy(raw, name, len);
	raw[len] = '\0';
	cx_fold_into(raw, folded, sizeof(folded));
	for (int f = 0; f < CF_COUNT; f++) {
		cx_fold_into(field_names[f], canon, sizeof(canon));
		if (strcmp(canon, folded) == 0)
			return f;
	}
	for (size_t i = 0; i < sizeof(synonyms) / sizeof(synonyms[0]); i++)
		if (strcmp(synonyms[i].name, folded) == 0)
			return (int)synonyms[i].f;
	return -1;
}

struct contacts_book *contacts_book_new(void)
{
	struct contacts_book *b = cx_calloc(1, sizeof(*b));
	b->arena = cx_arena_new();
	return b;
}

void contacts_book_free(struct contacts_book **bp)
{
	struct contacts_book *b = bp ? *bp : NULL;
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n; i++)
		free(b->recs[i].extra);
	free(b->recs);
	for (size_t i = 0; i < b->n_extra; i++)
		free(b->extra_names[i]);
	free(b->extra_names);
	for (size_t i = 0; i < b->n_issues; i++)
		free(b->issues[i].raw);
	free(b->issues);
	cx_arena_free(b->arena);
	free(b);
	*bp = NULL;
}

struct contact *contacts_book_add(struct contacts_book *b)
{
	cx_grow((void **)&b->recs, &b->cap, b->n + 1, sizeof(*b->recs));
	struct contact *c = &b->recs[b->n++];
	memset(c, 0, sizeof(*c));
	return c;
}

char *contacts_strdup(struct contacts_book *b, const char *s, size_t len)
{
	char *p = cx_arena_alloc(b->arena, len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void contacts_set(struct contacts_book *b, struct contact *c, enum contact_field f,
		  const char *value)
{
	c->v[f] = value && *value ? contacts_strdup(b, value, strlen(value)) : NULL;
	if (c->v[f])
		b->field_present[f] = 1;
}

/* Records a per-row note; raw (may be NULL) is copied. */
static void add_issue(struct contacts_book *b, size_t line, enum contacts_issue_code code,
		      const char *raw, size_t raw_len)
{
	cx_grow((void **)&b->issues, &b->cap_issues, b->n_issues + 1, sizeof(*b->issues));
	struct contacts_issue *is = &b->issues[b->n_issues++];
	is->line = line;
	is->code = code;
	is->raw = raw ? cx_strndup(raw, raw_len) : NULL;
}

/* Column plan: for each input column, the field it fills or -1-k for the
 * k-th extra column. */
static int *plan_columns(struct contacts_book *b, const struct cx_csv_row *h,
			 const struct contacts_import_opts *o)
{
	int *plan = cx_malloc((h->n + 1) * sizeof(int));
	int taken[CF_COUNT] = {0};
	for (size_t i = 0; i < h->n; i++) {
		int f = -1;
		for (size_t k = 0; o && k < o->n_map; k++)
			if (strlen(o->map[k].header) == h->f[i].len &&
			    strncmp(o->map[k].header, h->f[i].p, h->f[i].len) == 0)
				f = (int)o->map[k].field;
		if (f < 0)
			f = contacts_field_from_header(h->f[i].p, h->f[i].len);
		if (f >= 0 && !taken[f]) {
			taken[f] = 1;
			b->field_present[f] = 1;
			plan[i] = f;
			continue;
		}
		b->extra_names = cx_realloc(b->extra_names, (b->n_extra + 2) * sizeof(char *));
		b->extra_names[b->n_extra] = cx_strndup(h->f[i].p, h->f[i].len);
		plan[i] = -1 - (int)b->n_extra++;
	}
	return plan;
}

static bool row_blank(const struct cx_csv_row *r)
{
	for (size_t i = 0; i < r->n; i++)
		for (size_t k = 0; k < r->f[i].len; k++)
			if (r->f[i].p[k] != ' ' && r->f[i].p[k] != '\t')
				return false;
	return true;
}

/* Stores one value, re-reading invalid UTF-8 as Windows-1252. */
static char *store_value(struct contacts_book *b, const struct cx_csv_field *f, bool *bad_r)
{
	if (f->len == 0)
		return NULL;
	if (cx_utf8_valid(f->p, f->len))
		return contacts_strdup(b, f->p, f->len);
	*bad_r = true;
	char *u = cx_cp1252_to_utf8(f->p, f->len);
	char *v = contacts_strdup(b, u, strlen(u));
	free(u);
	return v;
}

/* Fills a record from a row according to the plan; extra cells beyond the
 * header go to an "_overflow" column, joined with the delimiter. */
static void fill_record(struct contacts_book *b, const struct cx_csv_row *row, const int *plan,
			size_t ncols, size_t n_extra_hdr, char delim)
{
	struct contact *c = contacts_book_add(b);
	c->extra = cx_calloc(n_extra_hdr + 1, sizeof(char *));
	bool bad = false;
	for (size_t i = 0; i < row->n && i < ncols; i++) {
		char *v = store_value(b, &row->f[i], &bad);
		if (plan[i] >= 0)
			c->v[plan[i]] = v;
		else
			c->extra[-1 - plan[i]] = v;
	}
	if (row->n > ncols) {
		struct cx_buf o = {0};
		for (size_t i = ncols; i < row->n; i++) {
			if (i > ncols)
				cx_buf_addc(&o, delim);
			cx_buf_add(&o, row->f[i].p, row->f[i].len);
		}
		struct cx_csv_field f = {o.p, o.len};
		c->extra[n_extra_hdr] = store_value(b, &f, &bad);
		cx_buf_free(&o);
		add_issue(b, row->line, CI_TOO_MANY_COLUMNS, NULL, 0);
	}
	if (bad)
		add_issue(b, row->line, CI_BAD_UTF8, NULL, 0);
	if (c->v[CF_ID] == NULL) {
		char id[32];
		int n = snprintf(id, sizeof(id), "r%zu", row->line);
		if (n > 0 && (size_t)n < sizeof(id))
			c->v[CF_ID] = contacts_strdup(b, id, (size_t)n);
		b->field_present[CF_ID] = 1;
	}
}

int contacts_book_import_csv(struct contacts_book *b, const char *data, size_t len,
			     const struct contacts_import_opts *o, const char **error_r)
{
	struct cx_csv *r = cx_csv_new(data, len, o ? o->delimiter : 0, o ? &o->limits : NULL);
	struct cx_csv_row row;
	int got;
	while ((got = cx_csv_next(r, &row)) == 1 && row_blank(&row))
		;
	if (got == 0 || (row.flags & CX_ROW_REJECTED)) {
		cx_csv_free(&r);
		*error_r = "no usable header row";
		return -1;
	}
	size_t ncols = row.n;
	int *plan = plan_columns(b, &row, o);
	size_t n_extra_hdr = b->n_extra;
	bool overflow = false;
	char delim = cx_csv_delimiter(r);
	while (cx_csv_next(r, &row) == 1) {
		b->rows_read++;
		if (row.flags & CX_ROW_REJECTED) {
			b->rows_rejected++;
			add_issue(b, row.line, CI_ROW_REJECTED, row.raw, row.raw_len);
			continue;
		}
		if (row_blank(&row)) {
			add_issue(b, row.line, CI_EMPTY_ROW, NULL, 0);
			continue;
		}
		size_t before = b->n_issues;
		if (row.flags & CX_ROW_QUOTE_REPAIRED)
			add_issue(b, row.line, CI_QUOTE_REPAIRED, row.raw, row.raw_len);
		if (row.flags & CX_ROW_FIELD_TRUNCATED)
			add_issue(b, row.line, CI_FIELD_TRUNCATED, row.raw, row.raw_len);
		fill_record(b, &row, plan, ncols, n_extra_hdr, delim);
		overflow |= row.n > ncols;
		if (b->n_issues > before)
			b->rows_repaired++;
	}
	if (overflow) {
		b->extra_names = cx_realloc(b->extra_names, (b->n_extra + 1) * sizeof(char *));
		b->extra_names[b->n_extra++] = cx_strdup("_overflow");
	}
	free(plan);
	cx_csv_free(&r);
	return 0;
}

/* Fields that at least one record holds, in canonical order. */
static size_t present_fields(const struct contacts_book *b, int out[CF_COUNT])
{
	int seen[CF_COUNT] = {0};
	for (size_t i = 0; i < b->n; i++)
		for (int f = 0; f < CF_COUNT; f++)
			if (b->recs[i].v[f])
				seen[f] = 1;
	size_t n = 0;
	for (int f = 0; f < CF_COUNT; f++)
		if (seen[f] || b->field_present[f])
			out[n++] = f;
	return n;
}

int contacts_book_export_csv(const struct contacts_book *b, FILE *out, char d,
			     const uint32_t *clusters, const char **error_r)
{
	int cols[CF_COUNT];
	size_t nc = present_fields(b, cols);
	d = d ? d : ',';
	bool first = true;
	if (clusters) {
		fputs("cluster_id", out);
		first = false;
	}
	for (size_t i = 0; i < nc; i++, first = false) {
		if (!first)
			fputc(d, out);
		fputs(field_names[cols[i]], out);
	}
	for (size_t k = 0; k < b->n_extra; k++, first = false) {
		if (!first)
			fputc(d, out);
		cx_csv_write_field(out, b->extra_names[k], d);
	}
	fputs("\r\n", out);
	for (size_t r = 0; r < b->n; r++) {
		const struct contact *c = &b->recs[r];
		first = true;
		if (clusters) {
			fprintf(out, "%u", clusters[r]);
			first = false;
		}
		for (size_t i = 0; i < nc; i++, first = false) {
			if (!first)
				fputc(d, out);
			cx_csv_write_field(out, c->v[cols[i]], d);
		}
		for (size_t k = 0; k < b->n_extra; k++, first = false) {
			if (!first)
				fputc(d, out);
			cx_csv_write_field(out, c->extra ? c->extra[k] : NULL, d);
		}
		fputs("\r\n", out);
	}
	if (ferror(out)) {
		*error_r = "write error";
		return -1;
	}
	return 0;
}

int contacts_book_export_json(const struct contacts_book *b, FILE *out,
			      const uint32_t *clusters, const char **error_r)
{
	for (size_t r = 0; r < b->n; r++) {
		const struct contact *c = &b->recs[r];
		fputc('{', out);
		bool first = true;
		if (clusters) {
			fprintf(out, "\"cluster_id\":%u", clusters[r]);
			first = false;
		}
		for (int f = 0; f < CF_COUNT; f++) {
			if (c->v[f] == NULL)
				continue;
			fprintf(out, "%s\"%s\":", first ? "" : ",", field_names[f]);
			cx_json_string(out, c->v[f]);
			first = false;
		}
		if (b->n_extra) {
			fprintf(out, "%s\"extra\":{", first ? "" : ",");
			bool fe = true;
			for (size_t k = 0; k < b->n_extra; k++) {
				if (c->extra == NULL || c->extra[k] == NULL)
					continue;
				if (!fe)
					fputc(',', out);
				cx_json_string(out, b->extra_names[k]);
				fputc(':', out);
				cx_json_string(out, c->extra[k]);
				fe = false;
			}
			fputc('}', out);
		}
		fputs("}\n", out);
	}
	if (ferror(out)) {
		*error_r = "write error";
		return -1;
	}
	return 0;
}
