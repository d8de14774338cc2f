/*
 * bench/xmpp/xmppload: a single-threaded XMPP client load generator.
 *
 * Many client connections on one epoll loop, each doing what a real client
 * does: TCP, STARTTLS, TLS 1.3 (X25519), SASL SCRAM-SHA-256, resource bind,
 * session (when the server offers it as required) and initial presence.
 * The SCRAM SaltedPassword (PBKDF2) is cached per (salt, iterations), so the
 * generator does not measure its own key stretching.  Loopback only: the
 * target address must be in 127.0.0.0/8.
 *
 * Modes (all print one line of key=value figures on stdout):
 *   probe            does the port speak XMPP with STARTTLS? exit 0 yes, 3 no
 *   idle             hold N authenticated TLS connections, server RSS per connection
 *   logins           full logins per second with a fixed number in flight
 *   sat              messages/s between online pairs at saturation (closed loop)
 *   rate             latency p50/p99 at a fixed offered load (open loop: latency is
 *                    measured from each message's intended send time)
 *   scram-keys       print "salt iterations stored_key_hex server_key_hex" for a
 *                    password (used to write Prosody account files in bulk)
 *
 * Every loop is bounded in time; a watchdog alarm ends the process regardless.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <expat.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_TEXT 4096
#define MAX_BODY 512
#define MAX_OUT (1 << 20)

/* ---------------------------------------------------------------- options */

static struct {
	const char *mode;
	const char *host;
	int port;
	const char *domain;
	const char *prefix;
	const char *password;
	const char *user; /* every connection logs in as this one account */
	int first;        /* first account number used */
	int accounts;     /* accounts available from `first` on */
	int conns;        /* idle: connections held */
	int inflight;     /* logins: in flight; sat: per pair; idle: handshakes at once */
	int pairs;        /* sat/rate */
	double rate;      /* rate: offered msgs/s, all pairs together */
	double warmup;    /* seconds, not counted */
	double duration;
	double settle; /* idle: seconds to wait before reading RSS */
	int pid;       /* server pid for RSS and CPU; 0: none */
	int body_len;
	int watchdog; /* seconds */
	bool verbose;
} opt = {
    .host = "127.0.0.1",
    .port = 5222,
    .domain = "localhost",
    .prefix = "u",
    .password = "benchpass",
    .accounts = 1000,
    .conns = 1000,
    .inflight = 50,
    .pairs = 100,
    .rate = 550,
    .warmup = 2,
    .duration = 10,
    .settle = 3,
    .body_len = 100,
    .watchdog = 600,
};

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("xmppload: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (p == NULL)
		die("out of memory");
	return p;
}

/* ---------------------------------------------------------------- SCRAM */

struct scram_cache_entry {
	unsigned char salt[64];
	int salt_len;
	int iter;
	unsigned char salted[32];
	struct scram_cache_entry *next;
};
static struct scram_cache_entry *scram_cache[1024];
static unsigned long pbkdf2_count;

static unsigned hash_bytes(const unsigned char *p, int n, int iter)
{
	unsigned h = 2166136261u ^ (unsigned)iter;
	for (int i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static const unsigned char *salted_password(const unsigned char *salt, int salt_len, int iter)
{
	unsigned h = hash_bytes(salt, salt_len, iter) % 1024;
	for (struct scram_cache_entry *e = scram_cache[h]; e != NULL; e = e->next)
		if (e->iter == iter && e->salt_len == salt_len &&
		    memcmp(e->salt, salt, (size_t)salt_len) == 0)
			return e->salted;
	struct scram_cache_entry *e = xcalloc(1, sizeof(*e));
	memcpy(e->salt, salt, (size_t)salt_len);
	e->salt_len = salt_len;
	e->iter = iter;
	if (!PKCS5_PBKDF2_HMAC(opt.password, (int)strlen(opt.password), salt, salt_len, iter,
	                       EVP_sha256(), 32, e->salted))
		die("PBKDF2 failed");
	pbkdf2_count++;
	e->next = scram_cache[h];
	scram_cache[h] = e;
	return e->salted;
}

static void hmac256(const unsigned char *key, size_t key_len, const void *msg, size_t len,
                    unsigned char out[32])
{
	unsigned int n = 32;
	if (HMAC(EVP_sha256(), key, (int)key_len, msg, len, out, &n) == NULL)
		die("HMAC failed");
}

static void sha256(const void *msg, size_t len, unsigned char out[32])
{
	if (!EVP_Digest(msg, len, out, NULL, EVP_sha256(), NULL))
		die("SHA-256 failed");
}

static int b64_encode(const unsigned char *in, int len, char *out, int cap)
{
	if (4 * ((len + 2) / 3) + 1 > cap)
		return -1;
	return EVP_EncodeBlock((unsigned char *)out, in, len);
}

/* decodes base64 without whitespace; returns length or -1 */
static int b64_decode(const char *in, int len, unsigned char *out, int cap)
{
	if (len % 4 != 0 || 3 * (len / 4) > cap)
		return -1;
	int n = EVP_DecodeBlock(out, (const unsigned char *)in, len);
	if (n < 0)
		return -1;
	if (len >= 1 && in[len - 1] == '=')
		n--;
	if (len >= 2 && in[len - 2] == '=')
		n--;
	return n;
}

static void hex(const unsigned char *p, int n, char *out)
{
	for (int i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* ---------------------------------------------------------------- connections */

enum cstate {
	C_FREE,
	C_CONNECTING,
	C_FEATURES1, /* plaintext stream features: expect starttls */
	C_PROCEED,
	C_TLS,
	C_FEATURES2, /* mechanisms */
	C_CHALLENGE,
	C_SUCCESS,
	C_FEATURES3, /* bind */
	C_BIND,
	C_SESSION,
	C_PRESENCE, /* waiting for the ping that follows the initial presence */
	C_READY,
	C_CLOSING,
};

struct conn {
	int idx; /* slot */
	int fd;
	enum cstate st;
	SSL *ssl;
	XML_Parser xp;
	int account;
	bool restart;   /* reset the parser after this XML_Parse call */
	bool parsing;   /* inside XML_Parse */
	bool was_ready; /* for on_gone: had it logged in? */
	bool need_session;
	/* parse state of the current top-level element */
	int depth;
	char top[32];
	char top_type[16];
	char top_id[32];
	bool f_starttls, f_scram, f_bind, f_session, f_session_optional, f_mechs;
	bool in_mech, in_body, in_result, in_fin;
	bool has_mam_result, has_fin;
	char text[MAX_TEXT];
	int text_len;
	char body[MAX_BODY];
	int body_len;
	/* SCRAM */
	char client_first_bare[128];
	char auth_message[1024];
	unsigned char server_sig[32];
	/* output */
	char *out;
	size_t out_len, out_cap;
	bool want_write;
	uint64_t started_ns;
	int pair; /* sat/rate: pair index; -1 none */
	bool is_sender;
};

static int epfd = -1;
static SSL_CTX *tls_ctx;
static struct conn *conns;
static int nconns_cap;
static int free_top;
static int *free_list;
static struct sockaddr_in target;
static unsigned long src_rr;

/* global counters */
static unsigned long n_ready, n_failed, n_closed, n_started;
static char first_error[256];
static bool tls13_seen, tls_other_seen, starttls_offered;

static void record_error(struct conn *c, const char *what)
{
	n_failed++;
	if (first_error[0] == '\0')
		snprintf(first_error, sizeof(first_error), "account %d state %d: %s", c->account,
		         (int)c->st, what);
	if (opt.verbose)
		fprintf(stderr, "xmppload: account %d state %d: %s\n", c->account, (int)c->st,
		        what);
}

/* hooks set by the scenario */
static void (*on_ready)(struct conn *c);
static void (*on_message)(struct conn *c);
static void (*on_iq)(struct conn *c);
static void (*on_gone)(struct conn *c);

static void conn_close(struct conn *c, bool failed, const char *why);

static void ep_mod(struct conn *c)
{
	struct epoll_event ev = {.events = EPOLLIN | (c->want_write ? EPOLLOUT : 0),
	                         .data.u32 = (uint32_t)c->idx};
	if (c->st == C_CONNECTING)
		ev.events = EPOLLOUT;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
}

static void conn_flush(struct conn *c)
{
	while (c->out_len > 0) {
		ssize_t n;
		if (c->ssl != NULL && c->st != C_PROCEED) {
			ERR_clear_error();
			int r = SSL_write(c->ssl, c->out, (int)c->out_len);
			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);
				if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
					break;
				conn_close(c, true, "TLS write failed");
				return;
			}
			n = r;
		} else {
			n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					break;
				conn_close(c, true, "write failed");
				return;
			}
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	bool ww = c->out_len > 0;
	if (ww != c->want_write) {
		c->want_write = ww;
		ep_mod(c);
	}
}

__attribute__((format(printf, 2, 3))) static void conn_send(struct conn *c, const char *fmt, ...)
{
	va_list ap;
	char tmp[2048];
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		die("stanza too long");
	if (c->out_len + (size_t)n > MAX_OUT) {
		conn_close(c, true, "output buffer full");
		return;
	}
	if (c->out_len + (size_t)n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 1024;
		while (cap < c->out_len + (size_t)n)
			cap *= 2;
		c->out = realloc(c->out, cap);
		if (c->out == NULL)
			die("out of memory");
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, tmp, (size_t)n);
	c->out_len += (size_t)n;
}

static void send_stream_header(struct conn *c)
{
	conn_send(c,
	          "<?xml version='1.0'?><stream:stream to='%s' version='1.0' "
	          "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
	          opt.domain);
}

static void xml_start(void *ud, const XML_Char *name, const XML_Char **attrs);
static void xml_end(void *ud, const XML_Char *name);
static void xml_text(void *ud, const XML_Char *s, int len);

static void parser_reset(struct conn *c)
{
	if (c->xp == NULL)
		c->xp = XML_ParserCreate("UTF-8");
	else
		XML_ParserReset(c->xp, "UTF-8");
	if (c->xp == NULL)
		die("expat: out of memory");
	XML_SetUserData(c->xp, c);
	XML_SetElementHandler(c->xp, xml_start, xml_end);
	XML_SetCharacterDataHandler(c->xp, xml_text);
	c->depth = 0;
	c->restart = false;
}

static struct conn *conn_start(int account)
{
	if (free_top == 0)
		die("connection table full");
	struct conn *c = &conns[free_list[--free_top]];
	int idx = c->idx;
	XML_Parser xp = c->xp;
	char *out = c->out;
	size_t cap = c->out_cap;
	memset(c, 0, sizeof(*c));
	c->idx = idx;
	c->xp = xp;
	c->out = out;
	c->out_cap = cap;
	c->account = account;
	c->pair = -1;
	c->started_ns = now_ns();
	parser_reset(c);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		die("socket: %s (raise the open-file limit)", strerror(errno));
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* spread source addresses over 127.0.0.0/8 so logins at high rates do not
	 * run out of ephemeral ports */
	struct sockaddr_in src = {.sin_family = AF_INET};
	src.sin_addr.s_addr = htonl(0x7f000000u | (uint32_t)(1 + (src_rr++ % 250)) << 8 | 1);
	setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	if (bind(c->fd, (struct sockaddr *)&src, sizeof(src)) < 0)
		die("bind: %s", strerror(errno));
	c->st = C_CONNECTING;
	struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t)c->idx};
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
	if (connect(c->fd, (struct sockaddr *)&target, sizeof(target)) < 0 && errno != EINPROGRESS)
		die("connect: %s", strerror(errno));
	n_started++;
	return c;
}

static void conn_close(struct conn *c, bool failed, const char *why)
{
	if (c->st == C_FREE)
		return;
	if (failed)
		record_error(c, why);
	c->was_ready = c->st == C_READY || c->st == C_CLOSING;
	if (c->parsing)
		XML_StopParser(c->xp, XML_FALSE);
	if (c->ssl != NULL) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	/* an abortive close: no TIME_WAIT piles up on the client side */
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c->fd);
	c->fd = -1;
	c->st = C_FREE;
	c->out_len = 0;
	c->want_write = false;
	n_closed++;
	free_list[free_top++] = c->idx;
	if (on_gone != NULL)
		on_gone(c);
}

/* politely ends the stream; the slot is freed when the server closes or at exit */
static void conn_end_stream(struct conn *c)
{
	if (c->st == C_FREE || c->st == C_CLOSING)
		return;
	c->st = C_CLOSING;
	conn_send(c, "</stream:stream>");
	conn_flush(c);
}

/* ---------------------------------------------------------------- protocol */

static const char *attr(const XML_Char **attrs, const char *name)
{
	for (int i = 0; attrs[i] != NULL; i += 2)
		if (strcmp(attrs[i], name) == 0)
			return attrs[i + 1];
	return NULL;
}

static void xml_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct conn *c = ud;
	c->depth++;
	if (c->depth == 1) {
		/* the stream header itself */
		return;
	}
	if (c->depth == 2) {
		snprintf(c->top, sizeof(c->top), "%s", name);
		const char *t = attr(attrs, "type");
		const char *id = attr(attrs, "id");
		snprintf(c->top_type, sizeof(c->top_type), "%s", t ? t : "");
		snprintf(c->top_id, sizeof(c->top_id), "%s", id ? id : "");
		c->f_starttls = c->f_scram = c->f_bind = c->f_session = false;
		c->f_session_optional = c->f_mechs = false;
		c->has_mam_result = c->has_fin = false;
		c->in_mech = c->in_body = false;
		c->text_len = 0;
		c->body_len = 0;
		return;
	}
	if (c->depth == 3) {
		if (strcmp(name, "starttls") == 0)
			c->f_starttls = true;
		else if (strcmp(name, "mechanisms") == 0)
			c->f_mechs = true;
		else if (strcmp(name, "bind") == 0)
			c->f_bind = true;
		else if (strcmp(name, "session") == 0)
			c->f_session = true;
		else if (strcmp(name, "body") == 0) {
			c->in_body = true;
			c->body_len = 0;
		} else if (strcmp(name, "result") == 0)
			c->has_mam_result = true;
		else if (strcmp(name, "fin") == 0)
			c->has_fin = true;
		return;
	}
	if (c->depth == 4) {
		if (strcmp(name, "mechanism") == 0) {
			c->in_mech = true;
			c->text_len = 0;
		} else if (strcmp(name, "optional") == 0 && c->f_session)
			c->f_session_optional = true;
	}
}

static void handle_stanza(struct conn *c);

static void xml_end(void *ud, const XML_Char *name)
{
	struct conn *c = ud;
	if (c->depth == 4 && c->in_mech) {
		c->in_mech = false;
		c->text[c->text_len] = '\0';
		if (strcmp(c->text, "SCRAM-SHA-256") == 0)
			c->f_scram = true;
		c->text_len = 0;
	} else if (c->depth == 3 && c->in_body) {
		c->in_body = false;
		c->body[c->body_len] = '\0';
	} else if (c->depth == 2) {
		c->text[c->text_len] = '\0';
		c->depth--;
		handle_stanza(c);
		return;
	} else if (c->depth == 1) {
		/* </stream:stream> from the server */
		c->depth--;
		if (c->st == C_CLOSING)
			conn_close(c, false, NULL);
		else
			conn_close(c, true, "server closed the stream");
		return;
	}
	(void)name;
	c->depth--;
}

static void xml_text(void *ud, const XML_Char *s, int len)
{
	struct conn *c = ud;
	if (c->in_body) {
		int n = len;
		if (c->body_len + n > MAX_BODY - 1)
			n = MAX_BODY - 1 - c->body_len;
		memcpy(c->body + c->body_len, s, (size_t)n);
		c->body_len += n;
		return;
	}
	if (c->depth == 2 || c->in_mech) {
		int n = len;
		if (c->text_len + n > MAX_TEXT - 1)
			n = MAX_TEXT - 1 - c->text_len;
		memcpy(c->text + c->text_len, s, (size_t)n);
		c->text_len += n;
	}
}

static void scram_start(struct conn *c)
{
	unsigned char rnd[18];
	char nonce[32];
	RAND_bytes(rnd, sizeof(rnd));
	b64_encode(rnd, sizeof(rnd), nonce, sizeof(nonce));
	if (opt.user != NULL)
		snprintf(c->client_first_bare, sizeof(c->client_first_bare), "n=%s,r=%s", opt.user,
		         nonce);
	else
		snprintf(c->client_first_bare, sizeof(c->client_first_bare), "n=%s%d,r=%s",
		         opt.prefix, c->account, nonce);
	char msg[160], b64[256];
	snprintf(msg, sizeof(msg), "n,,%s", c->client_first_bare);
	b64_encode((unsigned char *)msg, (int)strlen(msg), b64, sizeof(b64));
	conn_send(c,
	          "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' "
	          "mechanism='SCRAM-SHA-256'>%s</auth>",
	          b64);
	c->st = C_CHALLENGE;
}

static void scram_challenge(struct conn *c)
{
	unsigned char sf[1024];
	int n = b64_decode(c->text, c->text_len, sf, sizeof(sf) - 1);
	if (n <= 0) {
		conn_close(c, true, "bad SCRAM challenge");
		return;
	}
	sf[n] = '\0';
	const char *server_first = (const char *)sf;
	/* r=...,s=...,i=... */
	char rbuf[256] = "", sbuf[256] = "";
	int iter = 0;
	char copy[1024];
	snprintf(copy, sizeof(copy), "%s", server_first);
	for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (strncmp(tok, "r=", 2) == 0)
			snprintf(rbuf, sizeof(rbuf), "%s", tok + 2);
		else if (strncmp(tok, "s=", 2) == 0)
			snprintf(sbuf, sizeof(sbuf), "%s", tok + 2);
		else if (strncmp(tok, "i=", 2) == 0)
			iter = atoi(tok + 2);
	}
	const char *cnonce = strstr(c->client_first_bare, ",r=") + 3;
	if (strncmp(rbuf, cnonce, strlen(cnonce)) != 0 || iter < 1 || iter > 10000000) {
		conn_close(c, true, "bad SCRAM server-first");
		return;
	}
	unsigned char salt[64];
	int salt_len = b64_decode(sbuf, (int)strlen(sbuf), salt, sizeof(salt));
	if (salt_len <= 0) {
		conn_close(c, true, "bad SCRAM salt");
		return;
	}
	const unsigned char *sp = salted_password(salt, salt_len, iter);
	unsigned char client_key[32], stored_key[32], client_sig[32], server_key[32], proof[32];
	hmac256(sp, 32, "Client Key", 10, client_key);
	sha256(client_key, 32, stored_key);
	char final_wo[300];
	snprintf(final_wo, sizeof(final_wo), "c=biws,r=%s", rbuf);
	int am = snprintf(c->auth_message, sizeof(c->auth_message), "%s,%s,%s",
	                  c->client_first_bare, server_first, final_wo);
	if (am < 0 || (size_t)am >= sizeof(c->auth_message)) {
		conn_close(c, true, "SCRAM message too long");
		return;
	}
	hmac256(stored_key, 32, c->auth_message, (size_t)am, client_sig);
	for (int i = 0; i < 32; i++)
		proof[i] = client_key[i] ^ client_sig[i];
	hmac256(sp, 32, "Server Key", 10, server_key);
	hmac256(server_key, 32, c->auth_message, (size_t)am, c->server_sig);
	char p64[64], msg[400], b64[600];
	b64_encode(proof, 32, p64, sizeof(p64));
	snprintf(msg, sizeof(msg), "%s,p=%s", final_wo, p64);
	b64_encode((unsigned char *)msg, (int)strlen(msg), b64, sizeof(b64));
	conn_send(c, "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>%s</response>", b64);
	c->st = C_SUCCESS;
}

static bool scram_verify_success(struct conn *c)
{
	unsigned char sf[256];
	int n = b64_decode(c->text, c->text_len, sf, sizeof(sf) - 1);
	if (n <= 2)
		return false;
	sf[n] = '\0';
	if (strncmp((char *)sf, "v=", 2) != 0)
		return false;
	unsigned char sig[64];
	int sl = b64_decode((char *)sf + 2, n - 2, sig, sizeof(sig));
	return sl == 32 && memcmp(sig, c->server_sig, 32) == 0;
}

static void become_ready(struct conn *c)
{
	c->st = C_READY;
	n_ready++;
	if (on_ready != NULL)
		on_ready(c);
}

static void after_bind(struct conn *c)
{
	/* initial presence, then a ping: its answer tells the presence was processed */
	conn_send(c, "<presence/><iq type='get' id='sync'><ping xmlns='urn:xmpp:ping'/></iq>");
	c->st = C_PRESENCE;
}

static bool want_presence = true;

static void handle_stanza(struct conn *c)
{
	const char *t = c->top;
	if (strcmp(t, "stream:error") == 0) {
		conn_close(c, true, "stream error");
		return;
	}
	switch (c->st) {
	case C_FEATURES1:
		if (strcmp(t, "stream:features") != 0)
			break;
		if (!c->f_starttls) {
			conn_close(c, true, "no STARTTLS offered");
			return;
		}
		starttls_offered = true;
		conn_send(c, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
		c->st = C_PROCEED;
		return;
	case C_PROCEED:
		if (strcmp(t, "proceed") != 0) {
			conn_close(c, true, "STARTTLS refused");
			return;
		}
		c->ssl = SSL_new(tls_ctx);
		if (c->ssl == NULL)
			die("SSL_new failed");
		SSL_set_fd(c->ssl, c->fd);
		SSL_set_tlsext_host_name(c->ssl, opt.domain);
		SSL_set_connect_state(c->ssl);
		c->st = C_TLS;
		c->restart = true;
		return;
	case C_FEATURES2:
		if (strcmp(t, "stream:features") != 0)
			break;
		if (!c->f_scram) {
			conn_close(c, true, "SCRAM-SHA-256 not offered");
			return;
		}
		scram_start(c);
		return;
	case C_CHALLENGE:
		if (strcmp(t, "challenge") != 0) {
			conn_close(c, true, "SASL failure (first step)");
			return;
		}
		scram_challenge(c);
		return;
	case C_SUCCESS:
		if (strcmp(t, "success") != 0) {
			conn_close(c, true, "SASL failure (wrong password or unknown account?)");
			return;
		}
		if (!scram_verify_success(c)) {
			conn_close(c, true, "server signature mismatch");
			return;
		}
		c->restart = true;
		send_stream_header(c);
		c->st = C_FEATURES3;
		return;
	case C_FEATURES3:
		if (strcmp(t, "stream:features") != 0)
			break;
		if (!c->f_bind) {
			conn_close(c, true, "no resource binding offered");
			return;
		}
		{
			c->need_session = c->f_session && !c->f_session_optional;
			conn_send(c,
			          "<iq type='set' id='bind'><bind "
			          "xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>b%lx</"
			          "resource></bind></iq>",
			          (unsigned long)n_started);
			c->st = C_BIND;
		}
		return;
	case C_BIND:
		if (strcmp(t, "iq") != 0)
			break;
		if (strcmp(c->top_type, "result") != 0) {
			conn_close(c, true, "bind failed");
			return;
		}
		if (c->need_session) {
			conn_send(c, "<iq type='set' id='sess'><session "
			             "xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
			c->st = C_SESSION;
			return;
		}
		if (want_presence)
			after_bind(c);
		else
			become_ready(c);
		return;
	case C_SESSION:
		if (strcmp(t, "iq") != 0)
			break;
		if (strcmp(c->top_type, "result") != 0) {
			conn_close(c, true, "session failed");
			return;
		}
		if (want_presence)
			after_bind(c);
		else
			become_ready(c);
		return;
	case C_PRESENCE:
		if (strcmp(t, "iq") == 0 && strcmp(c->top_id, "sync") == 0)
			become_ready(c);
		return;
	case C_READY:
		if (strcmp(t, "message") == 0) {
			if (on_message != NULL)
				on_message(c);
		} else if (strcmp(t, "iq") == 0) {
			/* answer a server's ping; an id with characters that would need
			 * escaping is not echoed */
			if (strcmp(c->top_type, "get") == 0 && c->top_id[0] != '\0' &&
			    strspn(c->top_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			                      "0123456789-_.:+") == strlen(c->top_id))
				conn_send(c, "<iq type='result' id='%s'/>", c->top_id);
			if (on_iq != NULL)
				on_iq(c);
		}
		return;
	default:
		return;
	}
}

static void conn_feed(struct conn *c, const char *buf, int n)
{
	c->parsing = true;
	enum XML_Status r = XML_Parse(c->xp, buf, n, 0);
	c->parsing = false;
	if (c->st == C_FREE)
		return;
	if (r == XML_STATUS_ERROR) {
		conn_close(c, true, XML_ErrorString(XML_GetErrorCode(c->xp)));
		return;
	}
	if (c->st == C_FREE)
		return;
	if (c->restart)
		parser_reset(c);
	conn_flush(c);
}

static void tls_step(struct conn *c)
{
	ERR_clear_error();
	int r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		if (SSL_version(c->ssl) == TLS1_3_VERSION)
			tls13_seen = true;
		else
			tls_other_seen = true;
		c->st = C_FEATURES2;
		send_stream_header(c);
		conn_flush(c);
		return;
	}
	int e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		bool ww = e == SSL_ERROR_WANT_WRITE;
		if (ww != c->want_write) {
			c->want_write = ww;
			ep_mod(c);
		}
		return;
	}
	char eb[160];
	ERR_error_string_n(ERR_get_error(), eb, sizeof(eb));
	conn_close(c, true, eb);
}

static void conn_event(struct conn *c, uint32_t events)
{
	if (c->st == C_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err != 0) {
			conn_close(c, true, strerror(err));
			return;
		}
		c->st = C_FEATURES1;
		send_stream_header(c);
		c->want_write = true; /* forces ep_mod to switch from connect mode */
		conn_flush(c);
		if (!c->want_write)
			ep_mod(c);
		return;
	}
	if (c->st == C_TLS) {
		tls_step(c);
		return;
	}
	char buf[16384];
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		for (int rounds = 0; rounds < 16 && c->st != C_FREE && c->st != C_TLS; rounds++) {
			int n;
			if (c->ssl != NULL) {
				ERR_clear_error();
				n = SSL_read(c->ssl, buf, sizeof(buf));
				if (n <= 0) {
					int e = SSL_get_error(c->ssl, n);
					if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
						break;
					if (c->st == C_CLOSING)
						conn_close(c, false, NULL);
					else
						conn_close(c, true, "TLS connection closed");
					return;
				}
			} else {
				/* before STARTTLS: read no further than the server's answer */
				n = (int)recv(c->fd, buf, sizeof(buf), 0);
				if (n < 0) {
					if (errno == EAGAIN || errno == EINTR)
						break;
					conn_close(c, true, strerror(errno));
					return;
				}
				if (n == 0) {
					conn_close(c, c->st != C_CLOSING, "connection closed");
					return;
				}
			}
			conn_feed(c, buf, n);
			if (c->st == C_TLS) {
				tls_step(c);
				return;
			}
		}
	}
	if (c->st != C_FREE && (events & EPOLLOUT))
		conn_flush(c);
}

/* runs the loop until `until` (monotonic ns) or until stop() says so */
static bool (*loop_stop)(void);
static void (*on_pump)(void); /* after each batch of events: start new connections here */
static void (*on_tick)(uint64_t now);
static uint64_t next_tick_ns;

static void run_loop(uint64_t until)
{
	struct epoll_event evs[512];
	for (;;) {
		uint64_t now = now_ns();
		if (now >= until)
			return;
		if (loop_stop != NULL && loop_stop())
			return;
		uint64_t wake = until;
		if (next_tick_ns != 0 && next_tick_ns < wake)
			wake = next_tick_ns;
		uint64_t wait = wake > now ? wake - now : 0;
		if (wait > 100000000u)
			wait = 100000000u;
		struct timespec ts = {.tv_sec = (time_t)(wait / 1000000000u),
		                      .tv_nsec = (long)(wait % 1000000000u)};
		int n = epoll_pwait2(epfd, evs, 512, &ts, NULL);
		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			struct conn *c = &conns[evs[i].data.u32];
			if (c->st != C_FREE)
				conn_event(c, evs[i].events);
		}
		if (on_pump != NULL)
			on_pump();
		if (on_tick != NULL && next_tick_ns != 0 && now_ns() >= next_tick_ns)
			on_tick(now_ns());
	}
}

static void setup(int max_conns)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		if ((rlim_t)max_conns + 64 > rl.rlim_cur)
			die("open-file limit %lu is below %d connections",
			    (unsigned long)rl.rlim_cur, max_conns);
	}
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		die("epoll_create1: %s", strerror(errno));
	tls_ctx = SSL_CTX_new(TLS_client_method());
	if (tls_ctx == NULL)
		die("SSL_CTX_new failed");
	SSL_CTX_set_min_proto_version(tls_ctx, TLS1_3_VERSION);
	if (!SSL_CTX_set1_groups_list(tls_ctx, "X25519"))
		die("X25519 not available");
	SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_NONE, NULL); /* self-signed bench certificates */
	SSL_CTX_set_options(tls_ctx, SSL_OP_NO_TICKET);     /* every login: a full handshake */
	SSL_CTX_set_session_cache_mode(tls_ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(tls_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	                              SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	                              SSL_MODE_RELEASE_BUFFERS);
	nconns_cap = max_conns;
	conns = xcalloc((size_t)max_conns, sizeof(*conns));
	free_list = xcalloc((size_t)max_conns, sizeof(int));
	for (int i = max_conns - 1; i >= 0; i--) {
		conns[i].idx = i;
		conns[i].fd = -1;
		free_list[free_top++] = i;
	}
	target.sin_family = AF_INET;
	target.sin_port = htons((uint16_t)opt.port);
	if (inet_pton(AF_INET, opt.host, &target.sin_addr) != 1)
		die("bad address %s", opt.host);
	if ((ntohl(target.sin_addr.s_addr) >> 24) != 127)
		die("refusing %s: loopback (127.0.0.0/8) only", opt.host);
}

/* ends every stream and waits (bounded) for the server to close them */
static bool all_closed(void)
{
	return free_top == nconns_cap;
}

static void close_all(double max_s)
{
	on_ready = NULL;
	on_message = NULL;
	on_gone = NULL;
	on_pump = NULL;
	for (int i = 0; i < nconns_cap; i++) {
		struct conn *c = &conns[i];
		if (c->st == C_READY)
			conn_end_stream(c);
		else if (c->st != C_FREE && c->st != C_CLOSING)
			conn_close(c, false, NULL);
	}
	loop_stop = all_closed;
	run_loop(now_ns() + (uint64_t)(max_s * 1e9));
	for (int i = 0; i < nconns_cap; i++)
		if (conns[i].st != C_FREE)
			conn_close(&conns[i], false, NULL);
	loop_stop = NULL;
}

/* ---------------------------------------------------------------- measurement */

struct cpu_snap {
	uint64_t wall_ns;
	double self_s;
	double server_s;
	double total_busy_s;
};

static double proc_cpu_s(int pid)
{
	if (pid <= 0)
		return 0;
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	unsigned long ut = 0, st = 0;
	/* fields after ')': state(3) ... utime(14) stime(15) */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double total_busy_s(void)
{
	FILE *f = fopen("/proc/stat", "r");
	if (f == NULL)
		return 0;
	unsigned long long v[10] = {0};
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
	               &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 8)
		return 0;
	/* user nice system [idle] [iowait] irq softirq steal */
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

static void cpu_snap(struct cpu_snap *s)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	s->wall_ns = now_ns();
	s->self_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	            (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	s->server_s = proc_cpu_s(opt.pid);
	s->total_busy_s = total_busy_s();
}

static void print_cpu(const struct cpu_snap *a, const struct cpu_snap *b)
{
	double wall = (double)(b->wall_ns - a->wall_ns) / 1e9;
	if (wall <= 0)
		return;
	double self = b->self_s - a->self_s, server = b->server_s - a->server_s;
	double other = b->total_busy_s - a->total_busy_s - self - server;
	if (other < 0)
		other = 0;
	printf(" gen_cpu_pct=%.0f server_cpu_pct=%.0f other_cpu_pct=%.0f", 100 * self / wall,
	       100 * server / wall, 100 * other / wall);
}

/* RSS of the server process in KiB (VmRSS) */
static long server_rss_kib(void)
{
	if (opt.pid <= 0)
		return -1;
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", opt.pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	long kib = -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static long server_pss_kib(void)
{
	if (opt.pid <= 0)
		return -1;
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", opt.pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	long kib = -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Pss: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static double pct(uint32_t *v, size_t n, double p)
{
	if (n == 0)
		return -1;
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i] / 1000.0; /* µs → ms */
}

/* ---------------------------------------------------------------- probe */

static int mode_probe(void)
{
	setup(4);
	want_presence = false;
	struct conn *c = conn_start(opt.first);
	(void)c;
	/* FEATURES1 → PROCEED means the server offered STARTTLS */
	uint64_t end = now_ns() + 3000000000ull;
	bool ok = false;
	while (now_ns() < end) {
		run_loop(now_ns() + 50000000ull);
		if (starttls_offered) {
			ok = true;
			break;
		}
		if (conns[0].st == C_FREE)
			break;
	}
	printf("probe port=%d xmpp=%s\n", opt.port, ok ? "yes" : "no");
	return ok ? 0 : 3;
}

/* ---------------------------------------------------------------- idle */

static int idle_target, idle_next, idle_inflight;

static void idle_fill(void)
{
	while (idle_next < idle_target && idle_inflight < opt.inflight && free_top > 0) {
		conn_start(opt.first + idle_next % opt.accounts);
		idle_next++;
		idle_inflight++;
	}
}

static void idle_ready(struct conn *c)
{
	(void)c;
	idle_inflight--;
}

static void idle_gone(struct conn *c)
{
	if (!c->was_ready && idle_inflight > 0)
		idle_inflight--; /* failed during login */
}

static bool idle_done(void)
{
	return idle_next >= idle_target && idle_inflight == 0;
}

static unsigned long idle_establish(int count, double max_s)
{
	unsigned long ready0 = n_ready;
	idle_target = count;
	idle_next = 0;
	idle_inflight = 0;
	on_ready = idle_ready;
	on_gone = idle_gone;
	on_pump = idle_fill;
	loop_stop = idle_done;
	idle_fill();
	run_loop(now_ns() + (uint64_t)(max_s * 1e9));
	loop_stop = NULL;
	on_pump = NULL;
	on_ready = NULL;
	on_gone = NULL;
	return n_ready - ready0;
}

static void sleep_loop(double s)
{
	run_loop(now_ns() + (uint64_t)(s * 1e9));
}

static int mode_idle(void)
{
	setup(opt.conns + 200);
	/* warm-up: let the server load what it loads lazily on first logins */
	int warm = opt.conns < 100 ? opt.conns : 100;
	idle_establish(warm, 60);
	close_all(10);
	sleep_loop(opt.settle);
	long rss0 = server_rss_kib(), pss0 = server_pss_kib();
	unsigned long fail0 = n_failed;
	uint64_t t0 = now_ns();
	unsigned long got = idle_establish(opt.conns, opt.duration);
	(void)got; /* some may have been dropped meanwhile: count what is held below */
	double secs = (double)(now_ns() - t0) / 1e9;
	sleep_loop(opt.settle);
	long rss1 = server_rss_kib(), pss1 = server_pss_kib();
	/* still connected? count sessions the server did not drop meanwhile */
	unsigned long held = 0;
	for (int i = 0; i < nconns_cap; i++)
		if (conns[i].st == C_READY)
			held++;
	printf("idle conns=%lu wanted=%d failed=%lu establish_s=%.1f rss_before_kib=%ld "
	       "rss_after_kib=%ld pss_before_kib=%ld pss_after_kib=%ld",
	       held, opt.conns, n_failed - fail0, secs, rss0, rss1, pss0, pss1);
	if (held > 0 && rss0 > 0 && rss1 > 0)
		printf(" rss_per_conn_kib=%.1f pss_per_conn_kib=%.1f",
		       (double)(rss1 - rss0) / (double)held, (double)(pss1 - pss0) / (double)held);
	printf(" tls13=%s pbkdf2=%lu\n", tls13_seen && !tls_other_seen ? "yes" : "no",
	       pbkdf2_count);
	if (first_error[0])
		fprintf(stderr, "xmppload: first error: %s\n", first_error);
	fflush(stdout);
	close_all(10);
	return 0;
}

/* ---------------------------------------------------------------- logins */

static int login_next, login_pending;
static bool login_counting, login_running;
static unsigned long login_count;

static void login_launch(void)
{
	if (!login_running)
		return;
	conn_start(opt.first + login_next % opt.accounts);
	login_next++;
}

static void login_ready(struct conn *c)
{
	if (login_counting)
		login_count++;
	conn_send(c, "</stream:stream>");
	conn_flush(c);
	conn_close(c, false, NULL); /* on_gone launches the next one */
}

static void login_gone(struct conn *c)
{
	(void)c;
	login_pending++;
}

static void login_pump(void)
{
	for (; login_pending > 0; login_pending--)
		login_launch();
}

static int mode_logins(void)
{
	setup(opt.inflight + 16);
	want_presence = false;
	on_ready = login_ready;
	on_gone = login_gone;
	on_pump = login_pump;
	login_running = true;
	/* warm-up: one pass over the accounts fills the SaltedPassword cache */
	int warm_logins = opt.accounts;
	for (int i = 0; i < opt.inflight; i++)
		login_launch();
	uint64_t wend = now_ns() + (uint64_t)((opt.warmup + 60) * 1e9);
	uint64_t wmin = now_ns() + (uint64_t)(opt.warmup * 1e9);
	while (now_ns() < wend && (login_next < warm_logins || now_ns() < wmin))
		run_loop(now_ns() + 100000000ull);
	unsigned long fail0 = n_failed;
	struct cpu_snap a, b;
	cpu_snap(&a);
	login_counting = true;
	run_loop(a.wall_ns + (uint64_t)(opt.duration * 1e9));
	login_counting = false;
	cpu_snap(&b);
	login_running = false;
	double secs = (double)(b.wall_ns - a.wall_ns) / 1e9;
	printf("logins inflight=%d count=%lu failed=%lu secs=%.1f logins_per_s=%.1f", opt.inflight,
	       login_count, n_failed - fail0, secs, (double)login_count / secs);
	print_cpu(&a, &b);
	printf(" tls13=%s pbkdf2=%lu\n", tls13_seen && !tls_other_seen ? "yes" : "no",
	       pbkdf2_count);
	if (first_error[0])
		fprintf(stderr, "xmppload: first error: %s\n", first_error);
	fflush(stdout);
	close_all(5);
	return 0;
}

/* ---------------------------------------------------------------- messages */

struct pair {
	struct conn *snd, *rcv;
	int inflight;
	uint64_t seq;
};
static struct pair *pairs;
static int pairs_ready;
static bool msg_sat; /* closed loop; else open loop */
static bool msg_counting;
static unsigned long msg_sent, msg_recv, msg_counted, msg_bad;
static uint64_t win_start, win_end; /* intended times counted (open loop) */
static uint32_t *lat_us;
static size_t lat_n, lat_cap;
static char padding[1024];
static unsigned long win_sent;

static void send_msg(struct pair *p, uint64_t intended)
{
	p->seq++;
	conn_send(p->snd,
	          "<message to='%s%d@%s' type='chat' id='m%" PRIu64 "'><body>%" PRIu64 " %" PRIu64
	          " %s</body></message>",
	          opt.prefix, p->rcv->account, opt.domain, p->seq, intended, p->seq, padding);
	conn_flush(p->snd);
	p->inflight++;
	msg_sent++;
	if (intended >= win_start && intended < win_end)
		win_sent++;
}

static void msg_ready(struct conn *c)
{
	(void)c;
	pairs_ready++;
}

static void msg_message(struct conn *c)
{
	if (c->pair < 0 || c->is_sender || c->body_len == 0)
		return;
	struct pair *p = &pairs[c->pair];
	uint64_t intended = strtoull(c->body, NULL, 10);
	uint64_t now = now_ns();
	if (intended == 0 || intended > now) {
		msg_bad++;
		return;
	}
	msg_recv++;
	p->inflight--;
	if (msg_sat) {
		if (msg_counting)
			msg_counted++;
		if (msg_counting && lat_n < lat_cap)
			lat_us[lat_n++] = (uint32_t)((now - intended) / 1000);
		if (msg_counting || now < win_end)
			while (p->inflight < opt.inflight)
				send_msg(p, now_ns());
	} else if (intended >= win_start && intended < win_end) {
		msg_counted++;
		if (lat_n < lat_cap) {
			uint64_t us = (now - intended) / 1000;
			lat_us[lat_n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
		}
	}
}

static void msg_gone(struct conn *c)
{
	(void)c;
}

static bool pairs_all_ready(void)
{
	return pairs_ready >= 2 * opt.pairs;
}

/* open loop: the k-th message is due at t0 + k / rate, round robin over the pairs */
static uint64_t ol_t0, ol_k, ol_end;
static void ol_tick(uint64_t now)
{
	double gap = 1e9 / opt.rate;
	for (int guard = 0; guard < 100000; guard++) {
		uint64_t due = ol_t0 + (uint64_t)((double)ol_k * gap);
		if (due >= ol_end) {
			next_tick_ns = 0;
			return;
		}
		if (due > now) {
			next_tick_ns = due;
			return;
		}
		struct pair *p = &pairs[ol_k % (uint64_t)opt.pairs];
		if (p->snd->st == C_READY)
			send_msg(p, due);
		ol_k++;
	}
	next_tick_ns = now;
}

static int mam_state; /* 0 not asked, 1 asked, 2 got a result, 3 fin without result */
static void mam_iq(struct conn *c)
{
	if (strcmp(c->top_id, "mam1") == 0 && mam_state == 1)
		mam_state = 3;
}
static void mam_msg(struct conn *c)
{
	if (c->has_mam_result && mam_state == 1)
		mam_state = 2;
	else
		msg_message(c);
}
static bool mam_done(void)
{
	return mam_state >= 2;
}

static int mode_messages(bool sat)
{
	msg_sat = sat;
	if (opt.pairs < 1 || 2 * opt.pairs > opt.accounts)
		die("need 2 × pairs accounts");
	int blen = opt.body_len < (int)sizeof(padding) ? opt.body_len : (int)sizeof(padding) - 1;
	for (int i = 0; i < blen; i++)
		padding[i] = (char)('a' + i % 26);
	setup(2 * opt.pairs + 16);
	pairs = xcalloc((size_t)opt.pairs, sizeof(*pairs));
	on_ready = msg_ready;
	on_message = mam_msg;
	on_iq = mam_iq;
	on_gone = msg_gone;
	/* connect at most `opt.inflight`*… at once: 50 handshakes in flight */
	int started = 0;
	loop_stop = pairs_all_ready;
	uint64_t setup_end = now_ns() + 120000000000ull;
	while (!pairs_all_ready() && now_ns() < setup_end) {
		while (started < 2 * opt.pairs && (int)(n_started - n_ready - n_failed) < 50) {
			int i = started / 2;
			struct conn *c = conn_start(opt.first + started);
			c->pair = i;
			c->is_sender = (started % 2) == 0;
			if (c->is_sender)
				pairs[i].snd = c;
			else
				pairs[i].rcv = c;
			started++;
		}
		run_loop(now_ns() + 20000000ull);
		if (n_failed > 0)
			break;
	}
	loop_stop = NULL;
	if (!pairs_all_ready()) {
		fprintf(stderr, "xmppload: only %d of %d connections ready: %s\n", pairs_ready,
		        2 * opt.pairs, first_error);
		printf("%s error=setup\n", sat ? "sat" : "rate");
		return 1;
	}
	size_t cap = sat ? 4000000 : (size_t)(opt.rate * opt.duration * 1.1) + 1000;
	lat_us = xcalloc(cap, sizeof(uint32_t));
	lat_cap = cap;
	struct cpu_snap a, b;
	uint64_t t0 = now_ns();
	unsigned long fail0 = n_failed;
	if (sat) {
		win_start = 0;
		win_end = UINT64_MAX;
		for (int i = 0; i < opt.pairs; i++)
			for (int k = 0; k < opt.inflight; k++)
				send_msg(&pairs[i], now_ns());
		run_loop(t0 + (uint64_t)(opt.warmup * 1e9));
		cpu_snap(&a);
		msg_counting = true;
		run_loop(a.wall_ns + (uint64_t)(opt.duration * 1e9));
		msg_counting = false;
		cpu_snap(&b);
		win_end = 0; /* stop refilling */
		/* drain what is in flight (bounded) */
		run_loop(now_ns() + 3000000000ull);
	} else {
		ol_t0 = t0 + 1000000;
		ol_k = 0;
		win_start = ol_t0 + (uint64_t)(opt.warmup * 1e9);
		win_end = win_start + (uint64_t)(opt.duration * 1e9);
		ol_end = win_end;
		next_tick_ns = ol_t0;
		on_tick = ol_tick;
		run_loop(win_start);
		cpu_snap(&a);
		run_loop(win_end);
		cpu_snap(&b);
		next_tick_ns = 0;
		on_tick = NULL;
		/* late messages still count against their intended time: wait up to 10 s */
		uint64_t drain_end = now_ns() + 10000000000ull;
		while (now_ns() < drain_end && msg_counted < win_sent)
			run_loop(now_ns() + 50000000ull);
	}
	/* is it archived?  ask the first receiver's archive for its last message */
	struct conn *r = pairs[0].rcv;
	if (r->st == C_READY) {
		mam_state = 1;
		conn_send(r, "<iq type='set' id='mam1'><query xmlns='urn:xmpp:mam:2'><set "
		             "xmlns='http://jabber.org/protocol/rsm'><max>1</max><before/></set>"
		             "</query></iq>");
		conn_flush(r);
		loop_stop = mam_done;
		run_loop(now_ns() + 5000000000ull);
		loop_stop = NULL;
	}
	qsort(lat_us, lat_n, sizeof(uint32_t), cmp_u32);
	double secs = (double)(b.wall_ns - a.wall_ns) / 1e9;
	const char *arch = mam_state == 2 ? "yes" : mam_state == 3 ? "empty" : "no-answer";
	if (sat) {
		printf("sat pairs=%d inflight=%d secs=%.1f delivered=%lu msgs_per_s=%.1f "
		       "p50_ms=%.2f p99_ms=%.2f failed=%lu bad=%lu archived=%s",
		       opt.pairs, opt.inflight, secs, msg_counted, (double)msg_counted / secs,
		       pct(lat_us, lat_n, 0.5), pct(lat_us, lat_n, 0.99), n_failed - fail0, msg_bad,
		       arch);
	} else {
		/* a message never delivered counts as infinitely late */
		unsigned long lost = win_sent > msg_counted ? win_sent - msg_counted : 0;
		double delivered_frac = win_sent ? (double)msg_counted / (double)win_sent : 0;
		bool overloaded = delivered_frac < 0.99 || pct(lat_us, lat_n, 0.5) > 1000;
		printf("rate offered_per_s=%.0f secs=%.1f sent=%lu delivered=%lu late_or_lost=%lu "
		       "p50_ms=%.2f p99_ms=%.2f overloaded=%s failed=%lu bad=%lu archived=%s",
		       opt.rate, secs, win_sent, msg_counted, lost, pct(lat_us, lat_n, 0.5),
		       pct(lat_us, lat_n, 0.99), overloaded ? "yes" : "no", n_failed - fail0,
		       msg_bad, arch);
	}
	print_cpu(&a, &b);
	printf(" tls13=%s\n", tls13_seen && !tls_other_seen ? "yes" : "no");
	if (first_error[0])
		fprintf(stderr, "xmppload: first error: %s\n", first_error);
	fflush(stdout);
	close_all(5);
	return 0;
}

/* ---------------------------------------------------------------- scram-keys */

static int mode_scram_keys(void)
{
	unsigned char salt_raw[12];
	char salt[32];
	RAND_bytes(salt_raw, sizeof(salt_raw));
	hex(salt_raw, sizeof(salt_raw), salt);
	int iter = opt.inflight > 0 ? opt.inflight : 10000;
	const unsigned char *sp = salted_password((unsigned char *)salt, (int)strlen(salt), iter);
	unsigned char ck[32], stored[32], server[32];
	hmac256(sp, 32, "Client Key", 10, ck);
	sha256(ck, 32, stored);
	hmac256(sp, 32, "Server Key", 10, server);
	char sh[65], vh[65];
	hex(stored, 32, sh);
	hex(server, 32, vh);
	printf("%s %d %s %s\n", salt, iter, sh, vh);
	return 0;
}

/* ---------------------------------------------------------------- main */

static void usage(void)
{
	fprintf(
	    stderr,
	    "usage: xmppload MODE [options]\n"
	    "modes: probe | idle | logins | sat | rate | scram-keys\n"
	    "  --host A --port P --domain D   server (loopback only)\n"
	    "  --prefix P --password W         accounts are P<n>@D with password W\n"
	    "  --user U                        every connection logs in as U (idle, logins)\n"
	    "  --first N --accounts N          account numbers used: first .. first+accounts-1\n"
	    "  --conns N                       idle: connections to hold\n"
	    "  --inflight N                    logins in flight / messages per pair / idle "
	    "handshakes at once / scram-keys iterations\n"
	    "  --pairs N --rate R              sat, rate\n"
	    "  --warmup S --duration S --settle S\n"
	    "  --pid PID                       server process: RSS and CPU\n"
	    "  --body N                        body padding bytes\n"
	    "  --watchdog S                    hard stop after S seconds\n"
	    "  -v                              log each connection failure\n");
	exit(2);
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "xmppload: watchdog: stopping\n";
	if (write(2, msg, sizeof(msg) - 1) < 0) {
	}
	_exit(4);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"host", required_argument, NULL, 'H'},     {"port", required_argument, NULL, 'p'},
	    {"domain", required_argument, NULL, 'D'},   {"prefix", required_argument, NULL, 'P'},
	    {"password", required_argument, NULL, 'W'}, {"user", required_argument, NULL, 'U'},
	    {"first", required_argument, NULL, 'f'},    {"accounts", required_argument, NULL, 'a'},
	    {"conns", required_argument, NULL, 'n'},    {"inflight", required_argument, NULL, 'i'},
	    {"pairs", required_argument, NULL, 'q'},    {"rate", required_argument, NULL, 'r'},
	    {"warmup", required_argument, NULL, 'w'},   {"duration", required_argument, NULL, 'd'},
	    {"settle", required_argument, NULL, 's'},   {"pid", required_argument, NULL, 'k'},
	    {"body", required_argument, NULL, 'b'},     {"watchdog", required_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	if (argc < 2)
		usage();
	opt.mode = argv[1];
	optind = 2;
	int ch;
	while ((ch = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (ch) {
		case 'H':
			opt.host = optarg;
			break;
		case 'p':
			opt.port = atoi(optarg);
			break;
		case 'D':
			opt.domain = optarg;
			break;
		case 'P':
			opt.prefix = optarg;
			break;
		case 'W':
			opt.password = optarg;
			break;
		case 'U':
			opt.user = optarg;
			break;
		case 'f':
			opt.first = atoi(optarg);
			break;
		case 'a':
			opt.accounts = atoi(optarg);
			break;
		case 'n':
			opt.conns = atoi(optarg);
			break;
		case 'i':
			opt.inflight = atoi(optarg);
			break;
		case 'q':
			opt.pairs = atoi(optarg);
			break;
		case 'r':
			opt.rate = atof(optarg);
			break;
		case 'w':
			opt.warmup = atof(optarg);
			break;
		case 'd':
			opt.duration = atof(optarg);
			break;
		case 's':
			opt.settle = atof(optarg);
			break;
		case 'k':
			opt.pid = atoi(optarg);
			break;
		case 'b':
			opt.body_len = atoi(optarg);
			break;
		case 'T':
			opt.watchdog = atoi(optarg);
			break;
		case 'v':
			opt.verbose = true;
			break;
		default:
			usage();
		}
	}
	if (opt.accounts < 1 || opt.conns < 1 || opt.inflight < 1 || opt.rate <= 0 ||
	    opt.duration <= 0 || opt.watchdog < 1 || strlen(opt.prefix) > 32 ||
	    strlen(opt.domain) > 200 || strchr(opt.domain, '\'') || strchr(opt.prefix, '\'') ||
	    (opt.user != NULL && (strlen(opt.user) > 64 || strpbrk(opt.user, "',=") != NULL)))
		usage();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm((unsigned)opt.watchdog);
	if (strcmp(opt.mode, "scram-keys") == 0)
		return mode_scram_keys();
	if (strcmp(opt.mode, "probe") == 0)
		return mode_probe();
	if (strcmp(opt.mode, "idle") == 0)
		return mode_idle();
	if (strcmp(opt.mode, "logins") == 0)
		return mode_logins();
	if (strcmp(opt.mode, "sat") == 0)
		return mode_messages(true);
	if (strcmp(opt.mode, "rate") == 0)
		return mode_messages(false);
	usage();
	return 2;
}
