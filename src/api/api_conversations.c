/*
 * api_conversations: the caller's 1:1 conversations (P-CHAT-2, P-CHAT-3).
 *   DELETE /api/v1/me/conversations/{jid}   deletes every message of the chat
 *       with {jid} (a bare JID of this server, or a username) for the caller
 *       only, and the call history with them; the partner keeps their copy.
 *       When both deleted, the conversation key is destroyed. 200 with
 *       {deleted, key_destroyed}; 404 when no such account.
 * Storage: xmpp/xep_history.c.
 */
#include "api/api_internal.h"
#include "domain/app.h"
#include "store/store.h"
#include "xmpp/xep_history.h"

#include <stdio.h>
#include <string.h>

void api_routes_conversations(struct http_router *router, struct app *app);

static void h_delete(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct app *app = ctx;
	struct store *st = app_thread_store(app);
	struct principal p;
	const char *error = NULL, *jid = http_request_param(req, "jid");
	char user[ACCOUNTS_USERNAME_MAX + 1];
	struct xep_history_result r;
	if (api_auth(app, st, req, resp, &p, false) < 0)
		return;
	if (p.actor.role == ROLE_AUDITOR) {
		http_response_error(resp, 403, "forbidden", "auditors cannot delete");
		return;
	}
	/* user@domain (the resource, if any, is ignored) or a bare username */
	const char *at = jid ? strchr(jid, '@') : NULL;
	size_t n = at ? (size_t)(at - jid) : (jid ? strcspn(jid, "/") : 0);
	if (n == 0 || n >= sizeof(user)) {
		http_response_error(resp, 400, "invalid_field", "jid must be user@domain");
		return;
	}
	memcpy(user, jid, n);
	user[n] = '\0';
	if (!accounts_username_valid(user)) {
		http_response_error(resp, 400, "invalid_field", "jid must be user@domain");
		return;
	}
	if (xep_history_delete(app, st, p.account.id, p.account.tenant_id, p.account.id,
	                       account_role_name(p.account.role), user, &r, &error) < 0) {
		api_fail(resp, error);
		return;
	}
	http_response_json(resp, 200,
	                   json_pack("{s:I, s:b}", "deleted", (json_int_t)r.views, "key_destroyed",
	                             r.key_destroyed));
}

void api_routes_conversations(struct http_router *router, struct app *app)
{
	http_router_add(router, "DELETE", "/api/v1/me/conversations/{jid}", HTTP_ROUTE_WORKER,
	                h_delete, app);
}
