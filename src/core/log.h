/*
 * core/log: structured logging without personal data.
 *
 * Lines are logfmt ("ts=... level=info msg=..." plus the caller's key=value
 * pairs). Never pass message bodies, passwords, tokens or keys. Identifiers
 * of people go through log_pseudonym() first: a keyed hash that support can
 * correlate within one installation but cannot reverse (P-SEC-7).
 */
#ifndef IRIS_CORE_LOG_H
#define IRIS_CORE_LOG_H

#include <stddef.h>
#include <stdio.h>

enum log_level { LOG_LEVEL_DEBUG = 0, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

/* Sets the threshold and destination (NULL = stderr). Safe to call again. */
void log_init(enum log_level level, FILE *out);
/* Parses "debug", "info", "warn", "error"; returns -1 on anything else. */
int log_level_parse(const char *name, enum log_level *level_r);
/* Sets the 32-byte key used by log_pseudonym(); copied, wiped at log_deinit. */
void log_set_pseudonym_key(const unsigned char key[32]);
void log_deinit(void);

/* Writes a pseudonym of id ("p-" + 16 hex chars) into buf and returns buf. */
#define LOG_PSEUDONYM_LEN 19
const char *log_pseudonym(const char *id, char buf[LOG_PSEUDONYM_LEN]);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
/* Logs at error level and exits the process with status 1. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
