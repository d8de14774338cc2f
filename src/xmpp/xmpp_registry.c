/*
 * xmpp/xmpp_registry: handlers by namespace, element, iq type and
 * addressee (xmpp_registry.h). A few dozen handlers: a linear scan is as
 * fast as a hash and easier to check.
 */
#include "xmpp/xmpp_registry.h"
#include "core/xalloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct xmpp_registry {
	const struct xmpp_module *modules[XMPP_REGISTRY_MODULES_MAX];
	void *states[XMPP_REGISTRY_MODULES_MAX];
	size_t n;
};

struct xmpp_registry *xmpp_registry_new(void)
{
	return xcalloc(1, sizeof(struct xmpp_registry));
}

void xmpp_registry_free(struct xmpp_registry **rp)
{
	struct xmpp_registry *r = rp ? *rp : NULL;
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		if (r->modules[i]->free != NULL && r->states[i] != NULL)
			r->modules[i]->free(r->states[i]);
	free(r);
	*rp = NULL;
}

static bool is_end(const struct xmpp_handler *h)
{
	return h->ns == NULL && h->feature == NULL;
}

static bool same_name(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Would a and b answer the same iq? */
static bool conflict(const struct xmpp_handler *a, const struct xmpp_handler *b)
{
	return a->fn != NULL && b->fn != NULL && strcmp(a->ns, b->ns) == 0 &&
	       same_name(a->name, b->name) && (a->types & b->types) != 0 && (a->to & b->to) != 0;
}

/* Is one handler well formed, and does it serve where it advertises? */
static const char *check_handler(const struct xmpp_handler *h)
{
	if (h->fn == NULL)
		return h->feature != NULL && h->ns == NULL && h->disco != 0
		           ? NULL
		           : "a feature-only entry needs a feature, a disco entity and no ns";
	if (h->ns == NULL || h->types == 0 || h->to == 0)
		return "a handler needs a namespace, iq types and addressees";
	if ((h->disco & XMPP_DISCO_SERVER) && !(h->to & XMPP_TO_SERVER))
		return "a feature advertised on the server that the server does not serve";
	if ((h->disco & XMPP_DISCO_ACCOUNT) && !(h->to & XMPP_TO_SELF))
		return "a feature advertised on an account that the account does not serve";
	return NULL;
}

static const char *check_module(const struct xmpp_registry *r, const struct xmpp_module *m)
{
	if (r->n == XMPP_REGISTRY_MODULES_MAX)
		return "too many xmpp modules";
	for (size_t i = 0; i < r->n; i++)
		if (r->modules[i] == m || strcmp(r->modules[i]->name, m->name) == 0)
			return "two xmpp modules of the same name";
	for (const struct xmpp_handler *h = m->handlers; !is_end(h); h++) {
		const char *e = check_handler(h);
		if (e != NULL)
			return e;
		for (const struct xmpp_handler *g = m->handlers; g != h; g++)
			if (conflict(g, h))
				return "two handlers for the same iq";
		for (size_t i = 0; i < r->n; i++)
			for (const struct xmpp_handler *g = r->modules[i]->handlers; !is_end(g);
			     g++)
				if (conflict(g, h))
					return "two handlers for the same iq";
	}
	return NULL;
}

int xmpp_registry_add(struct xmpp_registry *r, const struct xmpp_module *m, const char **error_r)
{
	const char *e = check_module(r, m);
	if (e != NULL) {
		*error_r = e;
		return -1;
	}
	r->modules[r->n++] = m;
	return 0;
}

void xmpp_registry_init_states(struct xmpp_registry *r, struct xmpp_server *srv)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->modules[i]->init != NULL && r->states[i] == NULL)
			r->states[i] = r->modules[i]->init(srv);
}

void *xmpp_registry_state(const struct xmpp_registry *r, const struct xmpp_module *m)
{
	for (size_t i = 0; r != NULL && i < r->n; i++)
		if (r->modules[i] == m)
			return r->states[i];
	return NULL;
}

const struct xmpp_handler *xmpp_registry_find(const struct xmpp_registry *r, const char *ns,
                                              const char *name, enum xmpp_iq_type type,
                                              enum xmpp_to to, const struct xmpp_module **m_r)
{
	const struct xmpp_handler *any = NULL;
	const struct xmpp_module *any_m = NULL;
	if (ns == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < r->n; i++)
		for (const struct xmpp_handler *h = r->modules[i]->handlers; !is_end(h); h++) {
			if (h->fn == NULL || !(h->types & type) || !(h->to & to) ||
			    strcmp(h->ns, ns) != 0)
				continue;
			if (h->name != NULL && strcmp(h->name, name) == 0) {
				if (m_r != NULL)
					*m_r = r->modules[i];
				return h;
			}
			if (h->name == NULL && any == NULL) {
				any = h;
				any_m = r->modules[i];
			}
		}
	if (m_r != NULL)
		*m_r = any_m;
	return any;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t xmpp_registry_features(const struct xmpp_registry *r, enum xmpp_entity entity,
                              const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		for (const struct xmpp_handler *h = r->modules[i]->handlers; !is_end(h); h++) {
			const char *f = h->fn != NULL ? h->ns : h->feature;
			bool dup = false;
			if (!(h->disco & entity))
				continue;
			for (size_t k = 0; k < n && !dup; k++)
				dup = strcmp(out[k], f) == 0;
			if (!dup && n < max)
				out[n++] = f;
		}
	qsort(out, n, sizeof(*out), cmp_str);
	return n;
}
