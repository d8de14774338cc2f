/* core/metrics: see metrics.h. */
#include "core/metrics.h"
#include "core/log.h"
#include "core/xalloc.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

static const char *const type_names[] = {"counter", "gauge", "histogram"};

struct metric {
	char *name;        /* full name, labels included */
	size_t family_len; /* length of the family part of name */
	char *help;
	enum metric_type type;
	_Atomic int64_t value; /* counter or gauge */
	/* histogram only */
	size_t n_bounds;
	double bounds[METRICS_HISTOGRAM_MAX_BUCKETS];
	_Atomic uint64_t buckets[METRICS_HISTOGRAM_MAX_BUCKETS + 1];
	_Atomic uint64_t count;
	_Atomic int64_t sum_micro;
};

/* Entries are appended under the lock and never removed or moved, so a
 * pointer handed out stays valid and its atomics may be used lock-free. */
static struct metric registry[METRICS_MAX];
static size_t registry_len;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

static bool is_name_char(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':')
		return true;
	return !first && c >= '0' && c <= '9';
}

/* Checks name: a family, then optionally {label="value",...}. Returns the
 * family length, or 0 when the name is invalid. */
static size_t name_check(const char *name)
{
	size_t i = 0, family;
	while (name[i] != '\0' && is_name_char(name[i], i == 0))
		i++;
	family = i;
	if (family == 0 || i >= METRICS_NAME_MAX)
		return 0;
	if (name[i] == '\0')
		return family;
	if (name[i++] != '{')
		return 0;
	for (;;) {
		size_t start = i;
		while (is_name_char(name[i], i == start))
			i++;
		if (i == start || name[i++] != '=' || name[i++] != '"')
			return 0;
		while (name[i] != '"' && name[i] != '\0' && name[i] != '\\' && name[i] != '\n')
			i++;
		if (name[i++] != '"')
			return 0;
		if (name[i] == ',') {
			i++;
			continue;
		}
		if (name[i] == '}' && name[i + 1] == '\0' && i + 1 < METRICS_NAME_MAX)
			return family;
		return 0;
	}
}

static bool same_family(const struct metric *m, const char *name, size_t family_len)
{
	return m->family_len == family_len && memcmp(m->name, name, family_len) == 0;
}

/* Finds or creates the metric name of the given type; the caller holds
 * registry_lock. Conflicting types within a family are a bug. */
static struct metric *lookup_locked(const char *name, const char *help, enum metric_type type)
{
	size_t family_len = name_check(name);
	if (family_len == 0)
		fatal("event=metrics_bad_name name=\"%s\"", name);
	for (size_t i = 0; i < registry_len; i++) {
		struct metric *m = &registry[i];
		if (same_family(m, name, family_len) && m->type != type)
			fatal("event=metrics_type_conflict name=\"%s\"", name);
		if (strcmp(m->name, name) == 0)
			return m;
	}
	if (registry_len == METRICS_MAX)
		fatal("event=metrics_registry_full max=%d", METRICS_MAX);
	struct metric *m = &registry[registry_len++];
	m->name = xstrdup(name);
	m->family_len = family_len;
	m->help = xstrdup(help != NULL ? help : "");
	m->type = type;
	return m;
}

static struct metric *metrics_get(const char *name, const char *help, enum metric_type type)
{
	pthread_mutex_lock(&registry_lock);
	struct metric *m = lookup_locked(name, help, type);
	pthread_mutex_unlock(&registry_lock);
	return m;
}

struct metric *metrics_counter(const char *name, const char *help)
{
	return metrics_get(name, help, METRIC_COUNTER);
}

struct metric *metrics_gauge(const char *name, const char *help)
{
	return metrics_get(name, help, METRIC_GAUGE);
}

struct metric *metrics_histogram(const char *name, const char *help, const double *bounds,
                                 size_t n_bounds)
{
	if (n_bounds == 0 || n_bounds > METRICS_HISTOGRAM_MAX_BUCKETS)
		fatal("event=metrics_bad_buckets name=\"%s\" n=%zu", name, n_bounds);
	for (size_t i = 1; i < n_bounds; i++) {
		if (!(bounds[i] > bounds[i - 1]))
			fatal("event=metrics_bad_buckets name=\"%s\"", name);
	}
	pthread_mutex_lock(&registry_lock);
	struct metric *m = lookup_locked(name, help, METRIC_HISTOGRAM);
	if (m->n_bounds == 0) {
		memcpy(m->bounds, bounds, n_bounds * sizeof(bounds[0]));
		m->n_bounds = n_bounds;
	}
	pthread_mutex_unlock(&registry_lock);
	return m;
}

void metrics_inc(struct metric *m)
{
	metrics_add(m, 1);
}

void metrics_add(struct metric *m, uint64_t n)
{
	if (m != NULL)
		atomic_fetch_add_explicit(&m->value, (int64_t)n, memory_order_relaxed);
}

void metrics_gauge_set(struct metric *m, int64_t value)
{
	if (m != NULL)
		atomic_store_explicit(&m->value, value, memory_order_relaxed);
}

void metrics_gauge_add(struct metric *m, int64_t delta)
{
	if (m != NULL)
		atomic_fetch_add_explicit(&m->value, delta, memory_order_relaxed);
}

void metrics_observe(struct metric *m, double value)
{
	if (m == NULL || m->type != METRIC_HISTOGRAM || isnan(value))
		return;
	size_t i = 0;
	while (i < m->n_bounds && value > m->bounds[i])
		i++;
	atomic_fetch_add_explicit(&m->buckets[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
	/* Micro-units keep the sum an atomic integer; clamp absurd values. */
	double micro = value * 1e6;
	if (micro > 1e15)
		micro = 1e15;
	if (micro < -1e15)
		micro = -1e15;
	atomic_fetch_add_explicit(&m->sum_micro, (int64_t)micro, memory_order_relaxed);
}

int64_t metrics_value(const struct metric *m)
{
	if (m == NULL)
		return 0;
	return atomic_load_explicit(&((struct metric *)m)->value, memory_order_relaxed);
}

/* A growing output string for rendering. */
struct render_buf {
	char *data;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void rb_printf(struct render_buf *rb, const char *fmt,
                                                            ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(rb->data + rb->len, rb->cap - rb->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			fatal("event=metrics_render_failed");
		if ((size_t)n < rb->cap - rb->len) {
			rb->len += (size_t)n;
			return;
		}
		rb->cap = rb->cap * 2 + (size_t)n;
		rb->data = xrealloc(rb->data, rb->cap);
	}
}

/* Help text escaping of the text format: backslash and newline. */
static void rb_help(struct render_buf *rb, const char *help)
{
	for (const char *p = help; *p != '\0'; p++) {
		if (*p == '\\')
			rb_printf(rb, "\\\\");
		else if (*p == '\n')
			rb_printf(rb, "\\n");
		else
			rb_printf(rb, "%c", *p);
	}
}

static void render_histogram(struct render_buf *rb, struct metric *m)
{
	const char *labels = m->name + m->family_len; /* "" or "{...}" */
	int fam = (int)m->family_len;
	int inner = labels[0] == '{' ? (int)strlen(labels) - 2 : 0;
	const char *sep = inner > 0 ? "," : "";
	uint64_t cumulative = 0;
	for (size_t i = 0; i <= m->n_bounds; i++) {
		cumulative += atomic_load_explicit(&m->buckets[i], memory_order_relaxed);
		char le[32];
		if (i == m->n_bounds)
			snprintf(le, sizeof(le), "+Inf");
		else
			snprintf(le, sizeof(le), "%g", m->bounds[i]);
		rb_printf(rb, "%.*s_bucket{%.*s%sle=\"%s\"} %" PRIu64 "\n", fam, m->name, inner,
		          labels + 1, sep, le, cumulative);
	}
	int64_t sum = atomic_load_explicit(&m->sum_micro, memory_order_relaxed);
	rb_printf(rb, "%.*s_sum%s %.6f\n", fam, m->name, labels, (double)sum / 1e6);
	rb_printf(rb, "%.*s_count%s %" PRIu64 "\n", fam, m->name, labels,
	          atomic_load_explicit(&m->count, memory_order_relaxed));
}

/* Emits one family: HELP and TYPE once, then every metric of it, so the
 * lines of a family stay together as the format requires. */
static void render_family(struct render_buf *rb, size_t first)
{
	struct metric *f = &registry[first];
	int fam = (int)f->family_len;
	rb_printf(rb, "# HELP %.*s ", fam, f->name);
	rb_help(rb, f->help);
	rb_printf(rb, "\n# TYPE %.*s %s\n", fam, f->name, type_names[f->type]);
	for (size_t i = first; i < registry_len; i++) {
		struct metric *m = &registry[i];
		if (!same_family(m, f->name, f->family_len))
			continue;
		if (m->type == METRIC_HISTOGRAM)
			render_histogram(rb, m);
		else
			rb_printf(rb, "%s %" PRId64 "\n", m->name,
			          atomic_load_explicit(&m->value, memory_order_relaxed));
	}
}

char *metrics_render(size_t *len_r)
{
	struct render_buf rb = {.data = xmalloc(4096), .len = 0, .cap = 4096};
	rb.data[0] = '\0';
	pthread_mutex_lock(&registry_lock);
	for (size_t i = 0; i < registry_len; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = same_family(&registry[j], registry[i].name, registry[i].family_len);
		if (!seen)
			render_family(&rb, i);
	}
	pthread_mutex_unlock(&registry_lock);
	if (len_r != NULL)
		*len_r = rb.len;
	return rb.data;
}
