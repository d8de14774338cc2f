/* Unit tests of domain/contact_book: import, cleaning report, merge/undo,
 * refresh, settings as instructions, sealing and erasure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/keys.h"
#include "domain/contact_book.h"
#include "domain/contact_book_internal.h"
#include "store/store.h"
#include "test_accounts_fixture.h"

static const char odd_csv[] = "Kundennummer;Vollständiger Name;E-Mail-Adresse;Handy;Firma\n"
                              "K1;MARIE DUPONT;Marie.Dupont@GMIAL.com;06 12 34 56 78;\n"
                              "K2;Marie Dupont;marie.dupont@gmail.com;+33612345678;\n"
                              "K3;jean CANARYSURNAME;jean@initech.fr;01 42 68 53 00;\n"
                              "K4;\"broken quote;x@y.fr;;\n";

/* The mapping step: the tenant maps the headers the synonyms do not know. */
#define ODD_MAP                                                                                    \
	"{\"Handy\": \"phone\", \"Kundennummer\": \"id\", \"Vollständiger Name\": "               \
	"\"full_name\", \"E-Mail-Adresse\": \"email\", \"Firma\": \"company\"}"

struct ctx {
	struct afx *f;
	char tid[IDS_UUID_LEN];
	struct account admin;
	struct actor actor;
};

static struct ctx setup_book(void **state)
{
	struct ctx c = {.f = *state};
	afx_tenant(c.f, "cb-org", c.tid);
	afx_account(c.f, c.tid, "cb-admin", ROLE_TENANT_ADMIN, &c.admin);
	actor_from_account(&c.actor, &c.admin);
	return c;
}

static json_t *import(struct ctx *c, const char *data, const char *map_json)
{
	json_t *out = NULL, *map = map_json ? json_loads(map_json, 0, NULL) : NULL;
	const char *error = NULL;
	struct contact_book_import_opts o = {.map = map, .save_map = map != NULL};
	assert_int_equal(contact_book_import(&c->f->app, c->f->st, &c->actor, c->tid, data,
	                                     strlen(data), &o, &out, &error),
	                 0);
	json_decref(map);
	return out;
}

static char *export_csv(struct ctx *c, size_t *len)
{
	char *body = NULL;
	const char *ct = NULL, *error = NULL;
	assert_int_equal(contact_book_export(&c->f->app, c->f->st, &c->actor, c->tid, "csv", &body,
	                                     len, &ct, &error),
	                 0);
	return body;
}

static const char *first_id(struct ctx *c, const char *q)
{
	static char id[IDS_UUID_LEN];
	json_t *out = NULL;
	const char *error = NULL;
	assert_int_equal(contact_book_list(&c->f->app, c->f->st, c->tid, q, 0, 10, &out, &error),
	                 0);
	json_t *first = json_array_get(json_object_get(out, "contacts"), 0);
	assert_non_null(first);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(first, "id")));
	json_decref(out);
	return id;
}

/* P-HYG-1, P-HYG-2: odd headers mapped, bad row kept, cleaning reported;
 * the export keeps the source ids; vCard import too. */
static void test_import_clean_export(void **state)
{
	struct ctx c = setup_book(state);
	json_t *r = import(&c, odd_csv, ODD_MAP);
	assert_int_equal(json_integer_value(json_object_get(r, "imported")), 4);
	assert_true(json_integer_value(json_object_get(r, "repaired")) >= 1);
	bool typo = false;
	size_t i;
	json_t *ch;
	json_array_foreach(json_object_get(r, "changes"), i, ch)
	{
		const char *after = json_string_value(json_object_get(ch, "after"));
		if (after && strcmp(after, "marie.dupont@gmail.com") == 0 &&
		    strcmp(json_string_value(json_object_get(ch, "source_id")), "K1") == 0)
			typo = true;
	}
	if (!typo)
		json_dumpf(r, stderr, JSON_INDENT(1));
	assert_true(typo);
	json_decref(r);

	json_t *one = NULL;
	const char *error = NULL;
	assert_int_equal(
	    contact_book_get(&c.f->app, c.f->st, c.tid, first_id(&c, "Dupont"), &one, &error), 0);
	json_t *fields = json_object_get(one, "fields");
	assert_string_equal(json_string_value(json_object_get(fields, "email")),
	                    "marie.dupont@gmail.com");
	assert_string_equal(json_string_value(json_object_get(fields, "phone")), "+33612345678");
	assert_true(json_array_size(json_object_get(one, "changes")) > 0);
	json_decref(one);

	size_t len = 0;
	char *csv = export_csv(&c, &len);
	assert_non_null(strstr(csv, "cluster_id,id,"));
	assert_non_null(strstr(csv, ",K1,"));
	assert_non_null(strstr(csv, ",K3,"));
	free(csv);

	r = import(&c,
	           "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:vc-77\r\nFN:Zoe Zed\r\nN:Zed;Zoe;;;\r\n"
	           "EMAIL:zoe@zed.example\r\nEND:VCARD\r\n",
	           NULL);
	assert_string_equal(json_string_value(json_object_get(r, "format")), "vcard");
	assert_int_equal(json_integer_value(json_object_get(r, "imported")), 1);
	json_decref(r);
	json_t *list = NULL;
	assert_int_equal(
	    contact_book_list(&c.f->app, c.f->st, c.tid, "zoe@zed.example", 0, 10, &list, &error),
	    0);
	assert_int_equal(json_integer_value(json_object_get(list, "total")), 1);
	json_decref(list);
}

/* P-HYG-3: duplicates found with explanations; a merge keeps every source
 * value; undo restores the book byte for byte. */
static void test_merge_undo_exact(void **state)
{
	struct ctx c = setup_book(state);
	json_decref(import(&c, odd_csv, ODD_MAP));
	size_t before_len = 0, after_len = 0, mid_len = 0;
	char *before = export_csv(&c, &before_len);
	json_t *ids = json_array(), *req, *out = NULL;
	const char *error = NULL;
	json_t *list = NULL;
	assert_int_equal(
	    contact_book_list(&c.f->app, c.f->st, c.tid, "marie dupont", 0, 10, &list, &error), 0);
	assert_int_equal(json_integer_value(json_object_get(list, "total")), 2);
	for (size_t i = 0; i < 2; i++)
		json_array_append(
		    ids,
		    json_object_get(json_array_get(json_object_get(list, "contacts"), i), "id"));
	json_decref(list);
	req = json_pack("{s:o}", "contact_ids", ids);
	assert_int_equal(contact_book_merge(&c.f->app, c.f->st, &c.actor, c.tid, req, &out, &error),
	                 0);
	json_t *m = json_array_get(json_object_get(out, "merges"), 0);
	char merge_id[IDS_UUID_LEN], merged[IDS_UUID_LEN];
	snprintf(merge_id, sizeof(merge_id), "%s",
	         json_string_value(json_object_get(m, "merge_id")));
	snprintf(merged, sizeof(merged), "%s", json_string_value(json_object_get(m, "contact_id")));
	json_decref(out);
	json_decref(req);

	json_t *one = NULL;
	assert_int_equal(contact_book_get(&c.f->app, c.f->st, c.tid, merged, &one, &error), 0);
	json_t *fields = json_object_get(one, "fields");
	assert_string_equal(json_string_value(json_object_get(fields, "source_ids")), "K1;K2");
	/* the full names differ: the one that lost is kept with its source id */
	const char *alt =
	    json_string_value(json_object_get(json_object_get(one, "extra"), "_alternates"));
	assert_non_null(alt);
	assert_non_null(strstr(alt, "["));
	json_decref(one);
	char *mid = export_csv(&c, &mid_len);
	assert_false(mid_len == before_len && memcmp(mid, before, mid_len) == 0);
	free(mid);

	assert_int_equal(
	    contact_book_undo(&c.f->app, c.f->st, &c.actor, c.tid, merge_id, &out, &error), 0);
	json_decref(out);
	char *after = export_csv(&c, &after_len);
	assert_int_equal(after_len, before_len);
	assert_memory_equal(after, before, before_len);
	free(after);
	free(before);
	/* the merged contact's key is gone; the sources' keys live again */
	char subject[64];
	cb_subject(merged, subject);
	assert_false(keys_subject_exists(c.f->app.keys, c.f->st, c.tid, subject));
}

static long instructions(struct ctx *c, const char *action)
{
	struct store_stmt *q = store_query(c->f->st,
	                                   "SELECT COUNT(*) FROM audit_log WHERE tenant_id = ? AND "
	                                   "action = ? AND instruction = 1",
	                                   "ss", c->tid, action);
	assert_int_equal(store_step(q), STORE_ROW);
	long n = (long)store_col_int(q, 0);
	store_stmt_done(q);
	return n;
}

/* P-HYG-4, P-HYG-5: refresh refused until the tenant records that its
 * employees were informed (and agreed when it requires it); each record is
 * an instruction in the audit log. */
static void test_refresh_needs_record(void **state)
{
	struct ctx c = setup_book(state);
	json_decref(import(&c, "id,first_name,last_name,email\n1,Ann,Lee,ann@oldco.com\n", NULL));
	const char ev[] = "email,date,type,name\nann@oldco.com,2026-01-02,bounce,\n"
	                  "Ann Lee <ann.lee@newco.io>,2026-02-01,message,Ann Lee\n";
	json_t *out = NULL, *patch;
	const char *error = NULL, *field = NULL;
	assert_int_equal(
	    contact_book_refresh(&c.f->app, c.f->st, &c.actor, c.tid, ev, strlen(ev), &out, &error),
	    -1);
	assert_string_equal(error, "employees_not_informed");
	patch = json_pack("{s:b, s:b}", "employees_informed", 1, "consent_required", 1);
	assert_int_equal(
	    contact_book_settings_patch(&c.f->app, c.f->st, &c.actor, c.tid, patch, &error, &field),
	    0);
	json_decref(patch);
	assert_int_equal(
	    contact_book_refresh(&c.f->app, c.f->st, &c.actor, c.tid, ev, strlen(ev), &out, &error),
	    -1);
	assert_string_equal(error, "employees_not_agreed");
	patch = json_pack("{s:b}", "employees_agreed", 1);
	assert_int_equal(
	    contact_book_settings_patch(&c.f->app, c.f->st, &c.actor, c.tid, patch, &error, &field),
	    0);
	json_decref(patch);
	assert_int_equal(instructions(&c, "contacts.refresh_consent"), 2);
	assert_int_equal(
	    contact_book_refresh(&c.f->app, c.f->st, &c.actor, c.tid, ev, strlen(ev), &out, &error),
	    0);
	assert_int_equal(json_integer_value(json_object_get(out, "addresses_updated")), 1);
	json_decref(out);
	assert_int_equal(
	    contact_book_get(&c.f->app, c.f->st, c.tid, first_id(&c, "ann lee"), &out, &error), 0);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(out, "fields"), "email")),
	    "ann.lee@newco.io");
	json_decref(out);

	/* P-HYG-5: a settings change is an instruction naming the settings only */
	patch = json_pack("{s:s, s:f}", "default_country", "DE", "dedupe_threshold", 0.7);
	assert_int_equal(
	    contact_book_settings_patch(&c.f->app, c.f->st, &c.actor, c.tid, patch, &error, &field),
	    0);
	json_decref(patch);
	assert_int_equal(instructions(&c, "contacts.settings"), 1);
	assert_int_equal(afx_count(c.f,
	                           "SELECT COUNT(*) FROM audit_log WHERE fields = "
	                           "'default_country,dedupe_threshold' AND instruction = 1 AND "
	                           "tenant_id = ?",
	                           c.tid),
	                 1);
	patch = json_pack("{s:s}", "default_country", "germany");
	assert_int_equal(
	    contact_book_settings_patch(&c.f->app, c.f->st, &c.actor, c.tid, patch, &error, &field),
	    -1);
	assert_string_equal(field, "default_country");
	json_decref(patch);
}

/* P-SEC-2: no contact value in clear in the database; erasing one contact
 * destroys its key (crypto-shredding). */
static void test_sealed_and_erased(void **state)
{
	struct ctx c = setup_book(state);
	json_decref(import(&c, odd_csv, ODD_MAP));
	assert_false(afx_db_contains(c.f, "CANARYSURNAME", 13));
	assert_false(afx_db_contains(c.f, "Canarysurname", 13));
	assert_false(afx_db_contains(c.f, "jean@initech.fr", 15));
	assert_false(afx_db_contains(c.f, "broken quote", 12));
	char id[IDS_UUID_LEN], subject[64];
	snprintf(id, sizeof(id), "%s", first_id(&c, "jean@initech.fr"));
	cb_subject(id, subject);
	assert_true(keys_subject_exists(c.f->app.keys, c.f->st, c.tid, subject));
	size_t n = 0;
	const char *error = NULL;
	assert_int_equal(contact_book_delete(&c.f->app, c.f->st, &c.actor, c.tid, id, &n, &error),
	                 0);
	assert_false(keys_subject_exists(c.f->app.keys, c.f->st, c.tid, subject));
	json_t *out = NULL;
	assert_int_equal(contact_book_get(&c.f->app, c.f->st, c.tid, id, &out, &error), -1);
	assert_string_equal(error, "not_found");
	assert_int_equal(instructions(&c, "contacts.delete"), 1);
}

/* Performance figure (printed, not asserted): import of N generated rows. */
static void test_import_speed(void **state)
{
	struct ctx c = setup_book(state);
	const char *env = getenv("CONTACT_BOOK_BENCH_ROWS");
	size_t n = env ? (size_t)atol(env) : 2000, cap = n * 96 + 64, len = 0;
	char *csv = malloc(cap);
	len += (size_t)snprintf(csv, cap, "id,first_name,last_name,email,phone,company\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(
		    csv + len, cap - len,
		    "g%zu,name%zu,surname%zu,p%zu@firm%zu.com,+3361%07zu,Firm%zu\n", i, i % 500, i,
		    i, i % 97, i, i % 97);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	json_t *r = import(&c, csv, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal((size_t)json_integer_value(json_object_get(r, "imported")), n);
	fprintf(stderr, "contact_book: imported %zu rows in %.2f s\n", n,
	        (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	json_decref(r);
	free(csv);
	const char *error = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(contact_book_duplicates(&c.f->app, c.f->st, c.tid, -1, &r, &error), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "contact_book: duplicates of %zu contacts (load, open, dedupe) in %.2f s\n",
	        n, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_import_clean_export, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_merge_undo_exact, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_refresh_needs_record, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_sealed_and_erased, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_import_speed, afx_setup, afx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
