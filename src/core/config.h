/*
 * core/config: the typed settings table of irisd (Redis style).
 *
 * Every setting has one row: INI name ("section.key"), type, bounds, default,
 * whether SIGHUP may change it, and a one-line help. The same table serves
 * the config file, `irisd -n` (check and exit) and docs/operator.md.
 */
#ifndef IRIS_CORE_CONFIG_H
#define IRIS_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum config_type { CONFIG_BOOL, CONFIG_INT, CONFIG_STRING };

struct config {
	/* [server] */
	char *data_dir;
	char *domain;
	bool dev_mode;
	bool test_mode;
	char *log_level;
	int workers;
	/* [http] */
	char *http_bind;
	int http_port;
	bool http_tls;
	char *tls_cert;
	char *tls_key;
	int http_max_header_bytes;
	int http_max_body_bytes;
	int http_header_timeout_ms;
	int http_idle_timeout_ms;
	int http_max_connections;
	bool http_metrics_public;
	char *http_trusted_proxies;
	char *http_proxy_header;
	char *public_url;
	/* [auth] */
	int token_ttl_s;
	int login_max_failures;
	int login_window_s;
	int login_backoff_s;
	int login_backoff_max_s;
	int login_address_max_failures;
	int login_account_max_failures;
	int scram_iterations;
	bool self_registration;
	int confirm_ttl_s;
	/* [ratelimit] */
	int rl_address_burst;
	int rl_address_per_min;
	int rl_account_burst;
	int rl_account_per_min;
	int rl_directory_burst;
	int rl_directory_per_min;
	int rl_stuffing_usernames; /* distinct usernames, credential stuffing */
	int rl_stuffing_window_s;
	/* [smtp] */
	char *smtp_url;
	char *smtp_from;
	int smtp_timeout_s;
	/* [audit] */
	int audit_checkpoint_every;
	/* [profile] */
	int avatar_max_bytes;
	/* [xmpp] */
	char *xmpp_bind;
	int xmpp_c2s_port;
	int xmpp_c2s_tls_port;
	bool xmpp_plaintext;
	int xmpp_max_stanza_bytes;
	int xmpp_max_connections;
	int xmpp_auth_timeout_ms;
	int xmpp_max_offline;
	int xmpp_resume_timeout_s;
	bool xmpp_channel_binding;
};

struct config_setting {
	const char *name; /* "section.key" */
	enum config_type type;
	size_t offset; /* into struct config */
	long min, max; /* for CONFIG_INT */
	const char *default_value;
	bool reloadable;
	const char *help;
};

/* The table; terminated by a row with name == NULL. */
extern const struct config_setting config_settings[];

/* Fills cfg with defaults. Release with config_free(). */
void config_defaults(struct config *cfg);
/* Reads an INI file over the current values of cfg. Unknown keys, wrong types
 * and out-of-bounds values are errors; *error_r (malloc'd, caller frees) says
 * which line and why. Returns 0 or -1. */
int config_load_file(struct config *cfg, const char *path, char **error_r);
/* Sets one setting by name from text, checking type and bounds. */
int config_set(struct config *cfg, const char *name, const char *value, char **error_r);
/* A setting of an earlier version that is accepted and ignored: what
 * replaced it (static), or NULL when name was never a setting. */
const char *config_retired(const char *name);
/* Cross-setting checks (e.g. TLS key without cert). */
int config_validate(const struct config *cfg, char **error_r);
/* Copies the reloadable settings of src into dst (SIGHUP). Every other
 * setting whose value differs stays as it is and is named in a warning
 * (event=reload_needs_restart setting=...); returns how many there were. */
int config_apply_reloadable(struct config *dst, const struct config *src);
/* Writes the table as Markdown (docs/operator.md uses it). */
void config_write_reference(FILE *out);
void config_free(struct config *cfg);

#endif
