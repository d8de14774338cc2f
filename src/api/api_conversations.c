/*
 * api_conversations: the caller's 1:1 conversations (P-CHAT-2, P-CHAT-3).
 *   DELETE /api/v1/me/conversations/{jid}   deletes every message of the chat
 *       with {jid} (a bare JID of this server, or a username) for the caller
 *       only, and the call history with them; the partner keeps their copy.
 *       When both deleted, the conversation key is destroyed. 200 with
 *       {deleted, key_destroyed}; 404 when no such account.
 *   GET    /api/v1/me/conversations/{jid}   the caller's messages with {jid},
 *       newest first, without content: {messages: [{id, direction, sent_at,
 *       received_at, displayed_at}]} (P-CHAT-1 "seen"); ?limit=1..500
 *       (100), ?before=<ms> pages back.
 * Storage: domain/conversation_history.c.
 */
#include "core/module.h"
#include "api/api_internal.h"
#include "domain/app.h"
#include "store/store.h"
#include "domain/conversation_history.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_routes_conversations(struct http_router *router, struct app *app);

/* The username of {jid} (user@domain, resource ignored, or a username) into
 * user; answers 400 and returns -1 otherwise. */
static int jid_user(const struct http_request *req, struct http_response *resp,
                    char user[ACCOUNTS_USERNAME_MAX + 1])
{
	const char *jid = http_request_param(req, "jid");
	const char *at = jid ? strchr(jid, '@') : NULL;
	size_t n = at ? (size_t)(at - jid) : (jid ? strcspn(jid, "/") : 0);
	if (n == 0 || n > ACCOUNTS_USERNAME_MAX) {
		http_response_error(resp, 400, "invalid_field", "jid must be user@domain");
		return -1;
	}
	memcpy(user, jid, n);
	user[n] = '\0';
	if (!accounts_username_valid(user)) {
		http_response_error(resp, 400, "invalid_field", "jid must be user@domain");
		return -1;
	}
	return 0;
}

static bool query_int(const struct http_request *req, const char *key, int64_t min, int64_t max,
                      int64_t *v)
{
	char buf[24], *end = NULL;
	const char *s = http_request_query(req, key, buf, sizeof(buf));
	if (s == NULL)
		return strstr(req->query, key) == NULL; /* absent ok, undecodable not */
	long long x = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || x < min || x > max)
		return false;
	*v = x;
	return true;
}

static void h_states(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct app *app = ctx;
	struct store *st = app_thread_store(app);
	struct principal p;
	const char *error = NULL;
	char user[ACCOUNTS_USERNAME_MAX + 1];
	int64_t limit = 100, before = 0;
	json_t *list = NULL;
	if (api_auth(app, st, req, resp, &p, false) < 0 || jid_user(req, resp, user) < 0)
		return;
	if (!query_int(req, "limit", 1, 500, &limit) ||
	    !query_int(req, "before", 1, INT64_MAX / 2, &before)) {
		http_response_error(resp, 400, "invalid_field", "limit 1..500, before: ms");
		return;
	}
	if (conversation_history_states(st, p.account.id, user, before, (size_t)limit, &list, &error) < 0) {
		api_fail(resp, error);
		return;
	}
	http_response_json(resp, 200, json_pack("{s:o}", "messages", list));
}

static void h_delete(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct app *app = ctx;
	struct store *st = app_thread_store(app);
	struct principal p;
	const char *error = NULL;
	char user[ACCOUNTS_USERNAME_MAX + 1];
	struct conversation_history_result r;
	if (api_auth(app, st, req, resp, &p, false) < 0)
		return;
	if (p.actor.role == ROLE_AUDITOR) {
		http_response_error(resp, 403, "forbidden", "auditors cannot delete");
		return;
	}
	if (jid_user(req, resp, user) < 0)
		return;
	if (conversation_history_delete(app, st, p.account.id, p.account.tenant_id, p.account.id,
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
	http_router_add(router, "GET", "/api/v1/me/conversations/{jid}", HTTP_ROUTE_WORKER,
	                h_states, app);
}

/* Per-user deletion of conversation history over REST (the XMPP side is
 * domain/conversation_history.c; the data is the XMPP modules'). */
const struct module conversations_module = {
    .name = "conversations",
    .routes = api_routes_conversations,
};
