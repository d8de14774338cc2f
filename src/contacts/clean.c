/*
 * contacts/clean: the cleaning pass over a whole book (P-HYG-2).  Each
 * record is cleaned field by field; every change is recorded with the
 * value before, after, and why.  Records are split between worker threads;
 * each thread allocates from its own arena, adopted by the book at the end.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "contacts/contacts_internal.h"

char *cx_clean_civility(const char *s);
const char *cx_civility_gender(const char *civ);

struct clean_worker {
	struct contacts_book *book;
	const struct contacts_clean_opts *opts;
	size_t from, to;
	struct contacts_arena *arena;
	struct contacts_clean_stats stats;
	struct contacts_changes changes;
	bool keep;
};

/* Sets field f of record r to val (copied) when it differs, counting and
 * recording the change.  val NULL clears the field. */
static void set_field(struct clean_worker *w, size_t r, enum contact_field f, const char *val,
		      const char *why)
{
	struct contact *c = &w->book->recs[r];
	const char *old = c->v[f];
	if ((old == NULL && val == NULL) || (old && val && strcmp(old, val) == 0))
		return;
	w->stats.changed[f]++;
	if (w->keep)
		cx_changes_add(&w->changes, r, f, old, val, why);
	if (val == NULL) {
		c->v[f] = NULL;
		return;
	}
	size_t n = strlen(val);
	char *p = cx_arena_alloc(w->arena, n + 1);
	memcpy(p, val, n + 1);
	c->v[f] = p;
}

/* Replaces a field by a malloc'd cleaned value (freed here) when not NULL. */
static void take_field(struct clean_worker *w, size_t r, enum contact_field f, char *val,
		       const char *why)
{
	if (val == NULL)
		return;
	set_field(w, r, f, val, why);
	free(val);
}

static void clean_names(struct clean_worker *w, size_t r)
{
	struct contact *c = &w->book->recs[r];
	if (c->v[CF_FULL_NAME] && !c->v[CF_FIRST] && !c->v[CF_LAST]) {
		char *civ, *first, *last;
		contacts_split_full_name(c->v[CF_FULL_NAME], &civ, &first, &last);
		take_field(w, r, CF_FIRST, first, "split from full name");
		take_field(w, r, CF_LAST, last, "split from full name");
		if (civ && !c->v[CF_CIVILITY])
			set_field(w, r, CF_CIVILITY, civ, "civility found in full name");
		free(civ);
		w->stats.names_split++;
	}
	take_field(w, r, CF_FIRST, contacts_clean_name_part(c->v[CF_FIRST], 0),
		   "first name capitalised");
	take_field(w, r, CF_LAST, contacts_clean_name_part(c->v[CF_LAST], 1),
		   "last name capitalised");
	if (c->v[CF_CIVILITY]) {
		take_field(w, r, CF_CIVILITY, cx_clean_civility(c->v[CF_CIVILITY]),
			   "civility normalised");
	}
	const char *g = cx_civility_gender(c->v[CF_CIVILITY]);
	if (g == NULL) /* no civility, or one without gender (Dr, Prof) */
		g = contacts_gender_of(c->v[CF_FIRST]);
	if (g != NULL && c->v[CF_GENDER] == NULL)
		set_field(w, r, CF_GENDER, g,
			  cx_civility_gender(c->v[CF_CIVILITY]) ? "gender from civility"
								: "gender from first name");
	if (c->v[CF_CIVILITY] == NULL) {
		const char *civ = contacts_civility_for(c->v[CF_FIRST], w->opts->lang);
		if (civ != NULL) {
			set_field(w, r, CF_CIVILITY, civ, "civility from a clear first name");
			w->stats.civility_added++;
		}
	}
}

static void clean_email(struct clean_worker *w, size_t r)
{
	struct contact *c = &w->book->recs[r];
	if (c->v[CF_EMAIL] == NULL)
		return;
	const char *why = NULL;
	char *e = contacts_clean_email(c->v[CF_EMAIL], &why);
	if (e == NULL) {
		w->stats.email_invalid++;
		set_field(w, r, CF_EMAIL_KIND, "invalid", why ? why : "invalid e-mail");
		return;
	}
	if (why && strcmp(why, "domain typo corrected") == 0)
		w->stats.email_typo_fixed++;
	take_field(w, r, CF_EMAIL, e, why ? why : "e-mail normalised");
	set_field(w, r, CF_EMAIL_KIND,
		  contacts_email_kind(c->v[CF_EMAIL], c->v[CF_FIRST], c->v[CF_LAST]),
		  "e-mail qualified");
}

static void clean_phone(struct clean_worker *w, size_t r)
{
	struct contact *c = &w->book->recs[r];
	if (c->v[CF_PHONE] == NULL)
		return;
	const char *country = c->v[CF_COUNTRY] && strlen(c->v[CF_COUNTRY]) == 2
				      ? c->v[CF_COUNTRY]
				      : w->opts->default_country;
	char buf[32];
	const char *type = NULL;
	if (cx_phone_e164(c->v[CF_PHONE], country ? country : "ZZ", buf, sizeof(buf), &type) !=
	    0) {
		w->stats.phone_invalid++;
		set_field(w, r, CF_PHONE_TYPE, "invalid", "not a valid phone number");
		return;
	}
	set_field(w, r, CF_PHONE, buf, "phone number to E.164");
	set_field(w, r, CF_PHONE_TYPE, type, "phone number type");
}

static void clean_org(struct clean_worker *w, size_t r)
{
	struct contact *c = &w->book->recs[r];
	const char *kind = c->v[CF_EMAIL_KIND];
	bool pro = kind && strstr(kind, "@pro") != NULL;
	if (c->v[CF_WEBSITE]) {
		take_field(w, r, CF_WEBSITE, contacts_clean_website(c->v[CF_WEBSITE]),
			   "website normalised to its domain");
	} else if (pro) {
		char *reg = contacts_registrable_domain(strrchr(c->v[CF_EMAIL], '@') + 1);
		take_field(w, r, CF_WEBSITE, reg, "website from e-mail domain");
	}
	if (c->v[CF_COMPANY]) {
		take_field(w, r, CF_COMPANY, cx_squeeze(c->v[CF_COMPANY]), "spaces trimmed");
	} else if (pro) {
		take_field(w, r, CF_COMPANY, contacts_company_from_email(c->v[CF_EMAIL]),
			   "company from e-mail domain");
	}
	if (c->v[CF_JOB_TITLE])
		take_field(w, r, CF_JOB_TITLE, contacts_clean_job_title(c->v[CF_JOB_TITLE]),
			   "job title trimmed and cased");
}

/* Plain text fields only lose stray blanks. */
static void clean_plain(struct clean_worker *w, size_t r)
{
	static const enum contact_field plain[] = {CF_ADDRESS1, CF_ADDRESS2, CF_CITY,
						   CF_POSTCODE, CF_REGION, CF_STREET_NUMBER};
	struct contact *c = &w->book->recs[r];
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (c->v[plain[i]])
			take_field(w, r, plain[i], cx_squeeze(c->v[plain[i]]), "spaces trimmed");
}

static void *clean_range(void *arg)
{
	struct clean_worker *w = arg;
	for (size_t r = w->from; r < w->to; r++) {
		clean_names(w, r);
		clean_email(w, r);
		clean_phone(w, r);
		clean_org(w, r);
		clean_plain(w, r);
	}
	return NULL;
}

/* Cleans every record of book in place.  Stats and (when asked) the change
 * list are merged from the workers in record order. */
int contacts_clean(struct contacts_book *book, const struct contacts_clean_opts *opts,
		   struct contacts_clean_stats *stats_r, struct contacts_changes *changes_r,
		   const char **error_r)
{
	struct contacts_clean_opts def = {0};
	if (opts == NULL)
		opts = &def;
	int nt = opts->threads > 0 ? opts->threads : 2;
	if (nt > 64)
		nt = 64;
	if ((size_t)nt > book->n)
		nt = book->n ? (int)book->n : 1;
	struct clean_worker *w = cx_calloc((size_t)nt, sizeof(*w));
	pthread_t *th = cx_calloc((size_t)nt, sizeof(*th));
	for (int i = 0; i < nt; i++) {
		w[i].book = book;
		w[i].opts = opts;
		w[i].from = book->n * (size_t)i / (size_t)nt;
		w[i].to = book->n * (size_t)(i + 1) / (size_t)nt;
		w[i].arena = cx_arena_new();
		w[i].keep = changes_r != NULL && opts->keep_changes;
	}
	int started = 0;
	for (int i = 1; i < nt; i++, started++)
		if (pthread_create(&th[i], NULL, clean_range, &w[i]) != 0)
			break;
	clean_range(&w[0]);
	for (int i = started + 1; i < nt; i++)
		clean_range(&w[i]); /* threads that could not start: run here */
	for (int i = 1; i <= started; i++)
		pthread_join(th[i], NULL);
	struct contacts_clean_stats st = {0};
	for (int i = 0; i < nt; i++) {
		for (int f = 0; f < CF_COUNT; f++)
			st.changed[f] += w[i].stats.changed[f];
		st.email_typo_fixed += w[i].stats.email_typo_fixed;
		st.email_invalid += w[i].stats.email_invalid;
		st.phone_invalid += w[i].stats.phone_invalid;
		st.names_split += w[i].stats.names_split;
		st.civility_added += w[i].stats.civility_added;
		for (size_t k = 0; changes_r && k < w[i].changes.n; k++) {
			cx_grow((void **)&changes_r->v, &changes_r->cap, changes_r->n + 1,
				sizeof(*changes_r->v));
			changes_r->v[changes_r->n++] = w[i].changes.v[k];
		}
		free(w[i].changes.v);
		cx_arena_adopt(book->arena, w[i].arena);
		cx_arena_free(w[i].arena);
	}
	for (int f = 0; f < CF_COUNT; f++)
		if (st.changed[f])
			book->field_present[f] = 1;
	if (stats_r)
		*stats_r = st;
	free(w);
	free(th);
	(void)error_r;
	return 0;
}

/* One phone number to E.164 (malloc'd) with its type, or NULL. */
char *contacts_clean_phone(const char *s, const char *default_country, const char **type_r)
{
	char buf[32];
	if (s == NULL ||
	    cx_phone_e164(s, default_country ? default_country : "ZZ", buf, sizeof(buf), type_r) != 0)
		return NULL;
	return cx_strdup(buf);
}
