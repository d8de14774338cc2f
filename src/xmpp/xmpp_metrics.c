/* xmpp/xmpp_metrics: see xmpp_metrics.h. */
#include "xmpp/xmpp_metrics.h"
#include "core/metrics.h"

#include <stddef.h>

static const char *const stanza_names[3][2] = {
    {"xmpp_stanzas_total{kind=\"message\",direction=\"in\"}",
     "xmpp_stanzas_total{kind=\"message\",direction=\"out\"}"},
    {"xmpp_stanzas_total{kind=\"presence\",direction=\"in\"}",
     "xmpp_stanzas_total{kind=\"presence\",direction=\"out\"}"},
    {"xmpp_stanzas_total{kind=\"iq\",direction=\"in\"}",
     "xmpp_stanzas_total{kind=\"iq\",direction=\"out\"}"},
};
static const char stanza_help[] = "XMPP stanzas received (in) and sent (out), by kind";
static const char sessions_help[] = "Bound XMPP sessions";
static const char batches_help[] = "Group commits of XMPP storage jobs";
static const char failures_help[] = "Group commits of XMPP storage jobs that failed";
static const char duration_help[] = "Time of one group commit, BEGIN to COMMIT";
/* from half a millisecond (a few rows, WAL) to seconds (a slow disk) */
static const double duration_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                         0.05,   0.1,   0.25,   0.5,   1,    2.5};
#define N_BOUNDS (sizeof(duration_bounds) / sizeof(duration_bounds[0]))

static struct metric *stanza_metric(enum stanza_kind kind, bool out)
{
	size_t row = kind == STANZA_MESSAGE ? 0 : kind == STANZA_PRESENCE ? 1 : 2;
	return metrics_counter(stanza_names[row][out ? 1 : 0], stanza_help);
}

static struct metric *duration_metric(void)
{
	return metrics_histogram("xmpp_commit_duration_seconds", duration_help, duration_bounds,
	                         N_BOUNDS);
}

void xmpp_metrics_init(void)
{
	static const enum stanza_kind kinds[] = {STANZA_MESSAGE, STANZA_PRESENCE, STANZA_IQ};
	for (size_t i = 0; i < 3; i++) {
		stanza_metric(kinds[i], false);
		stanza_metric(kinds[i], true);
	}
	metrics_gauge("xmpp_sessions", sessions_help);
	metrics_counter("xmpp_commit_batches_total", batches_help);
	metrics_counter("xmpp_commit_failures_total", failures_help);
	duration_metric();
}

void xmpp_metrics_stanza(enum stanza_kind kind, bool out)
{
	if (kind != STANZA_OTHER)
		metrics_inc(stanza_metric(kind, out));
}

void xmpp_metrics_session(int delta)
{
	metrics_gauge_add(metrics_gauge("xmpp_sessions", sessions_help), delta);
}

void xmpp_metrics_batch(double seconds, bool ok)
{
	metrics_inc(metrics_counter("xmpp_commit_batches_total", batches_help));
	if (!ok)
		metrics_inc(metrics_counter("xmpp_commit_failures_total", failures_help));
	metrics_observe(duration_metric(), seconds);
}
