/*
 * libFuzzer target: the client address behind trusted reverse proxies
 * (net/proxy, net_client_addr), which reads X-Forwarded-For or Forwarded
 * (RFC 7239) header lines that any client can send; and the parser of the
 * http.trusted_proxies setting (net_proxies_parse).
 *
 * Byte 0 picks the header kind and the direct peer (a trusted proxy, an
 * untrusted address, an IPv4-mapped trusted one). The rest, up to a first
 * NUL, is the setting; what follows is the header lines, one per '\n'.
 * Asserted: the answer is always an IP address in text form; it is the
 * peer itself when the peer is not trusted or no such header came; a
 * setting that parses gives a list whose own entries it trusts.
 */
#include "net/proxy.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LINES_MAX 16

static const char trusted[] = "10.0.0.0/8, ::1, 192.0.2.7, 2001:db8::/32";

static bool is_ip(const char *s)
{
	unsigned char a[16];
	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/* The setting part: whatever parses must trust its own first entry. */
static void fuzz_setting(const char *text)
{
	struct net_proxies *p = NULL;
	const char *error = NULL;
	if (net_proxies_parse(text, NET_PROXY_XFF, &p, &error) < 0) {
		if (error == NULL || p != NULL)
			abort();
		return;
	}
	char first[64];
	size_t n = strcspn(text, ",/");
	size_t skip = strspn(text, " \t");
	if (p != NULL && n > skip && n - skip < sizeof(first)) {
		memcpy(first, text + skip, n - skip);
		first[n - skip] = '\0';
		first[strcspn(first, " \t")] = '\0';
		/* an address entry (no prefix length) trusts itself */
		if (is_ip(first) && text[n] != '/' && !net_proxies_trusts(p, first))
			abort();
	}
	net_proxies_free(&p);
	if (p != NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const peers[] = {"10.1.2.3", "198.51.100.9", "::ffff:10.0.0.5", "::1"};
	static struct net_proxies *proxies[2];
	if (proxies[0] == NULL) {
		const char *error = NULL;
		if (net_proxies_parse(trusted, NET_PROXY_XFF, &proxies[0], &error) < 0 ||
		    net_proxies_parse(trusted, NET_PROXY_FORWARDED, &proxies[1], &error) < 0)
			abort();
	}
	if (size == 0)
		return 0;
	const struct net_proxies *p = proxies[data[0] & 1];
	const char *peer = peers[(data[0] >> 1) & 3];
	char *text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	size_t setting_len = strlen(text);
	fuzz_setting(text);

	/* header lines after the setting's NUL */
	struct http_header headers[LINES_MAX];
	struct http_request req = {.method = "GET", .headers = headers};
	char *lines = setting_len + 1 < size ? text + setting_len + 1 : NULL;
	const char *name = (data[0] & 1) ? "Forwarded" : "X-Forwarded-For";
	for (char *save = NULL, *l = lines ? strtok_r(lines, "\n", &save) : NULL;
	     l != NULL && req.n_headers < LINES_MAX; l = strtok_r(NULL, "\n", &save)) {
		headers[req.n_headers].name = (char *)(l[0] == '!' ? "X-Other" : name);
		headers[req.n_headers].value = l;
		req.n_headers++;
	}
	char out[64];
	net_client_addr(p, peer, &req, out, sizeof(out));
	if (!is_ip(out))
		abort();
	bool trusted_peer = strcmp(peer, "198.51.100.9") != 0;
	bool any_header = false;
	for (size_t i = 0; i < req.n_headers; i++)
		any_header = any_header || headers[i].name == name;
	if ((!trusted_peer || !any_header) && strcmp(out, peer) != 0)
		abort();
	free(text);
	return 0;
}
