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
 */
#include "core/account_events.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "xmpp/c2s_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Events queued before the loop runs; beyond, the oldest are kept and the
 * rest dropped with a warning (the changes themselves are committed). */
#define WATCH_QUEUE_MAX 4096

struct account_watch {
	struct xmpp_server *srv;
	uv_async_t async;
	pthread_mutex_t lock;
	struct account_event *q; /* under lock */
	size_t n, cap;
	bool subscribed;
};

/* Any thread, under the account_events lock: queue and wake the loop. */
static void on_event(const struct account_event *ev, void *ctx)
{
	struct account_watch *w = ctx;
	bool dropped = false;
	pthread_mutex_lock(&w->lock);
	if (w->n == w->cap && w->cap < WATCH_QUEUE_MAX) {
		w->cap = w->cap ? 2 * w->cap : 16;
		w->q = xrealloc(w->q, w->cap * sizeof(*w->q));
	}
	if (w->n < w->cap)
		w->q[w->n++] = *ev;
	else
		dropped = true;
	pthread_mutex_unlock(&w->lock);
	if (dropped)
		log_warn("event=xmpp_account_event_dropped change=%s",
		         account_change_name(ev->change));
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

/* True when c is a session of the account (or tenant) ev is about. */
static bool concerns(const struct c2s_conn *c, const struct account_event *ev)
{
	if (c->state != C2S_AUTHED && c->state != C2S_BOUND && !c->hibernating)
		return false;
	if (ev->change == ACCOUNT_CHANGE_TENANT_DESTROYED)
		return ev->tenant_id[0] != '\0' && strcmp(c->acct.tenant_id, ev->tenant_id) == 0;
	if (ev->account_id[0] == '\0' || strcmp(c->acct.id, ev->account_id) != 0)
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

/* Loop thread: takes the queue and ends the sessions. */
static void on_async(uv_async_t *h)
{
	struct account_watch *w = h->data;
	struct account_event *q;
	size_t n;
	pthread_mutex_lock(&w->lock);
	q = w->q;
	n = w->n;
	w->q = NULL;
	w->n = w->cap = 0;
	pthread_mutex_unlock(&w->lock);
	for (size_t i = 0; i < n; i++)
		account_watch_apply(w->srv, &q[i]);
	free(q);
}

void account_watch_start(struct xmpp_server *srv)
{
	struct account_watch *w = xcalloc(1, sizeof(*w));
	w->srv = srv;
	pthread_mutex_init(&w->lock, NULL);
	uv_async_init(srv->loop, &w->async, on_async);
	w->async.data = w;
	srv->watch = w;
	if (account_events_subscribe(on_event, w) == 0)
		w->subscribed = true;
	else
		log_warn("event=xmpp_account_events_unavailable");
}

static void watch_closed(uv_handle_t *h)
{
	struct account_watch *w = h->data;
	pthread_mutex_destroy(&w->lock);
	free(w->q);
	free(w);
}

void account_watch_stop(struct xmpp_server *srv)
{
	struct account_watch *w = srv->watch;
	if (w == NULL)
		return;
	srv->watch = NULL;
	/* After unsubscribe returns, no thread is inside on_event. */
	if (w->subscribed)
		account_events_unsubscribe(on_event, w);
	uv_close((uv_handle_t *)&w->async, watch_closed);
}
