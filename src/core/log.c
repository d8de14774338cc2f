/* core/log: see log.h. */
#include "core/log.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* SIGHUP changes the level on the loop thread while workers log: atomic */
static _Atomic enum log_level threshold = LOG_LEVEL_INFO;
static FILE *log_out; /* under log_lock */
static unsigned char pseudonym_key[32];
static bool pseudonym_key_set;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_init(enum log_level level, FILE *out)
{
	threshold = level;
	pthread_mutex_lock(&log_lock);
	log_out = out;
	pthread_mutex_unlock(&log_lock);
}

int log_level_parse(const char *name, enum log_level *level_r)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*level_r = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void log_set_pseudonym_key(const unsigned char key[32])
{
	memcpy(pseudonym_key, key, sizeof(pseudonym_key));
	pseudonym_key_set = true;
}

void log_deinit(void)
{
	explicit_bzero(pseudonym_key, sizeof(pseudonym_key));
	pseudonym_key_set = false;
}

/* Without a key (before the data directory is open) pseudonyms are still
 * one-way, but only stable within this process: a random key is drawn. */
const char *log_pseudonym(const char *id, char buf[LOG_PSEUDONYM_LEN])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char mac[32];
	unsigned int mac_len = 0;
	if (!pseudonym_key_set) {
		arc4random_buf(pseudonym_key, sizeof(pseudonym_key));
		pseudonym_key_set = true;
	}
	HMAC(EVP_sha256(), pseudonym_key, sizeof(pseudonym_key), (const unsigned char *)id,
	     strlen(id), mac, &mac_len);
	buf[0] = 'p';
	buf[1] = '-';
	for (int i = 0; i < 8; i++) {
		buf[2 + 2 * i] = digits[mac[i] >> 4];
		buf[3 + 2 * i] = digits[mac[i] & 15];
	}
	buf[18] = '\0';
	return buf;
}

__attribute__((format(printf, 2, 0))) static void log_vwrite(enum log_level level, const char *fmt,
                                                             va_list ap)
{
	struct timespec ts;
	struct tm tm;
	char stamp[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	pthread_mutex_lock(&log_lock);
	FILE *out = log_out != NULL ? log_out : stderr;
	fprintf(out, "ts=%s.%03ldZ level=%s ", stamp, ts.tv_nsec / 1000000, level_names[level]);
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	fflush(out);
	pthread_mutex_unlock(&log_lock);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level < threshold)
		return;
	va_list ap;
	va_start(ap, fmt);
	log_vwrite(level, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}
