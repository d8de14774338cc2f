/*
 * strophe_client: a libstrophe test client for irisd (tests/proto).
 *
 *   strophe_client HOST PORT CAFILE JID_A PASS_A JID_B PASS_B COUNT [FLAGS]
 *
 * Logs both accounts in over STARTTLS (or direct TLS with FLAGS "direct"),
 * the certificate checked against CAFILE; B sends initial presence; A sends
 * COUNT chat messages to B's bare JID, keeping at most 64 unanswered; B
 * counts them. Prints "received N of COUNT in MS ms (R msg/s)" and exits 0
 * when every message arrived in order, 1 otherwise (2 on usage errors).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>
#include <time.h>

#define WINDOW 64

struct side {
	xmpp_conn_t *conn;
	int ready;
	int failed;
};

struct run {
	xmpp_ctx_t *ctx;
	struct side a, b;
	const char *to;
	long count, sent, received;
	int out_of_order;
	struct timespec start;
};

static double ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static int on_message(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
	struct run *r = ud;
	char *body = xmpp_message_get_body(st);
	if (body != NULL) {
		long n = strtol(body, NULL, 10);
		if (n != r->received)
			r->out_of_order = 1;
		r->received++;
		xmpp_free(r->ctx, body);
	}
	return 1;
}

static void conn_handler(xmpp_conn_t *conn, xmpp_conn_event_t ev, int error,
                         xmpp_stream_error_t *se, void *ud)
{
	struct side *s = ud;
	if (ev == XMPP_CONN_CONNECT)
		s->ready = 1;
	else
		s->failed = 1;
}

static int open_side(struct run *r, struct side *s, const char *host, unsigned short port,
                     const char *cafile, const char *jid, const char *pass, int direct)
{
	s->conn = xmpp_conn_new(r->ctx);
	xmpp_conn_set_jid(s->conn, jid);
	xmpp_conn_set_pass(s->conn, pass);
	xmpp_conn_set_cafile(s->conn, cafile);
	xmpp_conn_set_flags(s->conn, XMPP_CONN_FLAG_MANDATORY_TLS | XMPP_CONN_FLAG_DISABLE_SM |
	                                 (direct ? XMPP_CONN_FLAG_LEGACY_SSL : 0));
	return xmpp_connect_client(s->conn, host, port, conn_handler, s);
}

static void send_some(struct run *r)
{
	char body[32];
	while (r->sent < r->count && r->sent - r->received < WINDOW) {
		xmpp_stanza_t *m = xmpp_message_new(r->ctx, "chat", r->to, NULL);
		snprintf(body, sizeof(body), "%ld", r->sent++);
		xmpp_message_set_body(m, body);
		xmpp_send(r->a.conn, m);
		xmpp_stanza_release(m);
	}
}

static int wait_ready(struct run *r, struct side *s)
{
	for (int i = 0; i < 2000 && !s->ready && !s->failed; i++)
		xmpp_run_once(r->ctx, 10);
	return s->ready && !s->failed ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct run r;
	if (argc < 9) {
		fprintf(stderr, "usage: strophe_client HOST PORT CAFILE JID_A PASS_A JID_B PASS_B "
		                "COUNT [direct]\n");
		return 2;
	}
	memset(&r, 0, sizeof(r));
	int direct = argc > 9 && strcmp(argv[9], "direct") == 0;
	unsigned short port = (unsigned short)atoi(argv[2]);
	r.count = atol(argv[8]);
	r.to = argv[6];
	xmpp_initialize();
	r.ctx = xmpp_ctx_new(NULL, NULL);
	if (open_side(&r, &r.b, argv[1], port, argv[3], argv[6], argv[7], direct) < 0 ||
	    wait_ready(&r, &r.b) < 0) {
		fprintf(stderr, "login of B failed\n");
		return 1;
	}
	xmpp_handler_add(r.b.conn, on_message, NULL, "message", NULL, &r);
	xmpp_stanza_t *p = xmpp_presence_new(r.ctx);
	xmpp_send(r.b.conn, p);
	xmpp_stanza_release(p);
	if (open_side(&r, &r.a, argv[1], port, argv[3], argv[4], argv[5], direct) < 0 ||
	    wait_ready(&r, &r.a) < 0) {
		fprintf(stderr, "login of A failed\n");
		return 1;
	}
	for (int i = 0; i < 20; i++)
		xmpp_run_once(r.ctx, 10); /* let B's presence settle */
	clock_gettime(CLOCK_MONOTONIC, &r.start);
	while (r.received < r.count && ms_since(&r.start) < 60000 && !r.a.failed && !r.b.failed) {
		send_some(&r);
		xmpp_run_once(r.ctx, 5);
	}
	double ms = ms_since(&r.start);
	printf("received %ld of %ld in %.0f ms (%.0f msg/s)%s\n", r.received, r.count, ms,
	       ms > 0 ? (double)r.received * 1000.0 / ms : 0.0,
	       r.out_of_order ? " out of order" : "");
	xmpp_disconnect(r.a.conn);
	xmpp_disconnect(r.b.conn);
	for (int i = 0; i < 20; i++)
		xmpp_run_once(r.ctx, 5);
	xmpp_conn_release(r.a.conn);
	xmpp_conn_release(r.b.conn);
	xmpp_ctx_free(r.ctx);
	xmpp_shutdown();
	return r.received == r.count && !r.out_of_order ? 0 : 1;
}
