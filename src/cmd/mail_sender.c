/* cmd/mail_sender: see mail_sender.h. */
#include "cmd/mail_sender.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/app.h"
#include "domain/mail.h"

#include <stdbool.h>
#include <stdlib.h>

struct mail_sender {
	struct app *app;
	uv_timer_t timer;
	uv_async_t kick;
	uv_work_t work;
	bool running, again, stopping;
	int handles_open;
};

static void sender_run(struct mail_sender *s);

static void work_cb(uv_work_t *req)
{
	struct mail_sender *s = req->data;
	if (mail_deliver_due(s->app, app_thread_store(s->app)) < 0)
		log_warn("event=mail_sender_failed");
}

static void after_work_cb(uv_work_t *req, int status)
{
	struct mail_sender *s = req->data;
	s->running = false;
	if (s->stopping && s->handles_open == 0) {
		free(s);
		return;
	}
	if (s->again && !s->stopping) {
		s->again = false;
		sender_run(s);
	}
}

static void sender_run(struct mail_sender *s)
{
	if (s->running) {
		s->again = true; /* new mail arrived during this run */
		return;
	}
	s->running = true;
	s->work.data = s;
	uv_queue_work(s->timer.loop, &s->work, work_cb, after_work_cb);
}

static void timer_cb(uv_timer_t *t)
{
	sender_run(t->data);
}

static void kick_cb(uv_async_t *a)
{
	sender_run(a->data);
}

/* Called from any thread by mail_enqueue. */
static void kick(void *ctx)
{
	struct mail_sender *s = ctx;
	uv_async_send(&s->kick);
}

struct mail_sender *mail_sender_start(uv_loop_t *loop, struct app *app, unsigned interval_ms)
{
	struct mail_sender *s = xcalloc(1, sizeof(*s));
	s->app = app;
	uv_timer_init(loop, &s->timer);
	uv_async_init(loop, &s->kick, kick_cb);
	s->timer.data = s;
	s->kick.data = s;
	s->handles_open = 2;
	uv_timer_start(&s->timer, timer_cb, 100, interval_ms);
	app->mail_kick = kick;
	app->mail_kick_ctx = s;
	return s;
}

static void close_cb(uv_handle_t *h)
{
	struct mail_sender *s = h->data;
	/* A delivery still running frees the sender when it completes. */
	if (--s->handles_open == 0 && !s->running)
		free(s);
}

void mail_sender_stop(struct mail_sender *s)
{
	if (s == NULL)
		return;
	s->stopping = true;
	s->app->mail_kick = NULL;
	uv_timer_stop(&s->timer);
	uv_close((uv_handle_t *)&s->timer, close_cb);
	uv_close((uv_handle_t *)&s->kick, close_cb);
}
