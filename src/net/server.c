/* net/server: listener and server lifecycle (server.h). Connections live in
 * server_conn.c. */
#include "net/server_internal.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/xalloc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char server_errbuf[200];

static const char *uv_error(const char *what, int err)
{
	snprintf(server_errbuf, sizeof(server_errbuf), "%s: %s", what, uv_strerror(err));
	return server_errbuf;
}

static void drain_timer_fired(uv_timer_t *timer);

static void server_free_memory(struct http_server *server)
{
	tls_ctx_free(&server->tls);
	net_proxies_free(&server->proxies);
	free(server->bind_addr);
	free(server->cert_path);
	free(server->key_path);
	free(server);
}

void http_server_unref(struct http_server *server)
{
	if (--server->refs == 0)
		server_free_memory(server);
}

static void server_handle_closed(uv_handle_t *handle)
{
	http_server_unref(handle->data);
}

static void rejected_closed(uv_handle_t *handle)
{
	free(handle->data);
}

static void on_connection(uv_stream_t *listener, int status)
{
	struct http_server *server = listener->data;
	if (status < 0) {
		log_warn("event=http_accept_failed error=\"%s\"", uv_strerror(status));
		return;
	}
	struct http_conn *conn = xcalloc(1, sizeof(*conn));
	uv_tcp_init(server->loop, &conn->tcp);
	conn->tcp.data = conn;
	if (uv_accept(listener, (uv_stream_t *)&conn->tcp) < 0 || server->draining ||
	    server->n_conns >= server->settings.max_connections) {
		/* Taken off the backlog and closed: the limit binds this peer
		 * only, and the process keeps serving the others. */
		metrics_inc(
		    metrics_counter("http_connections_rejected_total",
		                    "Connections closed at once: limit reached or draining"));
		uv_close((uv_handle_t *)&conn->tcp, rejected_closed);
		return;
	}
	server->refs++;
	server->n_conns++;
	conn->server = server;
	conn->next = server->conns;
	if (server->conns != NULL)
		server->conns->prev = conn;
	server->conns = conn;
	http_conn_start(server, conn);
}

void http_server_conn_gone(struct http_server *server, struct http_conn *conn)
{
	if (conn->prev != NULL)
		conn->prev->next = conn->next;
	else
		server->conns = conn->next;
	if (conn->next != NULL)
		conn->next->prev = conn->prev;
	conn->prev = conn->next = NULL;
	server->n_conns--;
	if (server->draining && server->n_conns == 0 && !server->drain_reported)
		uv_timer_start(&server->drain_timer, drain_timer_fired, 0, 0);
}

/* Resolves bind_addr into addr and says whether it is a loopback address. */
static int bind_resolve(const char *bind_addr, int port, struct sockaddr_storage *addr,
                        bool *loopback_r)
{
	const char *a = strcmp(bind_addr, "localhost") == 0 ? "127.0.0.1" : bind_addr;
	struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;
	memset(addr, 0, sizeof(*addr));
	if (uv_ip4_addr(a, port, v4) == 0 && strchr(a, ':') == NULL) {
		*loopback_r = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
		return 0;
	}
	if (uv_ip6_addr(a, port, v6) == 0) {
		const unsigned char *b = v6->sin6_addr.s6_addr;
		*loopback_r = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr) ||
		              (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr) && b[12] == 127);
		return 0;
	}
	return -1;
}

/* P-SEC-3: plaintext only in development mode, and only on loopback. */
static int settings_check(const struct http_server_settings *s, bool loopback, const char **error_r)
{
	if (s->port < 0 || s->port > 65535) {
		*error_r = "port out of range (0-65535)";
		return -1;
	}
	if (s->tls) {
		if (s->cert_path == NULL || s->key_path == NULL) {
			*error_r = "TLS needs a certificate and a key path";
			return -1;
		}
		return 0;
	}
	if (!s->dev_mode) {
		*error_r = "plaintext HTTP is refused (P-SEC-3): enable TLS, or use development "
		           "mode on a loopback address";
		return -1;
	}
	if (!loopback) {
		*error_r = "plaintext HTTP is refused (P-SEC-3): development mode allows it only "
		           "on a loopback address (127.0.0.0/8 or ::1)";
		return -1;
	}
	return 0;
}

static struct http_server *server_new(uv_loop_t *loop, const struct http_server_settings *s,
                                      struct http_router *router)
{
	struct http_server *server = xcalloc(1, sizeof(*server));
	server->loop = loop;
	server->router = router;
	server->settings = *s;
	server->bind_addr = xstrdup(s->bind_addr);
	server->cert_path = s->cert_path != NULL ? xstrdup(s->cert_path) : NULL;
	server->key_path = s->key_path != NULL ? xstrdup(s->key_path) : NULL;
	server->settings.bind_addr = server->bind_addr;
	server->settings.cert_path = server->cert_path;
	server->settings.key_path = server->key_path;
	struct http_server_settings *st = &server->settings;
	if (st->max_header_bytes == 0)
		st->max_header_bytes = HTTP_DEFAULT_MAX_HEADER_BYTES;
	if (st->max_body_bytes == 0)
		st->max_body_bytes = HTTP_DEFAULT_MAX_BODY_BYTES;
	if (st->header_timeout_ms == 0)
		st->header_timeout_ms = HTTP_DEFAULT_HEADER_TIMEOUT_MS;
	if (st->idle_timeout_ms == 0)
		st->idle_timeout_ms = HTTP_DEFAULT_IDLE_TIMEOUT_MS;
	if (st->max_connections == 0)
		st->max_connections = HTTP_DEFAULT_MAX_CONNECTIONS;
	server->limits.max_header_bytes = st->max_header_bytes;
	server->limits.max_body_bytes = st->max_body_bytes;
	server->limits.max_url_bytes = HTTP_MAX_URL_BYTES;
	server->limits.max_headers = HTTP_MAX_REQUEST_HEADERS;
	return server;
}

/* Binds and listens; on failure the caller closes the listener handle. */
static int server_listen(struct http_server *server, const struct sockaddr_storage *addr,
                         const char **error_r)
{
	struct sockaddr_storage bound;
	int len = sizeof(bound);
	int r = uv_tcp_bind(&server->listener, (const struct sockaddr *)addr, 0);
	if (r == 0)
		r = uv_listen((uv_stream_t *)&server->listener, 511, on_connection);
	if (r < 0) {
		/* "cannot listen on 127.0.0.1:8443: address already in use" */
		bool v6 = strchr(server->bind_addr, ':') != NULL;
		snprintf(server_errbuf, sizeof(server_errbuf), "cannot listen on %s%s%s:%d: %s",
		         v6 ? "[" : "", server->bind_addr, v6 ? "]" : "", server->settings.port,
		         uv_strerror(r));
		*error_r = server_errbuf;
		return -1;
	}
	r = uv_tcp_getsockname(&server->listener, (struct sockaddr *)&bound, &len);
	if (r < 0) {
		*error_r = uv_error("cannot read the bound address", r);
		return -1;
	}
	server->port =
	    ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
	                                      : ((struct sockaddr_in *)&bound)->sin_port);
	return 0;
}

static void drain_timer_fired(uv_timer_t *timer)
{
	struct http_server *server = timer->data;
	if (!server->draining || server->drain_reported || server->n_conns > 0)
		return;
	server->drain_reported = true;
	log_info("event=http_drained port=%d", server->port);
	if (server->drain_done != NULL)
		server->drain_done(server->drain_arg);
}

int http_server_start(uv_loop_t *loop, const struct http_server_settings *settings,
                      struct http_router *router, struct http_server **server_r,
                      const char **error_r)
{
	struct sockaddr_storage addr;
	bool loopback = false;
	struct tls_ctx *tls = NULL;
	if (settings->bind_addr == NULL ||
	    bind_resolve(settings->bind_addr, settings->port, &addr, &loopback) < 0) {
		*error_r = "bind address must be an IPv4 or IPv6 address, or localhost";
		return -1;
	}
	if (settings_check(settings, loopback, error_r) < 0)
		return -1;
	struct net_proxies *proxies = NULL;
	if (net_proxies_parse(settings->trusted_proxies,
	                      settings->proxy_forwarded ? NET_PROXY_FORWARDED : NET_PROXY_XFF,
	                      &proxies, error_r) < 0)
		return -1;
	if (settings->tls &&
	    tls_ctx_server_new(settings->cert_path, settings->key_path, &tls, error_r) < 0) {
		net_proxies_free(&proxies);
		return -1;
	}
	struct http_server *server = server_new(loop, settings, router);
	server->tls = tls;
	server->proxies = proxies;
	server->settings.trusted_proxies = NULL; /* parsed; the caller's string is not kept */
	server->refs = 1;                        /* the listener */
	uv_tcp_init(loop, &server->listener);
	server->listener.data = server;
	if (server_listen(server, &addr, error_r) < 0) {
		uv_close((uv_handle_t *)&server->listener, server_handle_closed);
		return -1;
	}
	uv_timer_init(loop, &server->drain_timer);
	server->drain_timer.data = server;
	server->refs += 2; /* the drain timer and the owner */
	http_conn_metrics_init();
	log_info("event=http_listening addr=%s port=%d tls=%s", server->bind_addr, server->port,
	         settings->tls ? "yes" : "no");
	*server_r = server;
	return 0;
}

int http_server_port(const struct http_server *server)
{
	return server->port;
}

unsigned http_server_connections(const struct http_server *server)
{
	return server->n_conns;
}

static void listener_close(struct http_server *server)
{
	if (!uv_is_closing((uv_handle_t *)&server->listener))
		uv_close((uv_handle_t *)&server->listener, server_handle_closed);
}

void http_server_drain(struct http_server *server, void (*done)(void *), void *arg)
{
	if (server->draining)
		return;
	server->draining = true;
	server->drain_done = done;
	server->drain_arg = arg;
	listener_close(server);
	log_info("event=http_draining port=%d connections=%u", server->port, server->n_conns);
	for (struct http_conn *c = server->conns, *next; c != NULL; c = next) {
		next = c->next;
		http_conn_drain(c);
	}
	/* Reported from the loop, never from inside this call. */
	uv_timer_start(&server->drain_timer, drain_timer_fired, 0, 0);
}

int http_server_reload_tls(struct http_server *server, const char **error_r)
{
	struct tls_ctx *fresh = NULL;
	if (server->tls == NULL) {
		*error_r = "TLS is not enabled on this listener";
		return -1;
	}
	if (tls_ctx_server_new(server->cert_path, server->key_path, &fresh, error_r) < 0) {
		log_warn("event=tls_reload_failed port=%d error=\"%s\"", server->port, *error_r);
		return -1;
	}
	tls_ctx_free(&server->tls);
	server->tls = fresh;
	log_info("event=tls_reloaded port=%d", server->port);
	return 0;
}

void http_server_free(struct http_server **serverp)
{
	struct http_server *server = *serverp;
	if (server == NULL)
		return;
	*serverp = NULL;
	server->draining = true;
	server->drain_reported = true; /* no drain callback after free */
	listener_close(server);
	while (server->conns != NULL)
		http_conn_close(server->conns);
	uv_close((uv_handle_t *)&server->drain_timer, server_handle_closed);
	http_server_unref(server); /* the owner's reference */
}
