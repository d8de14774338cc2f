/*
 * core/account_events: the one "account state changed" notification.
 *
 * Every change that makes an account refuse login (restriction of
 * processing, disabling, a new password, erasure, the destruction of its
 * tenant) calls account_events_notify() once, from the domain function that
 * made the change, after its transaction committed. Subscribers (the XMPP
 * server) end the account's live sessions. It lives in core so that every
 * layer (privacy, domain, xmpp) can reach it without a dependency cycle.
 * This signal is in-process only: the same function also records the change
 * in its transaction (privacy/account_changes.h), which a running irisd
 * reads, so that changes made by irisctl reach it too.
 *
 * Threads: notify may be called from any thread. Subscribers are called on
 * the notifier's thread, one at a time, under the registry's lock: they must
 * be quick (queue the event and wake their own loop) and must not call back
 * into this module.
 */
#ifndef IRIS_CORE_ACCOUNT_EVENTS_H
#define IRIS_CORE_ACCOUNT_EVENTS_H

#include "core/ids.h"

#include <stdint.h>

enum account_change {
	ACCOUNT_CHANGE_RESTRICTED = 0,   /* Art. 18 restriction set (P-DSR-4) */
	ACCOUNT_CHANGE_DISABLED,         /* status set to disabled */
	ACCOUNT_CHANGE_PASSWORD,         /* new password (holder, admin, reset) */
	ACCOUNT_CHANGE_ERASED,           /* account erased */
	ACCOUNT_CHANGE_TENANT_DESTROYED, /* every account of tenant_id is gone */
};

/* Longest session key (an XMPP resource is at most 256 bytes here). */
#define ACCOUNT_EVENTS_KEEP_MAX 256
#define ACCOUNT_EVENTS_MAX_SUBSCRIBERS 4

struct account_event {
	enum account_change change;
	char account_id[IDS_UUID_LEN]; /* "" for ACCOUNT_CHANGE_TENANT_DESTROYED */
	char tenant_id[IDS_UUID_LEN];  /* "" when unknown or freemium */
	/* The session that made the change and stays (an XMPP resource, for a
	 * password change over XEP-0077); "" ends every session. */
	char keep_session[ACCOUNT_EVENTS_KEEP_MAX + 1];
	/* Its row in account_state_changes (privacy/account_changes.h) when
	 * read from there; 0 for an in-process notification. */
	int64_t seq;
};

typedef void account_events_fn(const struct account_event *ev, void *ctx);

/* Adds a subscriber; -1 when ACCOUNT_EVENTS_MAX_SUBSCRIBERS are there. */
int account_events_subscribe(account_events_fn *fn, void *ctx);
/* Removes it; once this returns fn is not running and will not be called. */
void account_events_unsubscribe(account_events_fn *fn, void *ctx);

/* Tells every subscriber. account_id or tenant_id may be NULL; keep_session
 * NULL or "" ends every session of the account (a longer key than
 * ACCOUNT_EVENTS_KEEP_MAX is ignored, so nothing is kept). */
void account_events_notify(enum account_change change, const char *account_id,
                           const char *tenant_id, const char *keep_session);

/* "restricted", "disabled", "password", "erased", "tenant_destroyed". */
const char *account_change_name(enum account_change change);
/* The reverse; -1 for an unknown name. */
int account_change_parse(const char *name, enum account_change *change_r);

#endif
