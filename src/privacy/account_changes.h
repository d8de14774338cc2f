/*
 * privacy/account_changes: the durable side of core/account_events.
 *
 * A change of account state that refuses login (restriction, disabling, a
 * new password, erasure, a tenant's destruction) is written into
 * account_state_changes in the SAME transaction as the change, by the
 * domain function that makes it. A running irisd reads the rows past the
 * last seq it saw (xmpp/account_watch.c, every second), so changes made by
 * another process (irisctl beside irisd) end the account's live sessions
 * too; the in-process notification stays for speed. Rows are short-lived:
 * the reader deletes those older than ACCOUNT_CHANGES_KEEP_S.
 *
 * seq only grows (AUTOINCREMENT): a login that read seq N inside its
 * transaction has seen every change up to N, so only rows past N concern
 * its session.
 */
#ifndef IRIS_PRIVACY_ACCOUNT_CHANGES_H
#define IRIS_PRIVACY_ACCOUNT_CHANGES_H

#include <stddef.h>
#include <stdint.h>

#include "core/account_events.h"

struct store;

/* How long a row is kept (seconds). */
#define ACCOUNT_CHANGES_KEEP_S 3600

/* Records the change inside the caller's transaction. account_id NULL for
 * ACCOUNT_CHANGE_TENANT_DESTROYED; keep_session as account_events_notify.
 * 0, or -1 on a store error (the caller rolls back). */
int account_changes_record_tx(struct store *st, enum account_change change, const char *account_id,
                              const char *tenant_id, const char *keep_session);

/* The highest seq recorded so far (0 when none are left). -1 on error. */
int64_t account_changes_last(struct store *st);

/* Up to max changes with seq > after, oldest first, into out (seq set);
 * *n_r how many, *last_r the highest seq read (after when none; rows of a
 * kind this version does not know are passed over). 0, or -1 on error. */
int account_changes_since(struct store *st, int64_t after, struct account_event *out, size_t max,
                          size_t *n_r, int64_t *last_r);

/* Deletes rows recorded before now_s - ACCOUNT_CHANGES_KEEP_S. */
int account_changes_prune(struct store *st, int64_t now_s);

#endif
