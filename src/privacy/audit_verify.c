/*
 * privacy/audit_verify: proves a chain intact or names where it breaks
 * (audit.h, docs/audit.md "What verification detects").
 *
 * The chain is recomputed from the stored columns, never trusting a stored
 * hash: entry n must carry seq n, link to the hash recomputed for n-1 and
 * store the hash recomputed for itself. Checkpoints, whose signatures need
 * the installation's private key, catch what an attacker who recomputes
 * every later hash could otherwise hide: their signed heads must equal the
 * recomputed heads, and no checkpoint may lie beyond the end of the chain.
 * Only the public key is needed, so an auditor can run this on a copy.
 */
#include "privacy/audit.h"
#include "privacy/audit_internal.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct checkpoint {
	int64_t seq;
	unsigned char head[AUDIT_HASH_LEN];
	bool signature_ok;
};

struct chain_walk {
	struct audit_verify_report *report;
	struct checkpoint *cps;
	size_t cp_count, cp_next;
	unsigned char running[AUDIT_HASH_LEN]; /* recomputed hash of the last good entry */
	int64_t expected;                      /* seq the next entry must carry */
	int64_t signed_until;                  /* seq of the last checkpoint that matched */
	bool broken;
};

/* Records a failure at seq unless an earlier one is already known. */
static void __attribute__((format(printf, 3, 4)))
fail(struct audit_verify_report *r, int64_t seq, const char *fmt, ...)
{
	va_list ap;
	if (!r->ok && r->first_bad_seq <= seq)
		return;
	r->ok = false;
	r->first_bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

static bool blob_is(struct store_stmt *s, int col, const unsigned char *want, size_t want_len)
{
	size_t len = 0;
	const void *b = store_col_blob(s, col, &len);
	return b != NULL && len == want_len && memcmp(b, want, len) == 0;
}

/* Loads tenant's checkpoints, in seq order, and checks each signature. */
static int load_checkpoints(struct store *st, const unsigned char pub[32], const char *tenant_id,
                            struct chain_walk *w)
{
	int rc;
	struct store_stmt *s =
	    store_query(st,
	                "SELECT seq, head_hash, signature FROM audit_checkpoints "
	                "WHERE tenant_id = ? ORDER BY seq",
	                "s", tenant_id);
	if (s == NULL)
		return -1;
	while ((rc = store_step(s)) == STORE_ROW) {
		size_t head_len = 0, sig_len = 0;
		const void *head = store_col_blob(s, 1, &head_len);
		const void *sig = store_col_blob(s, 2, &sig_len);
		struct checkpoint *cp;
		w->cps = xrealloc(w->cps, (w->cp_count + 1) * sizeof(*w->cps));
		cp = &w->cps[w->cp_count++];
		memset(cp, 0, sizeof(*cp));
		cp->seq = store_col_int(s, 0);
		if (head != NULL && head_len == AUDIT_HASH_LEN && sig != NULL &&
		    sig_len == AUDIT_SIG_LEN) {
			unsigned char *msg = NULL;
			size_t msg_len = 0;
			memcpy(cp->head, head, AUDIT_HASH_LEN);
			audit_checkpoint_message(tenant_id, cp->seq, cp->head, &msg, &msg_len);
			cp->signature_ok = keys_verify(pub, msg, msg_len, sig);
			free(msg);
		}
		if (!cp->signature_ok)
			fail(w->report, cp->seq,
			     "checkpoint at seq %" PRId64
			     " has an invalid signature (forged or altered)",
			     cp->seq);
	}
	store_stmt_done(s);
	w->report->checkpoints += w->cp_count;
	return rc == STORE_DONE ? 0 : -1;
}

/* Compares the recomputed head with the checkpoints signed at this seq. */
static void check_checkpoints_at(struct chain_walk *w, int64_t seq)
{
	for (; w->cp_next < w->cp_count && w->cps[w->cp_next].seq <= seq; w->cp_next++) {
		const struct checkpoint *cp = &w->cps[w->cp_next];
		if (!cp->signature_ok || cp->seq != seq)
			continue;
		if (memcmp(cp->head, w->running, AUDIT_HASH_LEN) != 0) {
			fail(w->report, w->signed_until + 1,
			     "entries %" PRId64 "..%" PRId64 " differ from the signed checkpoint "
			     "at seq %" PRId64 " (edited and re-hashed)",
			     w->signed_until + 1, seq, seq);
			w->broken = true;
			return;
		}
		w->signed_until = seq;
	}
}

/* Checks one entry against the chain recomputed so far. */
static void walk_entry(struct chain_walk *w, struct store_stmt *s)
{
	struct audit_row row;
	unsigned char hash[AUDIT_HASH_LEN];
	audit_row_read(s, &row);
	if (row.seq != w->expected) {
		fail(w->report, w->expected, "entry %" PRId64 " is missing (removed)", w->expected);
		w->broken = true;
	} else if (!blob_is(s, 11, w->running, AUDIT_HASH_LEN)) {
		fail(w->report, row.seq,
		     "entry %" PRId64 " does not link to entry %" PRId64
		     " (removed, reordered or replaced)",
		     row.seq, row.seq - 1);
		w->broken = true;
	} else if (audit_entry_hash(w->running, &row, hash) < 0 ||
	           !blob_is(s, 12, hash, AUDIT_HASH_LEN)) {
		fail(w->report, row.seq, "entry %" PRId64 " was edited (hash mismatch)", row.seq);
		w->broken = true;
	} else {
		memcpy(w->running, hash, AUDIT_HASH_LEN);
		w->expected++;
		check_checkpoints_at(w, row.seq);
	}
}

/* Walks tenant's entries in seq order, counting all, checking until the
 * first break. */
static int walk_entries(struct store *st, const char *tenant_id, struct chain_walk *w)
{
	int rc;
	struct store_stmt *s = store_query(
	    st, "SELECT " AUDIT_ROW_COLUMNS " FROM audit_log WHERE tenant_id = ? ORDER BY seq", "s",
	    tenant_id);
	if (s == NULL)
		return -1;
	while ((rc = store_step(s)) == STORE_ROW) {
		w->report->entries++;
		if (!w->broken)
			walk_entry(w, s);
	}
	store_stmt_done(s);
	return rc == STORE_DONE ? 0 : -1;
}

/* Verifies one chain into report (which may already hold other chains). */
static int verify_one(struct store *st, const unsigned char pub[32], const char *tenant_id,
                      struct audit_verify_report *report)
{
	struct chain_walk w = {.report = report, .expected = 1};
	int rc = -1;
	if (load_checkpoints(st, pub, tenant_id, &w) < 0 || walk_entries(st, tenant_id, &w) < 0)
		goto out;
	/* A signed checkpoint beyond the last entry: the tail was cut off. */
	for (; !w.broken && w.cp_next < w.cp_count; w.cp_next++) {
		const struct checkpoint *cp = &w.cps[w.cp_next];
		if (cp->signature_ok && cp->seq >= w.expected) {
			fail(report, w.expected,
			     "checkpoint at seq %" PRId64 " but the chain ends at seq %" PRId64
			     " (entries removed from the tail)",
			     cp->seq, w.expected - 1);
			break;
		}
	}
	rc = 0;
out:
	free(w.cps);
	return rc;
}

static void report_init(struct audit_verify_report *report)
{
	memset(report, 0, sizeof(*report));
	report->ok = true;
	report->first_bad_seq = -1;
}

/* Verifies every chain; the first broken tenant (in id order) is reported,
 * its reason prefixed with the tenant id. */
static int verify_all(struct store *st, const unsigned char pub[32],
                      struct audit_verify_report *report)
{
	char **tenants = NULL;
	size_t n = 0;
	int rc = 0;
	if (audit_tenants(st, &tenants, &n) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct audit_verify_report one;
		report_init(&one);
		rc = verify_one(st, pub, tenants[i], &one);
		report->entries += one.entries;
		report->checkpoints += one.checkpoints;
		if (rc == 0 && !one.ok && report->ok) {
			report->ok = false;
			report->first_bad_seq = one.first_bad_seq;
			int len = snprintf(report->reason, sizeof(report->reason),
			                   "tenant \"%.64s\": %s", tenants[i], one.reason);
			if (len < 0 || (size_t)len >= sizeof(report->reason))
				memcpy(report->reason + sizeof(report->reason) - 4, "...", 4);
		}
	}
	audit_tenants_free(tenants, n);
	return rc;
}

int audit_verify(struct store *st, const unsigned char pub[32], const char *tenant_id,
                 struct audit_verify_report *report)
{
	report_init(report);
	if (tenant_id == NULL)
		return verify_all(st, pub, report);
	return verify_one(st, pub, tenant_id, report);
}
