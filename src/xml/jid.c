/*
 * xmpp/jid: see jid.h.
 */
#include "xml/jid.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "xml/xml_buf.h"

/* Valid UTF-8 of XML characters, without C0 controls, DEL or C1 controls. */
static bool text_ok(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!xml_valid_chars(s, len))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7F)
			return false;
		/* U+0080..U+009F are encoded C2 80..C2 9F. */
		if (p[i] == 0xC2 && i + 1 < len && p[i + 1] < 0xA0)
			return false;
	}
	return true;
}

static void ascii_lower(char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
	}
}

static const char *check_local(const char *s, size_t len)
{
	if (len == 0)
		return "empty localpart";
	if (len > JID_PART_MAX)
		return "localpart too long";
	if (!text_ok(s, len))
		return "invalid character in localpart";
	for (size_t i = 0; i < len; i++) {
		if (strchr("\"&'/:<>@ ", s[i]) != NULL)
			return "forbidden character in localpart";
	}
	return NULL;
}

static const char *check_resource(const char *s, size_t len)
{
	if (len == 0)
		return "empty resourcepart";
	if (len > JID_PART_MAX)
		return "resourcepart too long";
	if (!text_ok(s, len))
		return "invalid character in resourcepart";
	return NULL;
}

static bool is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

/* One DNS label: 1..63 bytes of LDH or non-ASCII (UTF-8, checked by the
 * caller), not starting or ending with '-'. */
static bool label_ok(const char *s, size_t len)
{
	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x80 && !is_ldh(c))
			return false;
	}
	return true;
}

static const char *check_ip6_literal(const char *s, size_t len)
{
	char tmp[64];
	unsigned char addr[16];

	if (len < 3 || s[len - 1] != ']' || len - 2 >= sizeof(tmp))
		return "invalid IPv6 literal";
	/* inet_pton stops at a NUL: check every byte first. */
	for (size_t i = 1; i < len - 1; i++) {
		if (strchr("0123456789abcdefABCDEF:.", s[i]) == NULL || s[i] == '\0')
			return "invalid IPv6 literal";
	}
	memcpy(tmp, s + 1, len - 2);
	tmp[len - 2] = '\0';
	if (inet_pton(AF_INET6, tmp, addr) != 1)
		return "invalid IPv6 literal";
	return NULL;
}

static const char *check_domain(const char *s, size_t len)
{
	size_t start = 0;

	if (len == 0)
		return "empty domainpart";
	if (len > JID_PART_MAX)
		return "domainpart too long";
	if (s[0] == '[')
		return check_ip6_literal(s, len);
	if (!text_ok(s, len))
		return "invalid character in domainpart";
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (!label_ok(s + start, i - start))
			return "invalid domain label";
		start = i + 1;
	}
	return NULL;
}

/* Splits s per RFC 7622 §3.2 into slices; local/resource may be absent. */
static const char *split_jid(const char *s, size_t len, struct jid *j)
{
	const char *slash = memchr(s, '/', len);
	size_t head = slash != NULL ? (size_t)(slash - s) : len;
	const char *at = memchr(s, '@', head);

	if (slash != NULL) {
		j->resource = slash + 1;
		j->resource_len = len - head - 1;
	}
	j->domain = at != NULL ? at + 1 : s;
	j->domain_len = at != NULL ? head - (size_t)(at - s) - 1 : head;
	if (at != NULL) {
		j->local = s;
		j->local_len = (size_t)(at - s);
	}
	/* RFC 7622 §3.2: a final dot of the domain is stripped. */
	if (j->domain_len > 1 && j->domain[j->domain_len - 1] == '.')
		j->domain_len--;
	if (j->local != NULL && check_local(j->local, j->local_len) != NULL)
		return check_local(j->local, j->local_len);
	if (j->resource != NULL && check_resource(j->resource, j->resource_len) != NULL)
		return check_resource(j->resource, j->resource_len);
	return check_domain(j->domain, j->domain_len);
}

/* Copies the validated slices of v into one buffer owned by *j. */
static void store_jid(struct jid *j, const struct jid *v)
{
	size_t total = v->local_len + v->domain_len + v->resource_len + 3;
	char *p = xmalloc(total);

	memset(j, 0, sizeof(*j));
	j->buf = p;
	if (v->local != NULL) {
		memcpy(p, v->local, v->local_len);
		p[v->local_len] = '\0';
		ascii_lower(p, v->local_len);
		j->local = p;
		j->local_len = v->local_len;
		p += v->local_len + 1;
	}
	memcpy(p, v->domain, v->domain_len);
	p[v->domain_len] = '\0';
	ascii_lower(p, v->domain_len);
	j->domain = p;
	j->domain_len = v->domain_len;
	p += v->domain_len + 1;
	if (v->resource != NULL) {
		memcpy(p, v->resource, v->resource_len);
		p[v->resource_len] = '\0';
		j->resource = p;
		j->resource_len = v->resource_len;
	}
}

int jid_parse(const char *s, size_t len, struct jid *jid_r, const char **error_r)
{
	struct jid view = {0};
	const char *err;

	memset(jid_r, 0, sizeof(*jid_r));
	if (len > 3 * JID_PART_MAX + 2) {
		err = "JID too long";
		goto fail;
	}
	err = split_jid(s, len, &view);
	if (err != NULL)
		goto fail;
	store_jid(jid_r, &view);
	return 0;
fail:
	if (error_r != NULL)
		*error_r = err;
	return -1;
}

int jid_parse_str(const char *s, struct jid *jid_r, const char **error_r)
{
	return jid_parse(s, strlen(s), jid_r, error_r);
}

void jid_free(struct jid *jid)
{
	free(jid->buf);
	memset(jid, 0, sizeof(*jid));
}

void jid_copy(struct jid *dst, const struct jid *src)
{
	store_jid(dst, src);
}

void jid_bare(struct jid *dst, const struct jid *src)
{
	struct jid view = *src;

	view.resource = NULL;
	view.resource_len = 0;
	store_jid(dst, &view);
}

bool jid_is_bare(const struct jid *jid)
{
	return jid->resource == NULL;
}

bool jid_is_domain(const struct jid *jid)
{
	return jid->local == NULL && jid->resource == NULL;
}

static bool part_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	if (a == NULL || b == NULL)
		return a == b;
	return alen == blen && memcmp(a, b, alen) == 0;
}

bool jid_bare_equal(const struct jid *a, const struct jid *b)
{
	return part_equal(a->local, a->local_len, b->local, b->local_len) &&
	       part_equal(a->domain, a->domain_len, b->domain, b->domain_len);
}

bool jid_full_equal(const struct jid *a, const struct jid *b)
{
	return jid_bare_equal(a, b) &&
	       part_equal(a->resource, a->resource_len, b->resource, b->resource_len);
}

size_t jid_string_len(const struct jid *jid, bool full)
{
	size_t n = jid->domain_len;

	if (jid->local != NULL)
		n += jid->local_len + 1;
	if (full && jid->resource != NULL)
		n += jid->resource_len + 1;
	return n;
}

int jid_format(const struct jid *jid, bool full, char *buf, size_t size)
{
	size_t n = jid_string_len(jid, full), off = 0;

	if (size == 0)
		return -1;
	if (n >= size) {
		buf[0] = '\0';
		return -1;
	}
	if (jid->local != NULL) {
		memcpy(buf, jid->local, jid->local_len);
		off = jid->local_len;
		buf[off++] = '@';
	}
	memcpy(buf + off, jid->domain, jid->domain_len);
	off += jid->domain_len;
	if (full && jid->resource != NULL) {
		buf[off++] = '/';
		memcpy(buf + off, jid->resource, jid->resource_len);
		off += jid->resource_len;
	}
	buf[off] = '\0';
	return (int)off;
}

char *jid_to_string(const struct jid *jid, bool full)
{
	size_t n = jid_string_len(jid, full) + 1;
	char *s = xmalloc(n);

	(void)jid_format(jid, full, s, n);
	return s;
}
