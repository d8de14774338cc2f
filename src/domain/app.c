/* domain/app: see app.h. */
#include "domain/app.h"
#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "store/store.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static __thread struct store *thread_store;

/* Creates dir with mode 0700 when missing; refuses one that group or others
 * may read, write or enter (its files are the keys and the database). The
 * message names the path and the fix; kept per thread until the next call. */
int app_data_dir_prepare(const char *dir, bool create, const char **error_r)
{
	static __thread char msg[PATH_MAX + 160];
	struct stat sb;
	if (stat(dir, &sb) < 0) {
		if (errno != ENOENT || !create || mkdir(dir, 0700) < 0) {
			*error_r = "data directory missing and cannot be created";
			return -1;
		}
		return 0;
	}
	if (!S_ISDIR(sb.st_mode)) {
		*error_r = "data directory path is not a directory";
		return -1;
	}
	if ((sb.st_mode & 0077) != 0) {
		int n = snprintf(msg, sizeof(msg),
		                 "data directory %s is open to group or others (mode %04o); "
		                 "run: chmod 700 %s",
		                 dir, (unsigned)(sb.st_mode & 07777), dir);
		*error_r = n > 0 && (size_t)n < sizeof(msg)
		               ? msg
		               : "data directory is open to group or others; run chmod 700 on it";
		return -1;
	}
	return 0;
}

int app_init(struct app *app, const struct config *cfg, const char *data_dir, bool create,
             const char **error_r)
{
	char abs[PATH_MAX];
	memset(app, 0, sizeof(*app));
	app->cfg = cfg;
	if (app_data_dir_prepare(data_dir, create, error_r) < 0 ||
	    realpath(data_dir, abs) == NULL) {
		if (*error_r == NULL)
			*error_r = "cannot resolve data directory";
		return -1;
	}
	app->data_dir = xstrdup(abs);
	app->db_url = xasprintf("sqlite:%s/iris.db", abs);
	if (cfg->public_url[0] != '\0')
		app->public_url = xstrdup(cfg->public_url);
	else
		app->public_url = xasprintf("%s://%s:%d", cfg->http_tls ? "https" : "http",
		                            cfg->domain, cfg->http_port);
	char *key_path = xasprintf("%s/master.key", abs);
	int rc = keys_open(key_path, create, &app->keys, error_r);
	free(key_path);
	if (rc < 0)
		return -1;
	unsigned char pseudo[32];
	if (keys_derive(app->keys, "log-pseudonym", pseudo) == 0)
		log_set_pseudonym_key(pseudo);
	secret_wipe(pseudo, sizeof(pseudo));
	struct store *st = NULL;
	if (store_open(app->db_url, &st, error_r) < 0 || store_migrate(st, error_r) < 0) {
		store_close(&st);
		return -1;
	}
	/* Tenant "" is the pool of freemium users without a company. */
	if (store_tx_begin(st) < 0 || keys_tenant_create(app->keys, st, "") < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		*error_r = "cannot create the freemium key";
		store_close(&st);
		return -1;
	}
	store_close(&st);
	return 0;
}

void app_deinit(struct app *app)
{
	app_thread_release();
	keys_close(&app->keys);
	free(app->data_dir);
	free(app->db_url);
	free(app->public_url);
	memset(app, 0, sizeof(*app));
}

struct store *app_thread_store(struct app *app)
{
	const char *error = NULL;
	if (thread_store == NULL && store_open(app->db_url, &thread_store, &error) < 0)
		fatal("event=store_open_failed error=\"%s\"", error);
	return thread_store;
}

void app_thread_release(void)
{
	store_close(&thread_store);
}
