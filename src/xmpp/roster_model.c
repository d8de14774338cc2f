/*
 * xmpp/roster_model: roster items in memory and the subscription state
 * machine of RFC 6121 §3 and Appendix A (pure functions; unit-tested).
 *
 * An item's state is (subscription, ask_out = "Pending Out",
 * pending_in = "Pending In", approved = pre-approval). in_roster says the
 * owner has the contact in their roster: an inbound request from a
 * stranger keeps a hidden row (pending_in) until answered.
 */
#include "core/xalloc.h"
#include "xmpp/c2s_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const sub_names[] = {"none", "to", "from", "both"};

const char *roster_sub_name(enum roster_sub sub)
{
	return (unsigned)sub < 4 ? sub_names[sub] : "none";
}

int roster_sub_parse(const char *s, enum roster_sub *sub_r)
{
	for (int i = 0; i < 4; i++)
		if (s != NULL && strcmp(s, sub_names[i]) == 0) {
			*sub_r = (enum roster_sub)i;
			return 0;
		}
	return -1;
}

bool roster_sub_has_to(enum roster_sub sub)
{
	return sub == SUB_TO || sub == SUB_BOTH;
}

bool roster_sub_has_from(enum roster_sub sub)
{
	return sub == SUB_FROM || sub == SUB_BOTH;
}

static enum roster_sub sub_make(bool to, bool from)
{
	return to ? (from ? SUB_BOTH : SUB_TO) : (from ? SUB_FROM : SUB_NONE);
}

void roster_item_clear(struct roster_item *it)
{
	free(it->jid);
	free(it->name);
	for (unsigned i = 0; i < it->n_groups; i++)
		free(it->groups[i]);
	memset(it, 0, sizeof(*it));
}

void roster_item_copy(struct roster_item *dst, const struct roster_item *src)
{
	*dst = *src;
	dst->jid = src->jid ? xstrdup(src->jid) : NULL;
	dst->name = src->name ? xstrdup(src->name) : NULL;
	for (unsigned i = 0; i < src->n_groups; i++)
		dst->groups[i] = xstrdup(src->groups[i]);
}

struct roster_item *roster_find(struct roster *r, const char *jid)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->items[i].jid, jid) == 0)
			return &r->items[i];
	return NULL;
}

static bool item_empty(const struct roster_item *it)
{
	return !it->in_roster && !it->pending_in && !it->approved && !it->ask_out &&
	       it->sub == SUB_NONE;
}

void roster_put(struct roster *r, const struct roster_item *it)
{
	struct roster_item *old = roster_find(r, it->jid);
	if (old != NULL) {
		roster_item_clear(old);
		if (item_empty(it)) {
			*old = r->items[--r->n];
			return;
		}
		roster_item_copy(old, it);
		return;
	}
	if (item_empty(it))
		return;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->items = xrealloc(r->items, r->cap * sizeof(*r->items));
	}
	roster_item_copy(&r->items[r->n++], it);
}

void roster_clear(struct roster *r)
{
	for (size_t i = 0; i < r->n; i++)
		roster_item_clear(&r->items[i]);
	free(r->items);
	memset(r, 0, sizeof(*r));
}

bool roster_sub_outbound(struct roster_item *it, enum sub_event ev)
{
	bool to = roster_sub_has_to(it->sub), from = roster_sub_has_from(it->sub);
	switch (ev) {
	case SUB_EV_SUBSCRIBE:
		it->in_roster = true;
		if (!to)
			it->ask_out = true;
		return true; /* the contact's side answers even when already subscribed */
	case SUB_EV_SUBSCRIBED:
		if (it->pending_in) {
			it->pending_in = false;
			it->in_roster = true;
			it->sub = sub_make(to, true);
			return true;
		}
		if (!from)
			it->approved = true; /* pre-approval (RFC 6121 §3.4) */
		return false;
	case SUB_EV_UNSUBSCRIBE:
		if (!to && !it->ask_out)
			return false;
		it->ask_out = false;
		it->sub = sub_make(false, from);
		return true;
	case SUB_EV_UNSUBSCRIBED:
		it->approved = false;
		if (!from && !it->pending_in)
			return false;
		it->pending_in = false;
		it->sub = sub_make(to, false);
		return true;
	}
	return false;
}

bool roster_sub_inbound(struct roster_item *it, enum sub_event ev, bool *deliver_r,
                        bool *auto_reply_r)
{
	bool to = roster_sub_has_to(it->sub), from = roster_sub_has_from(it->sub);
	*deliver_r = *auto_reply_r = false;
	switch (ev) {
	case SUB_EV_SUBSCRIBE:
		if (from) {
			*auto_reply_r = true;
			return false;
		}
		if (it->approved) {
			it->approved = false;
			it->sub = sub_make(to, true);
			it->in_roster = true;
			*auto_reply_r = true;
			return true;
		}
		/* RFC 6121 A.3.1: a request already pending is not delivered
		 * again (it comes back with the next initial presence) */
		if (it->pending_in)
			return false;
		*deliver_r = true;
		it->pending_in = true;
		return true;
	case SUB_EV_SUBSCRIBED:
		if (to || !it->ask_out)
			return false;
		it->ask_out = false;
		it->sub = sub_make(true, from);
		*deliver_r = true;
		return true;
	case SUB_EV_UNSUBSCRIBE:
		if (!from && !it->pending_in)
			return false;
		it->pending_in = false;
		it->sub = sub_make(to, false);
		*deliver_r = true;
		return true;
	case SUB_EV_UNSUBSCRIBED:
		if (!to && !it->ask_out)
			return false;
		it->ask_out = false;
		it->sub = sub_make(false, from);
		*deliver_r = true;
		return true;
	}
	return false;
}
