/*
 * api_logs: a user downloads their own logs (P-LOG-3).
 *   GET /api/v1/me/login-events[?format=json|csv][&limit=N]
 * Every login attempt on the caller's account (time, result, the remote
 * address opened for the holder: it is sealed under their subject key) and,
 * when the XMPP connection log exists, their connections (time, protocol,
 * event, client software; the address there is only a keyed pseudonym and
 * is not shown). Only the caller's own events, never another user's: there
 * is no route for an admin to read a member's addresses (docs/backup.md,
 * "Own logs").
 */
#include "api/api_internal.h"
#include "core/xalloc.h"
#include "domain/app.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOGS_DEFAULT 100
#define LOGS_MAX 1000

void api_routes_logs(struct http_router *router, struct app *app);

struct row {
	int64_t at_ms;
	char kind[8]; /* "login" or "connect" */
	char result[24];
	char address[64];
	char protocol[16];
	char client[128];
};

struct rows {
	struct row *v;
	size_t n, cap;
};

static struct row *row_new(struct rows *r)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->v = xrealloc(r->v, r->cap * sizeof(*r->v));
	}
	struct row *x = &r->v[r->n++];
	memset(x, 0, sizeof(*x));
	return x;
}

static void add_login(const struct login_event *e, void *ctx)
{
	struct row *x = row_new(ctx);
	x->at_ms = e->at * 1000;
	snprintf(x->kind, sizeof(x->kind), "login");
	snprintf(x->result, sizeof(x->result), "%s", e->result);
	snprintf(x->address, sizeof(x->address), "%s", e->address);
	snprintf(x->protocol, sizeof(x->protocol), "https");
}

/* The XMPP connection log (issue 3), when that module's table exists. Its
 * https rows repeat the REST logins already listed from login_events. */
static void add_connections(struct store *st, const char *account_id, int limit, struct rows *rows)
{
	struct store_stmt *q = store_query(st,
	                                   "SELECT at_ms, protocol, event, client FROM "
	                                   "connection_log WHERE account_id = ? AND protocol "
	                                   "<> 'https' ORDER BY at_ms DESC LIMIT ?",
	                                   "sd", account_id, limit);
	if (q == NULL)
		return;
	while (store_step(q) == STORE_ROW) {
		struct row *x = row_new(rows);
		const char *client = store_col_text(q, 3);
		x->at_ms = store_col_int(q, 0);
		snprintf(x->kind, sizeof(x->kind), "connect");
		snprintf(x->protocol, sizeof(x->protocol), "%s", store_col_text(q, 1));
		snprintf(x->result, sizeof(x->result), "%s", store_col_text(q, 2));
		snprintf(x->client, sizeof(x->client), "%s", client ? client : "");
	}
	store_stmt_done(q);
}

static int newest_first(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	return x->at_ms < y->at_ms ? 1 : x->at_ms > y->at_ms ? -1 : 0;
}

static void iso_time(int64_t at_ms, char out[32])
{
	time_t t = (time_t)(at_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* RFC 4180 field; a leading = + - @ is neutralised (spreadsheet formulas). */
static void csv_field(FILE *f, const char *s, bool last)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL || strchr("=+-@", s[0]) != NULL;
	if (s[0] != '\0' && strchr("=+-@", s[0]) != NULL) {
		fputs("\"'", f);
	} else if (quote) {
		fputc('"', f);
	}
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	if (quote)
		fputc('"', f);
	fputs(last ? "\r\n" : ",", f);
}

static void h_login_events(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	struct rows rows = {0};
	char format[8] = "json", lim[8];
	int limit = LOGS_DEFAULT;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0)
		return;
	if (http_request_query(req, "format", format, sizeof(format)) == NULL)
		snprintf(format, sizeof(format), "json");
	if (strcmp(format, "json") != 0 && strcmp(format, "csv") != 0) {
		http_response_error(resp, 400, "invalid_field", "format: json or csv");
		return;
	}
	if (http_request_query(req, "limit", lim, sizeof(lim)) != NULL) {
		char *end = NULL;
		long v = strtol(lim, &end, 10);
		if (end == lim || *end != '\0' || v < 1 || v > LOGS_MAX) {
			http_response_error(resp, 400, "invalid_field", "limit: 1 to 1000");
			return;
		}
		limit = (int)v;
	}
	if (auth_login_events(c.app, c.st, &c.p.account, limit, add_login, &rows) < 0) {
		free(rows.v);
		api_fail(resp, "internal");
		return;
	}
	add_connections(c.st, c.p.account.id, limit, &rows);
	qsort(rows.v, rows.n, sizeof(*rows.v), newest_first);
	if (rows.n > (size_t)limit)
		rows.n = (size_t)limit;
	if (strcmp(format, "json") == 0) {
		json_t *list = json_array();
		for (size_t i = 0; i < rows.n; i++) {
			const struct row *x = &rows.v[i];
			char iso[32];
			iso_time(x->at_ms, iso);
			json_array_append_new(
			    list,
			    json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o}", "at",
			              (json_int_t)(x->at_ms / 1000), "time", iso, "kind", x->kind,
			              "result", x->result, "protocol", x->protocol, "address",
			              x->address[0] ? json_string(x->address) : json_null(),
			              "client",
			              x->client[0] ? json_string(x->client) : json_null()));
		}
		http_response_json(resp, 200, json_pack("{s:o}", "events", list));
	} else {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		if (f == NULL) {
			free(rows.v);
			api_fail(resp, "internal");
			return;
		}
		fputs("time,kind,result,protocol,address,client\r\n", f);
		for (size_t i = 0; i < rows.n; i++) {
			const struct row *x = &rows.v[i];
			char iso[32];
			iso_time(x->at_ms, iso);
			csv_field(f, iso, false);
			csv_field(f, x->kind, false);
			csv_field(f, x->result, false);
			csv_field(f, x->protocol, false);
			csv_field(f, x->address, false);
			csv_field(f, x->client, true);
		}
		fclose(f);
		http_response_header(resp, "Content-Disposition",
		                     "attachment; filename=\"login-events.csv\"");
		http_response_take(resp, 200, "text/csv; charset=utf-8", buf, len);
	}
	if (rows.v != NULL)
		secret_wipe(rows.v, rows.cap * sizeof(*rows.v));
	free(rows.v);
}

void api_routes_logs(struct http_router *router, struct app *app)
{
	http_router_add(router, "GET", "/api/v1/me/login-events", HTTP_ROUTE_WORKER, h_login_events,
	                app);
}
