/*
 * Unit tests for net/server: a real server on 127.0.0.1 (ephemeral port) in
 * a loop thread, driven by libcurl, raw sockets and an OpenSSL client.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/metrics.h"
#include "net/server.h"
#include "net/tls.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- the server under test, in its own loop thread ---- */

enum srv_cmd { CMD_NONE, CMD_DRAIN, CMD_RELOAD, CMD_STOP };

struct srv {
	pthread_t thread;
	uv_loop_t loop;
	uv_async_t async;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct http_server_settings settings;
	struct http_router *router;
	struct http_server *server;
	int port;
	int start_rc;
	const char *start_error;
	bool ready;
	enum srv_cmd cmd;
	bool cmd_done;
	int cmd_rc;
	const char *cmd_error;
	atomic_bool drained;
};

static char cert_path[128], key_path[128], tmp_dir[64];
static atomic_int slow_done;
static pthread_t loop_thread_id;

static void slow_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	char buf[16];
	const char *ms = http_request_query(req, "ms", buf, sizeof(buf));
	usleep((useconds_t)(ms != NULL ? atoi(ms) : 300) * 1000);
	http_response_set(resp, 200, "text/plain", "slow", 4);
	atomic_fetch_add(&slow_done, 1);
}

static void fast_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	http_response_set(resp, 200, "text/plain", "fast", 4);
}

static void thread_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	const char *where = pthread_equal(pthread_self(), loop_thread_id) ? "loop" : "worker";
	http_response_set(resp, 200, "text/plain", where, strlen(where));
}

static void echo_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	json_t *o = json_pack("{s:i,s:s,s:b}", "len", (int)req->body_len, "id",
	                      http_request_param(req, "id"), "tls", req->tls);
	http_response_json(resp, 201, o);
}

static void drained_cb(void *arg)
{
	struct srv *s = arg;
	atomic_store(&s->drained, true);
}

static void srv_async(uv_async_t *async)
{
	struct srv *s = async->data;
	pthread_mutex_lock(&s->mu);
	switch (s->cmd) {
	case CMD_DRAIN:
		http_server_drain(s->server, drained_cb, s);
		break;
	case CMD_RELOAD:
		s->cmd_rc = http_server_reload_tls(s->server, &s->cmd_error);
		break;
	case CMD_STOP:
		http_server_free(&s->server);
		uv_close((uv_handle_t *)&s->async, NULL);
		break;
	case CMD_NONE:
		break;
	}
	s->cmd = CMD_NONE;
	s->cmd_done = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

static void *srv_main(void *arg)
{
	struct srv *s = arg;
	loop_thread_id = pthread_self();
	uv_loop_init(&s->loop);
	uv_async_init(&s->loop, &s->async, srv_async);
	s->async.data = s;
	s->start_rc =
	    http_server_start(&s->loop, &s->settings, s->router, &s->server, &s->start_error);
	pthread_mutex_lock(&s->mu);
	s->port = s->start_rc == 0 ? http_server_port(s->server) : 0;
	s->ready = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (s->start_rc < 0)
		uv_close((uv_handle_t *)&s->async, NULL);
	uv_run(&s->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&s->loop), 0); /* every handle was closed */
	return NULL;
}

static struct http_server_settings default_settings(bool tls)
{
	struct http_server_settings st = {
	    .bind_addr = "127.0.0.1",
	    .port = 0,
	    .tls = tls,
	    .cert_path = cert_path,
	    .key_path = key_path,
	    .max_header_bytes = 4096,
	    .max_body_bytes = 1024,
	    .header_timeout_ms = 2000,
	    .idle_timeout_ms = 2000,
	    .max_connections = 64,
	    .dev_mode = !tls,
	};
	return st;
}

static struct srv *srv_start(const struct http_server_settings *st)
{
	struct srv *s = calloc(1, sizeof(*s));
	s->settings = *st;
	s->router = http_router_new();
	net_routes_builtin(s->router, NULL);
	http_router_add(s->router, "GET", "/slow", HTTP_ROUTE_WORKER, slow_handler, NULL);
	http_router_add(s->router, "GET", "/fast", 0, fast_handler, NULL);
	http_router_add(s->router, "GET", "/thread", HTTP_ROUTE_WORKER, thread_handler, NULL);
	http_router_add(s->router, "POST", "/echo/{id}", HTTP_ROUTE_WORKER, echo_handler, NULL);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	assert_int_equal(pthread_create(&s->thread, NULL, srv_main, s), 0);
	pthread_mutex_lock(&s->mu);
	while (!s->ready)
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
	if (s->start_rc != 0)
		fprintf(stderr, "start: %s\n", s->start_error);
	assert_int_equal(s->start_rc, 0);
	return s;
}

static int srv_command(struct srv *s, enum srv_cmd cmd)
{
	pthread_mutex_lock(&s->mu);
	s->cmd = cmd;
	s->cmd_done = false;
	uv_async_send(&s->async);
	while (!s->cmd_done)
		pthread_cond_wait(&s->cv, &s->mu);
	int rc = s->cmd_rc;
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static void srv_stop(struct srv *s)
{
	srv_command(s, CMD_STOP);
	pthread_join(s->thread, NULL);
	http_router_free(&s->router);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}

/* ---- clients ---- */

static int tcp_connect(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void send_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		assert_true(n > 0);
		data += n;
		len -= (size_t)n;
	}
}

/* Reads until the peer closes, until want bytes, or timeout_ms without data.
 * Returns the length read; *closed_r says whether EOF (or reset) was seen. */
static size_t recv_until(int fd, char *buf, size_t cap, size_t want, int timeout_ms, bool *closed_r)
{
	size_t len = 0;
	*closed_r = false;
	while (len < cap - 1 && len < want) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, timeout_ms) <= 0)
			break;
		ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
		if (n <= 0) {
			*closed_r = true;
			break;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	return len;
}

/* Sends a raw request and reads the full response (connection closed by
 * the server, or a complete response within the timeout). */
static size_t raw_exchange(int port, const char *req, size_t req_len, char *buf, size_t cap,
                           bool *closed_r)
{
	int fd = tcp_connect(port);
	assert_true(fd >= 0);
	send_all(fd, req, req_len);
	size_t n = recv_until(fd, buf, cap, cap, 3000, closed_r);
	close(fd);
	return n;
}

static int count_occurrences(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

struct curl_result {
	long status;
	char body[8192];
	size_t body_len;
	char headers[4096];
	size_t headers_len;
};

static size_t curl_body(char *ptr, size_t size, size_t n, void *arg)
{
	struct curl_result *r = arg;
	size_t len = size * n;
	if (r->body_len + len < sizeof(r->body)) {
		memcpy(r->body + r->body_len, ptr, len);
		r->body_len += len;
		r->body[r->body_len] = '\0';
	}
	return len;
}

static size_t curl_header(char *ptr, size_t size, size_t n, void *arg)
{
	struct curl_result *r = arg;
	size_t len = size * n;
	if (r->headers_len + len < sizeof(r->headers)) {
		memcpy(r->headers + r->headers_len, ptr, len);
		r->headers_len += len;
		r->headers[r->headers_len] = '\0';
	}
	return len;
}

static CURL *curl_new(void)
{
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_CAINFO, cert_path);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	return c;
}

static CURLcode curl_run(CURL *c, const char *url, struct curl_result *r)
{
	memset(r, 0, sizeof(*r));
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, curl_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, curl_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	return rc;
}

static long curl_get(int port, const char *path, struct curl_result *r)
{
	char url[256];
	snprintf(url, sizeof(url), "https://127.0.0.1:%d%s", port, path);
	CURL *c = curl_new();
	CURLcode rc = curl_run(c, url, r);
	curl_easy_cleanup(c);
	assert_int_equal(rc, CURLE_OK);
	return r->status;
}

/* A TLS handshake over TCP with the client pinned to one version. Returns
 * 1 on success, 0 when refused; *fingerprint gets the server certificate's
 * SHA-256 when not NULL. */
static int tls_handshake(int port, int version, unsigned char fingerprint[32])
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_security_level(ctx, 0); /* the refusal must come from the server */
	SSL_CTX_set_min_proto_version(ctx, version);
	SSL_CTX_set_max_proto_version(ctx, version);
	SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
	SSL_CTX_load_verify_locations(ctx, cert_path, NULL);
	SSL_CTX_set_verify(ctx, fingerprint == NULL ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	int fd = tcp_connect(port);
	assert_true(fd >= 0);
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	int ok = SSL_connect(ssl) == 1;
	if (ok && fingerprint != NULL) {
		X509 *peer = SSL_get1_peer_certificate(ssl);
		unsigned int n = 32;
		X509_digest(peer, EVP_sha256(), fingerprint, &n);
		X509_free(peer);
	}
	if (ok)
		SSL_shutdown(ssl);
	SSL_free(ssl);
	close(fd);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

static int64_t metric(const char *name)
{
	return metrics_value(metrics_counter(name, ""));
}

static void sleep_ms(int ms)
{
	usleep((useconds_t)ms * 1000);
}

/* ---- cases ---- */

/* P-SEC-3: the live listener accepts TLS 1.3 and 1.2 and refuses 1.1 and
 * 1.0, even from a client willing to use them. */
static void test_tls_versions(void **state)
{
	struct http_server_settings st = default_settings(true);
	struct srv *s = srv_start(&st);
	int64_t failures = metric("tls_handshake_failures_total");
	assert_int_equal(tls_handshake(s->port, TLS1_3_VERSION, NULL), 1);
	assert_int_equal(tls_handshake(s->port, TLS1_2_VERSION, NULL), 1);
	assert_int_equal(tls_handshake(s->port, TLS1_1_VERSION, NULL), 0);
	assert_int_equal(tls_handshake(s->port, TLS1_VERSION, NULL), 0);
	sleep_ms(100);
	assert_true(metric("tls_handshake_failures_total") >= failures + 2);
	/* Plain HTTP sent to the TLS port is a failed handshake, not a crash. */
	char buf[256];
	bool closed;
	const char req[] = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
	raw_exchange(s->port, req, sizeof(req) - 1, buf, sizeof(buf), &closed);
	assert_true(closed);
	assert_null(strstr(buf, "HTTP/1.1 200"));
	srv_stop(s);
}

static bool token_says_operator(const struct http_request *req, void *ctx)
{
	const char *h = http_request_header(req, "Authorization");
	return h != NULL && strcmp(h, ctx) == 0;
}

/* P-SEC-1 */
/* /metrics without http.metrics_public: loopback peers (IPv4, IPv6,
 * IPv4-mapped) and operators' tokens only; any other source is refused.
 * The test servers listen on 127.0.0.1 only, so the decision is tested
 * here with the peer addresses a public listener would see. */
static void test_metrics_access_decision(void **state)
{
	static char name[] = "Authorization", op_value[] = "Bearer op",
	            user_value[] = "Bearer user";
	struct http_header op = {name, op_value};
	struct http_header other = {name, user_value};
	struct http_request req = {.method = "GET", .path = "/metrics"};
	struct net_metrics_access closed = {false, NULL, NULL};
	struct net_metrics_access tokens = {false, token_says_operator, "Bearer op"};
	struct net_metrics_access open = {true, NULL, NULL};
	static const char *const loop[] = {"127.0.0.1", "127.9.8.7", "::1", "::ffff:127.0.0.1"};
	static const char *const away[] = {
	    "192.0.2.7", "10.0.0.1",  "2001:db8::1", "::ffff:192.0.2.7",
	    "",          "128.0.0.1", "::2",         "garbage"};
	for (size_t i = 0; i < sizeof(loop) / sizeof(loop[0]); i++) {
		snprintf(req.remote_addr, sizeof(req.remote_addr), "%s", loop[i]);
		assert_true(net_addr_is_loopback(loop[i]));
		assert_true(net_metrics_allowed(NULL, &req));
		assert_true(net_metrics_allowed(&closed, &req));
	}
	for (size_t i = 0; i < sizeof(away) / sizeof(away[0]); i++) {
		snprintf(req.remote_addr, sizeof(req.remote_addr), "%s", away[i]);
		assert_false(net_addr_is_loopback(away[i]));
		req.headers = NULL;
		req.n_headers = 0;
		assert_false(net_metrics_allowed(NULL, &req));
		assert_false(net_metrics_allowed(&closed, &req));
		assert_false(net_metrics_allowed(&tokens, &req));
		assert_true(net_metrics_allowed(&open, &req));
		req.headers = &other;
		req.n_headers = 1;
		assert_false(net_metrics_allowed(&tokens, &req));
		req.headers = &op;
		assert_true(net_metrics_allowed(&tokens, &req));
		assert_false(net_metrics_allowed(&closed, &req));
	}
}

static void test_health_and_metrics(void **state)
{
	struct http_server_settings st = default_settings(true);
	struct srv *s = srv_start(&st);
	struct curl_result r;
	assert_int_equal(curl_get(s->port, "/api/v1/health", &r), 200);
	assert_string_equal(r.body, "{\"status\":\"ok\"}");
	assert_non_null(strstr(r.headers, "Content-Type: application/json\r\n"));
	assert_int_equal(curl_get(s->port, "/metrics", &r), 200);
	assert_non_null(strstr(r.headers, "Content-Type: text/plain; version=0.0.4"));
	assert_non_null(strstr(r.body, "# TYPE http_requests_total counter\n"));
	assert_non_null(strstr(r.body, "http_requests_total{class=\"2xx\"} "));
	assert_non_null(strstr(r.body, "# TYPE http_connections_active gauge\n"));
	assert_non_null(strstr(r.body, "# TYPE tls_handshake_failures_total counter\n"));
	/* POST with a route parameter, on a worker, over TLS. */
	CURL *c = curl_new();
	char url[128];
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/echo/abc", s->port);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, "12345");
	assert_int_equal(curl_run(c, url, &r), CURLE_OK);
	assert_int_equal(r.status, 201);
	assert_string_equal(r.body, "{\"len\":5,\"id\":\"abc\",\"tls\":true}");
	curl_easy_cleanup(c);
	srv_stop(s);
}

static void test_json_errors(void **state)
{
	struct http_server_settings st = default_settings(true);
	struct srv *s = srv_start(&st);
	struct curl_result r;
	assert_int_equal(curl_get(s->port, "/nope", &r), 404);
	/* the request's id: in X-Request-Id and in the error body, the same */
	const char *h = strstr(r.headers, "X-Request-Id: ");
	assert_non_null(h);
	char want[256];
	snprintf(want, sizeof(want),
	         "{\"error\":{\"code\":\"not_found\",\"message\":\"no such resource\","
	         "\"request_id\":\"%.36s\"}}",
	         h + 14);
	assert_string_equal(r.body, want);
	assert_non_null(strstr(r.headers, "Content-Type: application/json\r\n"));
	/* Known path, wrong method. */
	CURL *c = curl_new();
	char url[128];
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/fast", s->port);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
	assert_int_equal(curl_run(c, url, &r), CURLE_OK);
	assert_int_equal(r.status, 405);
	assert_non_null(strstr(r.headers, "Allow: GET, HEAD, OPTIONS\r\n"));
	assert_non_null(strstr(r.body, "\"code\":\"method_not_allowed\""));
	curl_easy_cleanup(c);
	/* Body over max_body_bytes (1024): 413, even while curl is sending. */
	static char big[64 * 1024];
	memset(big, 'a', sizeof(big));
	c = curl_new();
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/echo/x", s->port);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, big);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)sizeof(big));
	CURLcode rc = curl_run(c, url, &r);
	assert_true(rc == CURLE_OK || rc == CURLE_SEND_ERROR);
	assert_int_equal(r.status, 413);
	assert_non_null(strstr(r.body, "\"code\":\"payload_too_large\""));
	curl_easy_cleanup(c);
	/* HEAD of a GET route: headers only, with the GET length. */
	c = curl_new();
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/fast", s->port);
	curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	assert_int_equal(curl_run(c, url, &r), CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.headers, "Content-Length: 4\r\n"));
	assert_int_equal(r.body_len, 0);
	curl_easy_cleanup(c);
	srv_stop(s);
}

static void test_raw_errors(void **state)
{
	struct http_server_settings st = default_settings(false);
	struct srv *s = srv_start(&st);
	char buf[8192], req[16384];
	bool closed;
	/* Headers over max_header_bytes (4096): 431, then close. */
	int n = snprintf(req, sizeof(req),
	                 "GET /fast HTTP/1.1\r\nHost: x\r\nX-Big: %05000d\r\n\r\n", 0);
	raw_exchange(s->port, req, (size_t)n, buf, sizeof(buf), &closed);
	assert_true(strncmp(buf, "HTTP/1.1 431 ", 13) == 0);
	assert_non_null(strstr(buf, "\r\nConnection: close\r\n"));
	assert_non_null(strstr(buf, "{\"error\":{\"code\":\"headers_too_large\""));
	assert_true(closed);
	/* Garbage: 400. */
	const char garbage[] = "\x01\x02 nonsense\r\n\r\n";
	raw_exchange(s->port, garbage, sizeof(garbage) - 1, buf, sizeof(buf), &closed);
	assert_true(strncmp(buf, "HTTP/1.1 400 ", 13) == 0);
	assert_non_null(strstr(buf, "\"code\":\"bad_request\""));
	assert_true(closed);
	/* Missing Host in HTTP/1.1: 400. */
	const char nohost[] = "GET /fast HTTP/1.1\r\n\r\n";
	raw_exchange(s->port, nohost, sizeof(nohost) - 1, buf, sizeof(buf), &closed);
	assert_true(strncmp(buf, "HTTP/1.1 400 ", 13) == 0);
	/* Declared body too large: 413 without reading it. */
	const char huge[] = "POST /echo/x HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n";
	raw_exchange(s->port, huge, sizeof(huge) - 1, buf, sizeof(buf), &closed);
	assert_true(strncmp(buf, "HTTP/1.1 413 ", 13) == 0);
	assert_true(closed);
	/* URL too long: 414. */
	n = snprintf(req, sizeof(req), "GET /%08200d HTTP/1.1\r\nHost: x\r\n\r\n", 0);
	raw_exchange(s->port, req, (size_t)n, buf, sizeof(buf), &closed);
	assert_true(strncmp(buf, "HTTP/1.1 414 ", 13) == 0 ||
	            strncmp(buf, "HTTP/1.1 431 ", 13) == 0);
	/* HTTP/1.0 without keep-alive: answered, then closed. */
	const char old[] = "GET /fast HTTP/1.0\r\n\r\n";
	raw_exchange(s->port, old, sizeof(old) - 1, buf, sizeof(buf), &closed);
	assert_true(strncmp(buf, "HTTP/1.1 200 ", 13) == 0);
	assert_true(closed);
	srv_stop(s);
}

static void test_timeouts(void **state)
{
	struct http_server_settings st = default_settings(false);
	st.header_timeout_ms = 300;
	st.idle_timeout_ms = 400;
	struct srv *s = srv_start(&st);
	char buf[4096];
	bool closed;
	int64_t before = metric("http_timeouts_total");
	/* Headers that never finish: 408, then close. */
	int fd = tcp_connect(s->port);
	send_all(fd, "GET /fast HTTP/1.1\r\nHost:", 25);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	recv_until(fd, buf, sizeof(buf), sizeof(buf), 3000, &closed);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(fd);
	assert_true(strncmp(buf, "HTTP/1.1 408 ", 13) == 0);
	assert_non_null(strstr(buf, "\"code\":\"request_timeout\""));
	assert_true(closed);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_in_range(ms, 200, 2500);
	/* A body that stalls: 408 after the idle deadline. */
	fd = tcp_connect(s->port);
	const char partial[] = "POST /echo/x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc";
	send_all(fd, partial, sizeof(partial) - 1);
	recv_until(fd, buf, sizeof(buf), sizeof(buf), 3000, &closed);
	close(fd);
	assert_true(strncmp(buf, "HTTP/1.1 408 ", 13) == 0);
	assert_true(closed);
	/* A connection that says nothing: closed without a response. */
	fd = tcp_connect(s->port);
	size_t n = recv_until(fd, buf, sizeof(buf), sizeof(buf), 3000, &closed);
	close(fd);
	assert_int_equal(n, 0);
	assert_true(closed);
	assert_true(metric("http_timeouts_total") >= before + 2);
	srv_stop(s);
}

static void test_keepalive(void **state)
{
	struct http_server_settings st = default_settings(true);
	struct srv *s = srv_start(&st);
	CURL *c = curl_new();
	char url[128];
	struct curl_result r;
	for (int i = 0; i < 4; i++) {
		snprintf(url, sizeof(url), "https://127.0.0.1:%d/%s", s->port,
		         i % 2 ? "fast" : "api/v1/health");
		assert_int_equal(curl_run(c, url, &r), CURLE_OK);
		assert_int_equal(r.status, 200);
		long connects = -1;
		curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
		assert_int_equal(connects, i == 0 ? 1 : 0); /* one connection reused */
	}
	curl_easy_cleanup(c);
	srv_stop(s);
}

static void test_pipelining_in_order(void **state)
{
	struct http_server_settings st = default_settings(false);
	struct srv *s = srv_start(&st);
	const char reqs[] = "GET /slow?ms=200 HTTP/1.1\r\nHost: x\r\n\r\n"
	                    "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"
	                    "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n"
	                    "GET /thread HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	char buf[8192];
	bool closed;
	raw_exchange(s->port, reqs, sizeof(reqs) - 1, buf, sizeof(buf), &closed);
	assert_true(closed);
	assert_int_equal(count_occurrences(buf, "HTTP/1.1 200 OK\r\n"), 4);
	const char *a = strstr(buf, "\r\n\r\nslow");
	const char *b = strstr(buf, "\r\n\r\nfast");
	const char *c = strstr(buf, "{\"status\":\"ok\"}");
	const char *d = strstr(buf, "\r\n\r\nworker");
	assert_true(a != NULL && b != NULL && c != NULL && d != NULL);
	assert_true(a < b && b < c && c < d);
	srv_stop(s);
}

static void test_worker_pool(void **state)
{
	struct http_server_settings st = default_settings(true);
	struct srv *s = srv_start(&st);
	struct curl_result r;
	assert_int_equal(curl_get(s->port, "/thread", &r), 200);
	assert_string_equal(r.body, "worker");
	srv_stop(s);
}

/* The peer leaves while a worker runs its handler: the response is dropped,
 * nothing is touched after free (ASan), and the server keeps serving. */
static void test_close_during_worker(void **state)
{
	struct http_server_settings st = default_settings(false);
	struct srv *s = srv_start(&st);
	int done_before = atomic_load(&slow_done);
	int64_t discarded = metric("http_responses_discarded_total");
	const char req[] = "GET /slow?ms=300 HTTP/1.1\r\nHost: x\r\n\r\n";
	/* Reset (RST) while the worker runs. */
	int fd = tcp_connect(s->port);
	send_all(fd, req, sizeof(req) - 1);
	sleep_ms(50);
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	/* Orderly close (FIN) while the worker runs. */
	fd = tcp_connect(s->port);
	send_all(fd, req, sizeof(req) - 1);
	sleep_ms(50);
	close(fd);
	sleep_ms(700);
	assert_int_equal(atomic_load(&slow_done), done_before + 2);
	assert_true(metric("http_responses_discarded_total") >= discarded + 1);
	char buf[1024];
	bool closed;
	const char health[] = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	raw_exchange(s->port, health, sizeof(health) - 1, buf, sizeof(buf), &closed);
	assert_true(strncmp(buf, "HTTP/1.1 200 ", 13) == 0);
	/* Stopping the server while a worker runs is also safe. */
	fd = tcp_connect(s->port);
	send_all(fd, req, sizeof(req) - 1);
	sleep_ms(50);
	srv_stop(s);
	close(fd);
}

static int try_start(uv_loop_t *loop, const char *addr, bool tls, bool dev, const char **error_r)
{
	struct http_server_settings st = default_settings(tls);
	struct http_router *router = http_router_new();
	struct http_server *server = NULL;
	st.bind_addr = addr;
	st.dev_mode = dev;
	*error_r = NULL;
	int rc = http_server_start(loop, &st, router, &server, error_r);
	http_server_free(&server);
	uv_run(loop, UV_RUN_DEFAULT);
	http_router_free(&router);
	return rc;
}

/* P-SEC-3: plaintext HTTP only in development mode and only on loopback. */
static void test_plaintext_refused(void **state)
{
	uv_loop_t loop;
	const char *error;
	uv_loop_init(&loop);
	assert_int_equal(try_start(&loop, "127.0.0.1", false, false, &error), -1);
	assert_non_null(strstr(error, "P-SEC-3"));
	assert_int_equal(try_start(&loop, "0.0.0.0", false, true, &error), -1);
	assert_non_null(strstr(error, "loopback"));
	assert_int_equal(try_start(&loop, "192.0.2.1", false, true, &error), -1);
	assert_non_null(strstr(error, "loopback"));
	assert_int_equal(try_start(&loop, "::", false, true, &error), -1);
	assert_non_null(strstr(error, "loopback"));
	assert_int_equal(try_start(&loop, "not-an-address", false, true, &error), -1);
	/* Allowed: development mode on loopback, and TLS anywhere. */
	assert_int_equal(try_start(&loop, "127.0.0.1", false, true, &error), 0);
	assert_int_equal(try_start(&loop, "127.8.9.10", false, true, &error), 0);
	assert_int_equal(try_start(&loop, "localhost", false, true, &error), 0);
	if (try_start(&loop, "::1", false, true, &error) < 0)
		assert_null(strstr(error, "P-SEC-3")); /* no IPv6 here: a bind error */
	assert_int_equal(try_start(&loop, "0.0.0.0", true, false, &error), 0);
	/* TLS with a missing key fails cleanly. */
	struct http_server_settings st = default_settings(true);
	struct http_router *router = http_router_new();
	struct http_server *server = NULL;
	st.key_path = "/nonexistent/key.pem";
	assert_int_equal(http_server_start(&loop, &st, router, &server, &error), -1);
	assert_null(server);
	http_router_free(&router);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_drain(void **state)
{
	struct http_server_settings st = default_settings(false);
	struct srv *s = srv_start(&st);
	char buf[4096];
	bool closed;
	/* An idle keep-alive connection. */
	int idle = tcp_connect(s->port);
	const char fast[] = "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n";
	send_all(idle, fast, sizeof(fast) - 1);
	recv_until(idle, buf, sizeof(buf), 1, 2000, &closed);
	sleep_ms(50);
	/* A request in flight on a worker. */
	int busy = tcp_connect(s->port);
	const char slow[] = "GET /slow?ms=500 HTTP/1.1\r\nHost: x\r\n\r\n";
	send_all(busy, slow, sizeof(slow) - 1);
	sleep_ms(100);
	srv_command(s, CMD_DRAIN);
	/* The idle connection is closed at once. */
	size_t n = recv_until(idle, buf, sizeof(buf), sizeof(buf), 1000, &closed);
	assert_int_equal(n, 0);
	assert_true(closed);
	close(idle);
	/* No new connections. */
	int late = tcp_connect(s->port);
	assert_int_equal(late, -1);
	assert_false(atomic_load(&s->drained));
	/* The in-flight request completes, says close, and the drain ends. */
	recv_until(busy, buf, sizeof(buf), sizeof(buf), 3000, &closed);
	close(busy);
	assert_true(strncmp(buf, "HTTP/1.1 200 ", 13) == 0);
	assert_non_null(strstr(buf, "\r\nConnection: close\r\n"));
	assert_non_null(strstr(buf, "\r\n\r\nslow"));
	assert_true(closed);
	for (int i = 0; i < 100 && !atomic_load(&s->drained); i++)
		sleep_ms(20);
	assert_true(atomic_load(&s->drained));
	srv_stop(s);
}

static void test_reload_tls(void **state)
{
	struct http_server_settings st = default_settings(true);
	struct srv *s = srv_start(&st);
	unsigned char before[32], after[32], again[32];
	const char *error = NULL;
	assert_int_equal(tls_handshake(s->port, TLS1_3_VERSION, before), 1);
	/* A new certificate at the same paths, picked up on reload. */
	assert_int_equal(tls_selfsigned_create(cert_path, key_path, "localhost", &error), 0);
	assert_int_equal(srv_command(s, CMD_RELOAD), 0);
	assert_int_equal(tls_handshake(s->port, TLS1_3_VERSION, after), 1);
	assert_memory_not_equal(before, after, 32);
	/* A broken certificate: reload fails, the loaded one stays. */
	FILE *f = fopen(cert_path, "w");
	fputs("not a certificate\n", f);
	fclose(f);
	assert_int_equal(srv_command(s, CMD_RELOAD), -1);
	assert_non_null(s->cmd_error);
	assert_int_equal(tls_handshake(s->port, TLS1_3_VERSION, again), 1);
	assert_memory_equal(after, again, 32);
	srv_stop(s);
	/* Restore a valid pair for the other cases. */
	assert_int_equal(tls_selfsigned_create(cert_path, key_path, "localhost", &error), 0);
}

static void test_max_connections(void **state)
{
	struct http_server_settings st = default_settings(false);
	st.max_connections = 2;
	struct srv *s = srv_start(&st);
	int64_t rejected = metric("http_connections_rejected_total");
	int a = tcp_connect(s->port), b = tcp_connect(s->port);
	sleep_ms(100);
	int c = tcp_connect(s->port);
	char buf[256];
	bool closed;
	size_t n = recv_until(c, buf, sizeof(buf), sizeof(buf), 2000, &closed);
	assert_int_equal(n, 0);
	assert_true(closed);
	assert_true(metric("http_connections_rejected_total") >= rejected + 1);
	close(a);
	close(b);
	close(c);
	sleep_ms(100);
	const char health[] = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	raw_exchange(s->port, health, sizeof(health) - 1, buf, sizeof(buf), &closed);
	assert_true(strncmp(buf, "HTTP/1.1 200 ", 13) == 0);
	srv_stop(s);
}

static int group_setup(void **state)
{
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/iris-test-net-XXXXXX");
	if (mkdtemp(tmp_dir) == NULL)
		return -1;
	snprintf(cert_path, sizeof(cert_path), "%s/cert.pem", tmp_dir);
	snprintf(key_path, sizeof(key_path), "%s/key.pem", tmp_dir);
	const char *error = NULL;
	if (tls_selfsigned_create(cert_path, key_path, "localhost", &error) < 0)
		return -1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return 0;
}

static int group_teardown(void **state)
{
	curl_global_cleanup();
	unlink(cert_path);
	unlink(key_path);
	rmdir(tmp_dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tls_versions),
	    cmocka_unit_test(test_health_and_metrics),
	    cmocka_unit_test(test_metrics_access_decision),
	    cmocka_unit_test(test_json_errors),
	    cmocka_unit_test(test_raw_errors),
	    cmocka_unit_test(test_timeouts),
	    cmocka_unit_test(test_keepalive),
	    cmocka_unit_test(test_pipelining_in_order),
	    cmocka_unit_test(test_worker_pool),
	    cmocka_unit_test(test_close_during_worker),
	    cmocka_unit_test(test_plaintext_refused),
	    cmocka_unit_test(test_drain),
	    cmocka_unit_test(test_reload_tls),
	    cmocka_unit_test(test_max_connections),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
