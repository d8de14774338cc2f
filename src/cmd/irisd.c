/*
 * irisd: the Iris server. Reads the settings, opens the data directory (keys,
 * database, certificate), bootstraps the first operator and tenant admin on
 * first start, and serves HTTPS until SIGTERM (drain, then exit) or SIGHUP
 * (reload what is reloadable: log level, auth and rate limits, SMTP,
 * certificate).
 */
#include "cmd/modules.h"
#include "cmd/datadir.h"
#include "cmd/first_run.h"
#include "cmd/periodic.h"
#include "cmd/version.h"
#include "core/cli_opts.h"
#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/app.h"
#include "core/clock.h"
#include "domain/jobs.h"
#include "domain/mail.h"
#include "domain/rate_limit.h"
#include "net/http.h"
#include "net/server.h"
#include "net/tls.h"
#include "api/api.h"
#include "store/writer.h"
#include "xmpp/xmpp_metrics.h"
#include "xmpp/xmpp_server.h"
#include "compliance/retention.h"

#include <jansson.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

struct irisd {
	struct config cfg;
	char *config_path; /* the settings file read, or NULL (defaults) */
	int lock_fd;       /* DATA/irisd.lock, held until exit */
	struct app app;
	uv_loop_t *loop;
	uv_signal_t sigterm, sigint, sighup;
	struct http_server *http;
	struct xmpp_server *xmpp;
	int draining; /* listeners still draining */
	struct http_router *router;
	struct periodic *mail, *jobs;
	struct net_metrics_access metrics; /* outlives the router */
	char *cert_path, *key_path;
};

/* jansson holds request bodies (passwords among them): wipe every block it
 * frees, whatever it held. */
static void *json_block_alloc(size_t size)
{
	return xmalloc(size);
}

static void json_block_free(void *ptr)
{
	if (ptr != NULL)
		secret_free(ptr, malloc_usable_size(ptr));
}

static void usage(FILE *out)
{
	fprintf(out, "usage: irisd [--config FILE] [--data DIR] [-n] [--settings] [--version]\n"
	             "  -c, --config FILE  settings file (INI); default " DATADIR_DEFAULT_CONFIG
	             " when it\n"
	             "                     exists, else the built-in defaults\n"
	             "  -d, --data DIR     data directory (overrides server.data_dir)\n"
	             "  -n, --check        check the settings and exit\n"
	             "      --settings     print the settings reference (Markdown) and exit\n"
	             "  -V, --version      print the version and exit\n");
}

/* Loads defaults, the file (--config, else DATADIR_DEFAULT_CONFIG when it
 * exists) and the command-line overrides into d->cfg. */
static int load_settings(struct irisd *d, const char *config_path, const char *data_dir)
{
	char *error = NULL;
	if (datadir_load_settings(&d->cfg, config_path, data_dir, false, &d->config_path, &error) <
	    0)
		goto fail;
	if (config_validate(&d->cfg, &error) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "irisd: %s\n", error);
	free(error);
	return -1;
}

static void apply_log_level(const struct config *cfg)
{
	enum log_level level = LOG_LEVEL_INFO;
	(void)log_level_parse(cfg->log_level, &level);
	log_init(level, NULL);
}

/* Certificate: the configured one, or a self-signed one for the domain in
 * the data directory, created on first start. */
static int prepare_certificate(struct irisd *d)
{
	const char *error = NULL;
	if (d->cfg.tls_cert[0] != '\0') {
		d->cert_path = xstrdup(d->cfg.tls_cert);
		d->key_path = xstrdup(d->cfg.tls_key);
		return 0;
	}
	d->cert_path = xasprintf("%s/tls-cert.pem", d->app.data_dir);
	d->key_path = xasprintf("%s/tls-key.pem", d->app.data_dir);
	struct stat sb;
	if (stat(d->cert_path, &sb) == 0 && stat(d->key_path, &sb) == 0)
		return 0;
	if (tls_selfsigned_create(d->cert_path, d->key_path, d->cfg.domain, &error) < 0) {
		log_error("event=selfsigned_failed error=\"%s\"", error);
		return -1;
	}
	log_info("event=selfsigned_created path=%s", d->cert_path);
	return 0;
}

static void drained(void *arg)
{
	struct irisd *d = arg;
	if (--d->draining > 0)
		return;
	/* Worker threads may still queue mail and kick: the kick stays valid
	 * (ignored once stopped) until periodic_free after uv_run. */
	periodic_stop(d->mail);
	periodic_stop(d->jobs);
	/* XMPP handed over its last job and heard back: the writer commits
	 * what may be left and its thread ends */
	writer_stop(&d->app.writer);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_close((uv_handle_t *)&d->sighup, NULL);
	log_info("event=drained");
}

static void on_stop_signal(uv_signal_t *h, int signum)
{
	struct irisd *d = h->data;
	log_info("event=shutdown signal=%d", signum);
	uv_signal_stop(&d->sigterm);
	uv_signal_stop(&d->sigint);
	uv_signal_stop(&d->sighup);
	d->draining = 2;
	xmpp_server_drain(d->xmpp, drained, d);
	http_server_drain(d->http, drained, d);
}

/* SIGHUP: re-read the file; apply reloadable settings and the certificate.
 * A broken file changes nothing. */
static void on_reload_signal(uv_signal_t *h, int signum)
{
	struct irisd *d = h->data;
	struct config fresh;
	char *error = NULL;
	const char *tls_error = NULL;
	config_defaults(&fresh);
	if (d->config_path != NULL && config_load_file(&fresh, d->config_path, &error) < 0) {
		log_warn("event=reload_refused error=\"%s\"", error);
		free(error);
		config_free(&fresh);
		return;
	}
	/* --data overrides the file, and the data directory never changes while
	 * running: keep it out of the "needs a restart" warnings */
	if (config_set(&fresh, "server.data_dir", d->cfg.data_dir, &error) < 0)
		free(error);
	config_apply_reloadable(&d->cfg, &fresh);
	config_free(&fresh);
	apply_log_level(&d->cfg);
	rate_limit_apply_config(&d->cfg);
	if (d->cfg.http_tls && http_server_reload_tls(d->http, &tls_error) < 0)
		log_warn("event=tls_reload_failed error=\"%s\"", tls_error);
	log_info("event=reloaded signal=%d", signum);
}

/* Outbox delivery, on a worker thread. */
static void deliver_mail(void *ctx)
{
	struct app *app = ctx;
	if (mail_deliver_due(app, app_thread_store(app)) < 0)
		log_warn("event=mail_sender_failed");
}

/* Due jobs of the jobs table, on a worker thread. */
static void run_jobs(void *ctx)
{
	struct app *app = ctx;
	if (jobs_run_due(app, app_thread_store(app), clock_now(), 64) < 0)
		log_warn("event=jobs_failed");
}

/* mail_enqueue() calls this from any thread once a mail is queued. */
static void kick_mail(void *ctx)
{
	periodic_kick(ctx);
}

static void start_duties(struct irisd *d)
{
	iris_modules_jobs();
	if (jobs_ensure_recurring(app_thread_store(&d->app), clock_now()) < 0)
		log_warn("event=jobs_recurring_failed");
	d->mail = periodic_start(d->loop, 2000, deliver_mail, &d->app);
	d->app.mail_kick = kick_mail;
	d->app.mail_kick_ctx = d->mail;
	d->jobs = periodic_start(d->loop, 5000, run_jobs, &d->app);
}

static int start_http(struct irisd *d)
{
	const char *error = NULL;
	struct http_server_settings hs = {
	    .bind_addr = d->cfg.http_bind,
	    .port = d->cfg.http_port,
	    .tls = d->cfg.http_tls,
	    .cert_path = d->cert_path,
	    .key_path = d->key_path,
	    .max_header_bytes = (size_t)d->cfg.http_max_header_bytes,
	    .max_body_bytes = (size_t)d->cfg.http_max_body_bytes,
	    .header_timeout_ms = (unsigned)d->cfg.http_header_timeout_ms,
	    .idle_timeout_ms = (unsigned)d->cfg.http_idle_timeout_ms,
	    .max_connections = (unsigned)d->cfg.http_max_connections,
	    .dev_mode = d->cfg.dev_mode,
	    .trusted_proxies = d->cfg.http_trusted_proxies,
	    .proxy_forwarded = strcmp(d->cfg.http_proxy_header, "forwarded") == 0,
	};
	d->router = http_router_new();
	d->metrics =
	    (struct net_metrics_access){d->cfg.http_metrics_public, api_operator_token_ok, &d->app};
	net_routes_builtin(d->router, &d->metrics);
	iris_modules_routes(d->router, &d->app);
	if (http_server_start(d->loop, &hs, d->router, &d->http, &error) < 0) {
		log_error("event=listen_failed error=\"%s\"", error);
		return -1;
	}
	printf("irisd: listening on %s://%s:%d\n", d->cfg.http_tls ? "https" : "http",
	       d->cfg.http_bind, http_server_port(d->http));
	fflush(stdout);
	if (xmpp_server_start(d->loop, &d->app, &d->cfg, d->cert_path, d->key_path, &d->xmpp,
	                      &error) < 0) {
		/* HTTPS keeps serving; the operator sees the error (port in use?) */
		log_error("event=xmpp_listen_failed error=\"%s\"", error);
		d->xmpp = NULL;
	}
	xmpp_server_http_routes(d->xmpp, d->router); /* WebSocket, host-meta */
	return 0;
}

/* The store's one writer thread (store/writer.h): at most WRITER_BATCH_MAX
 * jobs per transaction, so one commit stays short; server.writer_queue
 * jobs outstanding before submitters are told to hold back. */
#define WRITER_BATCH_MAX 2048

static int start_writer(struct irisd *d)
{
	const char *error = NULL;
	struct writer_opts o = {.capacity = (unsigned)d->cfg.writer_queue,
	                        .batch_max = WRITER_BATCH_MAX,
	                        .on_batch = xmpp_metrics_batch};
	if (writer_start(d->loop, d->app.db_url, &o, &d->app.writer, &error) < 0) {
		log_error("event=writer_start_failed error=\"%s\"", error);
		return -1;
	}
	return 0;
}

static void watch_signals(struct irisd *d)
{
	uv_signal_init(d->loop, &d->sigterm);
	uv_signal_init(d->loop, &d->sigint);
	uv_signal_init(d->loop, &d->sighup);
	d->sigterm.data = d->sigint.data = d->sighup.data = d;
	uv_signal_start(&d->sigterm, on_stop_signal, SIGTERM);
	uv_signal_start(&d->sigint, on_stop_signal, SIGINT);
	uv_signal_start(&d->sighup, on_reload_signal, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
}

static int run(struct irisd *d)
{
	const char *error = NULL;
	char workers[16];
	/* libuv sizes its pool from the environment at first use. */
	snprintf(workers, sizeof(workers), "%d", d->cfg.workers);
	setenv("UV_THREADPOOL_SIZE", workers, 1);
	char *lock_error = NULL;
	d->lock_fd = datadir_lock(d->cfg.data_dir, d->config_path, &lock_error);
	if (d->lock_fd < 0) {
		fprintf(stderr, "irisd: %s\n", lock_error);
		free(lock_error);
		return 1;
	}
	iris_modules_register();
	if (app_init(&d->app, &d->cfg, d->cfg.data_dir, true, &error) < 0) {
		log_error("event=startup_failed error=\"%s\"", error);
		return 1;
	}
	rate_limit_apply_config(&d->cfg);
	bool need_cert =
	    d->cfg.http_tls || d->cfg.xmpp_c2s_port >= 0 || d->cfg.xmpp_c2s_tls_port >= 0;
	if ((need_cert && prepare_certificate(d) < 0) || first_run_bootstrap(&d->app) < 0)
		return 1;
	d->loop = uv_default_loop();
	if (start_writer(d) < 0)
		return 1;
	/* Signals first: "listening" may be read by a supervisor that stops us
	 * at once, and SIGTERM must then drain, not kill. */
	watch_signals(d);
	if (start_http(d) < 0)
		return 1;
	start_duties(d);
	uv_run(d->loop, UV_RUN_DEFAULT);
	if (d->app.writer != NULL) { /* the loop ended without a drain */
		writer_stop(&d->app.writer);
		uv_run(d->loop, UV_RUN_NOWAIT);
	}
	/* The loop is done: no worker runs, nobody kicks any more. */
	d->app.mail_kick = NULL;
	d->app.mail_kick_ctx = NULL;
	periodic_free(d->mail);
	periodic_free(d->jobs);
	d->mail = d->jobs = NULL;
	http_server_free(&d->http);
	xmpp_server_free(&d->xmpp);
	uv_loop_close(d->loop);
	log_info("event=stopped");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct cli_opt opts[] = {
	    {"config", 'c', true, 'c'},
	    {"data", 'd', true, 'd'},
	    {"check", 'n', false, 'n'},
	    {"settings", 0, false, 'S'},
	    {"help", 'h', false, 'h'},
	    {"version", 'V', false, 'V'},
	    {0},
	};
	struct irisd d;
	struct cli_opts p;
	const char *config_path = NULL, *data_dir = NULL;
	bool check_only = false;
	int c;
	memset(&d, 0, sizeof(d));
	d.lock_fd = -1;
	umask(077); /* keys, database, certificates: the iris user's alone */
	cli_opts_init(&p, "irisd", opts, argc, argv, 1);
	while ((c = cli_opts_next(&p)) != CLI_OPTS_END) {
		switch (c) {
		case 'c':
			config_path = p.value;
			break;
		case 'd':
			data_dir = p.value;
			break;
		case 'V':
			printf("irisd %s\n", IRIS_VERSION);
			return 0;
		case 'n':
			check_only = true;
			break;
		case 'S':
			config_write_reference(stdout);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (p.n_operands != 0) {
		usage(stderr);
		return 2;
	}
	if (load_settings(&d, config_path, data_dir) < 0) {
		free(d.config_path);
		return 1;
	}
	struct tls_ctx *tls_check = NULL;
	const char *tls_error = NULL;
	if (check_only && d.cfg.tls_cert[0] != '\0' &&
	    tls_ctx_server_new(d.cfg.tls_cert, d.cfg.tls_key, &tls_check, &tls_error) < 0) {
		/* the certificate the settings name must load, as at start-up */
		fprintf(stderr, "irisd: %s\n", tls_error);
		config_free(&d.cfg);
		free(d.config_path);
		return 1;
	}
	tls_ctx_free(&tls_check);
	if (check_only) {
		printf("irisd: settings OK\n");
		config_free(&d.cfg);
		free(d.config_path);
		return 0;
	}
	apply_log_level(&d.cfg);
	json_set_alloc_funcs(json_block_alloc, json_block_free);
	int rc = run(&d);
	app_deinit(&d.app);
	free(d.cert_path);
	free(d.key_path);
	free(d.config_path);
	config_free(&d.cfg);
	if (d.lock_fd >= 0)
		close(d.lock_fd); /* releases the lock: the last thing irisd does */
	return rc;
}
