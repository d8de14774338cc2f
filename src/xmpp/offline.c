/*
 * xmpp/offline: messages kept for a recipient with no available resource,
 * delivered with an XEP-0203 delay stamp when they next send initial
 * presence with a non-negative priority (XEP-0160), then removed. The
 * stanza itself stays sealed in xmpp_messages (archive.c); an offline row
 * only points at it.
 */
#include "core/log.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "domain/app.h"
#include "store/store.h"
#include "xmpp/c2s_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int offline_count(struct store *st, const char *owner_id)
{
	struct store_stmt *q =
	    store_query(st, "SELECT COUNT(*) FROM xmpp_offline WHERE owner_id = ?", "s", owner_id);
	int n = 0;
	if (q != NULL && store_step(q) == STORE_ROW)
		n = (int)store_col_int(q, 0);
	store_stmt_done(q);
	return n;
}

int offline_load(struct app *app, struct store *st, const char *owner_id, size_t max,
		 struct offline_msg **out, size_t *n_r)
{
	struct store_stmt *q = store_query(
	    st,
	    "SELECT o.id, o.at_ms, m.id, m.conv_tenant, m.conv_id, m.stanza_sealed "
	    "FROM xmpp_offline o JOIN xmpp_messages m ON m.id = o.message_id "
	    "WHERE o.owner_id = ? ORDER BY o.at_ms, o.rowid LIMIT ?",
	    "si", owner_id, (int64_t)max);
	int rc;
	*out = NULL;
	*n_r = 0;
	if (q == NULL)
		return -1;
	struct offline_msg *v = xcalloc(max ? max : 1, sizeof(*v));
	size_t n = 0;
	while ((rc = store_step(q)) == STORE_ROW && n < max) {
		size_t sealed_len = 0;
		const void *sealed = store_col_blob(q, 5, &sealed_len);
		struct seal_ad ad = {"xmpp_messages", store_col_text(q, 2), "stanza_sealed"};
		snprintf(v[n].id, sizeof(v[n].id), "%s", store_col_text(q, 0));
		v[n].at_ms = store_col_int(q, 1);
		if (keys_open_sealed(app->keys, st, store_col_text(q, 3), store_col_text(q, 4), &ad,
				     sealed, sealed_len, &v[n].stanza, &v[n].len) < 0) {
			log_warn("event=xmpp_offline_unreadable");
			v[n].stanza = NULL; /* shredded or damaged: removed, not sent */
		}
		n++;
	}
	store_stmt_done(q);
	*out = v;
	*n_r = n;
	return rc == STORE_ROW || rc == STORE_DONE ? 0 : -1;
}

void offline_free(struct offline_msg *msgs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (msgs[i].stanza != NULL)
			secret_free(msgs[i].stanza, msgs[i].len + 1);
	free(msgs);
}

struct remove_job {
	struct dbjob job;
	char (*ids)[IDS_UUID_LEN];
	size_t n;
};

static void remove_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct remove_job *r = (struct remove_job *)job;
	for (size_t i = 0; i < r->n; i++)
		if (store_run(st, "DELETE FROM xmpp_offline WHERE id = ?", "s", r->ids[i]) !=
		    STORE_DONE) {
			job->status = -1;
			return;
		}
}

static void remove_done(struct dbjob *job)
{
	struct remove_job *r = (struct remove_job *)job;
	free(r->ids);
	free(r);
}

/* "<message ...>...</message>" + delay before the close tag. */
static void send_with_delay(struct c2s_conn *c, const struct offline_msg *m)
{
	const char *close = NULL;
	for (const char *p = m->stanza; (p = strstr(p, "</message>")) != NULL; p++)
		close = p;
	if (close == NULL)
		return;
	char stamp[32];
	time_t t = (time_t)(m->at_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	char delay[160];
	snprintf(delay, sizeof(delay), "<delay xmlns='" XMPP_NS_DELAY "' from='%s' stamp='%s'/>",
		 c->srv->domain, stamp);
	xml_buf_append(&c->out, m->stanza, (size_t)(close - m->stanza));
	xml_buf_append_str(&c->out, delay);
	xml_buf_append_str(&c->out, close);
	c2s_send_raw(c, "");
}

void offline_deliver(struct c2s_conn *c, struct offline_msg *msgs, size_t n)
{
	if (n == 0)
		return;
	struct remove_job *r = xcalloc(1, sizeof(*r));
	r->ids = xcalloc(n, sizeof(*r->ids));
	for (size_t i = 0; i < n; i++) {
		if (msgs[i].stanza != NULL)
			send_with_delay(c, &msgs[i]);
		memcpy(r->ids[r->n++], msgs[i].id, IDS_UUID_LEN);
	}
	r->job.tx = true;
	r->job.work = remove_work;
	r->job.done = remove_done;
	xmpp_job_submit(c->srv, &r->job);
}
