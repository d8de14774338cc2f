/*
 * cmd/mail_sender: drives the outbox from irisd's loop. A timer (and a kick
 * after each enqueue, from any thread) runs mail_deliver_due() on the worker
 * pool, one run at a time, so SMTP never blocks the loop thread.
 */
#ifndef IRIS_CMD_MAIL_SENDER_H
#define IRIS_CMD_MAIL_SENDER_H

#include <uv.h>

struct app;
struct mail_sender;

struct mail_sender *mail_sender_start(uv_loop_t *loop, struct app *app, unsigned interval_ms);
/* Stops the timer; a delivery in progress finishes; frees when closed. */
void mail_sender_stop(struct mail_sender *sender);

#endif
