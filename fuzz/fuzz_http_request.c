/*
 * libFuzzer target: bytes from the network into the HTTP request parser and
 * the router, as the server feeds them (in pieces, requests one at a time),
 * with no sockets. The first byte picks how the input is split, so partial
 * reads are explored too.
 */
#include "net/http_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	char buf[64];
	const char *id = http_request_param(req, "id");
	(void)http_request_query(req, "q", buf, sizeof(buf));
	(void)http_request_header(req, "Authorization");
	http_response_json(resp, 200,
	                   json_pack("{s:s?,s:I}", "id", id, "len", (json_int_t)req->body_len));
}

static struct http_router *router_get(void)
{
	static struct http_router *router;
	if (router == NULL) {
		router = http_router_new();
		net_routes_builtin(router, NULL);
		http_router_add(router, "GET", "/api/v1/tenants/{id}", 0, handler, NULL);
		http_router_add(router, "POST", "/api/v1/tenants/{id}/members", 0, handler, NULL);
		http_router_add(router, "GET", "/api/v1/tenants/me", 0, handler, NULL);
	}
	return router;
}

static void dispatch(struct http_request *req)
{
	struct http_response resp = {0};
	unsigned flags = 0;
	void *ctx = NULL;
	size_t len;
	http_handler_fn *fn = http_router_match(router_get(), req, &resp, &flags, &ctx);
	if (fn != NULL)
		fn(req, &resp, ctx);
	char *out = http_response_serialize(&resp, req, req->keep_alive, &len);
	free(out);
	http_response_clear(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct http_limits limits = {
	    .max_header_bytes = 4096,
	    .max_body_bytes = 4096,
	    .max_url_bytes = 1024,
	    .max_headers = 32,
	};
	struct http_reqparser p;
	if (size == 0)
		return 0;
	size_t chunk = (size_t)data[0] % 64 + 1;
	const char *in = (const char *)data + 1;
	size_t left = size - 1;
	http_reqparser_init(&p, &limits);
	while (left > 0) {
		size_t n = left < chunk ? left : chunk, used = 0;
		enum http_parse_result r = http_reqparser_feed(&p, in, n, &used);
		if (r == HTTP_PARSE_ERROR)
			break;
		if (r == HTTP_PARSE_DONE) {
			struct http_request *req = http_reqparser_take(&p);
			dispatch(req);
			http_request_free(&req);
		}
		in += used;
		left -= used;
		if (r == HTTP_PARSE_MORE && used == 0)
			break;
	}
	http_reqparser_deinit(&p);
	return 0;
}
