/*
 * cmd/datadir: what irisd and irisctl share about a data directory beyond
 * app_init():
 *   - which settings file they read (datadir_load_settings);
 *   - irisd's lock, DATA/irisd.lock: held with flock(2) for irisd's whole
 *     life so that no second irisd runs on the same directory. The file
 *     also records irisd's pid and the absolute path of the settings file
 *     it was started with, which irisctl reads. irisctl never takes the
 *     lock: it works beside a running irisd through SQLite's own locking.
 */
#ifndef IRIS_CMD_DATADIR_H
#define IRIS_CMD_DATADIR_H

#include "core/config.h"

#include <stdbool.h>

/* Read by irisd and irisctl when no --config is given and the file exists. */
#define DATADIR_DEFAULT_CONFIG "/etc/iris/irisd.ini"
#define DATADIR_LOCK_FILE "irisd.lock"

/* Fills cfg: defaults, then the settings file, then data_dir (when not
 * NULL) over server.data_dir. The file is config_path when given; else,
 * with follow_irisd (irisctl), the file the last irisd on the data
 * directory was started with; else DATADIR_DEFAULT_CONFIG when it exists;
 * else none. *used_r: the file read (malloc'd), or NULL. Returns 0, or -1
 * with a malloc'd message in *error_r. */
int datadir_load_settings(struct config *cfg, const char *config_path, const char *data_dir,
                          bool follow_irisd, char **used_r, char **error_r);

/* irisd, before app_init(): creates data_dir (0700) when missing, refuses
 * one open to group or others, takes the lock and records the pid and
 * config_used (may be NULL). Returns the lock's descriptor, to keep open
 * until exit, or -1 with a malloc'd message ("data directory X is in use by
 * another irisd (pid N)"). */
int datadir_lock(const char *data_dir, const char *config_used, char **error_r);

#endif
