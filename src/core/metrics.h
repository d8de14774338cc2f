/*
 * core/metrics: a tiny, thread-safe registry of process-lifetime metrics,
 * rendered in the Prometheus text exposition format 0.0.4.
 *
 * A metric is registered once by its full name and lives until the process
 * ends; registering the same name again returns the same metric, so callers
 * may simply look a metric up where they use it, or keep the pointer in a
 * static. A full name is a family name, optionally followed by constant
 * labels in Prometheus syntax:
 *
 *     metrics_counter("http_requests_total{class=\"2xx\"}", "HTTP requests answered")
 *
 * All metrics of one family share the family's type and help text (the help
 * of the first registration wins). Names and label values are programmer
 * input, never network input: an invalid name, or reusing a family with a
 * different type, is a bug and calls fatal().
 *
 * Updates are lock-free atomics and may come from any thread (loop or
 * worker). Labels must never carry personal data (user names, addresses).
 */
#ifndef IRIS_CORE_METRICS_H
#define IRIS_CORE_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct metric;

/* Most metrics (distinct full names) the registry holds; registering more
 * is a bug and calls fatal(). */
#define METRICS_MAX 512
/* Longest full name accepted, labels included. */
#define METRICS_NAME_MAX 200
/* Most buckets a histogram may have (the +Inf bucket not counted). */
#define METRICS_HISTOGRAM_MAX_BUCKETS 16

/* Returns the monotonically increasing counter called name, creating it on
 * first use. The registry owns it for the process lifetime. */
struct metric *metrics_counter(const char *name, const char *help);
/* Returns the gauge (a value that goes up and down) called name. */
struct metric *metrics_gauge(const char *name, const char *help);
/* Returns the histogram called name with the given ascending upper bounds
 * (an implicit +Inf bucket is added). The bounds of the first registration
 * win. Values are observed as doubles; sum is kept in micro-units. */
struct metric *metrics_histogram(const char *name, const char *help, const double *bounds,
                                 size_t n_bounds);

/* Adds 1 to a counter (or gauge). NULL is ignored. */
void metrics_inc(struct metric *m);
/* Adds n to a counter (or gauge). NULL is ignored. */
void metrics_add(struct metric *m, uint64_t n);
/* Sets a gauge to value. NULL is ignored. */
void metrics_gauge_set(struct metric *m, int64_t value);
/* Adds delta (may be negative) to a gauge. NULL is ignored. */
void metrics_gauge_add(struct metric *m, int64_t delta);
/* Records one observation in a histogram. NULL is ignored. */
void metrics_observe(struct metric *m, double value);

/* Current value of a counter or gauge (for tests and internal decisions). */
int64_t metrics_value(const struct metric *m);

/* Renders every registered metric in the Prometheus text format 0.0.4
 * (serve it with Content-Type "text/plain; version=0.0.4"). Returns a
 * malloc'd, NUL-terminated string the caller frees; its length without the
 * NUL goes to *len_r when len_r is not NULL. */
char *metrics_render(size_t *len_r);

#endif
