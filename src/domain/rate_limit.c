/* domain/rate_limit: see rate_limit.h. */
#include "domain/rate_limit.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"

#include <arpa/inet.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEY_MAX RATE_LIMIT_KEY_MAX
#define PROBE 16
#define USERS_TRACKED 32

struct bucket {
	uint64_t hash; /* 0: free */
	char key[KEY_MAX];
	double tokens;
	int64_t at_ms; /* last update */
};

struct stuffing {
	uint64_t hash;
	char key[KEY_MAX];
	int64_t window_start_ms;
	uint32_t users[USERS_TRACKED]; /* hashes of distinct failed usernames */
	int n_users;
	bool reported;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct bucket *tables[RL_KINDS];
static struct stuffing *stuffers;
static double burst_of[RL_KINDS] = {300, 120, 20};
static double rate_of[RL_KINDS] = {50, 20, 0.5};
static uint64_t seed;
/* credential stuffing: the ratelimit.stuffing_* settings (defaults here) */
static _Atomic int stuffing_users = 10;
static _Atomic int64_t stuffing_window_ms = 10 * 60 * 1000;

static const char *const kind_names[RL_KINDS] = {"address", "account", "directory"};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Keyed FNV-1a (the random seed keeps attackers from aiming collisions). */
static uint64_t hash_of(int kind, const char *key)
{
	uint64_t h = 1469598103934665603ULL ^ seed ^ (uint64_t)kind;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	h ^= h >> 29;
	return h ? h : 1;
}

static void init(void)
{
	for (int k = 0; k < RL_KINDS; k++)
		tables[k] = calloc(RATE_LIMIT_SLOTS, sizeof(struct bucket));
	stuffers = calloc(RATE_LIMIT_SLOTS, sizeof(struct stuffing));
	if (RAND_bytes((unsigned char *)&seed, sizeof(seed)) != 1)
		seed = (uint64_t)time(NULL);
	for (int k = 0; k < RL_KINDS; k++) {
		char name[96];
		snprintf(name, sizeof(name), "rate_limited_total{scope=\"%s\"}", kind_names[k]);
		metrics_counter(name, "Requests refused by a rate limit (429)");
	}
	metrics_counter("security_events_total{kind=\"credential_stuffing\"}",
	                "Abnormal patterns detected (P-SEC-8)");
	if (tables[0] == NULL || tables[1] == NULL || tables[2] == NULL || stuffers == NULL)
		fatal("event=rate_limit_alloc_failed");
}

void rate_limit_configure(enum rate_limit_kind kind, double burst, double per_s)
{
	pthread_once(&once, init);
	pthread_mutex_lock(&lock);
	burst_of[kind] = burst;
	rate_of[kind] = per_s;
	pthread_mutex_unlock(&lock);
}

void rate_limit_apply_config(const struct config *cfg)
{
	rate_limit_configure(RL_ADDRESS, cfg->rl_address_burst, cfg->rl_address_per_min / 60.0);
	rate_limit_configure(RL_ACCOUNT, cfg->rl_account_burst, cfg->rl_account_per_min / 60.0);
	rate_limit_configure(RL_DIRECTORY, cfg->rl_directory_burst,
	                     cfg->rl_directory_per_min / 60.0);
	stuffing_users = cfg->rl_stuffing_usernames;
	stuffing_window_ms = (int64_t)cfg->rl_stuffing_window_s * 1000;
}

void rate_limit_address_key(const char *addr, char out[RATE_LIMIT_KEY_MAX])
{
	struct in6_addr a6;
	if (strchr(addr, ':') != NULL && inet_pton(AF_INET6, addr, &a6) == 1) {
		/* IPv4-mapped (a dual-stack listener): the IPv4 address itself */
		if (IN6_IS_ADDR_V4MAPPED(&a6) &&
		    inet_ntop(AF_INET, a6.s6_addr + 12, out, KEY_MAX) != NULL)
			return;
		memset(a6.s6_addr + 8, 0, 8);
		if (inet_ntop(AF_INET6, &a6, out, KEY_MAX) != NULL)
			return;
	}
	snprintf(out, KEY_MAX, "%s", addr);
}

int rate_limit_take(enum rate_limit_kind kind, const char *key)
{
	char k[KEY_MAX];
	int wait = 0;
	pthread_once(&once, init);
	if (key == NULL || key[0] == '\0')
		return 0;
	if (kind == RL_ADDRESS)
		rate_limit_address_key(key, k);
	else
		snprintf(k, sizeof(k), "%s", key);
	int64_t now = now_ms();
	uint64_t h = hash_of(kind, k);
	pthread_mutex_lock(&lock);
	double burst = burst_of[kind], rate = rate_of[kind];
	if (burst <= 0) {
		pthread_mutex_unlock(&lock);
		return 0;
	}
	struct bucket *t = tables[kind], *b = NULL, *stalest = NULL;
	for (int i = 0; i < PROBE; i++) {
		struct bucket *c = &t[(h + (uint64_t)i) % RATE_LIMIT_SLOTS];
		if (c->hash == h && strcmp(c->key, k) == 0) {
			b = c;
			break;
		}
		if (c->hash == 0) {
			if (stalest == NULL || stalest->hash != 0)
				stalest = c;
		} else if (stalest == NULL || (stalest->hash != 0 && c->at_ms < stalest->at_ms)) {
			stalest = c;
		}
	}
	if (b == NULL) { /* new key: a full bucket, in a free or the stalest slot */
		b = stalest;
		b->hash = h;
		snprintf(b->key, sizeof(b->key), "%s", k);
		b->tokens = burst;
		b->at_ms = now;
	}
	b->tokens += (double)(now - b->at_ms) / 1000.0 * rate;
	if (b->tokens > burst)
		b->tokens = burst;
	b->at_ms = now;
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
	} else {
		double secs = rate > 0 ? (1.0 - b->tokens) / rate : 3600;
		wait = (int)secs + 1;
	}
	pthread_mutex_unlock(&lock);
	if (wait > 0) {
		char name[96];
		snprintf(name, sizeof(name), "rate_limited_total{scope=\"%s\"}", kind_names[kind]);
		metrics_inc(metrics_counter(name, "Requests refused by a rate limit (429)"));
	}
	return wait;
}

bool rate_limit_login_failure(const char *addr, const char *username)
{
	char k[KEY_MAX];
	bool crossed = false;
	pthread_once(&once, init);
	if (addr == NULL || addr[0] == '\0')
		return false;
	rate_limit_address_key(addr, k);
	uint64_t h = hash_of(RL_KINDS, k);
	uint32_t u = (uint32_t)hash_of(RL_KINDS + 1, username ? username : "");
	int64_t now = now_ms();
	pthread_mutex_lock(&lock);
	struct stuffing *s = NULL, *stalest = NULL;
	for (int i = 0; i < PROBE; i++) {
		struct stuffing *c = &stuffers[(h + (uint64_t)i) % RATE_LIMIT_SLOTS];
		if (c->hash == h && strcmp(c->key, k) == 0) {
			s = c;
			break;
		}
		if (c->hash == 0) {
			if (stalest == NULL || stalest->hash != 0)
				stalest = c;
		} else if (stalest == NULL ||
		           (stalest->hash != 0 && c->window_start_ms < stalest->window_start_ms)) {
			stalest = c;
		}
	}
	if (s == NULL || now - s->window_start_ms > stuffing_window_ms) {
		if (s == NULL)
			s = stalest;
		memset(s, 0, sizeof(*s));
		s->hash = h;
		snprintf(s->key, sizeof(s->key), "%s", k);
		s->window_start_ms = now;
	}
	bool seen = false;
	for (int i = 0; i < s->n_users && !seen; i++)
		seen = s->users[i] == u;
	if (!seen && s->n_users < USERS_TRACKED)
		s->users[s->n_users++] = u;
	if (s->n_users >= stuffing_users && !s->reported) {
		s->reported = true;
		crossed = true;
	}
	int n = s->n_users;
	pthread_mutex_unlock(&lock);
	if (crossed) {
		char pseudo[LOG_PSEUDONYM_LEN];
		metrics_inc(metrics_counter("security_events_total{kind=\"credential_stuffing\"}",
		                            "Abnormal patterns detected (P-SEC-8)"));
		log_warn("event=security kind=credential_stuffing address=%s distinct_usernames=%d "
		         "window_s=%d",
		         log_pseudonym(k, pseudo), n, (int)(stuffing_window_ms / 1000));
	}
	return crossed;
}

void rate_limit_reset(void)
{
	pthread_once(&once, init);
	pthread_mutex_lock(&lock);
	for (int k = 0; k < RL_KINDS; k++)
		memset(tables[k], 0, RATE_LIMIT_SLOTS * sizeof(struct bucket));
	memset(stuffers, 0, RATE_LIMIT_SLOTS * sizeof(struct stuffing));
	pthread_mutex_unlock(&lock);
}
