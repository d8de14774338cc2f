/* privacy/tom: see tom.h. */
#include "compliance/tom.h"
#include "core/config.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "domain/app.h"
#include "domain/jobs.h"
#include "privacy/audit.h"
#include "privacy/catalog.h"
#include "compliance/register_internal.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static void add_check(json_t *checks, const char *id, const char *claim, bool ok,
                      const char *detail)
{
	json_array_append_new(checks, json_pack("{s:s, s:s, s:b, s:s}", "id", id, "claim", claim,
	                                        "ok", ok, "detail", detail));
}

/* One client handshake pinned to version; true when it completed. */
static bool handshake(const char *host, int port, int version)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {.tv_sec = 3};
	bool ok = false;
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return false;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL)
		return false;
	/* Let the client offer old versions: the server must be the one refusing. */
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_min_proto_version(ctx, version);
	SSL_CTX_set_max_proto_version(ctx, version);
	if (version < TLS1_2_VERSION)
		SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			SSL *ssl = SSL_new(ctx);
			SSL_set_fd(ssl, fd);
			ok = SSL_connect(ssl) == 1;
			if (ok)
				SSL_shutdown(ssl);
			SSL_free(ssl);
		}
		close(fd);
	}
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

static void check_tls(struct app *app, json_t *checks)
{
	static const struct {
		int version;
		const char *name;
		bool wanted;
	} v[] = {{TLS1_VERSION, "TLSv1", false},
	         {TLS1_1_VERSION, "TLSv1.1", false},
	         {TLS1_2_VERSION, "TLSv1.2", true},
	         {TLS1_3_VERSION, "TLSv1.3", true}};
	const char *claim = "connections use TLS 1.2 or 1.3 only (P-SEC-3)";
	const struct config *cfg = app->cfg;
	if (!cfg->http_tls) {
		add_check(checks, "tls", claim, false, "the HTTP listener runs without TLS");
		return;
	}
	const char *host = strcmp(cfg->http_bind, "0.0.0.0") == 0 || strchr(cfg->http_bind, ':')
	                       ? "127.0.0.1"
	                       : cfg->http_bind;
	char offered[128] = "", refused[128] = "";
	bool ok = true, any = false;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		bool hs = handshake(host, cfg->http_port, v[i].version);
		char *list = hs ? offered : refused;
		size_t used = strlen(list);
		snprintf(list + used, 128 - used, "%s%s", used ? ", " : "", v[i].name);
		any = any || hs;
		if (hs != v[i].wanted)
			ok = false;
	}
	char detail[320];
	if (!any)
		snprintf(detail, sizeof(detail), "no handshake with %s:%d succeeded (listener not "
		         "reachable)", host, cfg->http_port);
	else
		snprintf(detail, sizeof(detail), "handshakes with %s:%d: accepted %s; refused %s", host,
		         cfg->http_port, offered[0] ? offered : "none", refused[0] ? refused : "none");
	add_check(checks, "tls", claim, ok && any, detail);
}

struct sealing {
	struct store *st;
	int columns, values, bad_columns;
	char bad[512];
};

static void check_column(const struct catalog_column *e, void *ctx)
{
	struct sealing *s = ctx;
	if (!e->sealed)
		return;
	char *sql = xasprintf("SELECT %s FROM %s WHERE %s IS NOT NULL LIMIT 50", e->column,
	                      e->table, e->column);
	struct store_stmt *q = store_query(s->st, sql, "");
	bool bad = q == NULL;
	s->columns++;
	while (q != NULL && store_step(q) == STORE_ROW) {
		size_t len = 0;
		const unsigned char *v = store_col_blob(q, 0, &len);
		s->values++;
		if (v == NULL || len < 29 || v[0] != 1)
			bad = true;
	}
	store_stmt_done(q);
	free(sql);
	if (bad) {
		size_t used = strlen(s->bad);
		s->bad_columns++;
		snprintf(s->bad + used, sizeof(s->bad) - used, "%s%s.%s", used ? ", " : "", e->table,
		         e->column);
	}
}

static void check_sealing(struct store *st, json_t *checks)
{
	struct sealing s = {.st = st};
	char detail[700];
	privacy_catalog_each(check_column, &s);
	if (s.bad_columns == 0)
		snprintf(detail, sizeof(detail),
		         "%d sealed columns in the catalog; %d stored values sampled, all in the "
		         "sealed format (AES-256-GCM, version 1)",
		         s.columns, s.values);
	else
		snprintf(detail, sizeof(detail), "values not in the sealed format in: %s", s.bad);
	add_check(checks, "sealing",
	          "personal content is stored sealed (AES-256-GCM under per-subject keys)",
	          s.columns > 0 && s.bad_columns == 0, detail);
}

static void check_hashing(struct app *app, struct store *st, const char *tenant_id,
                          json_t *checks)
{
	char **creds = regs_strv(st, "SELECT scram_sha256 FROM accounts WHERE tenant_id = ?",
	                         tenant_id);
	long min = -1;
	for (char **c = creds; c != NULL && *c != NULL; c++) {
		const char *d = strchr(*c, '$');
		long it = d != NULL ? strtol(d + 1, NULL, 10) : 0;
		if (min < 0 || it < min)
			min = it;
	}
	regs_strv_free(creds);
	bool ok = app->cfg->scram_iterations >= TOM_SCRAM_MIN_ITERATIONS &&
	          (min < 0 || min >= TOM_SCRAM_MIN_ITERATIONS);
	char detail[200];
	snprintf(detail, sizeof(detail),
	         "configured SCRAM-SHA-256 iterations %d; lowest stored for this tenant %ld "
	         "(minimum %d)",
	         app->cfg->scram_iterations, min < 0 ? 0 : min, TOM_SCRAM_MIN_ITERATIONS);
	add_check(checks, "password_hashing",
	          "passwords are kept only as salted SCRAM keys (PBKDF2, >= 4096 iterations)", ok,
	          detail);
}

static void check_retention(struct store *st, int64_t now, json_t *checks)
{
	int64_t last = jobs_last_success(st, "retention.sweep");
	char detail[160];
	bool ok = last > 0 && last >= now - 2 * TOM_RETENTION_INTERVAL_S;
	if (last == 0)
		snprintf(detail, sizeof(detail), "retention.sweep has never run successfully");
	else
		snprintf(detail, sizeof(detail), "retention.sweep last succeeded at %lld (%lld s ago)",
		         (long long)last, (long long)(now - last));
	add_check(checks, "retention_jobs",
	          "retention rules are enforced automatically by hourly sweeps", ok, detail);
}

static void check_audit(struct app *app, struct store *st, const char *tenant_id, json_t *checks)
{
	unsigned char pub[32];
	struct audit_verify_report rep;
	char detail[400];
	bool ok = false;
	if (keys_sign_public(app->keys, st, pub) < 0 || audit_verify(st, pub, tenant_id, &rep) < 0) {
		snprintf(detail, sizeof(detail), "verification could not run");
	} else {
		ok = rep.ok;
		if (rep.ok)
			snprintf(detail, sizeof(detail), "%llu entries, %llu signed checkpoints, chain "
			         "intact", (unsigned long long)rep.entries,
			         (unsigned long long)rep.checkpoints);
		else
			snprintf(detail, sizeof(detail), "chain broken at entry %lld: %s",
			         (long long)rep.first_bad_seq, rep.reason);
	}
	add_check(checks, "audit_chain",
	          "the audit log is append-only and tamper-evident (hash chain, signed checkpoints)",
	          ok, detail);
}

static void check_key_file(struct app *app, json_t *checks)
{
	char *path = xasprintf("%s/master.key", app->data_dir);
	struct stat sb;
	char detail[160];
	bool ok = false;
	if (lstat(path, &sb) < 0) {
		snprintf(detail, sizeof(detail), "master.key not found in the data directory");
	} else {
		ok = S_ISREG(sb.st_mode) && (sb.st_mode & 07777) == 0600;
		snprintf(detail, sizeof(detail), "master.key is %s with mode %04o",
		         S_ISREG(sb.st_mode) ? "a regular file" : "not a regular file",
		         (unsigned)(sb.st_mode & 07777));
	}
	free(path);
	add_check(checks, "master_key_file", "the master key file is readable by its owner only",
	          ok, detail);
}

json_t *tom_report_json(struct app *app, struct store *st, const char *tenant_id, int64_t now)
{
	json_t *checks = json_array(), *failed = json_array(), *c;
	size_t i;
	check_tls(app, checks);
	check_sealing(st, checks);
	check_hashing(app, st, tenant_id, checks);
	check_retention(st, now, checks);
	check_audit(app, st, tenant_id, checks);
	check_key_file(app, checks);
	json_array_foreach(checks, i, c) if (!json_is_true(json_object_get(c, "ok")))
	    json_array_append(failed, json_object_get(c, "id"));
	char summary[256] = "all checks passed";
	if (json_array_size(failed) > 0) {
		snprintf(summary, sizeof(summary), "FAILED checks:");
		json_array_foreach(failed, i, c)
		{
			size_t used = strlen(summary);
			snprintf(summary + used, sizeof(summary) - used, " %s", json_string_value(c));
		}
	}
	return json_pack("{s:s, s:s, s:I, s:b, s:o, s:o, s:s}", "title",
	                 "Technical and organisational measures, verified (P-REG-2)", "tenant_id",
	                 tenant_id, "generated_at", (json_int_t)now, "ok",
	                 json_array_size(failed) == 0, "checks", checks, "failed", failed, "summary",
	                 summary);
}

char *tom_report_html(const json_t *report_c)
{
	json_t *report = (json_t *)report_c, *c;
	size_t i, cap = 4096, len = 0;
	char *out = xmalloc(cap);
	out[0] = '\0';
#define PUT(...)                                                                                   \
	do {                                                                                       \
		char *s_ = xasprintf(__VA_ARGS__);                                                 \
		size_t n_ = strlen(s_);                                                            \
		if (len + n_ + 1 > cap)                                                            \
			out = xrealloc(out, cap = (len + n_ + 1) * 2);                             \
		memcpy(out + len, s_, n_ + 1);                                                     \
		len += n_;                                                                         \
		free(s_);                                                                          \
	} while (0)
	char *summary = regs_html_escape(json_string_value(json_object_get(report, "summary")));
	PUT("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>TOM report"
	    "</title></head><body><h1>Technical and organisational measures</h1><p><strong>%s"
	    "</strong></p><table border=\"1\"><tr><th>Check</th><th>Claim</th><th>Result</th>"
	    "<th>Evidence</th></tr>",
	    summary);
	free(summary);
	json_array_foreach(json_object_get(report, "checks"), i, c)
	{
		char *id = regs_html_escape(json_string_value(json_object_get(c, "id")));
		char *claim = regs_html_escape(json_string_value(json_object_get(c, "claim")));
		char *detail = regs_html_escape(json_string_value(json_object_get(c, "detail")));
		PUT("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>", id, claim,
		    json_is_true(json_object_get(c, "ok")) ? "passed" : "FAILED", detail);
		free(id);
		free(claim);
		free(detail);
	}
	PUT("</table></body></html>\n");
#undef PUT
	return out;
}
