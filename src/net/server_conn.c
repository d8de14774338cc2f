/*
 * net/server_conn: one HTTP connection: read, (decrypt), parse, dispatch,
 * respond in order, enforce deadlines, close (server_internal.h).
 *
 * Ownership: a connection holds two libuv handles (tcp, timer) and, while a
 * worker runs its handler, one more reference for the job. Closing marks it
 * CONN_CLOSED and closes the handles; memory goes with the last reference,
 * so a worker finishing after the peer left finds the connection closed,
 * discards its response, and drops its reference.
 */
#include "net/server_internal.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/xalloc.h"
#include "net/ws.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct http_job {
	uv_work_t work;
	struct http_conn *conn;
	struct http_request *req;
	struct http_response resp;
	http_handler_fn *fn;
	void *ctx;
	uint64_t start_ms;
};

struct conn_write {
	uv_write_t req;
	struct http_conn *conn;
	char *data;
};

static void conn_pump(struct http_conn *conn);
static void conn_update_reading(struct http_conn *conn);

static void conn_unref(struct http_conn *conn)
{
	if (--conn->refs > 0)
		return;
	struct http_server *server = conn->server;
	tls_conn_free(&conn->tls);
	http_reqparser_deinit(&conn->parser);
	free(conn->in);
	free(conn);
	http_server_unref(server);
}

static void conn_handle_closed(uv_handle_t *handle)
{
	conn_unref(handle->data);
}

void http_conn_close(struct http_conn *conn)
{
	if (conn->state == CONN_CLOSED)
		return;
	conn->state = CONN_CLOSED;
	metrics_gauge_add(metrics_gauge("http_connections_active", "Open HTTP connections"), -1);
	http_server_conn_gone(conn->server, conn);
	uv_close((uv_handle_t *)&conn->tcp, conn_handle_closed);
	uv_close((uv_handle_t *)&conn->timer, conn_handle_closed);
}

/* Counts one JSON error answer by its code. Codes are the server's own
 * stable names; anything else (never expected) is counted as "other" so a
 * label can never carry unexpected text. */
static void count_error(const char *code)
{
	char name[METRICS_NAME_MAX];
	size_t len = strspn(code, "abcdefghijklmnopqrstuvwxyz0123456789_");
	if (len == 0 || len > HTTP_ERROR_CODE_MAX || code[len] != '\0')
		code = "other";
	int n = snprintf(name, sizeof(name), "http_request_errors_total{code=\"%s\"}", code);
	if (n > 0 && (size_t)n < sizeof(name))
		metrics_inc(metrics_counter(name, "Error answers (JSON error bodies), by code"));
}

/* The one info line per answered request: method, route pattern (never the
 * raw path or query, which can carry ids), status, duration and request id;
 * nothing about the peer (P-LOG-1 keeps those in the connection logs). */
static void log_request(const char *method, const char *route, int status, uint64_t ms,
                        const char *request_id)
{
	log_info("event=http_request method=%.16s route=\"%s\" status=%d ms=%llu request_id=%s",
	         method, route != NULL ? route : "-", status, (unsigned long long)ms,
	         request_id[0] ? request_id : "-");
}

/* ---- deadlines ---- */

static void conn_timeout(uv_timer_t *timer);

static void conn_arm(struct http_conn *conn, enum conn_phase phase)
{
	const struct http_server_settings *s = &conn->server->settings;
	uint64_t ms = 0;
	conn->phase = phase;
	switch (phase) {
	case PHASE_NONE:
		uv_timer_stop(&conn->timer);
		return;
	case PHASE_HEADER:
		ms = s->header_timeout_ms;
		break;
	case PHASE_BODY:
	case PHASE_IDLE:
	case PHASE_WRITE:
		ms = s->idle_timeout_ms;
		break;
	case PHASE_LINGER:
		ms = CONN_LINGER_MS;
		break;
	}
	uv_timer_start(&conn->timer, conn_timeout, ms, 0);
}

/* ---- output ---- */

static void conn_write_done(struct http_conn *conn);

static void write_finished(uv_write_t *req, int status)
{
	struct conn_write *w = (struct conn_write *)req;
	struct http_conn *conn = w->conn;
	free(w->data);
	free(w);
	conn->writes_pending--;
	if (conn->state == CONN_CLOSED)
		return;
	if (status < 0) {
		log_debug("event=http_write_failed error=\"%s\"", uv_strerror(status));
		http_conn_close(conn);
		return;
	}
	if (conn->writes_pending == 0)
		conn_write_done(conn);
}

/* Queues len bytes (ownership of data taken) on the socket. */
static void conn_write_raw(struct http_conn *conn, char *data, size_t len)
{
	struct conn_write *w = xmalloc(sizeof(*w));
	w->conn = conn;
	w->data = data;
	uv_buf_t buf = uv_buf_init(data, (unsigned)len);
	int r = uv_write(&w->req, (uv_stream_t *)&conn->tcp, &buf, 1, write_finished);
	if (r < 0) {
		free(data);
		free(w);
		log_debug("event=http_write_failed error=\"%s\"", uv_strerror(r));
		http_conn_close(conn);
		return;
	}
	conn->writes_pending++;
}

/* Sends whatever ciphertext the TLS session has produced. */
static void conn_flush_tls(struct http_conn *conn)
{
	size_t n;
	while (conn->state != CONN_CLOSED && (n = tls_conn_out_pending(conn->tls)) > 0) {
		char *buf = xmalloc(n);
		size_t got = tls_conn_take_out(conn->tls, buf, n);
		if (got == 0) {
			free(buf);
			return;
		}
		conn_write_raw(conn, buf, got);
	}
}

/* Sends plaintext (ownership of data taken), encrypting it under TLS. */
static void conn_send(struct http_conn *conn, char *data, size_t len)
{
	if (conn->tls == NULL) {
		conn_write_raw(conn, data, len);
		return;
	}
	int r = tls_conn_write(conn->tls, data, len);
	free(data);
	if (r < 0) {
		http_conn_close(conn);
		return;
	}
	conn_flush_tls(conn);
}

static void shutdown_finished(uv_shutdown_t *req, int status)
{
	struct http_conn *conn = req->data;
	if (conn->state != CONN_CLOSED && (status < 0 || conn->eof))
		http_conn_close(conn);
}

/* After the last response: close_notify, FIN, then discard input until the
 * peer closes or the linger deadline passes. Closing at once could reset
 * the connection before the peer has read the response. */
static void conn_linger(struct http_conn *conn)
{
	conn->state = CONN_LINGER;
	if (conn->tls != NULL) {
		tls_conn_shutdown(conn->tls);
		conn_flush_tls(conn);
		if (conn->state == CONN_CLOSED)
			return;
	}
	conn->shutdown_req.data = conn;
	if (uv_shutdown(&conn->shutdown_req, (uv_stream_t *)&conn->tcp, shutdown_finished) < 0) {
		http_conn_close(conn);
		return;
	}
	conn_arm(conn, PHASE_LINGER);
	conn_update_reading(conn);
}

static void conn_handover(struct http_conn *conn);

static void conn_write_done(struct http_conn *conn)
{
	if (conn->state != CONN_WRITING)
		return; /* handshake records, or the linger close_notify */
	if (conn->upgrade != NULL) {
		conn_handover(conn);
		return;
	}
	if (conn->close_after) {
		conn_linger(conn);
		return;
	}
	conn->state = CONN_READING;
	conn->continue_sent = false;
	conn_arm(conn, conn->in_len > 0 ? PHASE_HEADER : PHASE_IDLE);
	conn_pump(conn);
	conn_update_reading(conn);
}

/* ---- responses ---- */

static void job_free(struct http_job *job)
{
	http_request_free(&job->req);
	http_response_clear(&job->resp);
	free(job);
}

static const char *const class_names[] = {
    "http_requests_total{class=\"1xx\"}", "http_requests_total{class=\"2xx\"}",
    "http_requests_total{class=\"3xx\"}", "http_requests_total{class=\"4xx\"}",
    "http_requests_total{class=\"5xx\"}"};
static const double duration_bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define N_DURATION_BOUNDS (sizeof(duration_bounds) / sizeof(duration_bounds[0]))

void http_conn_metrics_init(void)
{
	for (size_t i = 0; i < 5; i++)
		metrics_counter(class_names[i], "HTTP responses sent, by status class");
	metrics_histogram("http_request_duration_seconds",
	                  "Time from a complete request to its response", duration_bounds,
	                  N_DURATION_BOUNDS);
	metrics_gauge("http_connections_active", "Open HTTP connections");
	metrics_counter("http_connections_total", "HTTP connections accepted");
	metrics_counter("http_connections_rejected_total",
	                "Connections closed at once: limit reached or draining");
	metrics_counter("http_timeouts_total", "Requests that timed out");
	metrics_counter("http_responses_discarded_total",
	                "Responses dropped: the connection closed first");
	metrics_counter("tls_handshake_failures_total", "TLS handshakes that failed");
}

static void count_status(int status)
{
	const char *const *names = class_names;
	int cls = status / 100 - 1;
	if (cls >= 0 && cls < 5)
		metrics_inc(metrics_counter(names[cls], "HTTP responses sent, by status class"));
}

static void count_response(int status, uint64_t start_ms, uint64_t now_ms)
{
	count_status(status);
	metrics_observe(metrics_histogram("http_request_duration_seconds",
	                                  "Time from a complete request to its response",
	                                  duration_bounds, N_DURATION_BOUNDS),
	                (double)(now_ms - start_ms) / 1000.0);
}

/* Serialises the job's response, sends it, and frees the job. */
static void conn_respond(struct http_conn *conn, struct http_job *job)
{
	struct http_response *resp = &job->resp;
	bool keep = job->req->keep_alive && !resp->close && !conn->close_after && !conn->eof &&
	            !conn->server->draining;
	size_t len;
	char *data = http_response_serialize(resp, job->req, keep, &len);
	uint64_t now = uv_now(conn->server->loop);
	count_response(resp->status, job->start_ms, now);
	if (resp->status >= 400 && resp->error_code[0] != '\0')
		count_error(resp->error_code);
	log_request(job->req->method, job->req->route, resp->status, now - job->start_ms,
	            job->req->request_id);
	job_free(job);
	conn->close_after |= !keep;
	conn->state = CONN_WRITING;
	conn_arm(conn, PHASE_WRITE);
	conn_send(conn, data, len);
}

/* Answers a protocol error found by the parser and closes afterwards. */
static void conn_respond_error(struct http_conn *conn, int status, const char *code,
                               const char *message)
{
	struct http_response resp = {0};
	size_t len;
	ids_uuid4(resp.request_id);
	http_response_error(&resp, status, code, message);
	char *data = http_response_serialize(&resp, NULL, false, &len);
	log_request("-", "-", status, 0, resp.request_id);
	http_response_clear(&resp);
	count_error(code);
	count_status(status);
	log_debug("event=http_refused status=%d code=%s remote=%s", status, code, conn->remote);
	conn->close_after = true;
	conn->state = CONN_WRITING;
	conn_arm(conn, PHASE_WRITE);
	conn_send(conn, data, len);
}

static void job_run(uv_work_t *work)
{
	struct http_job *job = (struct http_job *)work;
	job->fn(job->req, &job->resp, job->ctx);
}

static void job_after(uv_work_t *work, int status)
{
	struct http_job *job = (struct http_job *)work;
	struct http_conn *conn = job->conn;
	if (conn->state == CONN_CLOSED) {
		metrics_inc(metrics_counter("http_responses_discarded_total",
		                            "Responses dropped: the connection closed first"));
		log_debug("event=http_response_discarded reason=connection_closed");
		job_free(job);
	} else {
		if (status < 0) /* cancelled: cannot happen for queued work we own */
			http_response_error(&job->resp, 500, "internal_error", "request cancelled");
		conn_respond(conn, job);
	}
	conn_unref(conn);
}

/* ---- WebSocket upgrade (RFC 6455 §4.2) ---- */

/* True when the comma-separated header value lists token (any case). */
static bool header_has_token(const char *value, const char *token)
{
	size_t tl = strlen(token);
	for (const char *p = value; p != NULL && *p;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		const char *end = p;
		while (*end && *end != ',')
			end++;
		const char *e = end;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - p) == tl && strncasecmp(p, token, tl) == 0)
			return true;
		p = end;
	}
	return false;
}

/* The connection is handed over once the 101 answer is written. */
static void conn_handover(struct http_conn *conn)
{
	const struct http_upgrade_route *ur = conn->upgrade;
	uv_os_fd_t fd;
	conn->upgrade = NULL;
	if (conn->reading) {
		uv_read_stop((uv_stream_t *)&conn->tcp);
		conn->reading = false;
	}
	int nfd = uv_fileno((uv_handle_t *)&conn->tcp, &fd) == 0 ? dup(fd) : -1;
	if (nfd < 0) {
		http_conn_close(conn);
		return;
	}
	struct http_upgraded up = {nfd, conn->tls, conn->in, conn->in_len, conn->remote};
	conn->tls = NULL;
	log_debug("event=http_upgraded remote=%s", conn->remote);
	http_conn_close(conn); /* conn->in lives until the close callbacks */
	ur->fn(&up, ur->ctx);
}

static void conn_upgrade(struct http_conn *conn, struct http_job *job,
                         const struct http_upgrade_route *ur)
{
	const struct http_request *req = job->req;
	const char *upgrade = http_request_header(req, "Upgrade");
	const char *connection = http_request_header(req, "Connection");
	const char *version = http_request_header(req, "Sec-WebSocket-Version");
	const char *protocols = http_request_header(req, "Sec-WebSocket-Protocol");
	char accept[29];
	if (upgrade == NULL || !header_has_token(upgrade, "websocket") || connection == NULL ||
	    !header_has_token(connection, "upgrade")) {
		http_response_error(&job->resp, 426, "upgrade_required", "WebSocket only");
		http_response_header(&job->resp, "Upgrade", "websocket");
		job->resp.close = true;
		conn_respond(conn, job);
		return;
	}
	if (version == NULL || strcmp(version, "13") != 0 ||
	    ws_accept_key(http_request_header(req, "Sec-WebSocket-Key"), accept) < 0 ||
	    protocols == NULL || !header_has_token(protocols, ur->subprotocol)) {
		http_response_error(&job->resp, 400, "bad_request", "bad WebSocket handshake");
		http_response_header(&job->resp, "Sec-WebSocket-Version", "13");
		job->resp.close = true;
		conn_respond(conn, job);
		return;
	}
	char *data = xasprintf("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	                       "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"
	                       "Sec-WebSocket-Protocol: %s\r\n\r\n",
	                       accept, ur->subprotocol);
	/* the consumer gets the client address resolved for this request */
	snprintf(conn->remote, sizeof(conn->remote), "%s", req->remote_addr);
	uint64_t now = uv_now(conn->server->loop);
	count_response(101, job->start_ms, now);
	log_request(req->method, ur->path, 101, now - job->start_ms, req->request_id);
	job_free(job);
	conn->upgrade = ur;
	conn->state = CONN_WRITING;
	conn_arm(conn, PHASE_WRITE);
	conn_send(conn, data, strlen(data));
}

/* Routes a complete request and runs its handler inline or on a worker. */
static void conn_dispatch(struct http_conn *conn, struct http_request *req)
{
	struct http_job *job = xcalloc(1, sizeof(*job));
	unsigned flags = 0;
	job->conn = conn;
	job->req = req;
	job->start_ms = uv_now(conn->server->loop);
	ids_uuid4(req->request_id);
	memcpy(job->resp.request_id, req->request_id, sizeof(job->resp.request_id));
	req->route = "-";
	req->tls = conn->tls != NULL;
	/* behind a trusted reverse proxy: the client it names (net/proxy.h) */
	net_client_addr(conn->server->proxies, conn->remote, req, req->remote_addr,
	                sizeof(req->remote_addr));
	conn->state = CONN_HANDLING;
	conn_arm(conn, PHASE_NONE);
	const struct http_upgrade_route *ur = http_router_upgrade(conn->server->router, req->path);
	if (ur != NULL && strcmp(req->method, "GET") == 0 && !conn->server->draining) {
		req->route = ur->path;
		conn_upgrade(conn, job, ur);
		return;
	}
	job->fn = http_router_match(conn->server->router, req, &job->resp, &flags, &job->ctx);
	if (job->fn == NULL) {
		conn_respond(conn, job);
		return;
	}
	if (!(flags & HTTP_ROUTE_WORKER)) {
		job->fn(req, &job->resp, job->ctx);
		conn_respond(conn, job);
		return;
	}
	conn->refs++;
	if (uv_queue_work(conn->server->loop, &job->work, job_run, job_after) < 0) {
		conn->refs--;
		http_response_error(&job->resp, 503, "unavailable", "cannot schedule the request");
		conn_respond(conn, job);
	}
}

/* ---- input ---- */

/* The TLS session failed (bad handshake, bad record): send OpenSSL's alert,
 * then close. Nothing more is read. */
static void conn_tls_failed(struct http_conn *conn)
{
	if (!tls_conn_handshake_done(conn->tls))
		metrics_inc(
		    metrics_counter("tls_handshake_failures_total", "TLS handshakes that failed"));
	log_debug("event=tls_failed remote=%s error=\"%s\"", conn->remote,
	          tls_conn_error(conn->tls));
	conn->eof = true;
	conn->close_after = true;
	conn_flush_tls(conn);
	if (conn->state == CONN_READING || conn->state == CONN_WRITING) {
		conn->state = CONN_WRITING;
		conn_arm(conn, PHASE_WRITE);
		if (conn->writes_pending == 0)
			conn_linger(conn);
	}
	/* CONN_HANDLING: the response will fail to encrypt and close. */
}

/* Moves decrypted plaintext into conn->in while there is room. Returns -1
 * when the session failed or the connection was closed. */
static int conn_tls_drain(struct http_conn *conn)
{
	while (conn->in_len < CONN_IN_MAX) {
		size_t n = 0;
		enum tls_read_result r = tls_conn_read(conn->tls, conn->in + conn->in_len,
		                                       CONN_IN_MAX - conn->in_len, &n);
		if (r == TLS_READ_OK) {
			conn->in_len += n;
			continue;
		}
		conn_flush_tls(conn); /* handshake records or alerts */
		if (conn->state == CONN_CLOSED)
			return -1;
		if (r == TLS_READ_ERROR) {
			conn_tls_failed(conn);
			return -1;
		}
		if (r == TLS_READ_CLOSED)
			conn->eof = true; /* close_notify: nothing more will come */
		return 0;
	}
	return 0;
}

/* Answers "Expect: 100-continue" once the headers are in and acceptable. */
static void conn_maybe_continue(struct http_conn *conn)
{
	const struct http_request *req = conn->parser.req;
	if (conn->continue_sent || req == NULL || conn->parser.complete)
		return;
	const char *expect = http_request_header(req, "Expect");
	if (expect == NULL || strcasecmp(expect, "100-continue") != 0)
		return;
	static const char interim[] = "HTTP/1.1 100 Continue\r\n\r\n";
	conn->continue_sent = true;
	conn_send(conn, xstrdup(interim), sizeof(interim) - 1);
}

/* Parses what is buffered; stops at a complete request (dispatched), an
 * error (answered), or when more bytes are needed. */
static void conn_parse(struct http_conn *conn)
{
	size_t used = 0;
	bool was_started = conn->parser.started;
	enum http_parse_result r =
	    http_reqparser_feed(&conn->parser, conn->in, conn->in_len, &used);
	memmove(conn->in, conn->in + used, conn->in_len - used);
	conn->in_len -= used;
	switch (r) {
	case HTTP_PARSE_MORE:
		if (conn->parser.headers_complete) {
			conn_arm(conn, PHASE_BODY); /* progress re-arms it */
			conn_maybe_continue(conn);
		} else if (conn->parser.started && !was_started) {
			conn_arm(conn, PHASE_HEADER);
		}
		break;
	case HTTP_PARSE_DONE:
		conn_dispatch(conn, http_reqparser_take(&conn->parser));
		break;
	case HTTP_PARSE_ERROR:
		conn_respond_error(conn, conn->parser.err_status, conn->parser.err_code,
		                   conn->parser.err_message);
		break;
	}
}

static void conn_pump(struct http_conn *conn)
{
	while (conn->state == CONN_READING) {
		if (conn->tls != NULL && conn_tls_drain(conn) < 0)
			return;
		if (conn->in_len == 0)
			break;
		conn_parse(conn);
	}
	/* The peer has finished sending and no response is owed. */
	if (conn->state == CONN_READING && conn->eof && conn->in_len == 0)
		http_conn_close(conn);
}

static void conn_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	struct http_conn *conn = handle->data;
	if (conn->tls != NULL || conn->state == CONN_LINGER) {
		*buf = uv_buf_init(conn->rbuf, sizeof(conn->rbuf));
		return;
	}
	size_t room = CONN_IN_MAX - conn->in_len;
	*buf = uv_buf_init(conn->in + conn->in_len,
	                   (unsigned)(room < CONN_READ_CHUNK ? room : CONN_READ_CHUNK));
}

static void conn_on_eof(struct http_conn *conn)
{
	conn->eof = true;
	if (conn->state == CONN_LINGER || conn->state == CONN_READING)
		http_conn_close(conn);
	else
		conn->close_after = true; /* finish the response in progress first */
}

static void conn_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct http_conn *conn = stream->data;
	if (nread == 0 || nread == UV_ENOBUFS || conn->state == CONN_CLOSED)
		goto out;
	if (nread == UV_EOF) {
		conn_on_eof(conn); /* may be a half-close: finish what is owed */
		goto out;
	}
	if (nread < 0) {
		log_debug("event=http_read_failed error=\"%s\"", uv_strerror((int)nread));
		http_conn_close(conn); /* reset: nobody to answer */
		return;
	}
	if (conn->state == CONN_LINGER)
		return; /* discarded */
	if (conn->tls == NULL) {
		conn->in_len += (size_t)nread;
	} else if (tls_conn_feed(conn->tls, buf->base, (size_t)nread) < 0) {
		conn_tls_failed(conn);
		goto out;
	} else if (conn_tls_drain(conn) < 0) {
		goto out;
	}
	if (conn->state == CONN_READING) {
		if (conn->phase == PHASE_BODY)
			conn_arm(conn, PHASE_BODY);
		conn_pump(conn);
	} else if (conn->eof) {
		conn_on_eof(conn);
	}
out:
	if (conn->state != CONN_CLOSED)
		conn_update_reading(conn);
}

/* Reads while there is room for input, or in linger to discard it. */
static void conn_update_reading(struct http_conn *conn)
{
	bool want = conn->state != CONN_CLOSED && !conn->eof &&
	            (conn->state == CONN_LINGER || conn->in_len < CONN_IN_MAX);
	if (want == conn->reading)
		return;
	conn->reading = want;
	if (want)
		uv_read_start((uv_stream_t *)&conn->tcp, conn_alloc, conn_read);
	else
		uv_read_stop((uv_stream_t *)&conn->tcp);
}

static void conn_timeout(uv_timer_t *timer)
{
	struct http_conn *conn = timer->data;
	bool partial = conn->parser.started || conn->in_len > 0;
	if (conn->state == CONN_READING && partial &&
	    (conn->tls == NULL || tls_conn_handshake_done(conn->tls))) {
		metrics_inc(metrics_counter("http_timeouts_total", "Requests that timed out"));
		conn_respond_error(conn, 408, "request_timeout", "request not received in time");
		return;
	}
	log_debug("event=http_closed reason=timeout phase=%d remote=%s", (int)conn->phase,
	          conn->remote);
	http_conn_close(conn);
}

void http_conn_start(struct http_server *server, struct http_conn *conn)
{
	struct sockaddr_storage peer;
	int len = sizeof(peer);
	conn->refs = 2;
	conn->state = CONN_READING;
	uv_timer_init(server->loop, &conn->timer);
	conn->timer.data = conn;
	conn->in = xmalloc(CONN_IN_MAX);
	http_reqparser_init(&conn->parser, &server->limits);
	if (server->tls != NULL)
		conn->tls = tls_conn_server_new(server->tls);
	snprintf(conn->remote, sizeof(conn->remote), "unknown");
	if (uv_tcp_getpeername(&conn->tcp, (struct sockaddr *)&peer, &len) == 0) {
		if (peer.ss_family == AF_INET6)
			uv_ip6_name((struct sockaddr_in6 *)&peer, conn->remote,
			            sizeof(conn->remote));
		else
			uv_ip4_name((struct sockaddr_in *)&peer, conn->remote,
			            sizeof(conn->remote));
	}
	uv_tcp_nodelay(&conn->tcp, 1);
	metrics_gauge_add(metrics_gauge("http_connections_active", "Open HTTP connections"), 1);
	metrics_inc(metrics_counter("http_connections_total", "HTTP connections accepted"));
	log_debug("event=http_connected remote=%s", conn->remote);
	conn_arm(conn, PHASE_HEADER);
	conn_update_reading(conn);
}

void http_conn_drain(struct http_conn *conn)
{
	bool idle = conn->state == CONN_READING && !conn->parser.started && conn->in_len == 0;
	if (idle)
		http_conn_close(conn);
	else
		conn->close_after = true;
}
