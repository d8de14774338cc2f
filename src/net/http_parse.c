/*
 * net/http_parse: turns bytes from the network into struct http_request,
 * one request at a time, with every size bounded (http_internal.h).
 * Built on http-parser, which does the HTTP/1.1 grammar (chunked bodies,
 * Content-Length checks, request smuggling defences); this file adds limits,
 * URL decoding and the checks HTTP/1.1 asks of an origin server.
 */
#include "net/http_internal.h"
#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void parse_fail(struct http_reqparser *p, int status, const char *code, const char *message)
{
	if (p->err_status == 0) {
		p->err_status = status;
		p->err_code = code;
		p->err_message = message;
	}
}

/* Appends to a growing buffer; the callers bound the total beforehand. */
static void buf_append(char **buf, size_t *len, const char *data, size_t n)
{
	*buf = xrealloc(*buf, *len + n + 1);
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
}

static int count_header_bytes(struct http_reqparser *p, size_t n)
{
	p->header_bytes += n;
	if (p->header_bytes > p->limits.max_header_bytes) {
		parse_fail(p, 431, "headers_too_large", "request headers are too large");
		return -1;
	}
	return 0;
}

static int on_message_begin(http_parser *hp)
{
	struct http_reqparser *p = hp->data;
	p->req = xcalloc(1, sizeof(*p->req));
	p->started = true;
	return 0;
}

static int on_url(http_parser *hp, const char *at, size_t len)
{
	struct http_reqparser *p = hp->data;
	if (p->url_len + len > p->limits.max_url_bytes) {
		parse_fail(p, 414, "uri_too_long", "request target is too long");
		return -1;
	}
	if (count_header_bytes(p, len) < 0)
		return -1;
	buf_append(&p->url, &p->url_len, at, len);
	return 0;
}

/* Stores the header received so far (name and value) in the request. */
static int header_finish(struct http_reqparser *p)
{
	struct http_request *req = p->req;
	if (p->field_len == 0 && !p->in_value)
		return 0;
	if (req->n_headers >= p->limits.max_headers) {
		parse_fail(p, 431, "headers_too_large", "too many request headers");
		return -1;
	}
	if (req->n_headers % 8 == 0)
		req->headers = xrealloc(req->headers, (req->n_headers + 8) * sizeof(*req->headers));
	struct http_header *h = &req->headers[req->n_headers++];
	h->name = xstrndup(p->field != NULL ? p->field : "", p->field_len);
	/* Optional whitespace around values is not part of them (RFC 9110 5.5). */
	const char *v = p->value != NULL ? p->value : "";
	size_t vlen = p->value_len;
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	h->value = xstrndup(v, vlen);
	if (memchr(v, '\0', vlen) != NULL || memchr(v, '\r', vlen) != NULL ||
	    memchr(v, '\n', vlen) != NULL) {
		parse_fail(p, 400, "bad_request", "malformed header");
		return -1;
	}
	p->field_len = 0;
	p->value_len = 0;
	p->in_value = false;
	return 0;
}

static int on_header_field(http_parser *hp, const char *at, size_t len)
{
	struct http_reqparser *p = hp->data;
	if (p->in_value && header_finish(p) < 0)
		return -1;
	if (count_header_bytes(p, len) < 0)
		return -1;
	buf_append(&p->field, &p->field_len, at, len);
	return 0;
}

static int on_header_value(http_parser *hp, const char *at, size_t len)
{
	struct http_reqparser *p = hp->data;
	p->in_value = true;
	if (count_header_bytes(p, len) < 0)
		return -1;
	buf_append(&p->value, &p->value_len, at, len);
	return 0;
}

/* Rejects paths that could escape a prefix check or a file root once
 * decoded: encoded slashes, and "." or ".." segments. */
static bool path_is_clean(const char *raw, size_t raw_len, const char *decoded)
{
	for (size_t i = 0; i + 2 < raw_len; i++) {
		if (raw[i] == '%' && raw[i + 1] == '2' && (raw[i + 2] == 'f' || raw[i + 2] == 'F'))
			return false;
	}
	for (const char *s = decoded; *s != '\0';) {
		const char *seg = s + 1, *end = strchr(seg, '/');
		size_t n = end != NULL ? (size_t)(end - seg) : strlen(seg);
		if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		s = seg + n;
	}
	return true;
}

/* Splits the request target into the decoded path and the raw query. */
static int target_parse(struct http_reqparser *p)
{
	struct http_request *req = p->req;
	struct http_parser_url u;
	const char *url = p->url != NULL ? p->url : "";
	http_parser_url_init(&u);
	if (p->url_len == 1 && url[0] == '*' && p->parser.method == HTTP_OPTIONS) {
		req->path = xstrdup("*");
		req->query = xstrdup("");
		return 0;
	}
	/* origin-form, or absolute-form which servers must accept (RFC 9112
	 * 3.2.2); authority-form (CONNECT) is not served. */
	bool absolute = strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
	if (p->url_len == 0 || (url[0] != '/' && !absolute) ||
	    http_parser_parse_url(url, p->url_len, 0, &u) != 0)
		return -1;
	const char *raw = "/";
	size_t raw_len = 1;
	if (u.field_set & (1 << UF_PATH)) {
		raw = url + u.field_data[UF_PATH].off;
		raw_len = u.field_data[UF_PATH].len;
	}
	if (raw[0] != '/')
		return -1;
	req->path = http_percent_decode(raw, raw_len, false);
	if (req->path == NULL || !path_is_clean(raw, raw_len, req->path))
		return -1;
	if (u.field_set & (1 << UF_QUERY))
		req->query = xstrndup(url + u.field_data[UF_QUERY].off, u.field_data[UF_QUERY].len);
	else
		req->query = xstrdup("");
	return 0;
}

static int on_headers_complete(http_parser *hp)
{
	struct http_reqparser *p = hp->data;
	struct http_request *req = p->req;
	if (header_finish(p) < 0)
		return -1;
	p->headers_complete = true;
	req->method = http_method_str(hp->method);
	req->http_major = hp->http_major;
	req->http_minor = hp->http_minor;
	req->keep_alive = http_should_keep_alive(hp) != 0 && !hp->upgrade;
	if (target_parse(p) < 0) {
		parse_fail(p, 400, "bad_request", "malformed request target");
		return -1;
	}
	if ((hp->http_major > 1 || (hp->http_major == 1 && hp->http_minor >= 1)) &&
	    http_request_header(req, "Host") == NULL) {
		parse_fail(p, 400, "bad_request", "missing Host header");
		return -1;
	}
	if ((hp->flags & F_CONTENTLENGTH) && hp->content_length > p->limits.max_body_bytes) {
		parse_fail(p, 413, "payload_too_large", "request body is too large");
		return -1;
	}
	return 0;
}

static int on_body(http_parser *hp, const char *at, size_t len)
{
	struct http_reqparser *p = hp->data;
	struct http_request *req = p->req;
	if (len > p->limits.max_body_bytes - req->body_len) {
		parse_fail(p, 413, "payload_too_large", "request body is too large");
		return -1;
	}
	if (req->body_len + len + 1 > p->body_cap) {
		size_t cap = p->body_cap * 2;
		if ((hp->flags & F_CONTENTLENGTH) && p->body_cap == 0)
			cap = req->body_len + len + (size_t)hp->content_length + 1;
		if (cap < req->body_len + len + 1)
			cap = req->body_len + len + 1;
		if (cap > p->limits.max_body_bytes + 1)
			cap = p->limits.max_body_bytes + 1;
		req->body = xrealloc(req->body, cap);
		p->body_cap = cap;
	}
	memcpy(req->body + req->body_len, at, len);
	req->body_len += len;
	return 0;
}

static int on_message_complete(http_parser *hp)
{
	struct http_reqparser *p = hp->data;
	struct http_request *req = p->req;
	if (req->body == NULL)
		req->body = xstrdup("");
	else
		req->body[req->body_len] = '\0';
	p->complete = true;
	/* Hand this request out before looking at the next one (pipelining). */
	http_parser_pause(hp, 1);
	return 0;
}

static const http_parser_settings parser_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

void http_reqparser_init(struct http_reqparser *p, const struct http_limits *limits)
{
	memset(p, 0, sizeof(*p));
	p->limits = *limits;
	http_parser_init(&p->parser, HTTP_REQUEST);
	p->parser.data = p;
}

void http_reqparser_deinit(struct http_reqparser *p)
{
	http_request_free(&p->req);
	free(p->url);
	free(p->field);
	free(p->value);
	p->url = p->field = p->value = NULL;
}

enum http_parse_result http_reqparser_feed(struct http_reqparser *p, const char *data, size_t len,
                                           size_t *consumed_r)
{
	*consumed_r = 0;
	if (p->err_status != 0)
		return HTTP_PARSE_ERROR;
	if (p->complete)
		return HTTP_PARSE_DONE;
	if (len == 0)
		return HTTP_PARSE_MORE; /* zero would mean end of stream */
	size_t n = http_parser_execute(&p->parser, &parser_settings, data, len);
	enum http_errno e = HTTP_PARSER_ERRNO(&p->parser);
	*consumed_r = n;
	if (p->complete && (e == HPE_OK || e == HPE_PAUSED))
		return HTTP_PARSE_DONE;
	if (p->err_status != 0)
		return HTTP_PARSE_ERROR;
	if (e == HPE_HEADER_OVERFLOW) {
		parse_fail(p, 431, "headers_too_large", "request headers are too large");
		return HTTP_PARSE_ERROR;
	}
	if (e != HPE_OK || n != len) {
		parse_fail(p, 400, "bad_request", "malformed request");
		return HTTP_PARSE_ERROR;
	}
	return HTTP_PARSE_MORE;
}

struct http_request *http_reqparser_take(struct http_reqparser *p)
{
	struct http_request *req = p->req;
	p->req = NULL;
	p->url_len = p->field_len = p->value_len = 0;
	p->in_value = false;
	p->header_bytes = 0;
	p->body_cap = 0;
	p->started = p->headers_complete = p->complete = false;
	http_parser_pause(&p->parser, 0);
	return req;
}

void http_request_free(struct http_request **reqp)
{
	struct http_request *req = *reqp;
	if (req == NULL)
		return;
	for (size_t i = 0; i < req->n_headers; i++) {
		free(req->headers[i].name);
		free(req->headers[i].value);
	}
	for (size_t i = 0; i < req->n_params; i++)
		free(req->params[i].value);
	free(req->headers);
	free(req->path);
	free(req->query);
	free(req->body);
	free(req);
	*reqp = NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *http_percent_decode(const char *in, size_t len, bool plus_is_space)
{
	char *out = xmalloc(len + 1);
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (c == '%') {
			if (i + 2 >= len)
				goto bad;
			int h = hexval(in[i + 1]), l = hexval(in[i + 2]);
			if (h < 0 || l < 0)
				goto bad;
			c = (char)(h * 16 + l);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		if (c == '\0')
			goto bad;
		out[o++] = c;
	}
	out[o] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

const char *http_request_header(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->n_headers; i++) {
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	}
	return NULL;
}

const char *http_request_param(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->n_params; i++) {
		if (strcmp(req->params[i].name, name) == 0)
			return req->params[i].value;
	}
	return NULL;
}

const char *http_request_query(const struct http_request *req, const char *key, char *buf,
                               size_t buflen)
{
	size_t klen = strlen(key);
	for (const char *s = req->query; s != NULL && *s != '\0';) {
		const char *amp = strchr(s, '&');
		size_t n = amp != NULL ? (size_t)(amp - s) : strlen(s);
		const char *eq = memchr(s, '=', n);
		size_t name_len = eq != NULL ? (size_t)(eq - s) : n;
		char *name = http_percent_decode(s, name_len, true);
		bool match = name != NULL && strlen(name) == klen && memcmp(name, key, klen) == 0;
		free(name);
		if (match) {
			const char *v = eq != NULL ? eq + 1 : s + n;
			char *value = http_percent_decode(v, (size_t)(s + n - v), true);
			const char *ret = NULL;
			if (value != NULL && strlen(value) < buflen) {
				memcpy(buf, value, strlen(value) + 1);
				ret = buf;
			}
			free(value);
			return ret;
		}
		s = amp != NULL ? amp + 1 : s + n;
	}
	return NULL;
}
