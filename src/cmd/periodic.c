/* cmd/periodic: see periodic.h. */
#include "cmd/periodic.h"
#include "core/log.h"
#include "core/xalloc.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct periodic {
	void (*fn)(void *ctx);
	void *ctx;
	uv_timer_t timer;
	uv_async_t kick;
	uv_work_t work;
	/* Loop thread only. */
	bool running, again;
	int handles_open;
	/* stopped guards kick against a closing handle: a kicker holds mu
	 * across uv_async_send, and periodic_stop sets stopped under mu
	 * before uv_close, so no send reaches a closed handle. */
	pthread_mutex_t mu;
	bool stopped;
};

static void periodic_run(struct periodic *p);

static void work_cb(uv_work_t *req)
{
	struct periodic *p = req->data;
	p->fn(p->ctx);
}

static bool is_stopped(struct periodic *p)
{
	pthread_mutex_lock(&p->mu);
	bool s = p->stopped;
	pthread_mutex_unlock(&p->mu);
	return s;
}

static void after_work_cb(uv_work_t *req, int status)
{
	struct periodic *p = req->data;
	p->running = false;
	if (p->again && !is_stopped(p)) {
		p->again = false;
		periodic_run(p);
	}
}

static void periodic_run(struct periodic *p)
{
	if (p->running) {
		p->again = true; /* asked again during this run */
		return;
	}
	p->running = true;
	p->work.data = p;
	uv_queue_work(p->timer.loop, &p->work, work_cb, after_work_cb);
}

static void timer_cb(uv_timer_t *t)
{
	periodic_run(t->data);
}

static void kick_cb(uv_async_t *a)
{
	struct periodic *p = a->data;
	if (!is_stopped(p))
		periodic_run(p);
}

struct periodic *periodic_start(uv_loop_t *loop, unsigned interval_ms, void (*fn)(void *ctx),
				void *ctx)
{
	struct periodic *p = xcalloc(1, sizeof(*p));
	p->fn = fn;
	p->ctx = ctx;
	if (pthread_mutex_init(&p->mu, NULL) != 0)
		fatal("event=periodic_mutex_failed");
	uv_timer_init(loop, &p->timer);
	uv_async_init(loop, &p->kick, kick_cb);
	p->timer.data = p;
	p->kick.data = p;
	p->handles_open = 2;
	uv_timer_start(&p->timer, timer_cb, 100, interval_ms);
	return p;
}

void periodic_kick(struct periodic *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	if (!p->stopped)
		uv_async_send(&p->kick);
	pthread_mutex_unlock(&p->mu);
}

static void close_cb(uv_handle_t *h)
{
	struct periodic *p = h->data;
	p->handles_open--;
}

void periodic_stop(struct periodic *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	bool was = p->stopped;
	p->stopped = true;
	pthread_mutex_unlock(&p->mu);
	if (was)
		return;
	uv_timer_stop(&p->timer);
	uv_close((uv_handle_t *)&p->timer, close_cb);
	uv_close((uv_handle_t *)&p->kick, close_cb);
}

void periodic_free(struct periodic *p)
{
	if (p == NULL)
		return;
	/* uv_run returned: close callbacks ran and the work request is done. */
	if (p->handles_open != 0 || p->running)
		fatal("event=periodic_free_busy handles=%d running=%d", p->handles_open,
		      (int)p->running);
	pthread_mutex_destroy(&p->mu);
	free(p);
}
