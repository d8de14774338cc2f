/* Unit tests for net/http: request parser, router, responses (no sockets). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/http_internal.h"

#include <stdlib.h>
#include <string.h>

static const struct http_limits limits = {
    .max_header_bytes = 1024,
    .max_body_bytes = 64,
    .max_url_bytes = 256,
    .max_headers = 10,
};

/* Parses one request from text; returns it, or NULL with *status_r set. */
static struct http_request *parse_one(const char *text, int *status_r, const char **code_r)
{
	struct http_reqparser p;
	size_t used;
	http_reqparser_init(&p, &limits);
	enum http_parse_result r = http_reqparser_feed(&p, text, strlen(text), &used);
	struct http_request *req = NULL;
	*status_r = 0;
	if (r == HTTP_PARSE_DONE)
		req = http_reqparser_take(&p);
	else if (r == HTTP_PARSE_ERROR) {
		*status_r = p.err_status;
		if (code_r != NULL)
			*code_r = p.err_code;
	} else {
		*status_r = -1; /* incomplete */
	}
	http_reqparser_deinit(&p);
	return req;
}

static int parse_status(const char *text)
{
	int status;
	struct http_request *req = parse_one(text, &status, NULL);
	http_request_free(&req);
	return status;
}

static void test_parse_get(void **state)
{
	int status;
	char buf[64];
	struct http_request *req =
	    parse_one("GET /api/v1/a%20b?x=1&name=J%C3%B6+D&flag HTTP/1.1\r\n"
	              "Host: example\r\nX-Thing:  spaced value  \r\n\r\n",
	              &status, NULL);
	assert_non_null(req);
	assert_string_equal(req->method, "GET");
	assert_string_equal(req->path, "/api/v1/a b");
	assert_string_equal(req->query, "x=1&name=J%C3%B6+D&flag");
	assert_string_equal(http_request_header(req, "x-thing"), "spaced value");
	assert_string_equal(http_request_header(req, "HOST"), "example");
	assert_null(http_request_header(req, "Cookie"));
	assert_string_equal(http_request_query(req, "name", buf, sizeof(buf)), "J\xc3\xb6 D");
	assert_string_equal(http_request_query(req, "x", buf, sizeof(buf)), "1");
	assert_string_equal(http_request_query(req, "flag", buf, sizeof(buf)), "");
	assert_null(http_request_query(req, "missing", buf, sizeof(buf)));
	assert_null(http_request_query(req, "name", buf, 4)); /* does not fit */
	assert_int_equal(req->body_len, 0);
	assert_true(req->keep_alive);
	http_request_free(&req);
}

static void test_parse_body_and_pipelining(void **state)
{
	const char *two = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
	                  "GET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
	struct http_reqparser p;
	size_t used, off = 0, len = strlen(two);
	http_reqparser_init(&p, &limits);
	assert_int_equal(http_reqparser_feed(&p, two, len, &used), HTTP_PARSE_DONE);
	off += used;
	struct http_request *a = http_reqparser_take(&p);
	assert_string_equal(a->path, "/a");
	assert_int_equal(a->body_len, 5);
	assert_memory_equal(a->body, "hello", 5);
	assert_int_equal(http_reqparser_feed(&p, two + off, len - off, &used), HTTP_PARSE_DONE);
	off += used;
	assert_int_equal(off, len);
	struct http_request *b = http_reqparser_take(&p);
	assert_string_equal(b->path, "/b");
	assert_false(b->keep_alive);
	http_request_free(&a);
	http_request_free(&b);
	http_reqparser_deinit(&p);
}

static void test_parse_bytewise_chunked(void **state)
{
	const char *text = "PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	                   "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
	struct http_reqparser p;
	size_t used;
	enum http_parse_result r = HTTP_PARSE_MORE;
	http_reqparser_init(&p, &limits);
	for (size_t i = 0; text[i] != '\0' && r == HTTP_PARSE_MORE; i++) {
		r = http_reqparser_feed(&p, text + i, 1, &used);
		assert_int_equal(used, 1);
	}
	assert_int_equal(r, HTTP_PARSE_DONE);
	struct http_request *req = http_reqparser_take(&p);
	assert_int_equal(req->body_len, 5);
	assert_string_equal(req->body, "abcde");
	http_request_free(&req);
	http_reqparser_deinit(&p);
}

static void test_parse_limits(void **state)
{
	char big[2048];
	int status;
	const char *code = NULL;
	/* Header bytes beyond the limit: 431. */
	snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: h\r\nX: %01100d\r\n\r\n", 0);
	assert_null(parse_one(big, &status, &code));
	assert_int_equal(status, 431);
	assert_string_equal(code, "headers_too_large");
	/* Too many headers: 431. */
	assert_int_equal(
	    parse_status("GET / HTTP/1.1\r\nHost: h\r\na: 1\r\nb: 1\r\nc: 1\r\n"
	                 "d: 1\r\ne: 1\r\nf: 1\r\ng: 1\r\nh: 1\r\ni: 1\r\nj: 1\r\n\r\n"),
	    431);
	/* URL too long: 414. */
	snprintf(big, sizeof(big), "GET /%0300d HTTP/1.1\r\nHost: h\r\n\r\n", 0);
	assert_int_equal(parse_status(big), 414);
	/* Declared body too large: 413 before any body byte. */
	assert_null(
	    parse_one("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 65\r\n\r\n", &status, &code));
	assert_int_equal(status, 413);
	assert_string_equal(code, "payload_too_large");
	/* Chunked body growing past the limit: 413. */
	snprintf(big, sizeof(big),
	         "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	         "40\r\n%064d\r\n1\r\nx\r\n0\r\n\r\n",
	         0);
	assert_int_equal(parse_status(big), 413);
	/* Exactly at the limit is fine. */
	snprintf(big, sizeof(big), "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 64\r\n\r\n%064d",
	         0);
	assert_int_equal(parse_status(big), 0);
}

static void test_parse_malformed(void **state)
{
	assert_int_equal(parse_status("GARBAGE\r\n\r\n"), 400);
	assert_int_equal(parse_status("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\n\r\n"), 400); /* no Host */
	assert_int_equal(parse_status("GET /a%2Fb HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET /a/../b HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET /a/%2e%2e/b HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET /a%00 HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET /a%zz HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET h/x HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	assert_int_equal(parse_status("CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	/* absolute-form is accepted (RFC 9112 3.2.2). */
	int st;
	struct http_request *abs =
	    parse_one("GET http://h:1/x%41?q HTTP/1.1\r\nHost: h\r\n\r\n", &st, NULL);
	assert_non_null(abs);
	assert_string_equal(abs->path, "/xA");
	assert_string_equal(abs->query, "q");
	http_request_free(&abs);
	assert_int_equal(parse_status("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n"
	                              "Content-Length: 2\r\n\r\nab"),
	                 400);
	assert_int_equal(parse_status("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
	                              "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
	                 400);
	/* HTTP/1.0 needs no Host. */
	assert_int_equal(parse_status("GET / HTTP/1.0\r\n\r\n"), 0);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: h\r\n"), -1); /* incomplete */
}

static void handler_a(const struct http_request *req, struct http_response *resp, void *ctx)
{
}

static struct http_router *make_router(void)
{
	static int ctx_get, ctx_me, ctx_del, ctx_member;
	struct http_router *r = http_router_new();
	http_router_add(r, "GET", "/api/v1/tenants/{id}", 0, handler_a, &ctx_get);
	http_router_add(r, "DELETE", "/api/v1/tenants/{id}", HTTP_ROUTE_WORKER, handler_a,
	                &ctx_del);
	http_router_add(r, "GET", "/api/v1/tenants/me", 0, handler_a, &ctx_me);
	http_router_add(r, "PUT", "/api/v1/tenants/{id}/members/{uid}", HTTP_ROUTE_WORKER,
	                handler_a, &ctx_member);
	return r;
}

/* Routes method+path; returns the ctx chosen or NULL, response in resp. */
static void *route(struct http_router *router, const char *method, const char *path,
                   struct http_request *req, struct http_response *resp, unsigned *flags)
{
	void *ctx = NULL;
	memset(req, 0, sizeof(*req));
	memset(resp, 0, sizeof(*resp));
	req->method = method;
	req->path = strdup(path);
	req->query = strdup("");
	*flags = 0;
	http_handler_fn *fn = http_router_match(router, req, resp, flags, &ctx);
	assert_true((fn != NULL) == (ctx != NULL));
	return ctx;
}

static void route_done(struct http_request *req, struct http_response *resp)
{
	struct http_request *heap = malloc(sizeof(*heap));
	*heap = *req;
	http_request_free(&heap);
	http_response_clear(resp);
}

static const char *resp_header(const struct http_response *resp, const char *name)
{
	for (size_t i = 0; i < resp->n_headers; i++) {
		if (strcmp(resp->headers[i].name, name) == 0)
			return resp->headers[i].value;
	}
	return NULL;
}

static void test_router(void **state)
{
	struct http_router *r = make_router();
	struct http_request req;
	struct http_response resp;
	unsigned flags;
	int *ctx = route(r, "PUT", "/api/v1/tenants/t1/members/u%202", &req, &resp, &flags);
	assert_non_null(ctx);
	assert_true(flags & HTTP_ROUTE_WORKER);
	assert_string_equal(http_request_param(&req, "id"), "t1");
	assert_string_equal(http_request_param(&req, "uid"), "u%202"); /* path already decoded */
	assert_null(http_request_param(&req, "nope"));
	route_done(&req, &resp);
	/* The literal route wins over {id}, whatever the registration order. */
	void *me = route(r, "GET", "/api/v1/tenants/me", &req, &resp, &flags);
	assert_null(http_request_param(&req, "id"));
	route_done(&req, &resp);
	void *byid = route(r, "GET", "/api/v1/tenants/x", &req, &resp, &flags);
	assert_string_equal(http_request_param(&req, "id"), "x");
	assert_ptr_not_equal(me, byid);
	route_done(&req, &resp);
	/* HEAD falls back to GET. */
	assert_ptr_equal(route(r, "HEAD", "/api/v1/tenants/x", &req, &resp, &flags), byid);
	route_done(&req, &resp);
	/* Unknown path: 404 JSON. */
	assert_null(route(r, "GET", "/api/v1/nothing", &req, &resp, &flags));
	assert_int_equal(resp.status, 404);
	assert_memory_equal(resp.body, "{\"error\":{\"code\":\"not_found\",", 29);
	route_done(&req, &resp);
	/* Empty segment does not match {id}. */
	assert_null(route(r, "GET", "/api/v1/tenants/", &req, &resp, &flags));
	assert_int_equal(resp.status, 404);
	route_done(&req, &resp);
	/* Known path, wrong method: 405 with Allow. */
	assert_null(route(r, "POST", "/api/v1/tenants/x", &req, &resp, &flags));
	assert_int_equal(resp.status, 405);
	assert_string_equal(resp_header(&resp, "Allow"), "GET, DELETE, HEAD, OPTIONS");
	assert_non_null(strstr(resp.body, "\"method_not_allowed\""));
	route_done(&req, &resp);
	/* OPTIONS: 204 with Allow. */
	assert_null(route(r, "OPTIONS", "/api/v1/tenants/x", &req, &resp, &flags));
	assert_int_equal(resp.status, 204);
	assert_non_null(resp_header(&resp, "Allow"));
	route_done(&req, &resp);
	http_router_free(&r);
	assert_null(r);
}

static void test_response_error_exact(void **state)
{
	struct http_response resp = {0};
	http_response_error(&resp, 409, "conflict", "name \"taken\"");
	assert_int_equal(resp.status, 409);
	assert_string_equal(resp.content_type, "application/json");
	const char *want = "{\"error\":{\"code\":\"conflict\",\"message\":\"name \\\"taken\\\"\"}}";
	assert_int_equal(resp.body_len, strlen(want));
	assert_memory_equal(resp.body, want, resp.body_len);
	http_response_clear(&resp);

	http_response_json(&resp, 201, json_pack("{s:i}", "n", 1));
	assert_int_equal(resp.body_len, 7);
	assert_memory_equal(resp.body, "{\"n\":1}", 7);
	http_response_json(&resp, 200, NULL);
	assert_int_equal(resp.status, 500);
	http_response_clear(&resp);
}

static void test_response_headers_and_serialize(void **state)
{
	struct http_response resp = {0};
	struct http_request req = {.method = "HEAD", .http_major = 1, .http_minor = 1};
	http_response_set(&resp, 200, "text/plain", "hello", 5);
	http_response_header(&resp, "X-Ok", "yes");
	http_response_header(&resp, "X-Bad", "a\r\nSet-Cookie: x=1");
	http_response_header(&resp, "Bad Name", "v");
	http_response_header(&resp, "Content-Length", "1");
	for (int i = 0; i < HTTP_MAX_RESPONSE_HEADERS + 3; i++)
		http_response_header(&resp, "X-Many", "v");
	assert_int_equal(resp.n_headers, HTTP_MAX_RESPONSE_HEADERS);
	size_t len;
	char *out = http_response_serialize(&resp, &req, true, &len);
	char *text = strndup(out, len);
	assert_true(strncmp(text, "HTTP/1.1 200 OK\r\n", 17) == 0);
	assert_non_null(strstr(text, "\r\nContent-Length: 5\r\n"));
	assert_non_null(strstr(text, "\r\nX-Ok: yes\r\n"));
	assert_null(strstr(text, "Set-Cookie"));
	assert_null(strstr(text, "Connection:"));
	assert_non_null(strstr(text, "\r\nX-Content-Type-Options: nosniff\r\n"));
	assert_string_equal(text + len - 4, "\r\n\r\n"); /* HEAD: no body */
	free(text);
	free(out);
	req.method = "GET";
	out = http_response_serialize(&resp, &req, false, &len);
	assert_memory_equal(out + len - 5, "hello", 5);
	assert_non_null(strstr(out, "\r\nConnection: close\r\n"));
	free(out);
	http_response_clear(&resp);
	/* No response set: 500 JSON. */
	out = http_response_serialize(&resp, &req, true, &len);
	assert_true(strncmp(out, "HTTP/1.1 500 ", 13) == 0);
	free(out);
	http_response_clear(&resp);
}

/* The router names the pattern that matched (logged instead of the raw
 * path, which can carry ids), "-" when none did. */
static void test_router_names_route_pattern(void **state)
{
	struct http_router *r = make_router();
	struct http_request req;
	struct http_response resp;
	unsigned flags;
	assert_non_null(route(r, "PUT", "/api/v1/tenants/t1/members/u2", &req, &resp, &flags));
	assert_string_equal(req.route, "/api/v1/tenants/{id}/members/{uid}");
	route_done(&req, &resp);
	assert_null(route(r, "GET", "/api/v1/nothing/secret-id", &req, &resp, &flags));
	assert_string_equal(req.route, "-");
	route_done(&req, &resp);
	http_router_free(&r);
}

/* A request id on the response: sent as X-Request-Id and added to every
 * JSON error body (made by http_response_error or http_response_json),
 * never to other bodies; the error code is kept for the metrics. */
static void test_response_request_id(void **state)
{
	static const char id[] = "0b7e6f1c-1a2b-4c3d-8e9f-0123456789ab";
	struct http_response resp = {0};
	struct http_request req = {.method = "GET", .http_major = 1, .http_minor = 1};
	size_t len;
	memcpy(resp.request_id, id, sizeof(id));
	http_response_error(&resp, 404, "not_found", "no such resource");
	json_t *body = json_loadb(resp.body, resp.body_len, 0, NULL);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(body, "error"), "request_id")), id);
	json_decref(body);
	assert_string_equal(resp.error_code, "not_found");
	char *out = http_response_serialize(&resp, &req, true, &len);
	char *text = strndup(out, len);
	assert_non_null(strstr(text, "\r\nX-Request-Id: 0b7e6f1c-1a2b-4c3d-8e9f-0123456789ab\r\n"));
	free(text);
	free(out);
	/* an error body built by a handler */
	http_response_json(&resp, 422,
	                   json_pack("{s:{s:s, s:s, s:s}}", "error", "code", "too_soon", "message",
	                             "m", "reason", "r"));
	assert_non_null(strstr(resp.body, "\"request_id\":\"0b7e6f1c-"));
	assert_string_equal(resp.error_code, "too_soon");
	/* a plain JSON body is left alone */
	http_response_json(&resp, 200, json_pack("{s:i}", "n", 1));
	assert_int_equal(resp.body_len, 7);
	assert_string_equal(resp.error_code, "");
	http_response_clear(&resp);
	/* outside a server (no id): neither header nor field */
	http_response_error(&resp, 404, "not_found", "no such resource");
	assert_null(strstr(resp.body, "request_id"));
	out = http_response_serialize(&resp, &req, true, &len);
	text = strndup(out, len);
	assert_null(strstr(text, "X-Request-Id"));
	free(text);
	free(out);
	http_response_clear(&resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_get),
	    cmocka_unit_test(test_parse_body_and_pipelining),
	    cmocka_unit_test(test_parse_bytewise_chunked),
	    cmocka_unit_test(test_parse_limits),
	    cmocka_unit_test(test_parse_malformed),
	    cmocka_unit_test(test_router),
	    cmocka_unit_test(test_response_error_exact),
	    cmocka_unit_test(test_response_headers_and_serialize),
	    cmocka_unit_test(test_router_names_route_pattern),
	    cmocka_unit_test(test_response_request_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
