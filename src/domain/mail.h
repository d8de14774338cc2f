/*
 * domain/mail: the outbox. Every e-mail Iris sends is first a row of the
 * outbox table, written in the caller's transaction (so a confirmation mail
 * exists exactly when the account that needs it exists), with recipient and
 * body sealed under the recipient's subject key. A sender on the worker pool
 * delivers due rows over SMTP (libcurl) to the relay of [smtp] url, retries
 * with back-off, and deletes the content once delivered (only delivery
 * metadata stays). A restart loses nothing.
 */
#ifndef IRIS_DOMAIN_MAIL_H
#define IRIS_DOMAIN_MAIL_H

#include <stdbool.h>

struct app;
struct store;

/* Queues one plain-text mail (UTF-8) to `to` inside the caller's
 * transaction. subject_id is the person the mail concerns (for sealing and
 * erasure); tenant_id may be "" for freemium users. kind is a short label
 * ("confirm", "welcome", ...) kept in clear for the delivery record. */
int mail_enqueue(struct app *app, struct store *st, const char *tenant_id, const char *subject_id,
		 const char *kind, const char *to, const char *subject, const char *body);

/* Delivers every due mail; returns the number sent, -1 on a storage error.
 * Runs on a worker thread (blocking network I/O). */
int mail_deliver_due(struct app *app, struct store *st);

/* True when addr is an acceptable e-mail address (RFC 5321 practical subset:
 * one '@', a dot-atom local part of at most 64 bytes, a domain with a dot,
 * labels of letters/digits/hyphens (or IDN already in A-label form), at most
 * 254 bytes in all; no spaces or control characters). */
bool mail_address_valid(const char *addr);

/* True when delivery to this relay URL must use TLS (STARTTLS required, or
 * smtps://): every relay not on this host (P-SEC-3). */
bool mail_relay_requires_tls(const char *url);

/* Deletes every queued mail concerning subject_id (erasure). */
int mail_forget_subject(struct store *st, const char *tenant_id, const char *subject_id);

#endif
