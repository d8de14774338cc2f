/*
 * domain/conversation_history: per-user deletion of a 1:1 conversation's history
 * (P-CHAT-2, P-CHAT-3). Storage side only (no loop state): used by the REST
 * route DELETE /api/v1/me/conversations/{jid} (api_conversations.c) and by
 * the XEP-0050 ad-hoc command "delete-history" (xep.c).
 *
 * The owner's views (xmpp_archive rows with that peer) and waiting offline
 * deliveries go at once; the partner keeps theirs. A message row (sealed
 * stanza, delivery state) goes when no view of it is left; when the
 * conversation has no message left, its key is destroyed
 * (keys_subject_destroy on "conv:<a>:<b>"), so even copies in backups are
 * unreadable. The call history with that partner goes through the call
 * hook (there is no call table yet: the calls module registers it).
 * Each deletion is written to the audit log (field names only) and the
 * deletion log (categories and counts, a pseudonym of the owner).
 */
#ifndef IRIS_DOMAIN_CONVERSATION_HISTORY_H
#define IRIS_DOMAIN_CONVERSATION_HISTORY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app;
struct store;

struct conversation_history_result {
	int64_t views;      /* the owner's messages removed from their view */
	int64_t messages;   /* message rows gone (no participant keeps them) */
	int64_t calls;      /* call records removed by the call hook */
	bool key_destroyed; /* the conversation key was destroyed */
};

/*
 * P-CHAT-3: deletes the call history between owner and peer (both account
 * ids) for owner, inside the caller's transaction; returns the number of
 * records removed, or -1. One hook; NULL removes it.
 */
typedef int64_t conversation_call_history_fn(struct store *st, const char *owner_id, const char *peer_id);
void conversation_history_set_call_hook(conversation_call_history_fn *fn);

/*
 * Deletes owner's history with the account peer_username, in its own
 * transaction. actor_id/actor_role are recorded (the owner themself:
 * "user"). Returns 0, or -1 with *error_r "not_found" (no such peer) or
 * "internal".
 */
int conversation_history_delete(struct app *app, struct store *st, const char *owner_id,
                       const char *owner_tenant, const char *actor_id, const char *actor_role,
                       const char *peer_username, struct conversation_history_result *out,
                       const char **error_r);

/*
 * The delivery state of owner's 1:1 messages with peer_username (P-CHAT-1:
 * sender, recipient, time and "seen"), newest first, at most limit, older
 * than before_ms when > 0; no content. *out_r: a JSON array of {id,
 * direction ("out"|"in"), sent_at, received_at, displayed_at} (ms, null
 * when unknown). Errors as conversation_history_delete.
 */
int conversation_history_states(struct store *st, const char *owner_id, const char *peer_username,
                       int64_t before_ms, size_t limit, json_t **out_r, const char **error_r);

#endif
