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

/*
 * Settings SIGHUP may change (reloadable in config_settings) are _Atomic:
 * the loop thread writes them on a reload while worker threads read them, so
 * every plain read and write of them is atomic. config.c refuses to compile a
 * reloadable row whose field is not.
 */
struct config {
	/* [server] */
	char *data_dir;
	char *domain;
	bool dev_mode;
	bool test_mode;
	char *_Atomic log_level;
	int workers;
	int writer_queue; /* store/writer.h capacity */
	/* [http] */
	char *http_bind;
	int http_port;
	bool http_tls;
	char *_Atomic tls_cert;
	char *_Atomic tls_key;
	int http_max_header_bytes;
	int http_max_body_bytes;
	int http_header_timeout_ms;
	int http_idle_timeout_ms;
	int http_max_connections;
	bool http_metrics_public;
	char *http_trusted_proxies;
	char *http_proxy_header;
	char *_Atomic public_url;
	/* [auth] */
	_Atomic int token_ttl_s;
	_Atomic int login_max_failures;
	_Atomic int login_window_s;
	_Atomic int login_backoff_s;
	_Atomic int login_backoff_max_s;
	_Atomic int login_address_max_failures;
	_Atomic int login_account_max_failures;
	_Atomic int scram_iterations;
	_Atomic bool self_registration;
	_Atomic int confirm_ttl_s;
	/* [ratelimit] */
	_Atomic int rl_address_burst;
	_Atomic int rl_address_per_min;
	_Atomic int rl_account_burst;
	_Atomic int rl_account_per_min;
	_Atomic int rl_directory_burst;
	_Atomic int rl_directory_per_min;
	_Atomic int rl_stuffing_usernames; /* distinct usernames, credential stuffing */
	_Atomic int rl_stuffing_window_s;
	/* [smtp] */
	char *_Atomic smtp_url;
	char *_Atomic smtp_from;
	_Atomic int smtp_timeout_s;
	/* [audit] */
	_Atomic int audit_checkpoint_every;
	/* [profile] */
	_Atomic int avatar_max_bytes;
	/* [xmpp] */
	char *xmpp_bind;
	int xmpp_c2s_port;
	int xmpp_c2s_tls_port;
	bool xmpp_plaintext;
	int xmpp_max_stanza_bytes;
	int xmpp_max_connections;
	int xmpp_auth_timeout_ms;
	_Atomic int xmpp_max_offline;
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
