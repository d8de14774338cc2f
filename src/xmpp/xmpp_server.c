/*
 * xmpp/xmpp_server: listeners, the per-iteration flush, the storage job
 * queue (batched jobs to the store's writer thread, with backpressure;
 * unbatched ones to libuv's pool), and the tables of online users (see
 * xmpp_server.h, c2s_internal.h).
 */
#include "xmpp/xmpp_server.h"
#include "core/config.h"
#include "core/log.h"
#include "core/module.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "domain/app.h"
#include "net/http.h"
#include "net/tls.h"
#include "store/store.h"
#include "xmpp/c2s_internal.h"
#include "xmpp/xmpp_metrics.h"
#include "xmpp/xmpp_registry.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- storage jobs --------------------------------------------------- */

static void job_free_after(struct dbjob *job)
{
	struct c2s_conn *c = job->conn;
	bool is_msg = job->is_msg;
	job->done(job); /* frees job */
	if (c != NULL) {
		c->jobs_inflight--;
		if (is_msg)
			c->msg_jobs--;
		c2s_job_finished(c);
		c2s_unref(c);
	}
}

/* Writer thread: the job inside its batch's transaction and savepoint. */
static void writer_work(struct writer_job *wj, struct store *st)
{
	struct dbjob *job = (struct dbjob *)((char *)wj - offsetof(struct dbjob, wj));
	job->status = 0;
	job->work(job, job->srv->app, st);
	if (job->status < 0)
		wj->status = -1;
}

/* Loop thread: the batch of the job committed (status 0) or failed. */
static void writer_done(struct writer_job *wj)
{
	struct dbjob *job = (struct dbjob *)((char *)wj - offsetof(struct dbjob, wj));
	struct xmpp_server *srv = job->srv;
	job->status = wj->status;
	srv->jobs_in_writer--;
	job_free_after(job);
	xmpp_server_maybe_drained(srv);
}

static void single_work(uv_work_t *req)
{
	struct dbjob *job = req->data;
	job->status = 0;
	job->work(job, job->srv->app, app_thread_store(job->srv->app));
}

static void single_after(uv_work_t *req, int status)
{
	struct dbjob *job = req->data;
	struct xmpp_server *srv = job->srv;
	if (status != 0)
		job->status = -1;
	srv->jobs_running--;
	job_free_after(job);
	xmpp_server_maybe_drained(srv);
}

void xmpp_job_submit(struct xmpp_server *srv, struct dbjob *job)
{
	job->srv = srv;
	job->next = NULL;
	job->status = 0;
	if (job->conn != NULL) {
		c2s_ref(job->conn);
		job->conn->jobs_inflight++;
		if (job->is_msg)
			job->conn->msg_jobs++;
	}
	if (!job->tx) {
		job->req.data = job;
		srv->jobs_running++;
		uv_queue_work(srv->loop, &job->req, single_work, single_after);
		return;
	}
	job->wj.work = writer_work;
	job->wj.done = writer_done;
	if (srv->pending_tail != NULL)
		srv->pending_tail->next = job;
	else
		srv->pending_head = job;
	srv->pending_tail = job;
}

/* Hands the queued jobs to the writer, in order, as far as its queue has
 * room. A refusal keeps the rest here and turns backpressure on (sessions
 * hold their stanzas and stop reading); once everything is handed over it
 * is turned off again. Never blocks, never drops. */
static void feed_writer(struct xmpp_server *srv)
{
	while (srv->pending_head != NULL) {
		struct dbjob *job = srv->pending_head;
		if (writer_submit(srv->writer, &job->wj) < 0) {
			if (!srv->writer_blocked)
				log_info("event=xmpp_writer_full queued=%u", srv->jobs_in_writer);
			srv->writer_blocked = true;
			return;
		}
		srv->pending_head = job->next;
		if (srv->pending_head == NULL)
			srv->pending_tail = NULL;
		job->next = NULL;
		srv->jobs_in_writer++;
	}
	if (srv->writer_blocked) {
		srv->writer_blocked = false;
		c2s_writer_unblocked(srv);
	}
}

/* After the loop polled: write what this iteration produced, then hand
 * what it queued to the writer, which commits it in one transaction. */
static void on_check(uv_check_t *h)
{
	struct xmpp_server *srv = h->data;
	c2s_flush_dirty(srv);
	feed_writer(srv);
}

/* ---- online users ---------------------------------------------------- */

static size_t hash_name(const char *s, size_t cap)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)(h % cap);
}

struct xuser *xuser_find(struct xmpp_server *srv, const char *username)
{
	for (struct xuser *u = srv->users[hash_name(username, srv->users_cap)]; u; u = u->hnext)
		if (strcmp(u->acct.username, username) == 0)
			return u;
	return NULL;
}

struct xuser *xmpp_user_get(struct xmpp_server *srv, const struct xacct *acct)
{
	struct xuser *u = xuser_find(srv, acct->username);
	if (u != NULL)
		return u;
	u = xcalloc(1, sizeof(*u));
	u->acct = *acct;
	snprintf(u->bare, sizeof(u->bare), "%s@%s", acct->username, srv->domain);
	size_t h = hash_name(acct->username, srv->users_cap);
	u->hnext = srv->users[h];
	srv->users[h] = u;
	xmpp_tenant_link(srv, u);
	return u;
}

void xmpp_user_drop(struct xmpp_server *srv, struct xuser *u)
{
	struct xuser **p = &srv->users[hash_name(u->acct.username, srv->users_cap)];
	while (*p != NULL && *p != u)
		p = &(*p)->hnext;
	if (*p == u)
		*p = u->hnext;
	xmpp_tenant_unlink(srv, u);
	roster_clear(&u->roster);
	free(u->tenant_name);
	for (size_t i = 0; i < u->n_members; i++)
		free(u->members[i]);
	free(u->members);
	free(u);
}

static ssize_t tenant_slot(struct xmpp_server *srv, const char *tenant_id)
{
	for (size_t i = 0; i < srv->n_tenants; i++)
		if (strcmp(srv->tenants[i].tenant_id, tenant_id) == 0)
			return (ssize_t)i;
	return -1;
}

struct xuser *xmpp_tenant_online(struct xmpp_server *srv, const char *tenant_id)
{
	if (tenant_id[0] == '\0')
		return NULL;
	ssize_t i = tenant_slot(srv, tenant_id);
	return i < 0 ? NULL : srv->tenants[i].head;
}

void xmpp_tenant_link(struct xmpp_server *srv, struct xuser *u)
{
	if (u->acct.tenant_id[0] == '\0')
		return;
	ssize_t i = tenant_slot(srv, u->acct.tenant_id);
	if (i < 0) {
		if (srv->n_tenants == srv->tenants_cap) {
			srv->tenants_cap = srv->tenants_cap ? srv->tenants_cap * 2 : 16;
			srv->tenants =
			    xrealloc(srv->tenants, srv->tenants_cap * sizeof(*srv->tenants));
		}
		i = (ssize_t)srv->n_tenants++;
		memcpy(srv->tenants[i].tenant_id, u->acct.tenant_id, IDS_UUID_LEN);
		srv->tenants[i].head = NULL;
	}
	u->tnext = srv->tenants[i].head;
	srv->tenants[i].head = u;
}

void xmpp_tenant_unlink(struct xmpp_server *srv, struct xuser *u)
{
	ssize_t i = u->acct.tenant_id[0] ? tenant_slot(srv, u->acct.tenant_id) : -1;
	if (i < 0)
		return;
	struct xuser **p = &srv->tenants[i].head;
	while (*p != NULL && *p != u)
		p = &(*p)->tnext;
	if (*p == u)
		*p = u->tnext;
	if (srv->tenants[i].head == NULL)
		srv->tenants[i] = srv->tenants[--srv->n_tenants];
}

void xmpp_server_new_id(struct xmpp_server *srv, char out[20])
{
	snprintf(out, 20, "iris%llx", (unsigned long long)++srv->next_id);
}

/* ---- listeners ------------------------------------------------------- */

static void on_connection(uv_stream_t *listener, int status)
{
	struct xmpp_server *srv = listener->data;
	if (status < 0 || srv->draining)
		return;
	c2s_accept(srv, listener, listener == (uv_stream_t *)&srv->listen_tls);
}

static int listen_on(struct xmpp_server *srv, uv_tcp_t *h, int port, int *bound_r,
                     const char **error_r)
{
	struct sockaddr_storage ss;
	const char *bind_addr = srv->cfg->xmpp_bind;
	uv_tcp_init(srv->loop, h);
	h->data = srv;
	srv->handles_open++;
	if (strcmp(bind_addr, "localhost") == 0)
		bind_addr = "127.0.0.1";
	if (uv_ip4_addr(bind_addr, port, (struct sockaddr_in *)&ss) != 0 &&
	    uv_ip6_addr(bind_addr, port, (struct sockaddr_in6 *)&ss) != 0) {
		*error_r = "xmpp.bind is not an IP address";
		return -1;
	}
	int r = uv_tcp_bind(h, (struct sockaddr *)&ss, 0);
	if (r == 0)
		r = uv_listen((uv_stream_t *)h, 1024, on_connection);
	if (r != 0) {
		/* "cannot listen on 127.0.0.1:5222: address already in use" */
		static char errbuf[160];
		bool v6 = strchr(bind_addr, ':') != NULL;
		snprintf(errbuf, sizeof(errbuf), "cannot listen on %s%.64s%s:%d: %s", v6 ? "[" : "",
		         bind_addr, v6 ? "]" : "", port, uv_strerror(r));
		*error_r = errbuf;
		return -1; /* the caller closes h */
	}
	struct sockaddr_storage got;
	int len = sizeof(got);
	uv_tcp_getsockname(h, (struct sockaddr *)&got, &len);
	*bound_r = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
	                                           : ((struct sockaddr_in *)&got)->sin_port);
	return 0;
}

static void free_server_memory(struct xmpp_server *srv)
{
	xmpp_registry_free(&srv->registry);
	tls_ctx_free(&srv->tls);
	free(srv->users);
	free(srv->domain);
	secret_wipe(srv->fake_key, sizeof(srv->fake_key));
	free(srv);
}

static void free_after_close(uv_handle_t *h)
{
	struct xmpp_server *srv = h->data;
	if (--srv->handles_open == 0)
		free_server_memory(srv);
}

struct install_ctx {
	struct xmpp_registry *registry;
	const char *error;
};

static void install_module(const struct module *m, void *ctx)
{
	struct install_ctx *ic = ctx;
	if (m->xmpp != NULL && ic->error == NULL &&
	    xmpp_registry_add(ic->registry, m->xmpp, &ic->error) < 0)
		log_warn("event=xmpp_module_refused module=%s reason=\"%s\"", m->xmpp->name,
		         ic->error);
}

/* The handlers of every registered module (core/module.h), in the order of
 * the composition root; -1 with *error_r on a conflict. */
static int install_modules(struct xmpp_server *srv, const char **error_r)
{
	struct install_ctx ic = {xmpp_registry_new(), NULL};
	srv->registry = ic.registry;
	module_each(install_module, &ic);
	if (ic.error != NULL) {
		*error_r = ic.error;
		return -1;
	}
	xmpp_registry_init_states(srv->registry, srv);
	return 0;
}

void *xmpp_module_state(struct xmpp_server *srv, const struct xmpp_module *m)
{
	return xmpp_registry_state(srv->registry, m);
}

int xmpp_server_start(uv_loop_t *loop, struct app *app, const struct config *cfg,
                      const char *cert_path, const char *key_path, struct xmpp_server **srv_r,
                      const char **error_r)
{
	*srv_r = NULL;
	if (cfg->xmpp_c2s_port < 0 && cfg->xmpp_c2s_tls_port < 0)
		return 0;
	if (app->writer == NULL) {
		*error_r = "the store's writer thread is not running";
		return -1;
	}
	xmpp_metrics_init();
	struct xmpp_server *srv = xcalloc(1, sizeof(*srv));
	srv->loop = loop;
	srv->app = app;
	srv->cfg = cfg;
	srv->writer = app->writer;
	srv->domain = xstrdup(cfg->domain);
	srv->users_cap = 4096;
	srv->users = xcalloc(srv->users_cap, sizeof(*srv->users));
	srv->limits = xml_limits_default;
	srv->limits.stanza_bytes = (size_t)cfg->xmpp_max_stanza_bytes;
	if (srv->limits.stanza_memory < 4 * srv->limits.stanza_bytes)
		srv->limits.stanza_memory = 4 * srv->limits.stanza_bytes;
	if (srv->limits.text_bytes > srv->limits.stanza_bytes)
		srv->limits.text_bytes = srv->limits.stanza_bytes;
	srv->port_plain = srv->port_tls = -1;
	if (install_modules(srv, error_r) < 0)
		goto fail;
	if (keys_derive(app->keys, "scram-fake", srv->fake_key) < 0 ||
	    tls_ctx_server_new(cert_path, key_path, &srv->tls, error_r) < 0) {
		if (*error_r == NULL)
			*error_r = "cannot derive the SCRAM key";
		goto fail;
	}
	if (cfg->xmpp_c2s_port >= 0) {
		srv->have_plain = true;
		if (listen_on(srv, &srv->listen_plain, cfg->xmpp_c2s_port, &srv->port_plain,
		              error_r) < 0)
			goto fail_listen;
	}
	if (cfg->xmpp_c2s_tls_port >= 0) {
		srv->have_tls = true;
		if (listen_on(srv, &srv->listen_tls, cfg->xmpp_c2s_tls_port, &srv->port_tls,
		              error_r) < 0)
			goto fail_listen;
	}
	uv_check_init(loop, &srv->check);
	srv->check.data = srv;
	uv_check_start(&srv->check, on_check);
	account_watch_start(srv); /* restriction, disabling, ... end sessions */
	log_info("event=xmpp_listening c2s_port=%d c2s_tls_port=%d", srv->port_plain,
	         srv->port_tls);
	*srv_r = srv;
	return 0;
fail_listen:
	/* srv is freed once libuv has let go of every listener handle */
	if (srv->have_plain)
		uv_close((uv_handle_t *)&srv->listen_plain, free_after_close);
	if (srv->have_tls)
		uv_close((uv_handle_t *)&srv->listen_tls, free_after_close);
	return -1;
fail:
	free_server_memory(srv);
	return -1;
}

int xmpp_server_port(const struct xmpp_server *srv, bool direct_tls)
{
	if (srv == NULL)
		return -1;
	return direct_tls ? srv->port_tls : srv->port_plain;
}

/* ---- WebSocket and discovery (RFC 7395, XEP-0156) ------------------- */

static void on_ws_upgrade(struct http_upgraded *up, void *ctx)
{
	struct xmpp_server *srv = ctx;
	if (srv->draining) {
		close(up->fd);
		tls_conn_free(&up->tls);
		return;
	}
	c2s_accept_ws(srv, up);
}

/* wss://host[:port]/xmpp-websocket from the public URL. */
static char *ws_url(const struct xmpp_server *srv)
{
	const char *base = srv->app->public_url != NULL ? srv->app->public_url : "";
	if (strncmp(base, "https://", 8) == 0)
		return xasprintf("wss://%s/xmpp-websocket", base + 8);
	if (strncmp(base, "http://", 7) == 0)
		return xasprintf("ws://%s/xmpp-websocket", base + 7);
	return xasprintf("wss://%s/xmpp-websocket", srv->domain);
}

static void host_meta_xml(const struct http_request *req, struct http_response *resp, void *ctx)
{
	(void)req;
	char *url = ws_url(ctx);
	char *body = xasprintf("<?xml version='1.0' encoding='utf-8'?>\n"
	                       "<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>\n"
	                       "  <Link rel='urn:xmpp:alt-connections:websocket' href='%s'/>\n"
	                       "</XRD>\n",
	                       url);
	free(url);
	http_response_take(resp, 200, "application/xrd+xml", body, strlen(body));
	http_response_header(resp, "Access-Control-Allow-Origin", "*");
}

static void host_meta_json(const struct http_request *req, struct http_response *resp, void *ctx)
{
	(void)req;
	char *url = ws_url(ctx);
	json_t *o = json_pack("{s:[{s:s, s:s}]}", "links", "rel",
	                      "urn:xmpp:alt-connections:websocket", "href", url);
	free(url);
	http_response_json(resp, 200, o);
	http_response_header(resp, "Access-Control-Allow-Origin", "*");
}

void xmpp_server_http_routes(struct xmpp_server *srv, struct http_router *router)
{
	if (srv == NULL)
		return;
	http_router_set_upgrade(router, "/xmpp-websocket", "xmpp", on_ws_upgrade, srv);
	http_router_add(router, "GET", "/.well-known/host-meta", 0, host_meta_xml, srv);
	http_router_add(router, "GET", "/.well-known/host-meta.json", 0, host_meta_json, srv);
}

/* ---- drain ----------------------------------------------------------- */

static void check_closed(uv_handle_t *h)
{
	struct xmpp_server *srv = h->data;
	void (*done)(void *) = srv->drain_done;
	srv->drain_done = NULL;
	if (done != NULL)
		done(srv->drain_arg);
}

void xmpp_server_maybe_drained(struct xmpp_server *srv)
{
	if (!srv->draining || srv->drain_done == NULL || srv->n_conns > 0 ||
	    srv->jobs_in_writer > 0 || srv->pending_head != NULL || srv->jobs_running > 0)
		return;
	if (uv_is_closing((uv_handle_t *)&srv->check))
		return;
	log_info("event=xmpp_drained");
	uv_close((uv_handle_t *)&srv->check, check_closed);
}

void xmpp_server_drain(struct xmpp_server *srv, void (*done)(void *arg), void *arg)
{
	if (srv == NULL) {
		done(arg);
		return;
	}
	srv->draining = true;
	srv->drain_done = done;
	srv->drain_arg = arg;
	if (srv->have_plain)
		uv_close((uv_handle_t *)&srv->listen_plain, NULL);
	if (srv->have_tls)
		uv_close((uv_handle_t *)&srv->listen_tls, NULL);
	srv->have_plain = srv->have_tls = false;
	account_watch_stop(srv);
	for (struct c2s_conn *c = srv->conns, *next; c != NULL; c = next) {
		next = c->next;
		c2s_stream_error(c, STREAM_ERR_SYSTEM_SHUTDOWN, NULL);
	}
	c2s_flush_dirty(srv);
	feed_writer(srv);
	xmpp_server_maybe_drained(srv);
}

void xmpp_server_free(struct xmpp_server **srvp)
{
	struct xmpp_server *srv = *srvp;
	if (srv == NULL)
		return;
	*srvp = NULL;
	for (size_t i = 0; i < srv->users_cap; i++)
		while (srv->users[i] != NULL)
			xmpp_user_drop(srv, srv->users[i]);
	free(srv->users);
	free(srv->tenants);
	xmpp_registry_free(&srv->registry);
	tls_ctx_free(&srv->tls);
	secret_wipe(srv->fake_key, sizeof(srv->fake_key));
	free(srv->domain);
	free(srv);
}
