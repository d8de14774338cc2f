/*
 * xmpp/pep_avatar: user avatars (XEP-0084 and XEP-0153) over the profile
 * avatar of domain/profile.h (P-PRO-1): the single copy. The PEP nodes
 * urn:xmpp:avatar:data and urn:xmpp:avatar:metadata are views of it:
 * publishing data sets the profile avatar (the REST upload's type and size
 * checks, item id = SHA-1 of the bytes), publishing empty metadata removes
 * it, and both nodes read it back. Presence broadcasts carry the SHA-1 of
 * the profile avatar in vcard-temp:x:update (whatever the client put
 * there), cached per account for CACHE_MS.
 */
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/accounts.h"
#include "domain/app.h"
#include "domain/profile.h"
#include "store/store.h"
#include "xmpp/pep_internal.h"
#include "xml/stanza.h"
#include "xmpp/xep_internal.h"
#include "xmpp/xmpp_module.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CACHE_MS 60000
#define CACHE_MAX 4096

bool pep_avatar_node(const char *node)
{
	return strcmp(node, NS_AVATAR_DATA) == 0 || strcmp(node, NS_AVATAR_META) == 0;
}

static void sha1_hex(const void *data, size_t len, char out[41])
{
	unsigned char md[SHA_DIGEST_LENGTH];
	SHA1(data, len, md);
	for (int i = 0; i < SHA_DIGEST_LENGTH; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int pep_avatar_info(struct app *app, struct store *st, const struct xacct *acct, char hash[41],
                    char type[32], size_t *len_r, char **data_r)
{
	struct account acc;
	const char *error = NULL;
	char *data = NULL;
	size_t len = 0;
	hash[0] = '\0';
	type[0] = '\0';
	*len_r = 0;
	if (data_r != NULL)
		*data_r = NULL;
	if (accounts_get(st, acct->id, &acc, &error) < 0)
		return -1;
	if (profile_avatar_get(app, st, &acc, &data, &len, type, &error) < 0) {
		type[0] = '\0';
		return error != NULL && strcmp(error, "not_found") == 0 ? 0 : -1;
	}
	if (data == NULL)
		return 0;
	sha1_hex(data, len, hash);
	*len_r = len;
	if (data_r != NULL)
		*data_r = data;
	else
		free(data);
	return 0;
}

struct xml_doc *pep_avatar_items(struct app *app, struct store *st, const struct xacct *owner,
                                 const char *node, const char *item_id)
{
	char hash[41], type[32], bytes[24];
	size_t len = 0;
	char *data = NULL;
	bool want_data = strcmp(node, NS_AVATAR_DATA) == 0;
	if (pep_avatar_info(app, st, owner, hash, type, &len, want_data ? &data : NULL) < 0)
		return NULL;
	struct xml_doc *p = xml_doc_new(0);
	struct xml_elem *ps = xml_elem_new(p, NULL, NS_PUBSUB, "pubsub");
	struct xml_elem *items = xml_elem_new(p, ps, NS_PUBSUB, "items");
	xml_elem_set_attr(items, "node", node);
	if (hash[0] != '\0' && (item_id == NULL || strcasecmp(item_id, hash) == 0)) {
		struct xml_elem *it = xml_elem_new(p, items, NS_PUBSUB, "item");
		xml_elem_set_attr(it, "id", hash);
		if (want_data) {
			char *b64 = sasl_b64_encode(data, len);
			xml_elem_add_child_text(it, NS_AVATAR_DATA, "data", b64);
			free(b64);
		} else {
			struct xml_elem *m = xml_elem_new(p, it, NS_AVATAR_META, "metadata");
			struct xml_elem *info = xml_elem_new(p, m, NS_AVATAR_META, "info");
			snprintf(bytes, sizeof(bytes), "%zu", len);
			xml_elem_set_attr(info, "bytes", bytes);
			xml_elem_set_attr(info, "id", hash);
			xml_elem_set_attr(info, "type", type);
		}
	}
	free(data);
	return p;
}

/* The type the bytes are (the profile checks them again). */
static const char *sniff_type(const unsigned char *d, size_t len)
{
	if (len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (len >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
		return "image/jpeg";
	return "application/octet-stream";
}

int pep_avatar_publish(struct app *app, struct store *st, const struct xacct *acct,
                       const char *node, const char *item_id, const char *item_xml, size_t len,
                       enum stanza_error_cond *err_r)
{
	struct account acc;
	struct actor actor;
	const char *error = NULL;
	struct xml_doc *d = xep_parse_stanza(item_xml, len);
	struct xml_elem *item = d ? xml_doc_root(d) : NULL;
	int ret = -1;
	*err_r = STANZA_ERR_INTERNAL_SERVER_ERROR;
	if (item == NULL || accounts_get(st, acct->id, &acc, &error) < 0)
		goto out;
	actor_from_account(&actor, &acc);
	if (strcmp(node, NS_AVATAR_DATA) == 0) {
		struct xml_elem *de = xml_elem_find(item, NS_AVATAR_DATA, "data");
		const char *b64 = de ? xml_elem_text(de, NULL) : NULL;
		unsigned char *data = NULL;
		size_t dlen = 0;
		char hash[41];
		*err_r = STANZA_ERR_BAD_REQUEST;
		if (b64 == NULL)
			goto out;
		char *clean = xstrdup(b64), *w = clean;
		for (const char *r = b64; *r; r++)
			if (*r != ' ' && *r != '\n' && *r != '\r' && *r != '\t')
				*w++ = *r;
		*w = '\0';
		int rc = xmpp_b64_decode(clean, strlen(clean), &data, &dlen);
		free(clean);
		if (rc < 0 || dlen == 0) {
			free(data);
			goto out;
		}
		sha1_hex(data, dlen, hash);
		*err_r = STANZA_ERR_NOT_ACCEPTABLE;
		/* XEP-0084 §4.2: the item id is the SHA-1 of the image; the
		 * profile's checks: PNG or JPEG, profile.avatar_max_bytes */
		if (strcasecmp(hash, item_id) == 0 &&
		    profile_avatar_set(app, st, &actor, &acc, sniff_type(data, dlen), data, dlen,
		                       &error) == 0)
			ret = 0;
		free(data);
		goto out;
	}
	struct xml_elem *m = xml_elem_find(item, NS_AVATAR_META, "metadata");
	struct xml_elem *info = m ? xml_elem_find(m, NS_AVATAR_META, "info") : NULL;
	*err_r = STANZA_ERR_BAD_REQUEST;
	if (m == NULL)
		goto out;
	if (info == NULL) {
		/* XEP-0084 §4.5: empty metadata disables the avatar */
		if (profile_avatar_delete(app, st, &actor, &acc, &error) < 0 &&
		    (error == NULL || strcmp(error, "not_found") != 0)) {
			*err_r = STANZA_ERR_INTERNAL_SERVER_ERROR;
			goto out;
		}
	} else {
		char hash[41], type[32];
		size_t alen;
		const char *id = xml_elem_attr(info, "id");
		if (pep_avatar_info(app, st, acct, hash, type, &alen, NULL) < 0) {
			*err_r = STANZA_ERR_INTERNAL_SERVER_ERROR;
			goto out;
		}
		*err_r = STANZA_ERR_NOT_ACCEPTABLE; /* names an avatar we do not hold */
		if (id == NULL || hash[0] == '\0' || strcasecmp(id, hash) != 0)
			goto out;
	}
	/* the node row makes the metadata part of the last items at login */
	if (pep_db_node_put(st, acct->id, acct->tenant_id, NS_AVATAR_META, PEP_ACCESS_PRESENCE, 1,
	                    (int64_t)time(NULL) * 1000) < 0) {
		*err_r = STANZA_ERR_INTERNAL_SERVER_ERROR;
		goto out;
	}
	ret = 1;
out:
	xml_doc_free(&d);
	return ret;
}

/* ---- XEP-0153 hash in presence ------------------------------------------- */

struct hash_entry {
	char id[IDS_UUID_LEN];
	char hash[41];
	uint64_t at;
};
/* The pep module's per-server state (xmpp_module.h): the hash cache. */
struct pep_state {
	struct hash_entry cache[CACHE_MAX];
};

void *pep_state_new(struct xmpp_server *srv)
{
	return xcalloc(1, sizeof(struct pep_state));
}

void pep_state_free(void *state)
{
	free(state);
}

static struct hash_entry *cache_slot(struct xmpp_server *srv, const char *id)
{
	struct pep_state *st = xmpp_module_state(srv, &pep_xmpp);
	uint64_t h = 1469598103934665603ull;
	for (const char *s = id; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return &st->cache[h % CACHE_MAX];
}

static const char *cache_get(struct xmpp_server *srv, const char *id)
{
	struct hash_entry *e = cache_slot(srv, id);
	uint64_t now = uv_now(srv->loop);
	if (strcmp(e->id, id) != 0 || e->at == 0 || now - e->at > CACHE_MS)
		return NULL;
	return e->hash;
}

static void cache_put(struct xmpp_server *srv, const char *id, const char *hash)
{
	struct hash_entry *e = cache_slot(srv, id);
	snprintf(e->id, sizeof(e->id), "%s", id);
	snprintf(e->hash, sizeof(e->hash), "%s", hash);
	e->at = uv_now(srv->loop);
	if (e->at == 0)
		e->at = 1;
}

static void cache_forget(struct xmpp_server *srv, const char *id)
{
	struct hash_entry *e = cache_slot(srv, id);
	if (strcmp(e->id, id) == 0)
		e->at = 0;
}

struct hash_job {
	struct dbjob job;
	struct xml_doc *doc;
	struct xacct acct;
	char hash[41];
};

static void hash_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct hash_job *h = (struct hash_job *)job;
	char type[32];
	size_t len;
	if (pep_avatar_info(app, st, &h->acct, h->hash, type, &len, NULL) < 0)
		job->status = -1;
}

static void hash_done(struct dbjob *job)
{
	struct hash_job *h = (struct hash_job *)job;
	struct c2s_conn *c = job->conn;
	/* on a failed read the presence goes out without a hash ("") */
	cache_put(job->srv, h->acct.id, job->status == 0 ? h->hash : "");
	if (c->state == C2S_BOUND && c->user != NULL) {
		c->presence_tokens += 1.0; /* the stanza was already counted */
		presence_handle(c, h->doc);
	} else
		xml_doc_free(&h->doc);
	free(h);
}

/* The presence without its vcard-temp:x:update child, with ours. */
static struct xml_doc *restamp(const struct xml_elem *el, const char *hash)
{
	struct xml_doc *d = xml_doc_new(0);
	struct xml_elem *root = xml_elem_new(d, NULL, xml_elem_ns(el), xml_elem_name(el));
	for (const struct xml_attr *a = xml_elem_attrs(el); a != NULL; a = a->next)
		xml_elem_add_attr_n(root, a->ns, a->ns ? strlen(a->ns) : 0, a->name,
		                    strlen(a->name), a->value, a->value_len);
	for (struct xml_elem *ch = xml_elem_first_child(el); ch; ch = xml_elem_next_sibling(ch))
		if (!xml_elem_is(ch, NS_VCARD_UPDATE, "x"))
			xml_elem_copy(d, root, ch);
	struct xml_elem *x = xml_elem_new(d, root, NS_VCARD_UPDATE, "x");
	if (hash[0] != '\0')
		xml_elem_add_child_text(x, NS_VCARD_UPDATE, "photo", hash);
	else
		xml_elem_new(d, x, NS_VCARD_UPDATE, "photo");
	return d;
}

static bool stamped(struct xml_elem *el, const char *hash)
{
	unsigned n = 0;
	bool ok = false;
	for (struct xml_elem *ch = xml_elem_first_child(el); ch; ch = xml_elem_next_sibling(ch)) {
		if (!xml_elem_is(ch, NS_VCARD_UPDATE, "x"))
			continue;
		n++;
		struct xml_elem *ph = xml_elem_find(ch, NS_VCARD_UPDATE, "photo");
		const char *t = ph ? xml_elem_text(ph, NULL) : NULL;
		ok = xml_elem_child_count(ch) == 1 && ph != NULL && strcmp(t ? t : "", hash) == 0;
	}
	return n == 1 && ok;
}

bool pep_avatar_presence(struct c2s_conn *c, struct xml_doc *doc)
{
	struct xml_elem *el = xml_doc_root(doc);
	const char *hash = cache_get(c->srv, c->acct.id);
	if (hash != NULL) {
		if (stamped(el, hash))
			return false;
		if (xml_elem_find(el, NS_VCARD_UPDATE, "x") == NULL) {
			struct xml_doc *tmp = restamp(el, hash);
			struct xml_elem *x = xml_elem_find(xml_doc_root(tmp), NS_VCARD_UPDATE, "x");
			xml_elem_copy(xml_elem_doc(el), el, x);
			xml_doc_free(&tmp);
			return false;
		}
		struct xml_doc *d = restamp(el, hash);
		xml_doc_free(&doc);
		c->presence_tokens += 1.0;
		presence_handle(c, d);
		return true;
	}
	struct hash_job *h = xcalloc(1, sizeof(*h));
	h->doc = doc;
	h->acct = c->acct;
	h->job.conn = c;
	h->job.work = hash_work;
	h->job.done = hash_done;
	xmpp_job_submit(c->srv, &h->job);
	return true;
}

void pep_avatar_changed(struct c2s_conn *c)
{
	cache_forget(c->srv, c->acct.id);
	if (c->user == NULL)
		return;
	for (struct c2s_conn *s = c->user->sessions; s != NULL; s = s->unext) {
		if (!s->available || s->presence == NULL || s->state != C2S_BOUND)
			continue;
		struct xml_doc *d = xml_doc_new(0);
		xml_elem_copy(d, NULL, xml_doc_root(s->presence));
		xml_elem_remove_attr(xml_doc_root(d), "to");
		s->presence_tokens += 1.0;
		presence_handle(s, d);
	}
}
