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

struct remove_job {
	struct dbjob job;
	char (*ids)[IDS_UUID_LEN];
	size_t n;
};

static void remove_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct remove_job *r = (struct remove_job *)job;
	for (size_t i = 0; i < r->n; i++)
		if (offline_remove(st, r->ids[i]) < 0) {
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
	struct xml_buf b = XML_BUF_INIT;
	xml_buf_append(&b, m->stanza, (size_t)(close - m->stanza));
	xml_buf_append_str(&b, delay);
	xml_buf_append_str(&b, close);
	c2s_send_stanza_text(c, b.data, b.len, m->message_id);
	secret_wipe(b.data, b.cap);
	xml_buf_free(&b);
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
