/*
 * net/http_internal: the request parser, route matching and response
 * serialisation, shared by net/server.c, the unit tests and the fuzz
 * target. Not part of the module's contract.
 */
#ifndef IRIS_NET_HTTP_INTERNAL_H
#define IRIS_NET_HTTP_INTERNAL_H

#include "net/http.h"

#include <http_parser.h>
#include <stdint.h>

struct http_limits {
	size_t max_header_bytes; /* request line + headers */
	size_t max_body_bytes;
	size_t max_url_bytes;
	unsigned max_headers;
};

enum http_parse_result {
	HTTP_PARSE_MORE,  /* all input consumed, request not complete yet */
	HTTP_PARSE_DONE,  /* a request is complete: http_reqparser_take() */
	HTTP_PARSE_ERROR, /* answer err_status / err_code, then close */
};

/* Incremental parser for the requests of one connection, one at a time. */
struct http_reqparser {
	http_parser parser;
	struct http_limits limits;
	struct http_request *req; /* being parsed, or complete */
	char *url;
	size_t url_len;
	char *field; /* header name being received */
	size_t field_len;
	char *value; /* header value being received */
	size_t value_len;
	bool in_value;
	size_t header_bytes;
	size_t body_cap;
	bool started;          /* some byte of the current request arrived */
	bool headers_complete; /* the current request's headers are complete */
	bool complete;         /* the current request is complete */
	int err_status;
	const char *err_code;
	const char *err_message;
};

/* Prepares p; limits are copied. */
void http_reqparser_init(struct http_reqparser *p, const struct http_limits *limits);
/* Frees whatever p holds (a partial or untaken request). */
void http_reqparser_deinit(struct http_reqparser *p);
/* Parses up to len bytes and stops after a complete request, so pipelined
 * requests come out one at a time. *consumed_r says how many bytes were
 * used; the rest must be fed again after http_reqparser_take(). After
 * HTTP_PARSE_ERROR the parser is unusable. */
enum http_parse_result http_reqparser_feed(struct http_reqparser *p, const char *data, size_t len,
                                           size_t *consumed_r);
/* Hands the completed request to the caller (free with http_request_free)
 * and readies p for the next one. */
struct http_request *http_reqparser_take(struct http_reqparser *p);

/* Frees a request and sets *req to NULL; NULL is fine. */
void http_request_free(struct http_request **req);

/* Decodes %XX escapes of in[0..len) into a new string; plus_is_space for
 * query strings. Returns NULL on a bad escape or a decoded NUL. */
char *http_percent_decode(const char *in, size_t len, bool plus_is_space);

/* Finds the route for req. Returns the handler (and sets *flags_r, *ctx_r,
 * the request's params and req->route, the matched pattern, "-" when none
 * matched), or NULL when resp has been filled already
 * (404, 405, OPTIONS). A fallback handler comes back with
 * HTTP_ROUTE_WORKER set. */
http_handler_fn *http_router_match(const struct http_router *router, struct http_request *req,
                                   struct http_response *resp, unsigned *flags_r, void **ctx_r);

/* The upgrade endpoint registered for path, or NULL. */
struct http_upgrade_route {
	char *path;
	char *subprotocol;
	http_upgrade_fn *fn;
	void *ctx;
};
const struct http_upgrade_route *http_router_upgrade(const struct http_router *router,
                                                     const char *path);

/* Serialises status line, headers and body (none for HEAD, 1xx, 204 and
 * 304) into a new buffer the caller frees; keep_alive picks the Connection
 * header. A response with status 0 is first turned into a 500 error. */
char *http_response_serialize(struct http_response *resp, const struct http_request *req,
                              bool keep_alive, size_t *len_r);

#endif
