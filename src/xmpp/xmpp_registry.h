/*
 * xmpp/xmpp_registry: the handler registry of one XMPP server (see
 * xmpp_module.h). Internal to src/xmpp and its tests.
 *
 * Modules are added at start; afterwards the registry is read-only. It
 * refuses a handler that would make a lookup ambiguous (same namespace,
 * element, an iq type and an addressee in common with one already there)
 * and one that advertises a feature on an entity it does not serve, so
 * disco#info cannot list what nobody answers.
 */
#ifndef IRIS_XMPP_XMPP_REGISTRY_H
#define IRIS_XMPP_XMPP_REGISTRY_H

#include <stddef.h>

#include "xmpp/xmpp_module.h"

struct xmpp_registry;

/* The most modules and distinct disco features of one server. */
#define XMPP_REGISTRY_MODULES_MAX 32
#define XMPP_REGISTRY_FEATURES_MAX 64

struct xmpp_registry *xmpp_registry_new(void);
/* Frees the registry and every module state (module free); sets *r NULL.
 * Accepts NULL. */
void xmpp_registry_free(struct xmpp_registry **r);

/* Installs m's handlers (m static). 0, or -1 with a static message in
 * *error_r and nothing of m installed: a conflicting handler, a feature
 * advertised where the handler does not answer, a second module of the
 * same name, too many modules. */
int xmpp_registry_add(struct xmpp_registry *r, const struct xmpp_module *m, const char **error_r);

/* Calls every module's init with srv (once, after the adds). */
void xmpp_registry_init_states(struct xmpp_registry *r, struct xmpp_server *srv);
/* m's state, or NULL. */
void *xmpp_registry_state(const struct xmpp_registry *r, const struct xmpp_module *m);

/* The handler of an iq whose payload is {ns}name, of type and addressee
 * to (one bit each): an exact element match first, then the namespace's
 * catch-all (name NULL). NULL when nothing serves it. *m_r (may be NULL)
 * is the handler's module. */
const struct xmpp_handler *xmpp_registry_find(const struct xmpp_registry *r, const char *ns,
                                              const char *name, enum xmpp_iq_type type,
                                              enum xmpp_to to, const struct xmpp_module **m_r);

/* The disco#info features of entity, sorted by bytes (XEP-0115 §5.1) and
 * without duplicates, into out (at most max); returns how many. The
 * strings are the handlers' (static). */
size_t xmpp_registry_features(const struct xmpp_registry *r, enum xmpp_entity entity,
                              const char **out, size_t max);

#endif
