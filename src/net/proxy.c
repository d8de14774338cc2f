/* net/proxy: see proxy.h. */
#include "net/proxy.h"
#include "core/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct net_cidr {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int bits;
};

struct net_proxies {
	enum net_proxy_header header;
	size_t n;
	struct net_cidr cidr[NET_PROXIES_MAX];
};

/* Parses an address; IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes IPv4, so a
 * dual-stack listener matches IPv4 entries. */
static bool ip_parse(const char *text, int *family, unsigned char addr[16])
{
	struct in6_addr a6;
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, text, addr) == 1) {
		*family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, text, &a6) != 1)
		return false;
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		memcpy(addr, a6.s6_addr + 12, 4);
		*family = AF_INET;
	} else {
		memcpy(addr, a6.s6_addr, 16);
		*family = AF_INET6;
	}
	return true;
}

/* Copies [s, e) without surrounding blanks into out; false when too long. */
static bool trimmed(const char *s, const char *e, char *out, size_t size)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if ((size_t)(e - s) >= size)
		return false;
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = '\0';
	return true;
}

static int cidr_parse(const char *s, const char *e, struct net_cidr *c)
{
	char text[64];
	if (!trimmed(s, e, text, sizeof(text)) || text[0] == '\0')
		return -1;
	char *slash = strchr(text, '/');
	if (slash != NULL)
		*slash = '\0';
	if (!ip_parse(text, &c->family, c->addr))
		return -1;
	int max = c->family == AF_INET ? 32 : 128;
	if (strchr(text, ':') != NULL && c->family == AF_INET && slash != NULL)
		return -1; /* a mapped prefix: write it as IPv4 */
	c->bits = max;
	if (slash != NULL) {
		char *end;
		errno = 0;
		long bits = strtol(slash + 1, &end, 10);
		if (errno != 0 || end == slash + 1 || *end != '\0' || bits < 0 || bits > max)
			return -1;
		c->bits = (int)bits;
	}
	return 0;
}

int net_proxies_parse(const char *list, enum net_proxy_header header, struct net_proxies **out,
                      const char **error_r)
{
	struct net_proxies *p = xcalloc(1, sizeof(*p));
	const char *s = list != NULL ? list : "";
	p->header = header;
	*out = NULL;
	while (*s != '\0') {
		const char *e = strchr(s, ',');
		if (e == NULL)
			e = s + strlen(s);
		if (p->n == NET_PROXIES_MAX) {
			free(p);
			return *error_r = "http.trusted_proxies: more than 64 entries", -1;
		}
		if (cidr_parse(s, e, &p->cidr[p->n]) < 0) {
			free(p);
			return *error_r = "http.trusted_proxies: expected addresses or CIDRs", -1;
		}
		p->n++;
		s = *e == ',' ? e + 1 : e;
	}
	if (p->n == 0)
		free(p);
	else
		*out = p;
	return 0;
}

void net_proxies_free(struct net_proxies **p)
{
	if (p == NULL || *p == NULL)
		return;
	free(*p);
	*p = NULL;
}

static bool cidr_match(const struct net_cidr *c, int family, const unsigned char *a)
{
	if (c->family != family)
		return false;
	int full = c->bits / 8, rest = c->bits % 8;
	if (memcmp(c->addr, a, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char m = (unsigned char)(0xff << (8 - rest));
	return (c->addr[full] & m) == (a[full] & m);
}

static bool trusts_bytes(const struct net_proxies *p, int family, const unsigned char *a)
{
	for (size_t i = 0; p != NULL && i < p->n; i++)
		if (cidr_match(&p->cidr[i], family, a))
			return true;
	return false;
}

bool net_proxies_trusts(const struct net_proxies *p, const char *ip)
{
	int family;
	unsigned char a[16];
	return ip != NULL && ip_parse(ip, &family, a) && trusts_bytes(p, family, a);
}

/* A node as proxies write it: "192.0.2.1", "192.0.2.1:4711", "2001:db8::1",
 * "[2001:db8::1]" or "[2001:db8::1]:4711". */
static bool node_parse(char *node, int *family, unsigned char addr[16])
{
	if (node[0] == '[') {
		char *close = strchr(node, ']');
		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return false;
		*close = '\0';
		return ip_parse(node + 1, family, addr) && *family == AF_INET6;
	}
	char *colon = strchr(node, ':');
	if (colon != NULL && strchr(colon + 1, ':') == NULL)
		*colon = '\0'; /* IPv4 with a port */
	return ip_parse(node, family, addr);
}

/* The for= node of one Forwarded element ("for=192.0.2.1;proto=https"). */
static bool forwarded_for(char *elem, int *family, unsigned char addr[16])
{
	for (char *save = NULL, *pair = strtok_r(elem, ";", &save); pair != NULL;
	     pair = strtok_r(NULL, ";", &save)) {
		char value[80];
		char *eq = strchr(pair, '=');
		if (eq == NULL)
			continue;
		char name[8];
		if (!trimmed(pair, eq, name, sizeof(name)) || strcasecmp(name, "for") != 0)
			continue;
		if (!trimmed(eq + 1, eq + 1 + strlen(eq + 1), value, sizeof(value)))
			return false;
		char *v = value;
		size_t len = strlen(v);
		if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
			v[len - 1] = '\0';
			v++;
		}
		return strchr(v, '"') == NULL && strchr(v, '\\') == NULL &&
		       node_parse(v, family, addr);
	}
	return false;
}

static bool element_addr(const char *s, const char *e, enum net_proxy_header header, int *family,
                         unsigned char addr[16])
{
	char elem[256];
	if (!trimmed(s, e, elem, sizeof(elem)) || elem[0] == '\0')
		return false;
	if (header == NET_PROXY_FORWARDED)
		return forwarded_for(elem, family, addr);
	return node_parse(elem, family, addr);
}

/* Every line of header name joined by commas (a proxy may add its own
 * line after the client's), or NULL when there is none. */
static char *joined(const struct http_request *req, const char *name)
{
	char *all = NULL;
	size_t len = 0;
	for (size_t i = 0; i < req->n_headers; i++) {
		if (strcasecmp(req->headers[i].name, name) != 0)
			continue;
		size_t n = strlen(req->headers[i].value);
		all = xrealloc(all, len + n + 2);
		if (len > 0)
			all[len++] = ',';
		memcpy(all + len, req->headers[i].value, n + 1);
		len += n;
	}
	return all;
}

void net_client_addr(const struct net_proxies *p, const char *peer, const struct http_request *req,
                     char *out, size_t size)
{
	snprintf(out, size, "%s", peer);
	if (p == NULL || !net_proxies_trusts(p, peer))
		return;
	char *hops =
	    joined(req, p->header == NET_PROXY_FORWARDED ? "Forwarded" : "X-Forwarded-For");
	if (hops == NULL)
		return;
	const char *end = hops + strlen(hops);
	for (;;) { /* we stand on a trusted hop; the element left of it is the one before */
		const char *start = end;
		while (start > hops && start[-1] != ',')
			start--;
		int family;
		unsigned char a[16];
		char text[INET6_ADDRSTRLEN];
		if (!element_addr(start, end, p->header, &family, a) ||
		    inet_ntop(family, a, text, sizeof(text)) == NULL)
			break;
		snprintf(out, size, "%s", text);
		if (!trusts_bytes(p, family, a) || start == hops)
			break;
		end = start - 1;
	}
	free(hops);
}
