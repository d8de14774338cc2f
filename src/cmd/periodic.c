/* cmd/periodic: see periodic.h. */
#include "cmd/periodic.h"
#include "core/xalloc.h"

#include <stdbool.h>
#include <stdlib.h>

struct periodic {
	void (*fn)(void *ctx);
	void *ctx;
	uv_timer_t timer;
	uv_async_t kick;
	uv_work_t work;
	bool running, again, stopping;
	int handles_open;
};

static void periodic_run(struct periodic *p);

static void work_cb(uv_work_t *req)
{
	struct periodic *p = req->data;
	p->fn(p->ctx);
}

static void after_work_cb(uv_work_t *req, int status)
{
	struct periodic *p = req->data;
	p->running = false;
	if (p->stopping) {
		if (p->handles_open == 0)
			free(p);
		return;
	}
	if (p->again) {
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
	periodic_run(a->data);
}

struct periodic *periodic_start(uv_loop_t *loop, unsigned interval_ms, void (*fn)(void *ctx),
				void *ctx)
{
	struct periodic *p = xcalloc(1, sizeof(*p));
	p->fn = fn;
	p->ctx = ctx;
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
	uv_async_send(&p->kick);
}

static void close_cb(uv_handle_t *h)
{
	struct periodic *p = h->data;
	/* A run still in progress frees p when it completes. */
	if (--p->handles_open == 0 && !p->running)
		free(p);
}

void periodic_stop(struct periodic *p)
{
	if (p == NULL)
		return;
	p->stopping = true;
	uv_timer_stop(&p->timer);
	uv_close((uv_handle_t *)&p->timer, close_cb);
	uv_close((uv_handle_t *)&p->kick, close_cb);
}
