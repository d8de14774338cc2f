/* core/config: see config.h. */
#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"

#include <errno.h>
#include <ini.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define S(field) offsetof(struct config, field)
/* A reloadable setting: its field must be _Atomic (config.h), or this does
 * not compile (no _Generic association matches). */
#define RS(field)                                                                                  \
	(S(field) + 0 * _Generic(&((struct config *)0)->field, _Atomic int * : 0,                  \
	                         _Atomic bool * : 0, char *_Atomic * : 0))

const struct config_setting config_settings[] = {
    {"server.data_dir", CONFIG_STRING, S(data_dir), 0, 0, "data", false,
     "directory for the database, keys and certificates"},
    {"server.domain", CONFIG_STRING, S(domain), 0, 0, "localhost", false,
     "the XMPP domain and certificate name of this server"},
    {"server.dev_mode", CONFIG_BOOL, S(dev_mode), 0, 0, "false", false,
     "development mode: allows plain HTTP, on loopback only"},
    {"server.test_mode", CONFIG_BOOL, S(test_mode), 0, 0, "false", false,
     "test mode: the operator's test clock (POST /api/v1/test/clock); never in production"},
    {"server.log_level", CONFIG_STRING, RS(log_level), 0, 0, "info", true,
     "debug, info, warn or error"},
    {"server.workers", CONFIG_INT, S(workers), 1, 64, "4", false,
     "threads for blocking work (storage, hashing)"},
    {"server.writer_queue", CONFIG_INT, S(writer_queue), 1, 1000000, "8192", false,
     "storage jobs waiting for the writer thread before clients are slowed down"},
    {"http.bind", CONFIG_STRING, S(http_bind), 0, 0, "127.0.0.1", false,
     "address of the HTTPS listener"},
    {"http.port", CONFIG_INT, S(http_port), 0, 65535, "8443", false,
     "port of the HTTPS listener (0 picks a free one)"},
    {"http.tls", CONFIG_BOOL, S(http_tls), 0, 0, "true", false,
     "TLS on the listener; false only with dev_mode on loopback"},
    {"http.tls_cert", CONFIG_STRING, RS(tls_cert), 0, 0, "", true,
     "PEM certificate chain; empty: a self-signed one in the data directory"},
    {"http.tls_key", CONFIG_STRING, RS(tls_key), 0, 0, "", true, "PEM private key for tls_cert"},
    {"http.max_header_bytes", CONFIG_INT, S(http_max_header_bytes), 1024, 1048576, "16384", false,
     "largest request head accepted"},
    {"http.max_body_bytes", CONFIG_INT, S(http_max_body_bytes), 1024, 268435456, "8388608", false,
     "largest request body accepted"},
    {"http.header_timeout_ms", CONFIG_INT, S(http_header_timeout_ms), 100, 600000, "10000", false,
     "time allowed to send a request"},
    {"http.idle_timeout_ms", CONFIG_INT, S(http_idle_timeout_ms), 100, 3600000, "60000", false,
     "keep-alive connections idle longer are closed"},
    {"http.max_connections", CONFIG_INT, S(http_max_connections), 1, 1000000, "10000", false,
     "simultaneous HTTP connections"},
    {"http.public_url", CONFIG_STRING, RS(public_url), 0, 0, "", true,
     "URL users reach the server at (links in e-mail); empty: derived"},
    {"http.metrics_public", CONFIG_BOOL, S(http_metrics_public), 0, 0, "false", false,
     "GET /metrics for anyone; false: loopback peers and operators' tokens only"},
    {"http.trusted_proxies", CONFIG_STRING, S(http_trusted_proxies), 0, 0, "", false,
     "comma-separated addresses or CIDRs of reverse proxies whose Forwarded or "
     "X-Forwarded-For header gives the client address; empty: headers ignored"},
    {"http.proxy_header", CONFIG_STRING, S(http_proxy_header), 0, 0, "x-forwarded-for", false,
     "the header the trusted proxies write: x-forwarded-for or forwarded (RFC 7239); the "
     "other one is ignored"},
    {"auth.token_ttl_s", CONFIG_INT, RS(token_ttl_s), 60, 31536000, "86400", true,
     "lifetime of an API token"},
    {"auth.login_max_failures", CONFIG_INT, RS(login_max_failures), 1, 1000, "5", true,
     "failed logins of one account from one address before delays start (a success clears "
     "them)"},
    {"auth.login_window_s", CONFIG_INT, RS(login_window_s), 60, 604800, "3600", true,
     "failed logins older than this no longer count"},
    {"auth.login_backoff_s", CONFIG_INT, RS(login_backoff_s), 1, 3600, "2", true,
     "first delay once a login limit is reached; doubles with each further failure"},
    {"auth.login_backoff_max_s", CONFIG_INT, RS(login_backoff_max_s), 1, 86400, "300", true,
     "longest delay between two login attempts of a throttled pair or address"},
    {"auth.login_address_max_failures", CONFIG_INT, RS(login_address_max_failures), 1, 1000000,
     "300", true,
     "failed logins from one address (all accounts, within the window) before that address "
     "is delayed; high for NATs and proxies"},
    {"auth.login_account_max_failures", CONFIG_INT, RS(login_account_max_failures), 1, 1000000,
     "50", true,
     "failed logins of one account (all addresses, within the window) after which each "
     "address gets one free attempt only: slows, never locks"},
    {"auth.scram_iterations", CONFIG_INT, RS(scram_iterations), 4096, 10000000, "10000", true,
     "PBKDF2 iterations of new SCRAM credentials"},
    {"auth.self_registration", CONFIG_BOOL, RS(self_registration), 0, 0, "true", true,
     "freemium self-registration with e-mail confirmation"},
    {"auth.confirm_ttl_s", CONFIG_INT, RS(confirm_ttl_s), 300, 2592000, "86400", true,
     "lifetime of an e-mail confirmation code"},
    {"ratelimit.address_burst", CONFIG_INT, RS(rl_address_burst), 0, 1000000, "300", true,
     "requests one client address may make at once (0: no per-address limit)"},
    {"ratelimit.address_per_min", CONFIG_INT, RS(rl_address_per_min), 0, 60000000, "3000", true,
     "requests a minute one client address regains"},
    {"ratelimit.account_burst", CONFIG_INT, RS(rl_account_burst), 0, 1000000, "120", true,
     "requests one account may make at once (0: no per-account limit)"},
    {"ratelimit.account_per_min", CONFIG_INT, RS(rl_account_per_min), 0, 60000000, "1200", true,
     "requests a minute one account regains"},
    {"ratelimit.directory_burst", CONFIG_INT, RS(rl_directory_burst), 0, 1000000, "20", true,
     "directory searches one account may make at once (0: no limit)"},
    {"ratelimit.directory_per_min", CONFIG_INT, RS(rl_directory_per_min), 0, 60000000, "30", true,
     "directory searches a minute one account regains"},
    {"ratelimit.stuffing_usernames", CONFIG_INT, RS(rl_stuffing_usernames), 2, 32, "10", true,
     "distinct usernames failing from one address that make a credential-stuffing event"},
    {"ratelimit.stuffing_window_s", CONFIG_INT, RS(rl_stuffing_window_s), 10, 86400, "600", true,
     "window in which those failures are counted"},
    {"smtp.url", CONFIG_STRING, RS(smtp_url), 0, 0, "", true,
     "SMTP relay, e.g. smtp://127.0.0.1:25; empty: mail stays in the outbox"},
    {"smtp.from", CONFIG_STRING, RS(smtp_from), 0, 0, "iris@localhost", true,
     "sender address of mail from Iris"},
    {"smtp.timeout_s", CONFIG_INT, RS(smtp_timeout_s), 1, 600, "30", true,
     "time allowed for one SMTP delivery"},
    {"audit.checkpoint_every", CONFIG_INT, RS(audit_checkpoint_every), 1, 1000000, "100", true,
     "audit entries between signed checkpoints"},
    {"profile.avatar_max_bytes", CONFIG_INT, RS(avatar_max_bytes), 1024, 16777216, "1048576", true,
     "largest avatar image accepted"},
    {"xmpp.bind", CONFIG_STRING, S(xmpp_bind), 0, 0, "127.0.0.1", false,
     "address of the XMPP client listeners"},
    {"xmpp.c2s_port", CONFIG_INT, S(xmpp_c2s_port), -1, 65535, "5222", false,
     "XMPP client port with mandatory STARTTLS (0 picks a free one, -1 off)"},
    {"xmpp.c2s_tls_port", CONFIG_INT, S(xmpp_c2s_tls_port), -1, 65535, "5223", false,
     "XMPP client port with direct TLS, XEP-0368 (0 picks a free one, -1 off)"},
    {"xmpp.plaintext", CONFIG_BOOL, S(xmpp_plaintext), 0, 0, "false", false,
     "allow SCRAM logins without STARTTLS; needs dev_mode and a loopback peer"},
    {"xmpp.max_stanza_bytes", CONFIG_INT, S(xmpp_max_stanza_bytes), 4096, 16777216, "262144", false,
     "largest stanza accepted (policy-violation beyond)"},
    {"xmpp.max_connections", CONFIG_INT, S(xmpp_max_connections), 1, 1000000, "20000", false,
     "simultaneous XMPP client connections"},
    {"xmpp.auth_timeout_ms", CONFIG_INT, S(xmpp_auth_timeout_ms), 1000, 600000, "30000", false,
     "time allowed from connect to a bound resource"},
    {"xmpp.max_offline", CONFIG_INT, RS(xmpp_max_offline), 0, 1000000, "10000", true,
     "offline messages kept per user (beyond: service-unavailable)"},
    {"xmpp.channel_binding", CONFIG_BOOL, S(xmpp_channel_binding), 0, 0, "false", false,
     "offer SCRAM -PLUS (tls-exporter, tls-server-end-point); off: clients binding only with "
     "tls-unique would fail"},
    {"xmpp.resume_timeout_s", CONFIG_INT, S(xmpp_resume_timeout_s), 0, 86400, "300", false,
     "XEP-0198: how long a dropped session waits for resumption (0: no resumption)"},
    {NULL, 0, 0, 0, 0, NULL, false, NULL},
};

static const struct config_setting *config_find(const char *name)
{
	for (const struct config_setting *s = config_settings; s->name != NULL; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

static int parse_bool(const char *value, bool *out)
{
	if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "1") == 0 ||
	    strcmp(value, "on") == 0)
		*out = true;
	else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 ||
	         strcmp(value, "0") == 0 || strcmp(value, "off") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

/* Settings an earlier version had: a settings file that still sets one
 * keeps working (the value is ignored, with a warning saying what replaced
 * it), so an upgrade never stops irisd on its old file. */
static const struct {
	const char *name;
	const char *advice;
} retired_settings[] = {
    {"auth.login_lockout_s",
     "replaced by growing delays per account and address: auth.login_backoff_s, "
     "auth.login_backoff_max_s (see docs/accounts.md)"},
};

const char *config_retired(const char *name)
{
	for (size_t i = 0; i < sizeof(retired_settings) / sizeof(retired_settings[0]); i++)
		if (strcmp(retired_settings[i].name, name) == 0)
			return retired_settings[i].advice;
	return NULL;
}

int config_set(struct config *cfg, const char *name, const char *value, char **error_r)
{
	const struct config_setting *s = config_find(name);
	char *field = (char *)cfg + (s != NULL ? s->offset : 0);
	const char *advice = s == NULL ? config_retired(name) : NULL;
	if (advice != NULL) {
		log_warn("event=setting_retired setting=%s ignored=true advice=\"%s\"", name,
		         advice);
		return 0;
	}
	if (s == NULL) {
		*error_r = xasprintf("unknown setting '%s'", name);
		return -1;
	}
	switch (s->type) {
	case CONFIG_BOOL:
		if (parse_bool(value, (bool *)(void *)field) < 0) {
			*error_r = xasprintf("%s: expected true or false, got '%s'", name, value);
			return -1;
		}
		return 0;
	case CONFIG_INT: {
		char *end;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0') {
			*error_r = xasprintf("%s: expected an integer, got '%s'", name, value);
			return -1;
		}
		if (v < s->min || v > s->max) {
			*error_r =
			    xasprintf("%s: %ld is outside %ld..%ld", name, v, s->min, s->max);
			return -1;
		}
		*(int *)(void *)field = (int)v;
		return 0;
	}
	case CONFIG_STRING:
		if (strlen(value) > 4096) {
			*error_r = xasprintf("%s: value longer than 4096 bytes", name);
			return -1;
		}
		free(*(char **)(void *)field);
		*(char **)(void *)field = xstrdup(value);
		return 0;
	}
	*error_r = xasprintf("%s: bad setting type", name);
	return -1;
}

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (const struct config_setting *s = config_settings; s->name != NULL; s++) {
		char *error = NULL;
		if (config_set(cfg, s->name, s->default_value, &error) < 0)
			abort(); /* a broken default is a programming error */
	}
}

struct ini_state {
	struct config *cfg;
	char *error;
	int error_line; /* of error */
	int line;       /* lines read so far */
	FILE *file;
};

static int config_ini_line(void *user, const char *section, const char *key, const char *value)
{
	struct ini_state *st = user;
	char name[256];
	char *error = NULL;
	if (st->error != NULL)
		return 0;
	st->error_line = st->line;
	if (section[0] == '\0') {
		st->error = xasprintf("'%s' is outside any [section]", key);
		return 0;
	}
	int n = snprintf(name, sizeof(name), "%s.%s", section, key);
	if (n < 0 || (size_t)n >= sizeof(name)) {
		st->error = xasprintf("name too long");
		return 0;
	}
	if (config_set(st->cfg, name, value, &error) < 0) {
		st->error = error;
		return 0;
	}
	return 1;
}

/* libinih's reader, counting lines so that a setting's error names its
 * own line (libinih reports only the first error's). */
static char *config_ini_read(char *str, int num, void *stream)
{
	struct ini_state *st = stream;
	char *r = fgets(str, num, st->file);
	if (r != NULL)
		st->line++;
	return r;
}

/* What libinih found wrong on line (it says only where): reads that line
 * again. A malloc'd message. */
static char *config_syntax_error(const char *path, int line)
{
	char buf[512] = "";
	FILE *f = fopen(path, "r");
	for (int i = 0; f != NULL && i < line; i++)
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
	if (f != NULL)
		fclose(f);
	const char *p = buf + strspn(buf, " \t");
	if (*p == '[')
		return xasprintf("%s: line %d: broken section header: a section header is "
		                 "[name], with the closing ']' on the same line",
		                 path, line);
	if (strpbrk(p, "=:") == NULL)
		return xasprintf("%s: line %d: expected 'key = value', a [section] header or "
		                 "a comment (; or #)",
		                 path, line);
	return xasprintf("%s: line %d: syntax error", path, line);
}

int config_load_file(struct config *cfg, const char *path, char **error_r)
{
	struct ini_state st = {cfg, NULL, 0, 0, fopen(path, "r")};
	if (st.file == NULL) {
		*error_r = xasprintf("%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	int rc = ini_parse_stream(config_ini_read, &st, config_ini_line, &st);
	fclose(st.file);
	/* rc is the first error's line: a syntax error before any setting's
	 * error is the one to report (a broken [section] makes the settings
	 * after it look unknown) */
	if (rc > 0 && (st.error == NULL || rc < st.error_line)) {
		free(st.error);
		*error_r = config_syntax_error(path, rc);
		return -1;
	}
	if (st.error != NULL) {
		*error_r = xasprintf("%s: line %d: %s", path, st.error_line, st.error);
		free(st.error);
		return -1;
	}
	if (rc != 0) {
		*error_r = xasprintf("%s: cannot read", path);
		return -1;
	}
	return config_validate(cfg, error_r);
}

int config_validate(const struct config *cfg, char **error_r)
{
	if ((cfg->tls_cert[0] == '\0') != (cfg->tls_key[0] == '\0')) {
		*error_r = xasprintf("http.tls_cert and http.tls_key must be set together");
		return -1;
	}
	if (!cfg->http_tls && !cfg->dev_mode) {
		*error_r = xasprintf("http.tls = false needs server.dev_mode = true (P-SEC-3)");
		return -1;
	}
	if (cfg->xmpp_plaintext && !cfg->dev_mode) {
		*error_r =
		    xasprintf("xmpp.plaintext = true needs server.dev_mode = true (P-SEC-3)");
		return -1;
	}
	if (strcmp(cfg->log_level, "debug") != 0 && strcmp(cfg->log_level, "info") != 0 &&
	    strcmp(cfg->log_level, "warn") != 0 && strcmp(cfg->log_level, "error") != 0) {
		*error_r = xasprintf("server.log_level: expected debug, info, warn or error");
		return -1;
	}
	if (strcmp(cfg->http_proxy_header, "x-forwarded-for") != 0 &&
	    strcmp(cfg->http_proxy_header, "forwarded") != 0) {
		*error_r = xasprintf("http.proxy_header: expected x-forwarded-for or forwarded");
		return -1;
	}
	if (cfg->domain[0] == '\0' || strlen(cfg->domain) > 253) {
		*error_r = xasprintf("server.domain must be a host name");
		return -1;
	}
	return 0;
}

/* Strings replaced by a reload: worker threads may still be reading them
 * (the live settings are read without a lock), so they stay allocated, and
 * reachable, for the life of the process. One entry per changed string per
 * SIGHUP. */
static char **retired;
static size_t n_retired;
static pthread_mutex_t retired_lock = PTHREAD_MUTEX_INITIALIZER;

static void string_retire(char *old)
{
	pthread_mutex_lock(&retired_lock);
	retired = xrealloc(retired, (n_retired + 1) * sizeof(*retired));
	retired[n_retired++] = old;
	pthread_mutex_unlock(&retired_lock);
}

/* True when setting s has different values in a and b. */
static bool setting_differs(const struct config_setting *s, const struct config *a,
                            const struct config *b)
{
	const char *x = (const char *)a + s->offset, *y = (const char *)b + s->offset;
	if (s->type == CONFIG_STRING)
		return strcmp(*(char *const *)(const void *)x, *(char *const *)(const void *)y) !=
		       0;
	if (s->type == CONFIG_INT)
		return *(const int *)(const void *)x != *(const int *)(const void *)y;
	return *(const bool *)(const void *)x != *(const bool *)(const void *)y;
}

int config_apply_reloadable(struct config *dst, const struct config *src)
{
	int pending = 0;
	for (const struct config_setting *s = config_settings; s->name != NULL; s++) {
		if (!s->reloadable) {
			/* the operator changed it and expects it to apply: say it did not */
			if (setting_differs(s, dst, src)) {
				log_warn("event=reload_needs_restart setting=%s", s->name);
				pending++;
			}
			continue;
		}
		/* workers read these fields while this runs: atomic stores (the
		 * fields are _Atomic, see RS) */
		char *d = (char *)dst + s->offset;
		const char *from = (const char *)src + s->offset;
		if (s->type == CONFIG_STRING) {
			char *_Atomic *cur = (char *_Atomic *)(void *)d;
			const char *want = *(char *const *)(const void *)from;
			char *old = *cur;
			if (strcmp(old, want) == 0)
				continue;
			*cur = xstrdup(want);
			string_retire(old);
		} else if (s->type == CONFIG_INT) {
			*(_Atomic int *)(void *)d = *(const int *)(const void *)from;
		} else {
			*(_Atomic bool *)(void *)d = *(const bool *)(const void *)from;
		}
	}
	return pending;
}

void config_write_reference(FILE *out)
{
	static const char *const types[] = {"bool", "int", "string"};
	fprintf(out, "| setting | type | bounds | default | reload | meaning |\n");
	fprintf(out, "|---|---|---|---|---|---|\n");
	for (const struct config_setting *s = config_settings; s->name != NULL; s++) {
		char bounds[64] = "";
		if (s->type == CONFIG_INT)
			snprintf(bounds, sizeof(bounds), "%ld..%ld", s->min, s->max);
		fprintf(out, "| `%s` | %s | %s | `%s` | %s | %s |\n", s->name, types[s->type],
		        bounds, s->default_value, s->reloadable ? "yes" : "no", s->help);
	}
}

void config_free(struct config *cfg)
{
	for (const struct config_setting *s = config_settings; s->name != NULL; s++) {
		if (s->type == CONFIG_STRING) {
			char **p = (char **)(void *)((char *)cfg + s->offset);
			free(*p);
			*p = NULL;
		}
	}
}
