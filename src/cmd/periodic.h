/*
 * cmd/periodic: runs a blocking duty on the worker pool every interval, and
 * soon after a kick from any thread, one run at a time, so the loop thread
 * never blocks on it. irisd drives the outbox and the jobs table with it.
 *
 * Life cycle: periodic_start, then periodic_stop on the loop thread (the
 * handles close; a run in progress finishes), then periodic_free once
 * uv_run has returned. A kick from another thread is safe at any time until
 * periodic_free, also after periodic_stop (it is then ignored): worker
 * threads may still be queueing mail while the server drains.
 */
#ifndef IRIS_CMD_PERIODIC_H
#define IRIS_CMD_PERIODIC_H

#include <uv.h>

struct periodic;

/* fn runs on a worker thread with ctx. */
struct periodic *periodic_start(uv_loop_t *loop, unsigned interval_ms, void (*fn)(void *ctx),
				void *ctx);
/* Thread-safe: asks for a run soon; ignored once stopped. */
void periodic_kick(struct periodic *p);
/* Loop thread: no run starts after this; closes the handles. NULL is fine. */
void periodic_stop(struct periodic *p);
/* Frees p once the loop has finished (uv_run returned: handles closed, no
 * run in progress) and no thread can kick any more. NULL is fine. */
void periodic_free(struct periodic *p);

#endif
