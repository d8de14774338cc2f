/*
 * xmpp/xep_mam: message archive management (XEP-0313 v2) over the sealed
 * 1:1 archive (archive.c): a user queries only their own views
 * (xmpp_archive.owner_id), filtered by with/start/end and paged with RSM
 * (XEP-0059: max, after, before, count); each stanza is opened with
 * keys_open_sealed under its conversation key. The result id is the view
 * id. The delivery state of a sent message (receipts XEP-0184, chat
 * markers XEP-0333: the "seen" of P-CHAT-1) is stored in xep_msg_state
 * and shown in the result as <seen xmlns='urn:iris:seen:0' state=.../>.
 * The SQL of both lives in mam_db.c.
 */
#include "core/log.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "domain/app.h"
#include "store/store.h"
#include "xmpp/sasl_internal.h"
#include "xml/stanza.h"
#include "xmpp/xep_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAM_MAX 100
#define MAM_DEFAULT 50
#define MARK_SCAN 200

struct mam_job {
	struct dbjob job;
	struct xml_doc *doc;
	char owner[IDS_UUID_LEN];
	char with_user[65]; /* "" = every conversation */
	bool with_unknown;
	int64_t start, end;
	char after[IDS_UUID_LEN + 1], before[IDS_UUID_LEN + 1];
	bool has_before;
	int max;
	char queryid[65];
	struct mam_page page; /* results */
};

static bool id_like(const char *s)
{
	size_t n = strlen(s);
	if (n >= IDS_UUID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || s[i] == '-'))
			return false;
	return true;
}

static void mam_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct mam_job *m = (struct mam_job *)job;
	char peer[IDS_UUID_LEN] = "";
	if (m->with_user[0] != '\0') {
		struct xacct p;
		int f = xacct_by_username(st, m->with_user, &p);
		if (f < 0) {
			job->status = -1;
			return;
		}
		if (f == 0) {
			m->page.complete = true;
			return;
		}
		memcpy(peer, p.id, sizeof(peer));
	}
	if (m->with_unknown) {
		m->page.complete = true;
		return;
	}
	struct mam_query mq = {.owner = m->owner,
	                       .peer = peer,
	                       .anchor = m->has_before ? m->before : m->after,
	                       .start = m->start,
	                       .end = m->end,
	                       .backward = m->has_before,
	                       .max = m->max};
	/* -2: item-not-found (XEP-0059 §2.6) */
	job->status = mam_db_query(app, st, &mq, &m->page);
}

static void mam_free(struct mam_job *m)
{
	mam_db_page_free(&m->page);
	xml_doc_free(&m->doc);
	free(m);
}

static void mam_done(struct dbjob *job)
{
	struct mam_job *m = (struct mam_job *)job;
	struct c2s_conn *c = job->conn;
	if (c->state != C2S_BOUND) {
		mam_free(m);
		return;
	}
	if (job->status < 0) {
		xep_error(c, &m->doc,
		          job->status == -2 ? STANZA_ERR_ITEM_NOT_FOUND
		                            : STANZA_ERR_INTERNAL_SERVER_ERROR);
		mam_free(m);
		return;
	}
	const char *first = NULL, *last = NULL;
	for (size_t i = 0; i < m->page.n; i++) {
		struct mam_item *it = &m->page.items[i];
		struct xml_doc *orig = xep_parse_stanza(it->stanza, it->len);
		if (orig == NULL)
			continue;
		char stamp[32];
		xep_time_format(it->at_ms, stamp);
		struct xml_doc *d =
		    stanza_new(STANZA_MESSAGE, NULL, NULL, c->full, c->user->bare, NULL);
		struct xml_elem *r = xml_elem_new(d, xml_doc_root(d), NS_MAM, "result");
		if (m->queryid[0] != '\0')
			xml_elem_set_attr(r, "queryid", m->queryid);
		xml_elem_set_attr(r, "id", it->id);
		struct xml_elem *f = xml_elem_new(d, r, NS_FORWARD, "forwarded");
		xml_elem_set_attr(xml_elem_new(d, f, XMPP_NS_DELAY, "delay"), "stamp", stamp);
		xml_elem_copy(d, f, xml_doc_root(orig));
		if (it->seen[0] != '\0')
			xml_elem_set_attr(xml_elem_new(d, r, NS_IRIS_SEEN, "seen"), "state",
			                  it->seen);
		c2s_send(c, xml_doc_root(d));
		xml_doc_free(&d);
		xml_doc_free(&orig);
		if (first == NULL)
			first = it->id;
		last = it->id;
	}
	struct xml_doc *p = xml_doc_new(0);
	struct xml_elem *fin = xml_elem_new(p, NULL, NS_MAM, "fin");
	if (m->queryid[0] != '\0')
		xml_elem_set_attr(fin, "queryid", m->queryid);
	/* complete: this page reaches the end in the direction of paging */
	xml_elem_set_attr(fin, "complete", m->page.complete ? "true" : "false");
	struct xml_elem *set = xml_elem_new(p, fin, NS_RSM, "set");
	if (first != NULL) {
		xml_elem_add_child_text(set, NS_RSM, "first", first);
		xml_elem_add_child_text(set, NS_RSM, "last", last);
	}
	char count[24];
	snprintf(count, sizeof(count), "%lld", (long long)m->page.count);
	xml_elem_add_child_text(set, NS_RSM, "count", count);
	xep_result(c, &m->doc, &p);
	mam_free(m);
}

static void mam_form(struct c2s_conn *c, struct xml_doc **doc)
{
	static const char *const vars[] = {"with", "start", "end", NULL};
	static const char *const types[] = {"jid-single", "text-single", "text-single"};
	struct xml_doc *p = xml_doc_new(0);
	struct xml_elem *q = xml_elem_new(p, NULL, NS_MAM, "query");
	struct xml_elem *x = xml_elem_new(p, q, NS_XDATA, "x");
	xml_elem_set_attr(x, "type", "form");
	struct xml_elem *ft = xml_elem_new(p, x, NS_XDATA, "field");
	xml_elem_set_attr(ft, "var", "FORM_TYPE");
	xml_elem_set_attr(ft, "type", "hidden");
	xml_elem_add_child_text(ft, NS_XDATA, "value", NS_MAM);
	for (int i = 0; vars[i] != NULL; i++) {
		struct xml_elem *f = xml_elem_new(p, x, NS_XDATA, "field");
		xml_elem_set_attr(f, "var", vars[i]);
		xml_elem_set_attr(f, "type", types[i]);
	}
	xep_result(c, doc, &p);
}

void xep_mam_iq(struct c2s_conn *c, struct xml_doc *doc)
{
	struct xml_elem *el = xml_doc_root(doc), *q = xml_elem_first_child(el);
	if (strcmp(stanza_type(el), "get") == 0) {
		mam_form(c, &doc);
		return;
	}
	struct mam_job *m = xcalloc(1, sizeof(*m));
	struct xml_elem *x = xml_elem_find(q, NS_XDATA, "x");
	struct xml_elem *set = xml_elem_find(q, NS_RSM, "set");
	const char *qid = xml_elem_attr(q, "queryid");
	const char *with = xep_form_value(x, "with"), *start = xep_form_value(x, "start");
	const char *end = xep_form_value(x, "end");
	bool bad = qid != NULL && strlen(qid) >= sizeof(m->queryid);
	m->start = 0;
	m->end = INT64_MAX / 2;
	m->max = MAM_DEFAULT;
	if (!bad && with != NULL && with[0] != '\0') {
		char bare[400];
		snprintf(bare, sizeof(bare), "%s", with);
		char *slash = strchr(bare, '/');
		if (slash != NULL)
			*slash = '\0';
		if (xacct_local_of(c->srv, bare, m->with_user, sizeof(m->with_user)) == NULL)
			m->with_unknown = true;
	}
	if (!bad && start != NULL && (m->start = xep_time_parse(start)) < 0)
		bad = true;
	if (!bad && end != NULL && (m->end = xep_time_parse(end)) < 0)
		bad = true;
	if (!bad && set != NULL) {
		struct xml_elem *mx = xml_elem_find(set, NS_RSM, "max");
		struct xml_elem *af = xml_elem_find(set, NS_RSM, "after");
		struct xml_elem *bf = xml_elem_find(set, NS_RSM, "before");
		if (mx != NULL) {
			const char *t = xml_elem_text(mx, NULL);
			char *e = NULL;
			long v = strtol(t ? t : "", &e, 10);
			if (e == t || *e != '\0' || v < 0)
				bad = true;
			m->max = v > MAM_MAX ? MAM_MAX : (int)v;
		}
		const char *a = af ? xml_elem_text(af, NULL) : NULL;
		const char *b = bf ? xml_elem_text(bf, NULL) : NULL;
		if ((a && a[0] && !id_like(a)) || (b && b[0] && !id_like(b)))
			bad = true;
		else {
			snprintf(m->after, sizeof(m->after), "%s", a ? a : "");
			snprintf(m->before, sizeof(m->before), "%s", b ? b : "");
			m->has_before = bf != NULL;
		}
	}
	if (bad) {
		free(m);
		xep_error(c, &doc, STANZA_ERR_BAD_REQUEST);
		return;
	}
	if (qid != NULL)
		snprintf(m->queryid, sizeof(m->queryid), "%s", qid);
	memcpy(m->owner, c->acct.id, sizeof(m->owner));
	m->doc = doc;
	m->job.conn = c;
	m->job.work = mam_work;
	m->job.done = mam_done;
	xmpp_job_submit(c->srv, &m->job);
}

/* ---- receipts and markers ------------------------------------------------ */

/* Is id (ctx) the id attribute of the root start tag of a stanza text? */
static bool root_id_is(const char *text, size_t len, const void *ctx)
{
	const char *id = ctx;
	struct xml_doc *d = xep_parse_stanza(text, len);
	bool eq = false;
	if (d != NULL) {
		const char *v = stanza_id(xml_doc_root(d));
		eq = v != NULL && strcmp(v, id) == 0;
		xml_doc_free(&d);
	}
	return eq;
}

int xep_mark_store(struct app *app, struct store *st, const char *sender_id,
                   const char *recipient_id, const char *ref_id, bool displayed, int64_t now_ms)
{
	char mid[IDS_UUID_LEN] = "", conv[128] = "";
	int found = mam_db_find_sent(app, st, sender_id, recipient_id, MARK_SCAN, root_id_is,
	                             ref_id, mid, conv);
	if (found <= 0)
		return found;
	return mam_db_mark(st, mid, conv, displayed, now_ms) < 0 ? -1 : 1;
}

struct mark_job {
	struct dbjob job;
	char sender_user[65];
	char reader_id[IDS_UUID_LEN];
	char ref[129];
	bool displayed;
};

static void mark_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct mark_job *k = (struct mark_job *)job;
	struct xacct s;
	int f = xacct_by_username(st, k->sender_user, &s);
	if (f < 0 || (f > 0 && xep_mark_store(app, st, s.id, k->reader_id, k->ref, k->displayed,
	                                      sasl_now_ms()) < 0))
		job->status = -1;
}

static void mark_done(struct dbjob *job)
{
	free(job);
}

void xep_mark(struct c2s_conn *c, const char *sender_user, const char *ref_id, bool displayed)
{
	if (strlen(ref_id) >= 129 || ref_id[0] == '\0')
		return;
	struct mark_job *k = xcalloc(1, sizeof(*k));
	snprintf(k->sender_user, sizeof(k->sender_user), "%s", sender_user);
	memcpy(k->reader_id, c->acct.id, sizeof(k->reader_id));
	snprintf(k->ref, sizeof(k->ref), "%s", ref_id);
	k->displayed = displayed;
	k->job.tx = true;
	k->job.work = mark_work;
	k->job.done = mark_done;
	xmpp_job_submit(c->srv, &k->job);
}
