/*
 * cmd/periodic: runs a blocking duty on the worker pool every interval, and
 * soon after a kick from any thread, one run at a time, so the loop thread
 * never blocks on it. irisd drives the outbox and the jobs table with it.
 */
#ifndef IRIS_CMD_PERIODIC_H
#define IRIS_CMD_PERIODIC_H

#include <uv.h>

struct periodic;

/* fn runs on a worker thread with ctx. */
struct periodic *periodic_start(uv_loop_t *loop, unsigned interval_ms, void (*fn)(void *ctx),
				void *ctx);
/* Thread-safe: asks for a run soon. */
void periodic_kick(struct periodic *p);
/* Stops; a run in progress finishes first, then everything is freed. */
void periodic_stop(struct periodic *p);

#endif
