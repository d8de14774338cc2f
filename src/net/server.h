/*
 * net/server: the HTTP/1.1 listener of irisd (direct TLS, or plaintext on
 * loopback in development mode), on a libuv loop.
 *
 * Every function here runs on the loop thread. Per connection: keep-alive,
 * pipelined requests answered in order (one request in flight at a time;
 * later bytes wait, with reading paused when they pile up), limits on header
 * bytes, header count, URL length and body bytes, a deadline for the TLS
 * handshake and request headers, an idle deadline for keep-alive and slow
 * bodies and slow readers, and one response's worth of output at a time.
 * Protocol errors are answered with JSON errors (net/http.h) and the
 * connection is closed; nothing a peer sends can stop the process.
 *
 * Metrics (core/metrics.h): http_requests_total{class="2xx"...},
 * http_connections_active, http_connections_total,
 * http_connections_rejected_total, http_request_errors_total{code=...},
 * http_request_duration_seconds, tls_handshake_failures_total.
 */
#ifndef IRIS_NET_SERVER_H
#define IRIS_NET_SERVER_H

#include "net/http.h"

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

/* Defaults used for zero-valued settings. */
#define HTTP_DEFAULT_MAX_HEADER_BYTES (16 * 1024)
#define HTTP_DEFAULT_MAX_BODY_BYTES (1024 * 1024)
#define HTTP_DEFAULT_HEADER_TIMEOUT_MS 10000u
#define HTTP_DEFAULT_IDLE_TIMEOUT_MS 60000u
#define HTTP_DEFAULT_MAX_CONNECTIONS 1024u

struct http_server_settings {
	const char *bind_addr; /* IPv4 or IPv6 literal, or "localhost" */
	int port;              /* 0 picks a free port: see http_server_port() */
	bool tls;
	const char *cert_path;      /* PEM chain, when tls */
	const char *key_path;       /* PEM key, when tls */
	size_t max_header_bytes;    /* request line + headers; 0: default */
	size_t max_body_bytes;      /* 0: default */
	unsigned header_timeout_ms; /* handshake + headers of a request; 0: default */
	unsigned idle_timeout_ms;   /* keep-alive idle, body and write stalls; 0: default */
	unsigned max_connections;   /* beyond it, new connections are closed; 0: default */
	bool dev_mode;              /* allows plaintext, on loopback only */
	/* Reverse proxies whose header names the client (net/proxy.h): a
	 * comma-separated list of addresses and CIDRs, NULL or "": none. */
	const char *trusted_proxies;
	bool proxy_forwarded; /* they write Forwarded (RFC 7239), not X-Forwarded-For */
};

struct http_server;

/* Binds and listens with the given settings (copied) and router (borrowed:
 * it must outlive the server). P-SEC-3: plaintext (tls=false) is refused
 * unless dev_mode is true and bind_addr is a loopback address (127.0.0.0/8
 * or ::1). Returns 0 and the server in *server_r, or -1 with a static
 * message in *error_r. */
int http_server_start(uv_loop_t *loop, const struct http_server_settings *settings,
                      struct http_router *router, struct http_server **server_r,
                      const char **error_r);

/* The TCP port actually bound (useful with port 0). */
int http_server_port(const struct http_server *server);

/* Number of open connections. */
unsigned http_server_connections(const struct http_server *server);

/* Graceful stop (SIGTERM): stops accepting, closes idle connections, lets
 * requests already received finish (their responses say Connection: close)
 * and calls done(arg) on the loop thread once no connection remains. The
 * timeouts bound how long that takes. Call at most once; free the server
 * afterwards (from done, or later). */
void http_server_drain(struct http_server *server, void (*done)(void *), void *arg);

/* Re-reads the certificate and key (SIGHUP). New connections use them;
 * open ones keep their session. On failure the old context stays and -1
 * comes back with *error_r. */
int http_server_reload_tls(struct http_server *server, const char **error_r);

/* Closes the listener and every connection at once and sets *server to
 * NULL; NULL is fine. Responses of handlers still running on the worker
 * pool are discarded when they finish. Memory is released from close
 * callbacks: keep running the loop until it has no more handles. */
void http_server_free(struct http_server **server);

#endif
