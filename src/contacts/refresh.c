/*
 * contacts/refresh: mailbox refresh from bounces and recent correspondence
 * (P-HYG-4).  Refuses to run unless the tenant recorded that employees were
 * informed (and agreed, when the tenant requires it): reading an
 * organisation's own mail about people is processing they must know of.
 *
 * Events come as an mbox or a CSV (email|sender|from, date, [type], [name]).
 * A bounce marks every contact at that address "bounced".  A message from
 * a known address refreshes last_seen; a message from an unknown address
 * whose sender name matches exactly one contact replaces that contact's
 * address when the old one bounced, is at the same domain, or is older.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "contacts/contacts_internal.h"

struct event {
	char *email; /* cleaned */
	char *name;
	char date[11]; /* YYYY-MM-DD or "" */
	bool bounce;
};

struct events {
	struct event *v;
	size_t n, cap;
};

static void add_event(struct events *ev, const char *email, const char *name, const char *date,
		      bool bounce)
{
	char *e = contacts_clean_email(email, NULL);
	if (e == NULL)
		return;
	cx_grow((void **)&ev->v, &ev->cap, ev->n + 1, sizeof(*ev->v));
	struct event *x = &ev->v[ev->n++];
	memset(x, 0, sizeof(*x));
	x->email = e;
	x->name = name && *name ? cx_squeeze(name) : NULL;
	x->bounce = bounce;
	if (date)
		snprintf(x->date, sizeof(x->date), "%.10s", date);
}

/* RFC 5322 date ("Tue, 3 Mar 2026 10:00:00 +0100") or ISO -> YYYY-MM-DD. */
static void parse_date(const char *s, char out[11])
{
	struct tm tm;
	out[0] = '\0';
	if (s == NULL)
		return;
	while (*s == ' ')
		s++;
	memset(&tm, 0, sizeof(tm));
	const char *p = strptime(s, "%Y-%m-%d", &tm);
	if (p == NULL) {
		const char *c = strchr(s, ',');
		p = strptime(c ? c + 1 : s, " %d %b %Y", &tm);
	}
	if (p != NULL)
		strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Value of header name in the header block [h, end), unfolded, malloc'd. */
static char *header(const char *h, const char *end, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = h; p < end;) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		e = e ? e : end;
		if ((size_t)(e - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			struct cx_buf b = {0};
			cx_buf_add(&b, p + nl + 1, (size_t)(e - p - nl - 1));
			while (e + 1 < end && (e[1] == ' ' || e[1] == '\t')) {
				const char *s = e + 1;
				e = memchr(s, '\n', (size_t)(end - s));
				e = e ? e : end;
				cx_buf_add(&b, s, (size_t)(e - s));
			}
			char *v = cx_squeeze(cx_buf_cstr(&b));
			cx_buf_free(&b);
			return v;
		}
		p = e + 1;
	}
	return NULL;
}

/* One mbox message [s, e): a bounce (delivery status with Final-Recipient)
 * or a message from its sender. */
static void mbox_message(struct events *ev, const char *s, const char *e)
{
	const char *hb = strstr(s, "\n\n");
	const char *hend = hb && hb < e ? hb : e;
	char *from = header(s, hend, "From");
	char *date = header(s, hend, "Date");
	char *ctype = header(s, hend, "Content-Type");
	char day[11];
	parse_date(date, day);
	bool daemon = from && (strcasestr(from, "mailer-daemon") || strcasestr(from, "postmaster"));
	bool report = ctype && strcasestr(ctype, "delivery-status");
	if (daemon || report) {
		for (const char *p = hend; p && p < e;) {
			const char *f = strcasestr(p, "Final-Recipient:");
			if (f == NULL || f >= e)
				break;
			const char *semi = strchr(f, ';');
			const char *nl = strchr(f, '\n');
			if (semi && (!nl || semi < nl)) {
				char *addr = cx_strndup(semi + 1, (size_t)((nl ? nl : e) - semi - 1));
				add_event(ev, addr, NULL, day, true);
				free(addr);
			}
			p = nl ? nl + 1 : e;
		}
	} else if (from) {
		const char *lt = strchr(from, '<');
		char *name = lt ? cx_strndup(from, (size_t)(lt - from)) : NULL;
		if (name) {
			for (char *q = name; *q; q++)
				if (*q == '"')
					*q = ' ';
		}
		add_event(ev, from, name, day, false);
		free(name);
	}
	free(from);
	free(date);
	free(ctype);
}

static void parse_mbox(struct events *ev, const char *d, size_t len)
{
	char *copy = cx_strndup(d, len); /* NUL-terminated for the str* helpers */
	const char *p = copy, *end = copy + len;
	while (p < end) {
		const char *next = strstr(p + 1, "\nFrom ");
		const char *e = next ? next + 1 : end;
		const char *body = strchr(p, '\n');
		if (body && body < e)
			mbox_message(ev, body + 1, e);
		p = e;
	}
	free(copy);
}

static void parse_csv_events(struct events *ev, const char *d, size_t len)
{
	struct cx_csv *r = cx_csv_new(d, len, 0, NULL);
	struct cx_csv_row row;
	long ce = -1, cd = -1, ct = -1, cn = -1;
	if (cx_csv_next(r, &row) == 1) {
		for (size_t i = 0; i < row.n; i++) {
			char h[64];
			snprintf(h, sizeof(h), "%.*s", (int)(row.f[i].len < 60 ? row.f[i].len : 60),
				 row.f[i].p);
			if (!strcasecmp(h, "email") || !strcasecmp(h, "sender") || !strcasecmp(h, "from"))
				ce = (long)i;
			else if (!strcasecmp(h, "date"))
				cd = (long)i;
			else if (!strcasecmp(h, "type"))
				ct = (long)i;
			else if (!strcasecmp(h, "name"))
				cn = (long)i;
		}
	}
	while (ce >= 0 && cx_csv_next(r, &row) == 1) {
		if ((size_t)ce >= row.n)
			continue;
		char *email = cx_strndup(row.f[ce].p, row.f[ce].len);
		char *date = cd >= 0 && (size_t)cd < row.n ? cx_strndup(row.f[cd].p, row.f[cd].len)
							   : NULL;
		char *name = cn >= 0 && (size_t)cn < row.n ? cx_strndup(row.f[cn].p, row.f[cn].len)
							   : NULL;
		bool bounce = ct >= 0 && (size_t)ct < row.n && row.f[ct].len >= 6 &&
			      strncasecmp(row.f[ct].p, "bounce", 6) == 0;
		char day[11];
		parse_date(date, day);
		add_event(ev, email, name, day, bounce);
		free(email);
		free(date);
		free(name);
	}
	cx_csv_free(&r);
}

static const char *domain_of(const char *e)
{
	const char *at = e ? strrchr(e, '@') : NULL;
	return at ? at + 1 : "";
}

/* Contacts whose folded "first last" equals the folded name (or its swap). */
static long match_name(const struct contacts_book *b, const char *name, size_t *count)
{
	char want[256], have[256], swap[256];
	cx_fold_into(name, want, sizeof(want));
	long found = -1;
	*count = 0;
	for (size_t i = 0; i < b->n && want[0]; i++) {
		const struct contact *c = &b->recs[i];
		if (!c->v[CF_FIRST] || !c->v[CF_LAST])
			continue;
		char tmp[512];
		snprintf(tmp, sizeof(tmp), "%s %s", c->v[CF_FIRST], c->v[CF_LAST]);
		cx_fold_into(tmp, have, sizeof(have));
		snprintf(tmp, sizeof(tmp), "%s %s", c->v[CF_LAST], c->v[CF_FIRST]);
		cx_fold_into(tmp, swap, sizeof(swap));
		if (strcmp(want, have) == 0 || strcmp(want, swap) == 0) {
			found = (long)i;
			(*count)++;
		}
	}
	return found;
}

static void set_logged(struct contacts_book *b, size_t r, enum contact_field f, const char *v,
		       const char *why, struct contacts_changes *ch)
{
	struct contact *c = &b->recs[r];
	if (c->v[f] && v && strcmp(c->v[f], v) == 0)
		return;
	cx_changes_add(ch, r, f, c->v[f], v, why);
	contacts_set(b, c, f, v);
}

static void apply(struct contacts_book *b, const struct event *e,
		  struct contacts_refresh_stats *st, struct contacts_changes *ch)
{
	bool known = false;
	for (size_t i = 0; i < b->n; i++) {
		struct contact *c = &b->recs[i];
		char *ce = c->v[CF_EMAIL] ? contacts_clean_email(c->v[CF_EMAIL], NULL) : NULL;
		bool same = ce && strcmp(ce, e->email) == 0;
		free(ce);
		if (!same)
			continue;
		known = true;
		if (e->bounce) {
			set_logged(b, i, CF_EMAIL_STATUS, "bounced", "message bounced", ch);
			st->bounces_marked++;
		} else if (e->date[0] && (!c->v[CF_LAST_SEEN] || strcmp(e->date, c->v[CF_LAST_SEEN]) > 0)) {
			set_logged(b, i, CF_LAST_SEEN, e->date, "newer correspondence", ch);
			st->last_seen_updated++;
		}
	}
	if (known || e->bounce || e->name == NULL) {
		st->ignored += !known;
		return;
	}
	size_t cnt;
	long r = match_name(b, e->name, &cnt);
	if (r < 0 || cnt != 1) {
		st->ignored++;
		return;
	}
	struct contact *c = &b->recs[r];
	bool bounced = c->v[CF_EMAIL_STATUS] && strcmp(c->v[CF_EMAIL_STATUS], "bounced") == 0;
	bool same_dom = strcmp(domain_of(c->v[CF_EMAIL]), domain_of(e->email)) == 0;
	bool older = e->date[0] && (!c->v[CF_LAST_SEEN] || strcmp(e->date, c->v[CF_LAST_SEEN]) > 0);
	if (!(bounced || same_dom || (older && c->v[CF_EMAIL] == NULL) || (bounced && older))) {
		st->ignored++;
		return;
	}
	set_logged(b, (size_t)r, CF_EMAIL, e->email, "newer address seen in correspondence", ch);
	set_logged(b, (size_t)r, CF_EMAIL_STATUS, "updated", "address replaced", ch);
	if (e->date[0])
		set_logged(b, (size_t)r, CF_LAST_SEEN, e->date, "newer correspondence", ch);
	st->addresses_updated++;
}

static int event_cmp(const void *a, const void *b)
{
	return strcmp(((const struct event *)a)->date, ((const struct event *)b)->date);
}

int contacts_refresh(struct contacts_book *b, const char *d, size_t len,
		     const struct contacts_refresh_opts *o, struct contacts_refresh_stats *st_r,
		     struct contacts_changes *ch, const char **error_r)
{
	if (o == NULL || !o->employees_informed) {
		*error_r = "refused: the tenant has not recorded that employees were informed "
			   "of mailbox synchronisation (P-HYG-4)";
		return -1;
	}
	if (o->consent_required && !o->employees_agreed) {
		*error_r = "refused: the tenant requires the employees' agreement and it is not "
			   "recorded (P-HYG-4)";
		return -1;
	}
	struct events ev = {0};
	if (len >= 5 && strncmp(d, "From ", 5) == 0)
		parse_mbox(&ev, d, len);
	else
		parse_csv_events(&ev, d, len);
	/* oldest first, so the newest address wins */
	qsort(ev.v, ev.n, sizeof(*ev.v), event_cmp);
	struct contacts_refresh_stats st = {0};
	st.events = ev.n;
	for (size_t i = 0; i < ev.n; i++)
		apply(b, &ev.v[i], &st, ch);
	for (size_t i = 0; i < ev.n; i++) {
		free(ev.v[i].email);
		free(ev.v[i].name);
	}
	free(ev.v);
	if (st_r)
		*st_r = st;
	return 0;
}
