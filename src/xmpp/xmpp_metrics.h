/*
 * xmpp/xmpp_metrics: the XMPP server's metrics, kept in the one registry
 * of core/metrics (rendered at GET /metrics). Counts only: no JID, no
 * address, no content.
 *
 *   xmpp_sessions                        gauge: bound sessions (a session
 *                                        waiting for XEP-0198 resumption too)
 *   xmpp_stanzas_total{kind,direction}   counter: message/presence/iq, in/out
 *   xmpp_commit_batches_total            counter: group commits (batches of
 *                                        storage jobs in one transaction) of
 *                                        the store's writer thread, REST
 *                                        writes through api_write included
 *   xmpp_commit_failures_total           counter: batches whose commit failed
 *   xmpp_commit_duration_seconds         histogram: time of one batch, from
 *                                        BEGIN to COMMIT
 *
 * Every function may be called from any thread (the updates are atomic).
 */
#ifndef IRIS_XMPP_XMPP_METRICS_H
#define IRIS_XMPP_XMPP_METRICS_H

#include <stdbool.h>

#include "xml/stanza.h"

/* Registers every metric above at zero, so /metrics lists them before the
 * first session. */
void xmpp_metrics_init(void);
/* One stanza of kind received (out false) or sent (out true);
 * STANZA_OTHER is not counted. */
void xmpp_metrics_stanza(enum stanza_kind kind, bool out);
/* A session was bound (+1) or ended (-1). */
void xmpp_metrics_session(int delta);
/* One group commit that took seconds; ok false when it failed. */
void xmpp_metrics_batch(double seconds, bool ok);

#endif
