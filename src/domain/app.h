/*
 * domain/app: what every request handler and job needs, set up once by irisd
 * (or irisctl, or a test) and read-only afterwards: the settings, the key
 * service and where the database is. Each thread that touches storage gets
 * its own connection from app_thread_store(), opened lazily and closed at
 * app_thread_release() (libuv worker threads live for the whole process).
 */
#ifndef IRIS_DOMAIN_APP_H
#define IRIS_DOMAIN_APP_H

#include <pthread.h>
#include <stdbool.h>

struct config;
struct keys;
struct store;
struct writer;

struct app {
	const struct config *cfg;
	struct keys *keys;
	char *data_dir;   /* absolute */
	char *db_url;     /* "sqlite:<data_dir>/iris.db" */
	char *public_url; /* base URL for links in mail, no trailing slash */
	/* Called (from any thread) after mail was queued, so the sender runs
	 * soon instead of at its next tick; may be NULL. */
	void (*mail_kick)(void *ctx);
	void *mail_kick_ctx;
	/* The store's one writer thread (store/writer.h), started and stopped
	 * by irisd; NULL elsewhere (irisctl, tests). */
	struct writer *writer;
};

/* Opens keys and database under data_dir (creating both on first start),
 * applies migrations. The catalog comes from the modules the program
 * registered before (core/module.h; src/cmd/modules.c). */
int app_init(struct app *app, const struct config *cfg, const char *data_dir, bool create,
             const char **error_r);
void app_deinit(struct app *app);
/* What app_init() checks first: dir exists (created 0700 when create and
 * missing) and is open to nobody but its owner. error_r names the path and
 * the chmod to run (kept per thread until the next call). */
int app_data_dir_prepare(const char *dir, bool create, const char **error_r);

/* The calling thread's connection (lazily opened, migrations already
 * applied by app_init). Aborts the process if the database cannot be opened
 * (the data directory vanished: nothing sensible can continue). */
struct store *app_thread_store(struct app *app);
/* Closes the calling thread's connection, if any. */
void app_thread_release(void);

#endif
