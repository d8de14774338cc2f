/*
 * net/http: HTTP/1.1 requests, responses and routing, as seen by handlers.
 *
 * A handler is a plain synchronous function that reads a request and fills
 * a response. Routes flagged HTTP_ROUTE_WORKER run on the libuv thread pool
 * (database, password hashing, anything that blocks); the others run inline
 * on the loop thread and must never block (health, metrics). The server
 * (net/server.h) parses, routes, enforces the limits and answers every
 * protocol error with a JSON error, so handlers only see well-formed
 * requests within bounds.
 *
 * JSON errors everywhere: {"error":{"code":"...","message":"..."}} with a
 * stable machine code. Codes made by this layer: not_found (404),
 * method_not_allowed (405, with Allow), payload_too_large (413),
 * uri_too_long (414), headers_too_large (431), bad_request (400),
 * request_timeout (408), not_implemented (501), internal_error (500).
 *
 * A request and its response belong to one thread at a time: the loop
 * thread, or the worker running the handler. Handlers must not keep
 * pointers into the request after they return.
 */
#ifndef IRIS_NET_HTTP_H
#define IRIS_NET_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Most headers one request may carry (more: 431). */
#define HTTP_MAX_REQUEST_HEADERS 100
/* Longest request target (more: 414). */
#define HTTP_MAX_URL_BYTES 8192
/* Most {name} segments in one route pattern. */
#define HTTP_MAX_PARAMS 8
/* Most extra headers a handler may add to one response. */
#define HTTP_MAX_RESPONSE_HEADERS 16
/* Size of a request id: a random UUIDv4 (36 characters) and its NUL. */
#define HTTP_REQUEST_ID_LEN 37
/* Longest error code kept for the metrics (http_request_errors_total). */
#define HTTP_ERROR_CODE_MAX 40

struct http_header {
	char *name;
	char *value;
};

struct http_param {
	const char *name; /* points into the route pattern */
	char *value;      /* percent-decoded segment */
};

/* A parsed request. Everything is NUL-terminated and owned by the server;
 * handlers treat it as read-only. */
struct http_request {
	const char *method;   /* "GET", "POST", ... */
	char *path;           /* percent-decoded, without the query, starts with '/' */
	char *query;          /* raw query string without '?', or "" */
	char *body;           /* NUL-terminated for convenience; may hold NULs */
	size_t body_len;      /* at most the server's max_body_bytes */
	char remote_addr[64]; /* peer IP as text; log only at debug level */
	bool tls;             /* arrived over TLS */
	/* Set by the server before the handler runs: the route pattern that
	 * matched ("/api/v1/tenants/{id}"; "-" when none did), logged instead of
	 * the raw path, which can carry ids; and this request's random id, also
	 * sent as X-Request-Id and in JSON error bodies. */
	const char *route;
	char request_id[HTTP_REQUEST_ID_LEN];
	unsigned short http_major, http_minor;

	/* Internal to net/: use the accessor functions below. */
	struct http_header *headers;
	size_t n_headers;
	struct http_param params[HTTP_MAX_PARAMS];
	size_t n_params;
	bool keep_alive;
};

/* Value of the route parameter {name}, or NULL when the matched pattern has
 * no such segment. */
const char *http_request_param(const struct http_request *req, const char *name);
/* Value of the first header called name (case-insensitive), or NULL. */
const char *http_request_header(const struct http_request *req, const char *name);
/* Percent-decodes ('+' as space) the value of the first query parameter
 * key into buf and returns buf; returns NULL when the key is absent, the
 * value does not fit in buflen (with its NUL), is badly encoded, or decodes
 * to a NUL byte. A key without '=' has the value "". */
const char *http_request_query(const struct http_request *req, const char *key, char *buf,
                               size_t buflen);

/* A response under construction. Zero-initialised by the server; handlers
 * use the functions below rather than the fields. */
struct http_response {
	int status; /* 0 until set: the server then answers 500 */
	char *content_type;
	char *body;
	size_t body_len;
	struct http_header headers[HTTP_MAX_RESPONSE_HEADERS];
	size_t n_headers;
	bool close; /* close the connection after this response */
	/* The request's id (set by the server; "" outside it): sent as
	 * X-Request-Id and added to JSON error bodies as error.request_id. */
	char request_id[HTTP_REQUEST_ID_LEN];
	/* The code of a JSON error body ("" otherwise), for the metrics. */
	char error_code[HTTP_ERROR_CODE_MAX + 1];
};

/* Sets status, content type (NULL: none) and a copy of len body bytes,
 * replacing any earlier body. */
void http_response_set(struct http_response *resp, int status, const char *content_type,
                       const void *body, size_t len);
/* Like http_response_set, but takes ownership of heap_body (malloc'd; NULL
 * with len 0 is fine) instead of copying it. */
void http_response_take(struct http_response *resp, int status, const char *content_type,
                        char *heap_body, size_t len);
/* Adds a header. Names must be tokens and values free of CR, LF and NUL;
 * headers the server manages (Content-Length, Content-Type,
 * Transfer-Encoding, Connection, Date) and headers past
 * HTTP_MAX_RESPONSE_HEADERS are refused with a warning in the log. */
void http_response_header(struct http_response *resp, const char *name, const char *value);
/* Sets a JSON body (compact) with Content-Type application/json, stealing
 * the reference to obj. A NULL obj or a failed dump gives a 500 error. An
 * error body ({"error":{"code":...}}) gets the request's id as
 * error.request_id, and its code is kept for the metrics. */
void http_response_json(struct http_response *resp, int status, json_t *obj);
/* Sets {"error":{"code":code,"message":message}} (plus request_id, as
 * http_response_json does) as application/json with the given status. */
void http_response_error(struct http_response *resp, int status, const char *code,
                         const char *message);
/* Frees the body, content type and headers and zeroes the response. */
void http_response_clear(struct http_response *resp);

typedef void http_handler_fn(const struct http_request *req, struct http_response *resp, void *ctx);

/* Run the handler on the libuv thread pool; the response is sent from the
 * loop thread when it returns. Without it the handler runs inline. */
#define HTTP_ROUTE_WORKER 0x1u

struct http_router;

/* Creates an empty router; free it with http_router_free. */
struct http_router *http_router_new(void);
/* Frees the router and sets *router to NULL; NULL is fine. No server may
 * still use it. */
void http_router_free(struct http_router **router);

/* Routes method (e.g. "GET") on pattern, a path of literal segments and
 * {name} segments ("/api/v1/tenants/{id}/members/{uid}"). A {name} segment
 * matches one non-empty path segment; http_request_param(req, "name") gives
 * it, percent-decoded. When several patterns match a path, the one with a
 * literal segment earliest wins ("/tenants/me" beats "/tenants/{id}"),
 * whatever the order of registration. HEAD is served by the GET handler
 * (body dropped) unless HEAD is routed; OPTIONS answers 204 with Allow
 * unless routed. Registering the same method and pattern twice, or a
 * malformed pattern, is a bug and calls fatal(). ctx is passed to fn. */
void http_router_add(struct http_router *router, const char *method, const char *pattern,
                     unsigned flags, http_handler_fn *fn, void *ctx);
/* Handler for paths no route matches (instead of the 404 JSON error). It
 * runs on the worker pool, since it may serve files. */
void http_router_set_fallback(struct http_router *router, http_handler_fn *fn, void *ctx);

/* Who may read GET /metrics (setting http.metrics_public). When
 * public_access is false, only peers on a loopback address (Prometheus or a
 * scraping proxy on the host) and requests operator_ok accepts (an
 * operator's token; NULL: none) get the metrics; others get 404, as if the
 * route did not exist. */
struct net_metrics_access {
	bool public_access;
	bool (*operator_ok)(const struct http_request *req, void *ctx); /* on a worker */
	void *ctx;
};
/* True when ip (text, IPv4 or IPv6, IPv4-mapped included) is a loopback
 * address. */
bool net_addr_is_loopback(const char *ip);
/* The decision for one request; access NULL: not public, no tokens. */
bool net_metrics_allowed(const struct net_metrics_access *access, const struct http_request *req);

/* Registers the built-in routes: GET /api/v1/health answering
 * {"status":"ok"}, and GET /metrics with the Prometheus text of
 * core/metrics (Content-Type "text/plain; version=0.0.4") for whom access
 * allows (it must outlive the router; NULL: loopback only). */
void net_routes_builtin(struct http_router *router, const struct net_metrics_access *access);

/* ---- upgraded connections (WebSocket, RFC 6455) ---- */

struct tls_conn;

/* What an upgraded connection hands over to its consumer. */
struct http_upgraded {
	int fd;               /* a duplicate of the socket: the consumer owns it */
	struct tls_conn *tls; /* the TLS session (NULL for plaintext), owned by the
	                       * consumer; it may already hold decrypted bytes */
	const char *rest;     /* plaintext read after the request (WebSocket bytes) */
	size_t rest_len;
	const char *remote_addr;
};
/* Takes the connection (fd and tls are the consumer's in every case). */
typedef void http_upgrade_fn(struct http_upgraded *up, void *ctx);

/* A WebSocket endpoint on the loop thread: a GET on path with a valid
 * RFC 6455 opening handshake (version 13) offering subprotocol is answered
 * 101 (Sec-WebSocket-Protocol: subprotocol) and, once that answer is
 * written, handed to fn; the HTTP layer then lets go of the connection.
 * Without the handshake: 426; without the subprotocol or with a bad key:
 * 400. path is literal; other methods get the router's usual answers. */
void http_router_set_upgrade(struct http_router *router, const char *path, const char *subprotocol,
                             http_upgrade_fn *fn, void *ctx);

/* Reason phrase for a status code ("Not Found"), or "Unknown". */
const char *http_status_reason(int status);

#endif
