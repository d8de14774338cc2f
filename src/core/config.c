/* core/config: see config.h. */
#include "core/config.h"
#include "core/xalloc.h"

#include <errno.h>
#include <ini.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define S(field) offsetof(struct config, field)

const struct config_setting config_settings[] = {
	{"server.data_dir", CONFIG_STRING, S(data_dir), 0, 0, "data", false,
	 "directory for the database, keys and certificates"},
	{"server.domain", CONFIG_STRING, S(domain), 0, 0, "localhost", false,
	 "the XMPP domain and certificate name of this server"},
	{"server.dev_mode", CONFIG_BOOL, S(dev_mode), 0, 0, "false", false,
	 "development mode: allows plain HTTP, on loopback only"},
	{"server.test_mode", CONFIG_BOOL, S(test_mode), 0, 0, "false", false,
	 "test mode: the operator's test clock (POST /api/v1/test/clock); never in production"},
	{"server.log_level", CONFIG_STRING, S(log_level), 0, 0, "info", true,
	 "debug, info, warn or error"},
	{"server.workers", CONFIG_INT, S(workers), 1, 64, "4", false,
	 "threads for blocking work (storage, hashing)"},
	{"http.bind", CONFIG_STRING, S(http_bind), 0, 0, "127.0.0.1", false,
	 "address of the HTTPS listener"},
	{"http.port", CONFIG_INT, S(http_port), 0, 65535, "8443", false,
	 "port of the HTTPS listener (0 picks a free one)"},
	{"http.tls", CONFIG_BOOL, S(http_tls), 0, 0, "true", false,
	 "TLS on the listener; false only with dev_mode on loopback"},
	{"http.tls_cert", CONFIG_STRING, S(tls_cert), 0, 0, "", true,
	 "PEM certificate chain; empty: a self-signed one in the data directory"},
	{"http.tls_key", CONFIG_STRING, S(tls_key), 0, 0, "", true,
	 "PEM private key for tls_cert"},
	{"http.max_header_bytes", CONFIG_INT, S(http_max_header_bytes), 1024, 1048576, "16384",
	 false, "largest request head accepted"},
	{"http.max_body_bytes", CONFIG_INT, S(http_max_body_bytes), 1024, 268435456, "8388608",
	 false, "largest request body accepted"},
	{"http.header_timeout_ms", CONFIG_INT, S(http_header_timeout_ms), 100, 600000, "10000",
	 false, "time allowed to send a request"},
	{"http.idle_timeout_ms", CONFIG_INT, S(http_idle_timeout_ms), 100, 3600000, "60000",
	 false, "keep-alive connections idle longer are closed"},
	{"http.max_connections", CONFIG_INT, S(http_max_connections), 1, 1000000, "10000", false,
	 "simultaneous HTTP connections"},
	{"http.public_url", CONFIG_STRING, S(public_url), 0, 0, "", true,
	 "URL users reach the server at (links in e-mail); empty: derived"},
	{"http.metrics_public", CONFIG_BOOL, S(http_metrics_public), 0, 0, "false", false,
	 "GET /metrics for anyone; false: loopback peers and operators' tokens only"},
	{"auth.token_ttl_s", CONFIG_INT, S(token_ttl_s), 60, 31536000, "86400", true,
	 "lifetime of an API token"},
	{"auth.login_max_failures", CONFIG_INT, S(login_max_failures), 1, 1000, "5", true,
	 "failed logins per account or address before throttling"},
	{"auth.login_lockout_s", CONFIG_INT, S(login_lockout_s), 1, 86400, "300", true,
	 "throttling window after too many failures"},
	{"auth.scram_iterations", CONFIG_INT, S(scram_iterations), 4096, 10000000, "10000", true,
	 "PBKDF2 iterations of new SCRAM credentials"},
	{"auth.self_registration", CONFIG_BOOL, S(self_registration), 0, 0, "true", true,
	 "freemium self-registration with e-mail confirmation"},
	{"auth.confirm_ttl_s", CONFIG_INT, S(confirm_ttl_s), 300, 2592000, "86400", true,
	 "lifetime of an e-mail confirmation code"},
	{"smtp.url", CONFIG_STRING, S(smtp_url), 0, 0, "", true,
	 "SMTP relay, e.g. smtp://127.0.0.1:25; empty: mail stays in the outbox"},
	{"smtp.from", CONFIG_STRING, S(smtp_from), 0, 0, "iris@localhost", true,
	 "sender address of mail from Iris"},
	{"smtp.timeout_s", CONFIG_INT, S(smtp_timeout_s), 1, 600, "30", true,
	 "time allowed for one SMTP delivery"},
	{"audit.checkpoint_every", CONFIG_INT, S(audit_checkpoint_every), 1, 1000000, "100", true,
	 "audit entries between signed checkpoints"},
	{"profile.avatar_max_bytes", CONFIG_INT, S(avatar_max_bytes), 1024, 16777216, "1048576",
	 true, "largest avatar image accepted"},
	{"xmpp.bind", CONFIG_STRING, S(xmpp_bind), 0, 0, "127.0.0.1", false,
	 "address of the XMPP client listeners"},
	{"xmpp.c2s_port", CONFIG_INT, S(xmpp_c2s_port), -1, 65535, "5222", false,
	 "XMPP client port with mandatory STARTTLS (0 picks a free one, -1 off)"},
	{"xmpp.c2s_tls_port", CONFIG_INT, S(xmpp_c2s_tls_port), -1, 65535, "5223", false,
	 "XMPP client port with direct TLS, XEP-0368 (0 picks a free one, -1 off)"},
	{"xmpp.plaintext", CONFIG_BOOL, S(xmpp_plaintext), 0, 0, "false", false,
	 "allow SCRAM logins without STARTTLS; needs dev_mode and a loopback peer"},
	{"xmpp.max_stanza_bytes", CONFIG_INT, S(xmpp_max_stanza_bytes), 4096, 16777216, "262144",
	 false, "largest stanza accepted (policy-violation beyond)"},
	{"xmpp.max_connections", CONFIG_INT, S(xmpp_max_connections), 1, 1000000, "20000", false,
	 "simultaneous XMPP client connections"},
	{"xmpp.auth_timeout_ms", CONFIG_INT, S(xmpp_auth_timeout_ms), 1000, 600000, "30000", false,
	 "time allowed from connect to a bound resource"},
	{"xmpp.max_offline", CONFIG_INT, S(xmpp_max_offline), 0, 1000000, "10000", true,
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

int config_set(struct config *cfg, const char *name, const char *value, char **error_r)
{
	const struct config_setting *s = config_find(name);
	char *field = (char *)cfg + (s != NULL ? s->offset : 0);
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
			*error_r = xasprintf("%s: %ld is outside %ld..%ld", name, v, s->min, s->max);
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
};

static int config_ini_line(void *user, const char *section, const char *key, const char *value)
{
	struct ini_state *st = user;
	char name[256];
	char *error = NULL;
	if (st->error != NULL)
		return 0;
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

int config_load_file(struct config *cfg, const char *path, char **error_r)
{
	struct ini_state st = {cfg, NULL};
	int rc = ini_parse(path, config_ini_line, &st);
	if (st.error != NULL) {
		*error_r = xasprintf("%s: line %d: %s", path, rc, st.error);
		free(st.error);
		return -1;
	}
	if (rc == -1) {
		*error_r = xasprintf("%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (rc != 0) {
		*error_r = xasprintf("%s: line %d: syntax error", path, rc);
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
		*error_r = xasprintf("xmpp.plaintext = true needs server.dev_mode = true (P-SEC-3)");
		return -1;
	}
	if (strcmp(cfg->log_level, "debug") != 0 && strcmp(cfg->log_level, "info") != 0 &&
	    strcmp(cfg->log_level, "warn") != 0 && strcmp(cfg->log_level, "error") != 0) {
		*error_r = xasprintf("server.log_level: expected debug, info, warn or error");
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

void config_apply_reloadable(struct config *dst, const struct config *src)
{
	for (const struct config_setting *s = config_settings; s->name != NULL; s++) {
		if (!s->reloadable)
			continue;
		char *d = (char *)dst + s->offset;
		const char *from = (const char *)src + s->offset;
		if (s->type == CONFIG_STRING) {
			char **cur = (char **)(void *)d;
			const char *want = *(char *const *)(const void *)from;
			if (strcmp(*cur, want) == 0)
				continue;
			char *old = *cur;
			__atomic_store_n(cur, xstrdup(want), __ATOMIC_RELEASE);
			string_retire(old);
		} else if (s->type == CONFIG_INT) {
			*(int *)(void *)d = *(const int *)(const void *)from;
		} else {
			*(bool *)(void *)d = *(const bool *)(const void *)from;
		}
	}
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
