/* net/http_response: building and serialising responses (http.h). */
#include "net/http_internal.h"
#include "core/log.h"
#include "core/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const struct {
	int status;
	const char *reason;
} reasons[] = {
    {100, "Continue"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {204, "No Content"},
    {206, "Partial Content"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"},
    {422, "Unprocessable Content"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
};

const char *http_status_reason(int status)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		if (reasons[i].status == status)
			return reasons[i].reason;
	}
	return "Unknown";
}

void http_response_take(struct http_response *resp, int status, const char *content_type,
                        char *heap_body, size_t len)
{
	if (status < 100 || status > 999)
		fatal("event=http_bad_status status=%d", status);
	free(resp->body);
	free(resp->content_type);
	resp->status = status;
	resp->content_type = content_type != NULL ? xstrdup(content_type) : NULL;
	resp->body = heap_body;
	resp->body_len = heap_body != NULL ? len : 0;
}

void http_response_set(struct http_response *resp, int status, const char *content_type,
                       const void *body, size_t len)
{
	char *copy = NULL;
	if (len > 0) {
		copy = xmalloc(len);
		memcpy(copy, body, len);
	}
	http_response_take(resp, status, content_type, copy, len);
}

static bool token_ok(const char *s)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		bool alnum = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		             (*s >= '0' && *s <= '9');
		if (!alnum && strchr(extra, *s) == NULL)
			return false;
	}
	return true;
}

static bool header_managed(const char *name)
{
	static const char *const managed[] = {"Content-Length", "Content-Type", "Transfer-Encoding",
	                                      "Connection", "Date"};
	for (size_t i = 0; i < sizeof(managed) / sizeof(managed[0]); i++) {
		if (strcasecmp(name, managed[i]) == 0)
			return true;
	}
	return false;
}

void http_response_header(struct http_response *resp, const char *name, const char *value)
{
	if (!token_ok(name) || strpbrk(value, "\r\n") != NULL || header_managed(name)) {
		log_warn("event=http_header_refused name=\"%.40s\"",
		         token_ok(name) ? name : "(invalid)");
		return;
	}
	if (resp->n_headers == HTTP_MAX_RESPONSE_HEADERS) {
		log_warn("event=http_header_refused reason=too_many name=\"%.40s\"", name);
		return;
	}
	struct http_header *h = &resp->headers[resp->n_headers++];
	h->name = xstrdup(name);
	h->value = xstrdup(value);
}

/* An error body ({"error":{"code":...}}): keeps its code for the metrics
 * and adds the request's id, so a user's report can be matched to the log
 * line of the request. */
static void error_decorate(struct http_response *resp, json_t *obj)
{
	json_t *err = json_object_get(obj, "error");
	const char *code = json_string_value(json_object_get(err, "code"));
	resp->error_code[0] = '\0';
	if (!json_is_object(err) || code == NULL)
		return;
	snprintf(resp->error_code, sizeof(resp->error_code), "%s", code);
	if (resp->request_id[0] != '\0')
		json_object_set_new(err, "request_id", json_string(resp->request_id));
}

void http_response_json(struct http_response *resp, int status, json_t *obj)
{
	error_decorate(resp, obj);
	char *text = obj != NULL ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	if (text == NULL) {
		http_response_error(resp, 500, "internal_error", "cannot encode the response");
		return;
	}
	http_response_take(resp, status, "application/json", text, strlen(text));
}

void http_response_error(struct http_response *resp, int status, const char *code,
                         const char *message)
{
	static const char fallback[] =
	    "{\"error\":{\"code\":\"internal_error\",\"message\":\"internal error\"}}";
	json_t *obj = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message);
	error_decorate(resp, obj);
	char *text = obj != NULL ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	if (text == NULL) {
		/* Only reachable with invalid UTF-8 in code or message. */
		http_response_set(resp, 500, "application/json", fallback, strlen(fallback));
		return;
	}
	http_response_take(resp, status, "application/json", text, strlen(text));
}

void http_response_clear(struct http_response *resp)
{
	free(resp->body);
	free(resp->content_type);
	for (size_t i = 0; i < resp->n_headers; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	memset(resp, 0, sizeof(*resp));
}

/* A growing output buffer for the response head. */
struct out_buf {
	char *data;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void ob_printf(struct out_buf *ob, const char *fmt,
                                                            ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(ob->data + ob->len, ob->cap - ob->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			fatal("event=http_serialize_failed");
		if ((size_t)n < ob->cap - ob->len) {
			ob->len += (size_t)n;
			return;
		}
		ob->cap = ob->cap * 2 + (size_t)n;
		ob->data = xrealloc(ob->data, ob->cap);
	}
}

/* IMF-fixdate (RFC 9110 5.6.7), independent of the locale. */
static void http_date(char out[32])
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	snprintf(out, 32, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
	         months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool has_header(const struct http_response *resp, const char *name)
{
	for (size_t i = 0; i < resp->n_headers; i++) {
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return true;
	}
	return false;
}

char *http_response_serialize(struct http_response *resp, const struct http_request *req,
                              bool keep_alive, size_t *len_r)
{
	struct out_buf ob = {.data = xmalloc(512), .len = 0, .cap = 512};
	char date[32];
	if (resp->status == 0)
		http_response_error(resp, 500, "internal_error", "no response was produced");
	int status = resp->status;
	bool no_length = status < 200 || status == 204 || status == 304;
	bool no_body = no_length || (req != NULL && strcmp(req->method, "HEAD") == 0);
	http_date(date);
	ob_printf(&ob, "HTTP/1.1 %d %s\r\nDate: %s\r\n", status, http_status_reason(status), date);
	if (resp->content_type != NULL && !no_length)
		ob_printf(&ob, "Content-Type: %s\r\n", resp->content_type);
	if (!no_length)
		ob_printf(&ob, "Content-Length: %zu\r\n", resp->body_len);
	if (!keep_alive)
		ob_printf(&ob, "Connection: close\r\n");
	else if (req != NULL && req->http_major == 1 && req->http_minor == 0)
		ob_printf(&ob, "Connection: keep-alive\r\n");
	ob_printf(&ob, "X-Content-Type-Options: nosniff\r\n");
	if (!has_header(resp, "Cache-Control"))
		ob_printf(&ob, "Cache-Control: no-store\r\n");
	if (resp->request_id[0] != '\0')
		ob_printf(&ob, "X-Request-Id: %s\r\n", resp->request_id);
	for (size_t i = 0; i < resp->n_headers; i++)
		ob_printf(&ob, "%s: %s\r\n", resp->headers[i].name, resp->headers[i].value);
	ob_printf(&ob, "\r\n");
	if (!no_body && resp->body_len > 0) {
		ob.data = xrealloc(ob.data, ob.len + resp->body_len);
		memcpy(ob.data + ob.len, resp->body, resp->body_len);
		ob.len += resp->body_len;
	}
	*len_r = ob.len;
	return ob.data;
}
