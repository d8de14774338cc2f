/* Unit tests for domain/profile: sealed fields and the avatar. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/accounts.h"
#include "domain/profile.h"
#include "store/store.h"
#include "test_accounts_fixture.h"

static int patch(struct afx *f, const struct account *a, const char *json, const char **error_r,
                 const char **field_r)
{
	struct actor self;
	json_t *p = json_loads(json, 0, NULL);
	assert_non_null(p);
	actor_from_account(&self, a);
	static char name[64];
	int rc = profile_patch(&f->app, f->st, &self, a, p, error_r, field_r);
	if (*field_r != NULL) { /* the name points into p */
		snprintf(name, sizeof(name), "%s", *field_r);
		*field_r = name;
	}
	json_decref(p);
	return rc;
}

static const char *field(struct afx *f, const struct account *a, const char *name, json_t **keep)
{
	const char *error = NULL;
	json_decref(*keep);
	assert_int_equal(profile_get(&f->app, f->st, a, keep, &error), 0);
	json_t *v = json_object_get(*keep, name);
	assert_non_null(v);
	return json_is_null(v) ? NULL : json_is_string(v) ? json_string_value(v) : "<array>";
}

/* P-PRO-1, P-DSR-2: every optional field can be set, corrected and removed. */
static void test_set_correct_remove(void **state)
{
	struct afx *f = *state;
	struct account a;
	const char *error = NULL, *fld = NULL;
	json_t *p = NULL;
	afx_account(f, "", "ann", ROLE_USER, &a);
	assert_int_equal(patch(f, &a,
	                       "{\"title\":\"Dr.\",\"nickname\":\"Nan\",\"job_title\":\"Chemist\","
	                       "\"department\":\"Lab\",\"phone_numbers\":[\"+49 30 1234567\"],"
	                       "\"other_emails\":[\"ann@work.example\"],\"postal_address\":"
	                       "\"1 Main St\\nTown\",\"company\":\"Acme\"}",
	                       &error, &fld),
	                 0);
	assert_string_equal(field(f, &a, "title", &p), "Dr.");
	assert_string_equal(field(f, &a, "department", &p), "Lab");
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(p, "phone_numbers"), 0)),
	    "+49 30 1234567");
	assert_int_equal(
	    patch(f, &a, "{\"title\":\"Prof.\",\"first_name\":\"Anna\"}", &error, &fld), 0);
	assert_string_equal(field(f, &a, "title", &p), "Prof.");
	assert_string_equal(field(f, &a, "first_name", &p), "Anna");
	assert_string_equal(field(f, &a, "nickname", &p), "Nan");
	assert_int_equal(patch(f, &a, "{\"title\":null,\"phone_numbers\":null}", &error, &fld), 0);
	assert_null(field(f, &a, "title", &p));
	assert_null(field(f, &a, "phone_numbers", &p));
	assert_int_equal(afx_count(f,
	                           "SELECT COUNT(*) FROM account_profiles WHERE account_id = ? "
	                           "AND title_sealed IS NULL",
	                           a.id),
	                 1);
	/* P-AUD-1: audited with field names only. */
	assert_int_equal(afx_count(f,
	                           "SELECT COUNT(*) FROM audit_log WHERE action = "
	                           "'profile.remove' AND fields = 'title,phone_numbers'",
	                           NULL),
	                 1);
	json_decref(p);
}

/* P-PRO-1: bad input names the field and changes nothing. */
static void test_bad_input(void **state)
{
	struct afx *f = *state;
	struct account a;
	const char *error = NULL, *fld = NULL;
	json_t *p = NULL;
	afx_account(f, "", "ann", ROLE_USER, &a);
	assert_int_equal(patch(f, &a, "{\"title\":\"Dr.\",\"shoe_size\":42}", &error, &fld), -1);
	assert_string_equal(error, "unknown_field");
	assert_string_equal(fld, "shoe_size");
	assert_int_equal(patch(f, &a, "{\"title\":7}", &error, &fld), -1);
	assert_string_equal(error, "invalid_field");
	assert_int_equal(patch(f, &a, "{\"phone_numbers\":\"123\"}", &error, &fld), -1);
	assert_string_equal(error, "invalid_field");
	assert_int_equal(patch(f, &a, "{\"phone_numbers\":[\"call me\"]}", &error, &fld), -1);
	assert_int_equal(patch(f, &a, "{\"other_emails\":[\"nope\"]}", &error, &fld), -1);
	assert_string_equal(error, "invalid_email");
	assert_int_equal(patch(f, &a, "{\"first_name\":null}", &error, &fld), -1);
	assert_string_equal(error, "invalid_field");
	assert_int_equal(patch(f, &a, "{\"title\":\"\"}", &error, &fld), -1);
	assert_null(field(f, &a, "title", &p)); /* the valid part of a bad patch is not applied */
	json_decref(p);
}

/* P-SEC-2: profile values are sealed at rest and bound to their row. */
static void test_sealed_at_rest(void **state)
{
	struct afx *f = *state;
	struct account a, b;
	const char *error = NULL, *fld = NULL;
	json_t *p = NULL;
	afx_account(f, "", "ann", ROLE_USER, &a);
	afx_account(f, "", "bob", ROLE_USER, &b);
	assert_int_equal(patch(f, &a,
	                       "{\"nickname\":\"CanaryNick93\",\"phone_numbers\":"
	                       "[\"+1555000999\"],\"postal_address\":\"CanaryStreet 5\"}",
	                       &error, &fld),
	                 0);
	assert_false(afx_db_contains(f, "CanaryNick93", 12));
	assert_false(afx_db_contains(f, "+1555000999", 11));
	assert_false(afx_db_contains(f, "CanaryStreet", 12));
	/* Moving ann's sealed nickname into bob's row does not open. */
	assert_int_equal(store_run(f->st,
	                           "UPDATE account_profiles SET nickname_sealed = (SELECT "
	                           "nickname_sealed FROM account_profiles WHERE account_id = "
	                           "?) WHERE account_id = ?",
	                           "ss", a.id, b.id),
	                 STORE_DONE);
	assert_int_equal(profile_get(&f->app, f->st, &b, &p, &error), -1);
}

static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0,   0,   0,  13,
                                    'I',  'H', 'D', 'R', 'C',  'A',  'N',  'A',  'R', 'Y', '!'};

/* P-PRO-1: avatar type and size checks; stored sealed; removable. */
static void test_avatar(void **state)
{
	struct afx *f = *state;
	struct account a;
	struct actor self;
	const char *error = NULL;
	char *data = NULL, type[32];
	size_t len = 0;
	afx_account(f, "", "ann", ROLE_USER, &a);
	actor_from_account(&self, &a);
	assert_int_equal(profile_avatar_get(&f->app, f->st, &a, &data, &len, type, &error), -1);
	assert_string_equal(error, "not_found");
	assert_int_equal(
	    profile_avatar_set(&f->app, f->st, &self, &a, "image/jpeg", png, sizeof(png), &error),
	    -1);
	assert_string_equal(error, "unsupported_media_type");
	assert_int_equal(
	    profile_avatar_set(&f->app, f->st, &self, &a, "image/gif", png, sizeof(png), &error),
	    -1);
	assert_string_equal(error, "unsupported_media_type");
	size_t big_len = (size_t)f->cfg.avatar_max_bytes + 1;
	unsigned char *big = calloc(1, big_len);
	memcpy(big, png, sizeof(png));
	assert_int_equal(
	    profile_avatar_set(&f->app, f->st, &self, &a, "image/png", big, big_len, &error), -1);
	assert_string_equal(error, "payload_too_large");
	free(big);
	assert_int_equal(
	    profile_avatar_set(&f->app, f->st, &self, &a, "image/png", png, sizeof(png), &error),
	    0);
	assert_false(afx_db_contains(f, "CANARY!", 7));
	assert_int_equal(profile_avatar_get(&f->app, f->st, &a, &data, &len, type, &error), 0);
	assert_int_equal(len, sizeof(png));
	assert_memory_equal(data, png, len);
	assert_string_equal(type, "image/png");
	free(data);
	assert_int_equal(profile_avatar_delete(&f->app, f->st, &self, &a, &error), 0);
	assert_int_equal(profile_avatar_get(&f->app, f->st, &a, &data, &len, type, &error), -1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, afx_setup, afx_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_set_correct_remove),
	    T(test_bad_input),
	    T(test_sealed_at_rest),
	    T(test_avatar),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
