/*
 * privacy/audit_encode: the canonical encoding that entry hashes and
 * checkpoint signatures are computed over (docs/audit.md "Encoding").
 *
 * Every text field is length-prefixed (4 bytes, big-endian), with the length
 * 0xffffffff standing for NULL, so no two different entries share an
 * encoding whatever bytes their fields hold; integers are 8 bytes big-endian.
 * Changing this encoding invalidates every stored chain: do not.
 */
#include "privacy/audit_internal.h"
#include "core/xalloc.h"
#include "store/store.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ENCODING_NULL 0xffffffffu

static void put_u32(unsigned char out[4], uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		out[i] = (unsigned char)(v & 0xff);
}

static void put_i64(unsigned char out[8], int64_t value)
{
	uint64_t v = (uint64_t)value;
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (unsigned char)(v & 0xff);
}

static int digest_text(EVP_MD_CTX *ctx, const char *s)
{
	unsigned char len[4];
	size_t n = s != NULL ? strlen(s) : 0;
	if (n >= ENCODING_NULL)
		return -1;
	put_u32(len, s != NULL ? (uint32_t)n : ENCODING_NULL);
	if (EVP_DigestUpdate(ctx, len, sizeof(len)) != 1)
		return -1;
	return n == 0 || EVP_DigestUpdate(ctx, s, n) == 1 ? 0 : -1;
}

static int digest_int(EVP_MD_CTX *ctx, int64_t v)
{
	unsigned char b[8];
	put_i64(b, v);
	return EVP_DigestUpdate(ctx, b, sizeof(b)) == 1 ? 0 : -1;
}

int audit_entry_hash(const unsigned char prev[AUDIT_HASH_LEN], const struct audit_row *row,
                     unsigned char out[AUDIT_HASH_LEN])
{
	const char *texts[] = {row->actor_id,  row->actor_role, row->action,    row->target_type,
	                       row->target_id, row->fields,     row->request_id};
	unsigned int out_len = 0;
	int rc = -1;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	if (EVP_DigestUpdate(ctx, prev, AUDIT_HASH_LEN) != 1 ||
	    digest_text(ctx, AUDIT_ENCODING_LABEL) < 0 || digest_text(ctx, row->tenant_id) < 0 ||
	    digest_int(ctx, row->seq) < 0 || digest_int(ctx, row->at_ms) < 0)
		goto out;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (digest_text(ctx, texts[i]) < 0)
			goto out;
	}
	if (digest_int(ctx, row->instruction ? 1 : 0) < 0 ||
	    EVP_DigestFinal_ex(ctx, out, &out_len) != 1 || out_len != AUDIT_HASH_LEN)
		goto out;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

void audit_checkpoint_message(const char *tenant_id, int64_t seq,
                              const unsigned char head[AUDIT_HASH_LEN], unsigned char **msg_r,
                              size_t *len_r)
{
	size_t label_len = strlen(AUDIT_CHECKPOINT_LABEL);
	size_t tenant_len = strlen(tenant_id);
	size_t len = label_len + 4 + tenant_len + 8 + AUDIT_HASH_LEN;
	unsigned char *msg = xmalloc(len), *p = msg;
	memcpy(p, AUDIT_CHECKPOINT_LABEL, label_len);
	p += label_len;
	put_u32(p, (uint32_t)tenant_len);
	p += 4;
	memcpy(p, tenant_id, tenant_len);
	p += tenant_len;
	put_i64(p, seq);
	p += 8;
	memcpy(p, head, AUDIT_HASH_LEN);
	*msg_r = msg;
	*len_r = len;
}

void audit_row_read(struct store_stmt *stmt, struct audit_row *row)
{
	row->tenant_id = store_col_text(stmt, 0);
	row->seq = store_col_int(stmt, 1);
	row->at_ms = store_col_int(stmt, 2);
	row->actor_id = store_col_text(stmt, 3);
	row->actor_role = store_col_text(stmt, 4);
	row->action = store_col_text(stmt, 5);
	row->target_type = store_col_text(stmt, 6);
	row->target_id = store_col_text(stmt, 7);
	row->fields = store_col_text(stmt, 8);
	row->request_id = store_col_text(stmt, 9);
	row->instruction = store_col_int(stmt, 10) != 0;
}

int audit_tenants(struct store *st, char ***tenants_r, size_t *count_r)
{
	char **list = NULL;
	size_t n = 0;
	int rc;
	struct store_stmt *s = store_prepare(st, "SELECT tenant_id FROM audit_log UNION "
	                                         "SELECT tenant_id FROM audit_checkpoints "
	                                         "ORDER BY 1");
	*tenants_r = NULL;
	*count_r = 0;
	if (s == NULL)
		return -1;
	while ((rc = store_step(s)) == STORE_ROW) {
		const char *t = store_col_text(s, 0);
		list = xrealloc(list, (n + 1) * sizeof(*list));
		list[n++] = xstrdup(t != NULL ? t : "");
	}
	store_stmt_done(s);
	if (rc != STORE_DONE) {
		audit_tenants_free(list, n);
		return -1;
	}
	*tenants_r = list;
	*count_r = n;
	return 0;
}

void audit_tenants_free(char **tenants, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(tenants[i]);
	free(tenants);
}

int64_t audit_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
