/*
 * xmpp/xmpp_module: what a feature module gives the XMPP core (the
 * `xmpp` member of its core/module.h descriptor).
 *
 * A module declares, in one zero-terminated array, every iq it serves:
 * the payload's namespace and element, the iq types, to whom the iq may be
 * addressed, and the disco#info features it advertises (on the server, on
 * an account). The core installs the handlers of every registered module
 * in a per-server registry at start (xmpp_server_start) and dispatches an
 * iq by looking it up there; disco#info and the XEP-0115 caps hash are
 * generated from the same registry, so what is advertised is what is
 * served. A feature that is not an iq (a message extension, PEP's node
 * features) is a "feature only" entry (fn NULL) whose comment names the
 * code that serves it.
 *
 * Optional init/free give the module state per server (carbons, the
 * uptime) instead of file statics; a handler finds it in iq->state.
 * Everything here runs on the server's loop thread.
 */
#ifndef IRIS_XMPP_XMPP_MODULE_H
#define IRIS_XMPP_XMPP_MODULE_H

#include <stddef.h>

#include "xml/stanza_error.h"

struct c2s_conn;
struct xml_doc;
struct xml_elem;
struct xmpp_server;

/* An iq's type (only get and set reach handlers). */
enum xmpp_iq_type { XMPP_IQ_GET = 1u << 0, XMPP_IQ_SET = 1u << 1 };

/* To whom an iq is addressed; a handler declares the set it serves. */
enum xmpp_to {
	XMPP_TO_NONE = 1u << 0,   /* no 'to' (answered by the server) */
	XMPP_TO_SERVER = 1u << 1, /* the server's domain */
	XMPP_TO_SELF = 1u << 2,   /* the sender's own bare JID */
	XMPP_TO_OTHER = 1u << 3,  /* another local account's bare JID */
	XMPP_TO_FULL = 1u << 4,   /* a full JID on this domain (else routed) */
};
#define XMPP_TO_MINE (XMPP_TO_NONE | XMPP_TO_SERVER | XMPP_TO_SELF)

/* Whose disco#info lists a feature. */
enum xmpp_entity { XMPP_DISCO_SERVER = 1u << 0, XMPP_DISCO_ACCOUNT = 1u << 1 };

/* One iq handed to a handler. The handler takes doc: it answers (or
 * submits a job that will) and frees it, e.g. with xmpp_iq_result. */
struct xmpp_iq {
	struct c2s_conn *conn;
	struct xml_doc *doc; /* the iq stanza */
	struct xml_elem *q;  /* its one payload element */
	enum xmpp_iq_type type;
	enum xmpp_to to;
	const char *local; /* XMPP_TO_SELF/OTHER: the account's username */
	void *state;       /* the module's per-server state (init), or NULL */
};

struct xmpp_handler {
	const char *ns;      /* the payload's namespace */
	const char *name;    /* its element; NULL: any other element of ns */
	unsigned types;      /* enum xmpp_iq_type bits */
	unsigned to;         /* enum xmpp_to bits */
	unsigned disco;      /* enum xmpp_entity bits: where ns (or feature) is listed */
	const char *feature; /* feature-only entry (fn NULL): the disco feature */
	void (*fn)(struct xmpp_iq *iq);
};

/* An entry is the end of a handler array when it has neither ns nor
 * feature. */
struct xmpp_module {
	const char *name;
	const struct xmpp_handler *handlers;
	/* Per-server state: made at start, freed with the server; both may be
	 * NULL. */
	void *(*init)(struct xmpp_server *srv);
	void (*free)(void *state);
};

/* Answers iq with a result carrying the root of *payload (may be NULL; the
 * payload is freed), from the address the iq was sent to; frees iq->doc. */
void xmpp_iq_result(struct xmpp_iq *iq, struct xml_doc **payload);
/* Answers iq with a stanza error; frees iq->doc. */
void xmpp_iq_error(struct xmpp_iq *iq, enum stanza_error_cond cond);
/* The state of module m on srv (its init's result), or NULL. */
void *xmpp_module_state(struct xmpp_server *srv, const struct xmpp_module *m);

#endif
