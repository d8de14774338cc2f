/*
 * domain/mail: the outbox and its SMTP sender (see mail.h).
 *
 * The queued message is complete RFC 5322 text (headers and body), sealed
 * under the recipient's subject key; the sender opens it only for the time
 * of one delivery and wipes it after.
 */
#include "domain/mail.h"
#include "domain/app.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAIL_MAX_ATTEMPTS 8
#define MAIL_BATCH 32

/* True when s holds a CR or LF (header injection) or is too long. */
static bool header_unsafe(const char *s, size_t max)
{
	return strpbrk(s, "\r\n") != NULL || strlen(s) > max;
}

static bool is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* RFC 2047 encoded-word for a non-ASCII subject; malloc'd. */
static char *encode_subject(const char *subject)
{
	if (is_ascii(subject))
		return xstrdup(subject);
	size_t len = strlen(subject);
	char *b64 = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)subject, (int)len);
	char *out = xasprintf("=?UTF-8?B?%s?=", b64);
	free(b64);
	return out;
}

static char *compose(const char *from, const char *to, const char *subject, const char *body,
                     const char *id)
{
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	char *enc = encode_subject(subject);
	const char *domain = strchr(from, '@');
	char *msg = xasprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n"
	                      "Message-ID: <%s@%s>\r\nMIME-Version: 1.0\r\n"
	                      "Content-Type: text/plain; charset=utf-8\r\n"
	                      "Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n",
	                      from, to, enc, date, id, domain ? domain + 1 : "localhost", body);
	free(enc);
	return msg;
}

int mail_enqueue(struct app *app, struct store *st, const char *tenant_id, const char *subject_id,
                 const char *kind, const char *to, const char *subject, const char *body)
{
	char id[IDS_UUID_LEN];
	unsigned char *rcpt = NULL, *msg_sealed = NULL;
	size_t rcpt_len = 0, msg_len = 0;
	int ret = -1;
	if (!mail_address_valid(to) || header_unsafe(subject, 998) || strlen(body) > 65536) {
		log_warn("event=mail_refused kind=%s reason=invalid_header_or_size", kind);
		return -1;
	}
	ids_uuid4(id);
	char *msg = compose(app->cfg->smtp_from, to, subject, body, id);
	struct seal_ad ad_rcpt = {"mail_outbox", id, "rcpt_sealed"};
	struct seal_ad ad_msg = {"mail_outbox", id, "message_sealed"};
	if (keys_seal(app->keys, st, tenant_id, subject_id, &ad_rcpt, to, strlen(to), &rcpt,
	              &rcpt_len) < 0 ||
	    keys_seal(app->keys, st, tenant_id, subject_id, &ad_msg, msg, strlen(msg), &msg_sealed,
	              &msg_len) < 0)
		goto out;
	int64_t now = (int64_t)time(NULL);
	if (store_run(st,
	              "INSERT INTO mail_outbox (id, tenant_id, subject_id, kind, rcpt_sealed,"
	              " message_sealed, status, attempts, created_at, next_attempt_at)"
	              " VALUES (?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?)",
	              "ssssbbii", id, tenant_id, subject_id, kind, rcpt, rcpt_len, msg_sealed,
	              msg_len, now, now) != STORE_DONE)
		goto out;
	ret = 0;
	if (app->mail_kick != NULL)
		app->mail_kick(app->mail_kick_ctx);
out:
	secret_free(msg, strlen(msg));
	free(rcpt);
	free(msg_sealed);
	return ret;
}

struct upload {
	const char *data;
	size_t len, pos;
};

static size_t upload_read(char *buf, size_t size, size_t n, void *ctx)
{
	struct upload *u = ctx;
	size_t room = size * n, left = u->len - u->pos;
	size_t chunk = left < room ? left : room;
	memcpy(buf, u->data + u->pos, chunk);
	u->pos += chunk;
	return chunk;
}

static bool relay_is_loopback(const char *url);

bool mail_relay_requires_tls(const char *url)
{
	return !relay_is_loopback(url);
}

static bool host_is_loopback(const char *host)
{
	struct in_addr v4;
	if (inet_pton(AF_INET, host, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	return strcmp(host, "[::1]") == 0 || strcmp(host, "localhost") == 0;
}

/* True when the relay URL names this host (127.0.0.0/8, ::1, localhost). */
static bool relay_is_loopback(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	bool loopback = false;
	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		loopback = host_is_loopback(host);
	curl_free(host);
	curl_url_cleanup(u);
	return loopback;
}

/* One SMTP transaction; returns NULL on success or a static error text. */
static const char *smtp_send(const struct config *cfg, const char *rcpt, const char *msg)
{
	CURL *curl = curl_easy_init();
	struct curl_slist *rcpts = NULL;
	struct upload u = {msg, strlen(msg), 0};
	const char *err = NULL;
	if (curl == NULL)
		return "curl init failed";
	rcpts = curl_slist_append(rcpts, rcpt);
	curl_easy_setopt(curl, CURLOPT_URL, cfg->smtp_url);
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, cfg->smtp_from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(curl, CURLOPT_READDATA, &u);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)cfg->smtp_timeout_s);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	/* P-SEC-3: a relay across the network must speak TLS (STARTTLS or
	 * smtps://), so nobody on the path can strip it and read confirmation
	 * codes; a relay on this host (a local MTA) may be plain. */
	curl_easy_setopt(curl, CURLOPT_USE_SSL,
	                 mail_relay_requires_tls(cfg->smtp_url) ? (long)CURLUSESSL_ALL
	                                                        : (long)CURLUSESSL_TRY);
	CURLcode rc = curl_easy_perform(curl);
	if (rc != CURLE_OK)
		err = curl_easy_strerror(rc);
	curl_slist_free_all(rcpts);
	curl_easy_cleanup(curl);
	return err;
}

/* Opens, sends and records one queued mail. */
static void deliver_one(struct app *app, struct store *st, const char *id, const char *tenant,
                        const char *subject_id, const void *rc_blob, size_t rc_len,
                        const void *msg_blob, size_t msg_len, int attempts)
{
	char *rcpt = NULL, *msg = NULL;
	size_t rlen = 0, mlen = 0;
	struct seal_ad ad_rcpt = {"mail_outbox", id, "rcpt_sealed"};
	struct seal_ad ad_msg = {"mail_outbox", id, "message_sealed"};
	const char *err = NULL;
	int64_t now = (int64_t)time(NULL);
	if (keys_open_sealed(app->keys, st, tenant, subject_id, &ad_rcpt, rc_blob, rc_len, &rcpt,
	                     &rlen) < 0 ||
	    keys_open_sealed(app->keys, st, tenant, subject_id, &ad_msg, msg_blob, msg_len, &msg,
	                     &mlen) < 0)
		err = "sealed content unreadable (subject erased?)";
	else
		err = smtp_send(app->cfg, rcpt, msg);
	if (err == NULL) {
		store_run(st,
		          "UPDATE mail_outbox SET status = 'sent', sent_at = ?, attempts = ?,"
		          " rcpt_sealed = NULL, message_sealed = NULL, last_error = NULL"
		          " WHERE id = ?",
		          "ids", now, attempts + 1, id);
		log_info("event=mail_sent id=%s", id);
		metrics_inc(
		    metrics_counter("mail_sent_total", "Mails delivered to the SMTP relay"));
	} else {
		bool give_up = attempts + 1 >= MAIL_MAX_ATTEMPTS || rcpt == NULL;
		int64_t backoff = (int64_t)30 << (attempts < 10 ? attempts : 10);
		store_run(st,
		          "UPDATE mail_outbox SET status = ?, attempts = ?,"
		          " next_attempt_at = ?, last_error = ? WHERE id = ?",
		          "sdiss", give_up ? "failed" : "queued", attempts + 1, now + backoff, err,
		          id);
		log_warn("event=mail_deferred id=%s attempts=%d error=\"%s\"", id, attempts + 1,
		         err);
		metrics_inc(give_up
		                ? metrics_counter("mail_failed_total",
		                                  "Mails given up after the last attempt")
		                : metrics_counter("mail_deferred_total",
		                                  "Delivery attempts that failed, retried later"));
	}
	if (rcpt != NULL)
		secret_free(rcpt, rlen + 1);
	if (msg != NULL)
		secret_free(msg, mlen + 1);
}

struct due_mail {
	char id[IDS_UUID_LEN];
	char *tenant, *subject;
	unsigned char *rcpt, *msg;
	size_t rcpt_len, msg_len;
	int attempts;
};

/* Copies up to MAIL_BATCH due rows out of the statement, so delivery (slow
 * network I/O) runs without holding a statement open. */
static int load_due(struct store *st, struct due_mail *due)
{
	struct store_stmt *s =
	    store_query(st,
	                "SELECT id, tenant_id, subject_id, rcpt_sealed, message_sealed, attempts"
	                " FROM mail_outbox WHERE status = 'queued' AND next_attempt_at <= ?"
	                " ORDER BY next_attempt_at LIMIT ?",
	                "id", (int64_t)time(NULL), MAIL_BATCH);
	int n = 0, rc;
	if (s == NULL)
		return -1;
	while ((rc = store_step(s)) == STORE_ROW && n < MAIL_BATCH) {
		struct due_mail *d = &due[n++];
		const void *p;
		snprintf(d->id, sizeof(d->id), "%s", store_col_text(s, 0));
		d->tenant = xstrdup(store_col_text(s, 1));
		d->subject = xstrdup(store_col_text(s, 2));
		p = store_col_blob(s, 3, &d->rcpt_len);
		d->rcpt = xmalloc(d->rcpt_len);
		if (d->rcpt_len > 0)
			memcpy(d->rcpt, p, d->rcpt_len);
		p = store_col_blob(s, 4, &d->msg_len);
		d->msg = xmalloc(d->msg_len);
		if (d->msg_len > 0)
			memcpy(d->msg, p, d->msg_len);
		d->attempts = (int)store_col_int(s, 5);
	}
	store_stmt_done(s);
	return rc == STORE_ERROR ? -1 : n;
}

/* Sets mail_outbox_queued to the mails waiting for delivery, and registers
 * the counters of deliver_one() at zero. */
static void count_queued(struct store *st)
{
	struct store_stmt *q =
	    store_query(st, "SELECT COUNT(*) FROM mail_outbox WHERE status = 'queued'", "");
	if (q != NULL && store_step(q) == STORE_ROW)
		metrics_gauge_set(
		    metrics_gauge("mail_outbox_queued", "Mails waiting in the outbox"),
		    store_col_int(q, 0));
	store_stmt_done(q);
	metrics_counter("mail_sent_total", "Mails delivered to the SMTP relay");
	metrics_counter("mail_deferred_total", "Delivery attempts that failed, retried later");
	metrics_counter("mail_failed_total", "Mails given up after the last attempt");
}

int mail_deliver_due(struct app *app, struct store *st)
{
	struct due_mail due[MAIL_BATCH];
	int n = load_due(st, due);
	if (n < 0)
		return -1;
	/* Without a relay, mail stays queued (and sealed) until one is set. */
	bool can_send = app->cfg->smtp_url[0] != '\0';
	if (n > 0 && !can_send)
		log_warn("event=mail_held reason=no_smtp_url count=%d", n);
	for (int i = 0; i < n; i++) {
		if (can_send)
			deliver_one(app, st, due[i].id, due[i].tenant, due[i].subject, due[i].rcpt,
			            due[i].rcpt_len, due[i].msg, due[i].msg_len, due[i].attempts);
		free(due[i].tenant);
		free(due[i].subject);
		free(due[i].rcpt);
		free(due[i].msg);
	}
	count_queued(st);
	return can_send ? n : 0;
}

int mail_forget_subject(struct store *st, const char *tenant_id, const char *subject_id)
{
	return store_run(st, "DELETE FROM mail_outbox WHERE tenant_id = ? AND subject_id = ?", "ss",
	                 tenant_id, subject_id) == STORE_DONE
	           ? 0
	           : -1;
}
