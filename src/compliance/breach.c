/* privacy/breach: see breach.h. */
#include "core/clock.h"
#include "compliance/breach.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/accounts.h"
#include "domain/app.h"
#include "domain/jobs.h"
#include "domain/mail.h"
#include "compliance/register_internal.h"
#include "compliance/retention.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int clock_hours[] = {24, 60, 72};

static bool id_list_ok(json_t *a)
{
	size_t i;
	json_t *v;
	if (a == NULL)
		return true;
	if (!json_is_array(a) || json_array_size(a) > 10000)
		return false;
	json_array_foreach(a, i, v) if (!json_is_string(v) ||
	                                !ids_is_uuid4(json_string_value(v))) return false;
	return true;
}

static int add_tenant(struct store *st, const char *bid, const char *tid)
{
	return store_run(st,
	                 "INSERT INTO breach_tenants (breach_id, tenant_id) VALUES (?, ?)"
	                 " ON CONFLICT DO NOTHING",
	                 "ss", bid, tid) == STORE_DONE
	           ? 0
	           : -1;
}

/* Affected tenants and users; unknown ids are "not_found". */
static int add_affected(struct store *st, const char *bid, const struct breach_new *in,
                        const char **error_r)
{
	size_t i;
	json_t *v;
	json_array_foreach(in->tenant_ids, i, v)
	{
		if (regs_count(st, "SELECT COUNT(*) FROM tenants WHERE id = ?",
		               json_string_value(v)) != 1) {
			*error_r = "not_found";
			return -1;
		}
		if (add_tenant(st, bid, json_string_value(v)) < 0)
			return -1;
	}
	json_array_foreach(in->user_ids, i, v)
	{
		struct account acc;
		const char *error = NULL;
		if (accounts_get(st, json_string_value(v), &acc, &error) < 0) {
			*error_r = "not_found";
			return -1;
		}
		if ((acc.tenant_id[0] != '\0' && add_tenant(st, bid, acc.tenant_id) < 0) ||
		    store_run(st,
		              "INSERT INTO breach_users (breach_id, tenant_id, account_id) VALUES"
		              " (?, ?, ?) ON CONFLICT DO NOTHING",
		              "sss", bid, acc.tenant_id, acc.id) != STORE_DONE)
			return -1;
	}
	return 0;
}

static int schedule_clock(struct store *st, const char *bid, int64_t detected)
{
	for (size_t i = 0; i < sizeof(clock_hours) / sizeof(clock_hours[0]); i++) {
		char arg[64], key[96];
		snprintf(arg, sizeof(arg), "%s:%d", bid, clock_hours[i]);
		snprintf(key, sizeof(key), "breach.clock:%s", arg);
		if (jobs_schedule(st, "breach.clock", "", arg, detected + clock_hours[i] * 3600,
		                  key, NULL) < 0)
			return -1;
	}
	return 0;
}

int breach_create(struct app *app, struct store *st, const struct actor *actor,
                  const struct breach_new *in, char id_r[37], const char **error_r)
{
	int64_t now = clock_action_now();
	*error_r = "invalid_field";
	if (!regs_text_ok(in->title, 200, false) ||
	    !regs_text_ok(in->facts, BREACH_TEXT_MAX, true) ||
	    !regs_text_ok(in->effects, BREACH_TEXT_MAX, true) ||
	    !regs_text_ok(in->remedies, BREACH_TEXT_MAX, true) || in->detected_at <= 0 ||
	    in->detected_at > now + 60 || !id_list_ok(in->tenant_ids) || !id_list_ok(in->user_ids))
		return -1;
	ids_uuid4(id_r);
	if (store_tx_begin(st) < 0) {
		*error_r = "internal";
		return -1;
	}
	*error_r = "internal";
	if (store_run(st,
	              "INSERT INTO breaches (id, title, facts, effects, remedies, detected_at,"
	              " created_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'open')",
	              "sssssii", id_r, in->title, in->facts, in->effects, in->remedies,
	              in->detected_at, now) != STORE_DONE ||
	    add_affected(st, id_r, in, error_r) < 0 ||
	    schedule_clock(st, id_r, in->detected_at) < 0 ||
	    regs_audit(app, st, actor, "", "breach.record", "breach", id_r,
	               "breaches.facts,breaches.effects,breaches.remedies,breaches.detected_at",
	               false) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		return -1;
	}
	log_warn("event=breach_recorded breach=%s", id_r);
	return 0;
}

int breach_update(struct app *app, struct store *st, const struct actor *actor, const char *id,
                  const char *facts, const char *effects, const char *remedies, const char *status,
                  const char **error_r)
{
	*error_r = "invalid_field";
	if ((facts && !regs_text_ok(facts, BREACH_TEXT_MAX, true)) ||
	    (effects && !regs_text_ok(effects, BREACH_TEXT_MAX, true)) ||
	    (remedies && !regs_text_ok(remedies, BREACH_TEXT_MAX, true)) ||
	    (status && strcmp(status, "open") != 0 && strcmp(status, "closed") != 0))
		return -1;
	*error_r = "internal";
	if (store_tx_begin(st) < 0)
		return -1;
	if (store_run(
	        st,
	        "UPDATE breaches SET facts = COALESCE(?, facts), effects = COALESCE(?, effects),"
	        " remedies = COALESCE(?, remedies), status = COALESCE(?, status) WHERE id = ?",
	        "sssss", facts, effects, remedies, status, id) != STORE_DONE)
		goto fail;
	if (store_changes(st) != 1) {
		*error_r = "not_found";
		goto fail;
	}
	if (regs_audit(app, st, actor, "", "breach.update", "breach", id,
	               "breaches.facts,breaches.effects,breaches.remedies,breaches.status",
	               false) < 0 ||
	    store_tx_commit(st) < 0)
		goto fail;
	return 0;
fail:
	store_tx_rollback(st);
	return -1;
}

static const char *state_of(struct store_stmt *q, int64_t now, int unnotified, int64_t last)
{
	/* columns: status at 7, detected_at at 5 */
	int64_t deadline = store_col_int(q, 5) + BREACH_DEADLINE_S;
	if (strcmp(store_col_text(q, 7), "closed") == 0)
		return "closed";
	if ((unnotified > 0 && now > deadline) || (unnotified == 0 && last > deadline))
		return "overdue";
	return unnotified == 0 ? "notified" : "open";
}

#define BREACH_COLS                                                                                \
	"SELECT id, title, facts, effects, remedies, detected_at, created_at, status,"             \
	" reminded_24_at, reminded_60_at, overdue_at FROM breaches"

static json_t *opt_int(struct store_stmt *q, int col)
{
	return store_col_is_null(q, col) ? json_null() : json_integer(store_col_int(q, col));
}

static json_t *breach_row(struct store *st, struct store_stmt *q, int64_t now)
{
	const char *id = store_col_text(q, 0);
	int64_t unnotified = regs_count(st,
	                                "SELECT COUNT(*) FROM breach_tenants WHERE breach_id = ?"
	                                " AND notified_at IS NULL",
	                                id);
	int64_t last = regs_count(st,
	                          "SELECT COALESCE(MAX(notified_at), 0) FROM breach_tenants"
	                          " WHERE breach_id = ?",
	                          id);
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:o, s:o, s:o, s:I}", "id", id, "title",
	    store_col_text(q, 1), "facts", store_col_text(q, 2), "effects", store_col_text(q, 3),
	    "remedies", store_col_text(q, 4), "detected_at", (json_int_t)store_col_int(q, 5),
	    "deadline_at", (json_int_t)(store_col_int(q, 5) + BREACH_DEADLINE_S), "created_at",
	    (json_int_t)store_col_int(q, 6), "state", state_of(q, now, (int)unnotified, last),
	    "reminded_24_at", opt_int(q, 8), "reminded_60_at", opt_int(q, 9), "overdue_at",
	    opt_int(q, 10), "tenants_unnotified", (json_int_t)unnotified);
}

/* Collects rows first: breach_row runs other statements. */
static json_t *breach_rows(struct store *st, const char *id, int64_t now)
{
	char **ids =
	    id ? regs_strv(st, "SELECT id FROM breaches WHERE id = ?", id)
	       : regs_strv(st, "SELECT id FROM breaches ORDER BY detected_at DESC, id", NULL);
	json_t *list = json_array();
	for (char **p = ids; p != NULL && *p != NULL; p++) {
		struct store_stmt *q = store_query(st, BREACH_COLS " WHERE id = ?", "s", *p);
		json_t *row = NULL;
		if (q != NULL && store_step(q) == STORE_ROW)
			row = breach_row(st, q, now);
		store_stmt_done(q);
		if (row != NULL)
			json_array_append_new(list, row);
	}
	regs_strv_free(ids);
	return list;
}

json_t *breach_list_json(struct store *st, int64_t now)
{
	return breach_rows(st, NULL, now);
}

static json_t *tenants_of(struct store *st, const char *id)
{
	json_t *list = json_array();
	struct store_stmt *q = store_query(
	    st,
	    "SELECT b.tenant_id, b.notified_at, (SELECT COUNT(*) FROM breach_users u WHERE"
	    " u.breach_id = b.breach_id AND u.tenant_id = b.tenant_id) FROM breach_tenants b"
	    " WHERE b.breach_id = ? ORDER BY b.tenant_id",
	    "s", id);
	while (q != NULL && store_step(q) == STORE_ROW)
		json_array_append_new(list,
		                      json_pack("{s:s, s:o, s:I}", "tenant_id",
		                                store_col_text(q, 0), "notified_at", opt_int(q, 1),
		                                "affected_users", (json_int_t)store_col_int(q, 2)));
	store_stmt_done(q);
	return list;
}

json_t *breach_get_json(struct store *st, const char *id, int64_t now)
{
	json_t *list = breach_rows(st, id, now);
	json_t *b = json_incref(json_array_get(list, 0));
	json_decref(list);
	if (b != NULL)
		json_object_set_new(b, "tenants", tenants_of(st, id));
	return b;
}

json_t *breach_report_json(struct store *st, const char *id, const char *tenant_id)
{
	struct store_stmt *q = store_query(
	    st,
	    "SELECT b.id, b.title, b.facts, b.effects, b.remedies, b.detected_at, t.notified_at"
	    " FROM breaches b JOIN breach_tenants t ON t.breach_id = b.id WHERE b.id = ? AND"
	    " t.tenant_id = ?",
	    "ss", id, tenant_id);
	json_t *r = NULL;
	if (q != NULL && store_step(q) == STORE_ROW)
		r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o}", "breach_id",
		              store_col_text(q, 0), "tenant_id", tenant_id, "title",
		              store_col_text(q, 1), "facts", store_col_text(q, 2), "effects",
		              store_col_text(q, 3), "remedies", store_col_text(q, 4), "detected_at",
		              (json_int_t)store_col_int(q, 5), "deadline_at",
		              (json_int_t)(store_col_int(q, 5) + BREACH_DEADLINE_S), "notified_at",
		              opt_int(q, 6));
	store_stmt_done(q);
	if (r == NULL)
		return NULL;
	json_t *users = json_array();
	q = store_query(st,
	                "SELECT account_id FROM breach_users WHERE breach_id = ? AND tenant_id = ?"
	                " ORDER BY account_id",
	                "ss", id, tenant_id);
	while (q != NULL && store_step(q) == STORE_ROW)
		json_array_append_new(users, json_string(store_col_text(q, 0)));
	store_stmt_done(q);
	json_object_set_new(r, "affected_users", users);
	json_object_set_new(r, "note",
	                    json_string("Report of the processor under GDPR Art. 33(2) for this "
	                                "organisation only; use it for your own notification to "
	                                "the supervisory authority (Art. 33(3)) and to data "
	                                "subjects (Art. 34)."));
	return r;
}

/* The tally of one tenant in notify_one(). */
struct tenant_outcome {
	int admin_mails, user_mails;
	json_t *users_unreachable; /* account ids without an e-mail address */
};

/* Adds one tenant's outcome to res (see breach_notify) and takes
 * o->users_unreachable. The tenant is listed as notified only when a mail
 * to an admin was queued and a relay can carry it (relay). */
static void outcome_add(json_t *res, const char *tenant_id, struct tenant_outcome *o, bool relay)
{
	json_t *n = json_object_get(res, "mails_queued");
	json_object_set_new(res, "mails_queued",
	                    json_integer(json_integer_value(n) + o->admin_mails + o->user_mails));
	if (o->admin_mails > 0 && relay)
		json_array_append_new(json_object_get(res, "notified"),
		                      json_pack("{s:s, s:i, s:i, s:o}", "tenant_id", tenant_id,
		                                "admin_mails", o->admin_mails, "user_mails",
		                                o->user_mails, "users_unreachable",
		                                o->users_unreachable));
	else
		json_array_append_new(
		    json_object_get(res, "unreachable"),
		    json_pack(
		        "{s:s, s:i, s:i, s:o, s:s}", "tenant_id", tenant_id, "admin_mails",
		        o->admin_mails, "user_mails", o->user_mails, "users_unreachable",
		        o->users_unreachable, "reason",
		        o->admin_mails == 0
		            ? "no active tenant admin has an e-mail address"
		            : "mail held in the outbox: no SMTP relay is configured (smtp.url)"));
	o->users_unreachable = NULL;
}

/* Mails the affected users of tenant_id not told yet. A user is recorded as
 * told (breach_users.notified_at) only when a mail to them was queued and a
 * relay can carry it; users without an e-mail address are added to
 * o->users_unreachable. */
static int notify_users_of(struct app *app, struct store *st, const char *id, const char *tenant_id,
                           bool relay, int64_t now, struct tenant_outcome *o)
{
	char **uids = regs_strv(st,
	                        "SELECT account_id FROM breach_users WHERE breach_id = ? AND"
	                        " notified_at IS NULL ORDER BY account_id",
	                        id);
	int rc = uids != NULL ? 0 : -1;
	for (char **u = uids; rc == 0 && u != NULL && *u != NULL; u++) {
		struct account acc;
		const char *error = NULL;
		char *email = NULL;
		if (accounts_get(st, *u, &acc, &error) < 0 || strcmp(acc.tenant_id, tenant_id) != 0)
			continue;
		if (accounts_email(app, st, &acc, &email) < 0)
			rc = -1;
		else if (email == NULL)
			json_array_append_new(o->users_unreachable, json_string(acc.id));
		else if (mail_enqueue(
		             app, st, tenant_id, acc.id, "breach_user_notice", email,
		             "Iris: a security incident concerns your account",
		             "A security incident may have affected data of your account. "
		             "Your organisation's administrators have the details and will "
		             "tell you what to do.\n") < 0)
			rc = -1;
		else if (relay && store_run(st,
		                            "UPDATE breach_users SET notified_at = ? WHERE"
		                            " breach_id = ? AND account_id = ?",
		                            "iss", now, id, acc.id) != STORE_DONE)
			rc = -1;
		else
			o->user_mails++;
		free(email);
	}
	regs_strv_free(uids);
	return rc;
}

/* Mails one tenant's admins their report. The tenant is recorded as
 * notified (its 72-hour clock stops) only when a mail was queued AND a relay
 * is configured to carry it: a tenant whose admins have no e-mail address,
 * or whose mail is held for want of a relay (smtp.url empty), stays
 * unnotified and is reported in res as unreachable, with a warning in the
 * log. Affected users are mailed when asked either way. Returns 1 when the
 * tenant counts as notified, 0 when not, -1 on error. */
static int notify_one(struct app *app, struct store *st, const struct actor *actor, const char *id,
                      const char *tenant_id, bool users, int64_t now, json_t *res)
{
	bool relay = app->cfg->smtp_url[0] != '\0';
	struct tenant_outcome o = {0, 0, NULL};
	json_t *report = breach_report_json(st, id, tenant_id);
	if (report == NULL)
		return -1;
	json_object_set_new(report, "notified_at", json_integer(now));
	char *doc = json_dumps(report, JSON_INDENT(2) | JSON_SORT_KEYS);
	char *body = xasprintf("A personal-data breach affecting your organisation was recorded by "
	                       "the operator of this Iris installation.\n\nTitle: %s\n\nThe report "
	                       "for your organisation (JSON) follows; it is also available at\n"
	                       "%s/api/v1/tenants/%s/breach-notices\n\n%s\n",
	                       json_string_value(json_object_get(report, "title")), app->public_url,
	                       tenant_id, doc ? doc : "{}");
	int n = regs_mail_admins(app, st, tenant_id, "breach_notice",
	                         "Iris: personal-data breach notification", body);
	free(body);
	free(doc);
	json_decref(report);
	bool told = n > 0 && relay;
	o.admin_mails = n;
	o.users_unreachable = json_array();
	if (n < 0 ||
	    (told && (store_run(st,
	                        "UPDATE breach_tenants SET notified_at = ? WHERE breach_id = ? AND"
	                        " tenant_id = ?",
	                        "iss", now, id, tenant_id) != STORE_DONE ||
	              regs_audit(app, st, actor, tenant_id, "breach.notify", "breach", id,
	                         "breach_tenants.notified_at", false) < 0)) ||
	    (users && notify_users_of(app, st, id, tenant_id, relay, now, &o) < 0)) {
		json_decref(o.users_unreachable);
		return -1;
	}
	if (n > 0 && !relay)
		log_warn("event=breach_notice_held breach=%s tenant=%s reason=no_smtp_url", id,
		         tenant_id);
	outcome_add(res, tenant_id, &o, relay);
	return told ? 1 : 0;
}

int breach_notify(struct app *app, struct store *st, const struct actor *actor, const char *id,
                  const char *tenant_id, bool notify_users, json_t **result_r, const char **error_r)
{
	json_t *res = json_pack("{s:i, s:[], s:[]}", "mails_queued", 0, "notified", "unreachable");
	int matched = 0, told;
	int64_t now = clock_action_now();
	char **tenants =
	    tenant_id != NULL
	        ? regs_strv(st, "SELECT tenant_id FROM breach_tenants WHERE breach_id = ?", id)
	        : regs_strv(st,
	                    "SELECT tenant_id FROM breach_tenants WHERE breach_id = ? AND"
	                    " notified_at IS NULL ORDER BY tenant_id",
	                    id);
	int rc = -1, n = 0;
	*error_r = "internal";
	if (tenants == NULL)
		goto out;
	if (regs_count(st, "SELECT COUNT(*) FROM breaches WHERE id = ?", id) != 1) {
		*error_r = "not_found";
		goto out;
	}
	if (store_tx_begin(st) < 0)
		goto out;
	for (char **t = tenants; *t != NULL; t++) {
		if (tenant_id != NULL && strcmp(*t, tenant_id) != 0)
			continue;
		if ((told = notify_one(app, st, actor, id, *t, notify_users, now, res)) < 0) {
			store_tx_rollback(st);
			goto out;
		}
		matched++;
		n += told;
	}
	if (tenant_id != NULL && matched == 0) {
		store_tx_rollback(st);
		*error_r = "not_found";
		goto out;
	}
	if (store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		goto out;
	}
	if (app->mail_kick != NULL)
		app->mail_kick(app->mail_kick_ctx);
	json_object_set_new(res, "tenants_notified", json_integer(n));
	/* Without a relay the outbox holds every mail (mail_deliver_due). */
	json_object_set_new(
	    res, "delivery",
	    json_string(app->cfg->smtp_url[0] != '\0' ? "queued" : "held: no smtp.url"));
	if (result_r != NULL) {
		*result_r = res;
		res = NULL;
	}
	rc = n;
out:
	json_decref(res);
	regs_strv_free(tenants);
	return rc;
}

json_t *breach_notices_json(struct store *st, const char *tenant_id)
{
	char **ids = regs_strv(st,
	                       "SELECT breach_id FROM breach_tenants WHERE tenant_id = ? AND"
	                       " notified_at IS NOT NULL ORDER BY notified_at DESC",
	                       tenant_id);
	json_t *list = json_array();
	for (char **p = ids; p != NULL && *p != NULL; p++) {
		json_t *r = breach_report_json(st, *p, tenant_id);
		if (r != NULL)
			json_array_append_new(list, r);
	}
	regs_strv_free(ids);
	return list;
}

/* Mails every operator account with an address (reminders of the clock). */
static int remind_operators(struct app *app, struct store *st, const char *bid, int hours)
{
	char *body = xasprintf("Breach %s: %d hours since detection and at least one "
	                       "affected tenant is not notified. The deadline is 72 "
	                       "hours after detection (GDPR Art. 33).\n",
	                       bid, hours);
	int n = regs_mail_operators(app, st, "breach_reminder",
	                            "Iris: breach notification deadline", body);
	free(body);
	return n < 0 ? -1 : 0;
}

int breach_clock(struct app *app, struct store *st, const char *arg, int64_t now, char *summary,
                 size_t len)
{
	char bid[37];
	int hours = 0;
	struct actor sys;
	const char *colon = strchr(arg, ':');
	if (colon == NULL || colon - arg != 36)
		return -1;
	memcpy(bid, arg, 36);
	bid[36] = '\0';
	hours = atoi(colon + 1);
	int64_t pending = regs_count(st,
	                             "SELECT COUNT(*) FROM breach_tenants t JOIN breaches b ON"
	                             " b.id = t.breach_id WHERE t.breach_id = ? AND"
	                             " t.notified_at IS NULL AND b.status = 'open'",
	                             bid);
	if (pending < 0)
		return -1;
	if (pending == 0) {
		snprintf(summary, len, "breach clock %dh: every tenant notified", hours);
		return 0;
	}
	actor_system(&sys, "system");
	const char *col = hours >= 72   ? "overdue_at"
	                  : hours >= 60 ? "reminded_60_at"
	                                : "reminded_24_at";
	char *sql = xasprintf("UPDATE breaches SET %s = ? WHERE id = ?", col);
	int rc = -1;
	if (store_tx_begin(st) < 0)
		goto out;
	if (store_run(st, sql, "is", now, bid) != STORE_DONE ||
	    remind_operators(app, st, bid, hours) < 0 ||
	    regs_audit(app, st, &sys, "", hours >= 72 ? "breach.overdue" : "breach.reminder",
	               "breach", bid, col, false) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		goto out;
	}
	log_warn("event=breach_clock breach=%s hours=%d tenants_unnotified=%lld", bid, hours,
	         (long long)pending);
	snprintf(summary, len, "breach clock %dh: %lld tenants not notified", hours,
	         (long long)pending);
	rc = 0;
out:
	free(sql);
	return rc;
}

json_t *breach_unsuccessful_json(struct store *st, const char *tenant_id, int64_t since)
{
	json_t *by = json_object();
	int64_t total = 0;
	struct store_stmt *q = store_query(
	    st,
	    "SELECT result, COUNT(*) FROM login_events WHERE at_ms >= ? AND result <> 'success'"
	    " AND (? IS NULL OR tenant_id = ?) GROUP BY result ORDER BY result",
	    "iss", since * 1000, tenant_id, tenant_id);
	while (q != NULL && store_step(q) == STORE_ROW) {
		json_object_set_new(by, store_col_text(q, 0), json_integer(store_col_int(q, 1)));
		total += store_col_int(q, 1);
	}
	store_stmt_done(q);
	return json_pack("{s:I, s:I, s:o, s:s}", "since", (json_int_t)since,
	                 "unsuccessful_attempts", (json_int_t)total, "by_result", by, "note",
	                 "unsuccessful attempts (failed logins, throttled floods) are logged and "
	                 "counted; they are not personal-data breaches (P-BRE-2)");
}
