/*
 * xmpp/account_watch: live sessions follow the account's state.
 *
 * The server subscribes to core/account_events. A change that makes an
 * account refuse login (restriction, disabling, a new password, erasure,
 * the tenant's destruction) is committed on a REST worker thread (or by a
 * job); the subscriber only copies the event into a locked queue and wakes
 * the loop with a uv_async_t. On the loop, every session of the account,
 * bound, authenticated or hibernating (XEP-0198), ends with a stream error
 * that says why: nothing more is delivered to it and it cannot be resumed.
 * A password change keeps the session that made it (event keep_session).
 * A login still in SASL whose looked-up account changed ends the same way
 * (its own transaction rechecks the account too, see sasl.c).
 *
 * The in-process signal only covers changes made by this process. Every
 * change is also recorded in account_state_changes in its own transaction
 * (privacy/account_changes.h): a timer reads the rows past the last seq
 * seen every WATCH_POLL_MS on a worker, so changes made by irisctl beside a
 * running irisd end sessions too, and the same rows are the backstop when
 * the in-process queue overflows (then a read starts at once). A row only
 * ends sessions whose login saw an older seq (c->state_seq): a login made
 * after the change is not ended by it. Ending a session twice is harmless.
 */
#include "core/account_events.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "privacy/account_changes.h"
#include "xmpp/c2s_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Events queued before the loop runs; beyond, the queue overflows and the
 * loop reads the durable rows at once instead (nothing is lost). */
#define WATCH_QUEUE_MAX 4096
/* How often the durable rows are read, rows read per pass, and how many
 * passes between two deletions of rows older than ACCOUNT_CHANGES_KEEP_S. */
#define WATCH_POLL_MS 500
#define WATCH_POLL_ROWS 64
#define WATCH_PRUNE_EVERY 120

struct account_watch {
	struct xmpp_server *srv;
	uv_async_t async;
	uv_timer_t timer;
	pthread_mutex_t lock;
	struct account_event *q; /* under lock */
	size_t n, cap;
	bool overflow; /* under lock: events were not queued */
	bool subscribed;
	unsigned refs;   /* open handles + a read in flight */
	bool polling;    /* a read is in flight */
	bool again;      /* read again once it is done */
	bool started;    /* last is the seq at start-up */
	bool stopped;    /* account_watch_stop ran */
	int64_t last;    /* highest seq applied */
	unsigned passes; /* reads since the last deletion */
};

/* Any thread, under the account_events lock: queue and wake the loop. */
static void on_event(const struct account_event *ev, void *ctx)
{
	struct account_watch *w = ctx;
	pthread_mutex_lock(&w->lock);
	if (w->n == w->cap && w->cap < WATCH_QUEUE_MAX) {
		w->cap = w->cap ? 2 * w->cap : 16;
		w->q = xrealloc(w->q, w->cap * sizeof(*w->q));
	}
	if (w->n < w->cap)
		w->q[w->n++] = *ev;
	else
		w->overflow = true; /* the row of this change is read instead */
	pthread_mutex_unlock(&w->lock);
	uv_async_send(&w->async);
}

/* Why the session ends, as the stream error says it. */
static void reason_of(enum account_change change, enum stream_error_cond *cond_r,
                      const char **text_r)
{
	*cond_r = STREAM_ERR_NOT_AUTHORIZED;
	switch (change) {
	case ACCOUNT_CHANGE_RESTRICTED:
		*cond_r = STREAM_ERR_POLICY_VIOLATION;
		*text_r = "processing of this account is restricted (GDPR Art. 18): the service "
		          "is suspended until the restriction is lifted";
		return;
	case ACCOUNT_CHANGE_DISABLED:
		*text_r = "this account has been disabled";
		return;
	case ACCOUNT_CHANGE_PASSWORD:
		*text_r = "the password of this account has changed: log in again";
		return;
	case ACCOUNT_CHANGE_ERASED:
		*text_r = "this account has been deleted";
		return;
	case ACCOUNT_CHANGE_TENANT_DESTROYED:
		*text_r = "the organisation of this account has been removed";
		return;
	}
	*text_r = "this account can no longer log in";
}

/* The account of c: logged in, or looked up by a SASL exchange in
 * progress; NULL when none. */
static const struct xacct *account_of(const struct c2s_conn *c)
{
	if (c->state == C2S_AUTHED || c->state == C2S_BOUND || c->hibernating)
		return &c->acct;
	if (c->state == C2S_SASL)
		return sasl_account(c);
	return NULL;
}

/* True when c is a session (or a login) of the account (or tenant) ev is
 * about, made before the change (a durable row carries its seq). */
static bool concerns(const struct c2s_conn *c, const struct account_event *ev)
{
	const struct xacct *a = account_of(c);
	if (a == NULL || (ev->seq != 0 && ev->seq <= c->state_seq))
		return false;
	if (ev->change == ACCOUNT_CHANGE_TENANT_DESTROYED)
		return ev->tenant_id[0] != '\0' && strcmp(a->tenant_id, ev->tenant_id) == 0;
	if (ev->account_id[0] == '\0' || strcmp(a->id, ev->account_id) != 0)
		return false;
	return ev->keep_session[0] == '\0' || c->resource == NULL ||
	       strcmp(c->resource, ev->keep_session) != 0;
}

unsigned account_watch_apply(struct xmpp_server *srv, const struct account_event *ev)
{
	enum stream_error_cond cond;
	const char *text;
	unsigned ended = 0;
	reason_of(ev->change, &cond, &text);
	for (struct c2s_conn *c = srv->conns, *next; c != NULL; c = next) {
		next = c->next;
		if (!concerns(c, ev))
			continue;
		/* A hibernating session expires (not resumable); a live one
		 * gets the error, its stream closes and nothing more is sent. */
		c2s_stream_error(c, cond, text);
		ended++;
	}
	if (ended > 0) {
		char pseudo[LOG_PSEUDONYM_LEN];
		log_info("event=xmpp_sessions_ended change=%s account=%s sessions=%u",
		         account_change_name(ev->change),
		         ev->account_id[0] ? log_pseudonym(ev->account_id, pseudo) : "-", ended);
		c2s_flush_dirty(srv);
	}
	return ended;
}

/* The watcher is freed when its handles are closed and no read is in
 * flight (a read's done callback may run after account_watch_stop). */
static void watch_unref(struct account_watch *w)
{
	if (--w->refs > 0)
		return;
	pthread_mutex_destroy(&w->lock);
	free(w->q);
	free(w);
}

/* ---- reading the durable rows ------------------------------------------ */

struct poll_job {
	struct dbjob job;
	struct account_watch *w;
	bool first; /* only learn where the rows stand at start-up */
	bool prune;
	int64_t after, last;
	struct account_event ev[WATCH_POLL_ROWS];
	size_t n;
};

static void poll_start(struct account_watch *w);

/* Worker: the rows past p->after (or, first, the current end). */
static void poll_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct poll_job *p = (struct poll_job *)job;
	(void)app;
	if (p->prune && account_changes_prune(st, (int64_t)time(NULL)) < 0)
		log_warn("event=xmpp_account_changes_prune_failed");
	if (p->first)
		p->last = account_changes_last(st);
	else if (account_changes_since(st, p->after, p->ev, WATCH_POLL_ROWS, &p->n, &p->last) < 0)
		p->last = -1;
	if (p->last < 0)
		job->status = -1;
}

/* Loop: ends the sessions the rows concern; reads on when rows remain. */
static void poll_done(struct dbjob *job)
{
	struct poll_job *p = (struct poll_job *)job;
	struct account_watch *w = p->w;
	bool more = p->n == WATCH_POLL_ROWS;
	w->polling = false;
	if (job->status < 0) {
		log_warn("event=xmpp_account_changes_read_failed");
	} else if (!w->stopped) {
		for (size_t i = 0; i < p->n; i++)
			account_watch_apply(w->srv, &p->ev[i]);
		if (p->last > w->last)
			w->last = p->last;
		w->started = true;
	}
	free(p);
	if (more || w->again) {
		w->again = false;
		poll_start(w);
	}
	watch_unref(w);
}

/* Loop: one read at a time; asked during one, another follows it. */
static void poll_start(struct account_watch *w)
{
	if (w->stopped)
		return;
	if (w->polling) {
		w->again = true;
		return;
	}
	struct poll_job *p = xcalloc(1, sizeof(*p));
	p->job.tx = false;
	p->job.work = poll_work;
	p->job.done = poll_done;
	p->w = w;
	p->first = !w->started;
	p->after = w->last;
	p->prune = w->passes++ % WATCH_PRUNE_EVERY == 0;
	w->polling = true;
	w->refs++;
	xmpp_job_submit(w->srv, &p->job);
}

static void on_timer(uv_timer_t *h)
{
	poll_start(h->data);
}

/* ---- the in-process signal ---------------------------------------------- */

/* Loop thread: takes the queue and ends the sessions. */
static void on_async(uv_async_t *h)
{
	struct account_watch *w = h->data;
	struct account_event *q;
	size_t n;
	bool overflow;
	pthread_mutex_lock(&w->lock);
	q = w->q;
	n = w->n;
	overflow = w->overflow;
	w->q = NULL;
	w->n = w->cap = 0;
	w->overflow = false;
	pthread_mutex_unlock(&w->lock);
	for (size_t i = 0; i < n; i++)
		account_watch_apply(w->srv, &q[i]);
	free(q);
	if (overflow) {
		/* every change has its row: read them now, not at the next tick */
		log_info("event=xmpp_account_events_overflow queued=%zu", n);
		poll_start(w);
	}
}

void account_watch_start(struct xmpp_server *srv)
{
	struct account_watch *w = xcalloc(1, sizeof(*w));
	w->srv = srv;
	pthread_mutex_init(&w->lock, NULL);
	uv_async_init(srv->loop, &w->async, on_async);
	w->async.data = w;
	uv_timer_init(srv->loop, &w->timer);
	w->timer.data = w;
	w->refs = 2; /* the two handles */
	srv->watch = w;
	if (account_events_subscribe(on_event, w) == 0)
		w->subscribed = true;
	else
		log_warn("event=xmpp_account_events_unavailable");
	poll_start(w); /* where the rows stand now: older ones are not ours */
	uv_timer_start(&w->timer, on_timer, WATCH_POLL_MS, WATCH_POLL_MS);
}

static void watch_closed(uv_handle_t *h)
{
	watch_unref(h->data);
}

void account_watch_stop(struct xmpp_server *srv)
{
	struct account_watch *w = srv->watch;
	if (w == NULL)
		return;
	srv->watch = NULL;
	w->stopped = true;
	/* After unsubscribe returns, no thread is inside on_event. */
	if (w->subscribed)
		account_events_unsubscribe(on_event, w);
	uv_close((uv_handle_t *)&w->async, watch_closed);
	uv_close((uv_handle_t *)&w->timer, watch_closed);
}
