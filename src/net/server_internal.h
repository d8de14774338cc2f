/*
 * net/server_internal: structures shared by server.c (listener, lifecycle)
 * and server_conn.c (one connection). Not part of the module's contract.
 */
#ifndef IRIS_NET_SERVER_INTERNAL_H
#define IRIS_NET_SERVER_INTERNAL_H

#include "net/http_internal.h"
#include "net/proxy.h"
#include "net/server.h"
#include "net/tls.h"

#include <stdint.h>

/* Socket read size, and the most unparsed plaintext held per connection
 * while a request is being handled (reading pauses beyond it). */
#define CONN_READ_CHUNK (16 * 1024)
#define CONN_IN_MAX (64 * 1024)
/* How long a closing connection keeps discarding input after our last
 * response, so that the peer reads the response before any reset. */
#define CONN_LINGER_MS 2000u

enum conn_state {
	CONN_READING,  /* waiting for, or parsing, a request */
	CONN_HANDLING, /* a handler runs, inline or on the worker pool */
	CONN_WRITING,  /* a response is being written */
	CONN_LINGER,   /* last response sent and FIN queued: discarding input */
	CONN_CLOSED,   /* handles closing; memory goes with the last reference */
};

enum conn_phase {
	PHASE_NONE,
	PHASE_HEADER, /* handshake, or first byte to end of headers */
	PHASE_BODY,   /* body bytes must keep flowing */
	PHASE_IDLE,   /* keep-alive between requests */
	PHASE_WRITE,  /* the peer must keep reading our response */
	PHASE_LINGER,
};

struct http_job;

struct http_conn {
	struct http_server *server;
	struct http_conn *prev, *next;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_shutdown_t shutdown_req;
	unsigned refs; /* two handles, plus a running worker job */
	enum conn_state state;
	enum conn_phase phase;
	struct tls_conn *tls; /* NULL for plaintext */
	bool reading;
	bool eof;
	bool close_after; /* close once the current response is written */
	bool continue_sent;
	unsigned writes_pending;
	char remote[64];
	/* WebSocket: the 101 answer is being written, then the connection goes
	 * to this consumer */
	const struct http_upgrade_route *upgrade;
	struct http_reqparser parser;
	char *in; /* plaintext not yet parsed */
	size_t in_len;
	char rbuf[CONN_READ_CHUNK];
};

struct http_server {
	uv_loop_t *loop;
	uv_tcp_t listener;
	uv_timer_t drain_timer;
	struct http_server_settings settings; /* strings below are our copies */
	char *bind_addr, *cert_path, *key_path;
	struct http_router *router;
	struct tls_ctx *tls;
	struct net_proxies *proxies; /* trusted reverse proxies, or NULL */
	struct http_limits limits;
	int port;
	struct http_conn *conns;
	unsigned n_conns;
	unsigned refs; /* owner, listener, drain timer, each connection */
	bool draining;
	bool drain_reported;
	void (*drain_done)(void *);
	void *drain_arg;
};

/* server_conn.c: registers the metrics of server.h, so they render as 0
 * before their first event. */
void http_conn_metrics_init(void);
/* server_conn.c: takes over a freshly accepted TCP handle. */
void http_conn_start(struct http_server *server, struct http_conn *conn);
/* Closes a connection at once (idempotent). */
void http_conn_close(struct http_conn *conn);
/* During a drain: closes the connection if idle, or marks it to close after
 * the request in progress. */
void http_conn_drain(struct http_conn *conn);

/* server.c: connection bookkeeping. */
void http_server_conn_gone(struct http_server *server, struct http_conn *conn);
void http_server_unref(struct http_server *server);

#endif
