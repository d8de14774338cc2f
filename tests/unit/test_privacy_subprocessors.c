/* Sub-processor register and change notices (issue 4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/clock.h"
#include "core/ids.h"
#include "compliance/instructions.h"
#include "compliance/retention.h"
#include "compliance/subprocessors.h"
#include "store/store.h"
#include "test_privacy_registers_fixture.h"

#define DAY 86400

/* P-SUB-1 P-SUB-2 */
static void test_change_notified_objected_or_consented(void **state)
{
	struct rfx *f = *state;
	const char *error = NULL, *reason = NULL;
	char sp_id[IDS_UUID_LEN], change[IDS_UUID_LEN], other[IDS_UUID_LEN], held[IDS_UUID_LEN];
	struct account other_admin;
	struct actor other_actor;
	rfx_tenant(f, "Beta", other);
	rfx_account(f, other, "beta-admin", ROLE_TENANT_ADMIN, &other_admin);
	actor_from_account(&other_actor, &other_admin);
	json_t *w = json_pack("{s:i}", "objection_window_days", 14);
	assert_int_equal(instructions_apply(&f->app, f->st, &other_actor, other, w, held, &reason,
	                                    &error),
	                 0);
	json_decref(w);

	struct subprocessor sp = {"Mailer GmbH", "Hauptstr. 1, 10115 Berlin", "e-mail relay",
	                          "e-mail addresses, service e-mail", "DE", NULL};
	assert_int_equal(subprocessors_put(&f->app, f->st, &f->op_actor, NULL, &sp, sp_id, &error),
	                 0);
	struct subprocessor bad = sp;
	bad.name = "";
	assert_int_equal(subprocessors_put(&f->app, f->st, &f->op_actor, NULL, &bad, sp_id, &error),
	                 -1);
	assert_int_equal(subprocessors_announce(&f->app, f->st, &f->op_actor, sp_id, "add",
	                                        "new relay", f->now + 3 * DAY, change, &error),
	                 -1);
	assert_string_equal(error, "too_soon");
	assert_int_equal(subprocessors_announce(&f->app, f->st, &f->op_actor, sp_id, "add",
	                                        "new relay", f->now + 40 * DAY, change, &error),
	                 0);
	/* Every tenant's admins get the notice through the outbox. */
	assert_int_equal(rfx_count(f,
	                           "SELECT COUNT(*) FROM mail_outbox WHERE kind ="
	                           " 'subprocessor_change'",
	                           NULL),
	                 2);
	/* Tenant 1 objects within its 30 days. */
	clock_action_fix(f->now + 10 * DAY);
	assert_int_equal(subprocessors_object(&f->app, f->st, &f->admin_actor, f->tenant, change,
	                                      "we need an EU relay", &error),
	                 0);
	assert_int_equal(subprocessors_object(&f->app, f->st, &f->admin_actor, f->tenant, change,
	                                      NULL, &error),
	                 -1);
	assert_string_equal(error, "conflict");
	/* Tenant 2 stays silent: after 14 days its window closes as consent. */
	rfx_run_at(f, f->now + 15 * DAY);
	assert_int_equal(subprocessors_object(&f->app, f->st, &other_actor, other, change, NULL,
	                                      &error),
	                 -1);
	assert_string_equal(error, "conflict");
	rfx_run_at(f, f->now + 31 * DAY);
	json_t *all = subprocessors_changes_json(f->st, NULL);
	json_t *notices = json_object_get(json_array_get(all, 0), "notices");
	assert_int_equal(json_array_size(notices), 2);
	size_t i;
	json_t *n;
	int objected = 0, consented = 0;
	json_array_foreach(notices, i, n)
	{
		const char *o = json_string_value(json_object_get(n, "outcome"));
		objected += strcmp(o, "objected") == 0;
		consented += strcmp(o, "consented") == 0;
		if (strcmp(json_string_value(json_object_get(n, "tenant_id")), other) == 0)
			assert_int_equal(json_integer_value(json_object_get(n, "window_days")), 14);
	}
	assert_int_equal(objected, 1);
	assert_int_equal(consented, 1);
	json_decref(all);
	/* The tenant view shows its own notice only. */
	json_t *mine = subprocessors_changes_json(f->st, f->tenant);
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(json_array_get(mine, 0), "notice"), "tenant_id")),
	                    f->tenant);
	json_decref(mine);
}

/* P-SUB-2 */
static void test_objection_after_window_refused(void **state)
{
	struct rfx *f = *state;
	const char *error = NULL;
	char sp_id[IDS_UUID_LEN], change[IDS_UUID_LEN];
	struct subprocessor sp = {"Host SAS", "1 rue X, Paris", "hosting", "all stored data", "FR",
	                          NULL};
	assert_int_equal(subprocessors_put(&f->app, f->st, &f->op_actor, NULL, &sp, sp_id, &error),
	                 0);
	assert_int_equal(subprocessors_announce(&f->app, f->st, &f->op_actor, sp_id, "replace",
	                                        "move", f->now + 60 * DAY, change, &error),
	                 0);
	clock_action_fix(f->now + 30 * DAY + 1);
	assert_int_equal(subprocessors_object(&f->app, f->st, &f->admin_actor, f->tenant, change,
	                                      NULL, &error),
	                 -1);
	assert_string_equal(error, "window_closed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_change_notified_objected_or_consented, rfx_setup,
	                                    rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_objection_after_window_refused, rfx_setup,
	                                    rfx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
