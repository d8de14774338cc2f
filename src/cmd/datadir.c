/* cmd/datadir: see datadir.h. */
#include "cmd/datadir.h"
#include "core/xalloc.h"
#include "domain/app.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define RECORD_MAX 8192

/* The lock file's text (at most RECORD_MAX - 1 bytes), malloc'd, or NULL. */
static char *record_read(const char *data_dir)
{
	char *path = xasprintf("%s/%s", data_dir, DATADIR_LOCK_FILE);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return NULL;
	char *text = xcalloc(1, RECORD_MAX);
	ssize_t n = read(fd, text, RECORD_MAX - 1);
	close(fd);
	if (n <= 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* The value of the line "key value" of a record, malloc'd, or NULL. */
static char *record_field(const char *text, const char *key)
{
	size_t klen = strlen(key);
	for (const char *line = text; line != NULL && *line != '\0';) {
		const char *end = strchr(line, '\n');
		size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
		if (len > klen && memcmp(line, key, klen) == 0 && line[klen] == ' ')
			return xstrndup(line + klen + 1, len - klen - 1);
		line = end != NULL ? end + 1 : NULL;
	}
	return NULL;
}

/* Defaults, then file (may be NULL), then data_dir (may be NULL). */
static int load(struct config *cfg, const char *file, const char *data_dir, char **error_r)
{
	config_defaults(cfg);
	if (file != NULL && config_load_file(cfg, file, error_r) < 0)
		return -1;
	if (data_dir != NULL && config_set(cfg, "server.data_dir", data_dir, error_r) < 0)
		return -1;
	return 0;
}

int datadir_load_settings(struct config *cfg, const char *config_path, const char *data_dir,
                          bool follow_irisd, char **used_r, char **error_r)
{
	*used_r = NULL;
	if (config_path != NULL) {
		*used_r = xstrdup(config_path);
		return load(cfg, config_path, data_dir, error_r);
	}
	const char *fallback =
	    access(DATADIR_DEFAULT_CONFIG, F_OK) == 0 ? DATADIR_DEFAULT_CONFIG : NULL;
	if (load(cfg, fallback, data_dir, error_r) < 0)
		return -1;
	*used_r = fallback != NULL ? xstrdup(fallback) : NULL;
	if (!follow_irisd)
		return 0;
	/* irisd's own file, from the directory these settings point at */
	char *record = record_read(cfg->data_dir);
	char *recorded = record != NULL ? record_field(record, "config") : NULL;
	free(record);
	if (recorded == NULL || (*used_r != NULL && strcmp(recorded, *used_r) == 0)) {
		free(recorded);
		return 0;
	}
	char *dir = xstrdup(cfg->data_dir);
	char *error = NULL;
	config_free(cfg);
	int rc = load(cfg, recorded, dir, &error);
	if (rc < 0) {
		*error_r = xasprintf("irisd's settings file %s (recorded in %s/%s): %s; "
		                     "give the settings with --config FILE",
		                     recorded, dir, DATADIR_LOCK_FILE, error);
		free(error);
		free(recorded);
	} else {
		free(*used_r);
		*used_r = recorded;
	}
	free(dir);
	return rc;
}

/* After the lock: "pid N" and "config PATH" for irisctl and the operator. */
static int record_write(int fd, const char *config_used)
{
	char abs[PATH_MAX];
	const char *config = config_used != NULL && realpath(config_used, abs) != NULL ? abs : NULL;
	char *text = config != NULL ? xasprintf("pid %ld\nconfig %s\n", (long)getpid(), config)
	                            : xasprintf("pid %ld\n", (long)getpid());
	size_t len = strlen(text);
	int rc = ftruncate(fd, 0) == 0 && pwrite(fd, text, len, 0) == (ssize_t)len ? 0 : -1;
	free(text);
	return rc;
}

int datadir_lock(const char *data_dir, const char *config_used, char **error_r)
{
	const char *error = NULL;
	if (app_data_dir_prepare(data_dir, true, &error) < 0) {
		*error_r = xasprintf("%s: %s", data_dir, error);
		return -1;
	}
	char *path = xasprintf("%s/%s", data_dir, DATADIR_LOCK_FILE);
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		*error_r = xasprintf("cannot open %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(fd);
		if (e != EWOULDBLOCK) {
			*error_r =
			    xasprintf("cannot lock data directory %s: %s", data_dir, strerror(e));
			return -1;
		}
		char *record = record_read(data_dir);
		char *pid = record != NULL ? record_field(record, "pid") : NULL;
		*error_r = xasprintf("data directory %s is in use by another irisd (pid %s)",
		                     data_dir, pid != NULL ? pid : "unknown");
		free(pid);
		free(record);
		return -1;
	}
	if (record_write(fd, config_used) < 0) {
		*error_r = xasprintf("cannot write %s/%s: %s", data_dir, DATADIR_LOCK_FILE,
		                     strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
