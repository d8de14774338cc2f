/*
 * xmpp/xep_vcard: vcard-temp (XEP-0054) over the Iris profile (P-PRO-1):
 * the vCard is built from the sealed profile (domain/profile.h, no second
 * copy) and a vCard set patches it. Another account's vCard (and its
 * disco#info) is shown only under P-PRE-2: same tenant, or a contact who
 * accepted the viewer (presence_visible when the owner is online, the same
 * rule on the stored roster otherwise); anyone else, and an account that
 * does not exist, gets <forbidden/>, so a stranger learns nothing.
 */
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/accounts.h"
#include "domain/app.h"
#include "domain/profile.h"
#include "store/store.h"
#include "xml/stanza.h"
#include "xmpp/xep_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VCARD_AVATAR_MAX (1024 * 1024)

bool xep_visible_db(struct app *app, struct store *st, const struct xacct *owner,
                    const struct xacct *viewer, const char *viewer_bare)
{
	if (strcmp(owner->id, viewer->id) == 0)
		return true;
	if (owner->tenant_id[0] != '\0' && strcmp(owner->tenant_id, viewer->tenant_id) == 0)
		return true;
	struct roster_item it;
	bool found = false, vis = false;
	memset(&it, 0, sizeof(it));
	if (roster_db_get(app, st, owner->tenant_id, owner->id, viewer_bare, &it, &found) == 0 &&
	    found)
		vis = roster_sub_has_from(it.sub);
	roster_item_clear(&it);
	return vis;
}

enum vjob_kind { VJ_GET, VJ_SET, VJ_DISCO };

struct vcard_job {
	struct dbjob job;
	enum vjob_kind kind;
	struct xml_doc *doc;
	struct xacct viewer;
	char viewer_bare[200];
	char target[65]; /* username */
	bool known_visible;
	/* results */
	enum stanza_error_cond err;
	bool failed;
	struct xml_doc *payload;
};

static void add_text(struct xml_elem *parent, const char *name, const char *value)
{
	if (value != NULL && value[0] != '\0')
		xml_elem_add_child_text(parent, NS_VCARD, name, value);
}

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* "first last" (either may be missing) into fn. */
static void compose_fn(const char *first, const char *last, char fn[2 * ACCOUNTS_NAME_MAX + 2])
{
	snprintf(fn, 2 * ACCOUNTS_NAME_MAX + 2, "%.256s%s%.256s", first ? first : "",
	         first && last ? " " : "", last ? last : "");
}

static struct xml_doc *vcard_build(struct app *app, struct store *st, const struct account *acc)
{
	json_t *p = NULL;
	const char *error = NULL;
	if (profile_get(app, st, acc, &p, &error) < 0)
		return NULL;
	struct xml_doc *d = xml_doc_new(0);
	struct xml_elem *v = xml_elem_new(d, NULL, NS_VCARD, "vCard");
	const char *first = jstr(p, "first_name"), *last = jstr(p, "last_name");
	char fn[2 * ACCOUNTS_NAME_MAX + 2];
	compose_fn(first, last, fn);
	/* the FN the person set (XEP-0054), else their names */
	add_text(v, "FN", jstr(p, "display_name") ? jstr(p, "display_name") : fn);
	struct xml_elem *n = xml_elem_new(d, v, NS_VCARD, "N");
	add_text(n, "FAMILY", last);
	add_text(n, "GIVEN", first);
	add_text(n, "PREFIX", jstr(p, "title"));
	add_text(v, "NICKNAME", jstr(p, "nickname"));
	add_text(v, "TITLE", jstr(p, "job_title"));
	if (jstr(p, "company") || jstr(p, "department")) {
		struct xml_elem *org = xml_elem_new(d, v, NS_VCARD, "ORG");
		add_text(org, "ORGNAME", jstr(p, "company") ? jstr(p, "company") : "");
		add_text(org, "ORGUNIT", jstr(p, "department"));
	}
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(p, "phone_numbers"), i, x)
	{
		struct xml_elem *tel = xml_elem_new(d, v, NS_VCARD, "TEL");
		xml_elem_new(d, tel, NS_VCARD, "VOICE");
		add_text(tel, "NUMBER", json_string_value(x));
	}
	json_array_foreach(json_object_get(p, "other_emails"), i, x)
	{
		struct xml_elem *em = xml_elem_new(d, v, NS_VCARD, "EMAIL");
		xml_elem_new(d, em, NS_VCARD, "INTERNET");
		add_text(em, "USERID", json_string_value(x));
	}
	if (jstr(p, "postal_address")) {
		struct xml_elem *adr = xml_elem_new(d, v, NS_VCARD, "ADR");
		add_text(adr, "STREET", jstr(p, "postal_address"));
	}
	json_decref(p);
	char *data = NULL, type[32];
	size_t len = 0;
	if (profile_avatar_get(app, st, acc, &data, &len, type, &error) == 0 && data != NULL) {
		if (len <= VCARD_AVATAR_MAX) {
			struct xml_elem *ph = xml_elem_new(d, v, NS_VCARD, "PHOTO");
			char *b64 = sasl_b64_encode(data, len);
			add_text(ph, "TYPE", type);
			add_text(ph, "BINVAL", b64);
			free(b64);
		}
		free(data);
	}
	return d;
}

static const char *child_text(struct xml_elem *parent, const char *name)
{
	struct xml_elem *e = parent ? xml_elem_find(parent, NS_VCARD, name) : NULL;
	const char *t = e ? xml_elem_text(e, NULL) : NULL;
	return t != NULL && t[0] != '\0' ? t : NULL;
}

static void put_opt(json_t *patch, const char *k, const char *v)
{
	json_object_set_new(patch, k, v ? json_string(v) : json_null());
}

/* The profile patch of a vCard set (XEP-0054 §3.2: the vCard replaces the
 * stored one; first/last names cannot be removed, the avatar is kept
 * unless a PHOTO is given). FN is kept as display_name unless it is just
 * the resulting "first last" (then a later change of the names shows);
 * cur is the profile before the change. */
static json_t *vcard_patch(struct xml_elem *v, json_t *cur)
{
	json_t *patch = json_object();
	struct xml_elem *n = xml_elem_find(v, NS_VCARD, "N");
	struct xml_elem *org = xml_elem_find(v, NS_VCARD, "ORG");
	if (child_text(n, "GIVEN"))
		json_object_set_new(patch, "first_name", json_string(child_text(n, "GIVEN")));
	if (child_text(n, "FAMILY"))
		json_object_set_new(patch, "last_name", json_string(child_text(n, "FAMILY")));
	put_opt(patch, "title", child_text(n, "PREFIX"));
	put_opt(patch, "nickname", child_text(v, "NICKNAME"));
	put_opt(patch, "job_title", child_text(v, "TITLE"));
	put_opt(patch, "company", child_text(org, "ORGNAME"));
	put_opt(patch, "department", child_text(org, "ORGUNIT"));
	put_opt(patch, "postal_address", child_text(xml_elem_find(v, NS_VCARD, "ADR"), "STREET"));
	const char *fn = child_text(v, "FN");
	const char *first =
	    jstr(patch, "first_name") ? jstr(patch, "first_name") : jstr(cur, "first_name");
	const char *last =
	    jstr(patch, "last_name") ? jstr(patch, "last_name") : jstr(cur, "last_name");
	char names[2 * ACCOUNTS_NAME_MAX + 2];
	compose_fn(first, last, names);
	put_opt(patch, "display_name", fn != NULL && strcmp(fn, names) != 0 ? fn : NULL);
	json_t *tels = json_array(), *mails = json_array();
	for (struct xml_elem *e = xml_elem_first_child(v); e; e = xml_elem_next_sibling(e)) {
		if (xml_elem_is(e, NS_VCARD, "TEL") && child_text(e, "NUMBER"))
			json_array_append_new(tels, json_string(child_text(e, "NUMBER")));
		if (xml_elem_is(e, NS_VCARD, "EMAIL") && child_text(e, "USERID"))
			json_array_append_new(mails, json_string(child_text(e, "USERID")));
	}
	json_object_set_new(patch, "phone_numbers", json_array_size(tels) ? tels : json_null());
	json_object_set_new(patch, "other_emails", json_array_size(mails) ? mails : json_null());
	if (json_array_size(tels) == 0)
		json_decref(tels);
	if (json_array_size(mails) == 0)
		json_decref(mails);
	return patch;
}

static void vcard_set(struct vcard_job *j, struct app *app, struct store *st,
                      const struct account *acc)
{
	struct xml_elem *v = xml_elem_first_child(xml_doc_root(j->doc));
	struct actor actor;
	const char *error = NULL, *field = NULL;
	actor_from_account(&actor, acc);
	json_t *cur = NULL;
	if (profile_get(app, st, acc, &cur, &error) < 0) {
		j->failed = true;
		j->err = STANZA_ERR_INTERNAL_SERVER_ERROR;
		return;
	}
	json_t *patch = vcard_patch(v, cur);
	int rc = profile_patch(app, st, &actor, acc, patch, &error, &field);
	json_decref(patch);
	json_decref(cur);
	if (rc < 0) {
		j->failed = true;
		j->err = error != NULL && strcmp(error, "internal") != 0
		             ? STANZA_ERR_BAD_REQUEST
		             : STANZA_ERR_INTERNAL_SERVER_ERROR;
		return;
	}
	struct xml_elem *ph = xml_elem_find(v, NS_VCARD, "PHOTO");
	const char *type = child_text(ph, "TYPE"), *bin = child_text(ph, "BINVAL");
	if (type != NULL && bin != NULL) {
		unsigned char *data = NULL;
		size_t len = 0;
		/* BINVAL may be wrapped over lines: strip whitespace first */
		char *clean = xstrdup(bin), *w = clean;
		for (const char *r = bin; *r; r++)
			if (*r != ' ' && *r != '\n' && *r != '\r' && *r != '\t')
				*w++ = *r;
		*w = '\0';
		if (xmpp_b64_decode(clean, strlen(clean), &data, &len) < 0 ||
		    profile_avatar_set(app, st, &actor, acc, type, data, len, &error) < 0) {
			j->failed = true;
			j->err = STANZA_ERR_NOT_ACCEPTABLE;
		}
		free(clean);
		free(data);
	}
}

static void vcard_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct vcard_job *j = (struct vcard_job *)job;
	struct xacct target;
	struct account acc;
	const char *error = NULL;
	int found = xacct_by_username(st, j->target, &target);
	if (found < 0) {
		j->failed = true;
		j->err = STANZA_ERR_INTERNAL_SERVER_ERROR;
		return;
	}
	if (found == 0 ||
	    !(j->known_visible || xep_visible_db(app, st, &target, &j->viewer, j->viewer_bare))) {
		j->failed = true;
		j->err = STANZA_ERR_FORBIDDEN; /* P-PRE-2: strangers learn nothing */
		return;
	}
	if (j->kind == VJ_DISCO)
		return;
	if (accounts_get(st, target.id, &acc, &error) < 0) {
		j->failed = true;
		j->err = STANZA_ERR_ITEM_NOT_FOUND;
		return;
	}
	if (j->kind == VJ_SET) {
		vcard_set(j, app, st, &acc);
		return;
	}
	j->payload = vcard_build(app, st, &acc);
	if (j->payload == NULL) {
		j->failed = true;
		j->err = STANZA_ERR_INTERNAL_SERVER_ERROR;
	}
}

static void vcard_done(struct dbjob *job)
{
	struct vcard_job *j = (struct vcard_job *)job;
	struct c2s_conn *c = job->conn;
	if (c->state != C2S_BOUND)
		xml_doc_free(&j->doc);
	else if (job->status < 0)
		xep_error(c, &j->doc, STANZA_ERR_INTERNAL_SERVER_ERROR);
	else if (j->failed)
		xep_error(c, &j->doc, j->err);
	else if (j->kind == VJ_DISCO)
		xep_disco_account_reply(c, &j->doc);
	else
		xep_result(c, &j->doc, &j->payload);
	xml_doc_free(&j->payload);
	free(j);
}

static void submit(struct c2s_conn *c, struct xml_doc *doc, enum vjob_kind kind, const char *user)
{
	struct vcard_job *j = xcalloc(1, sizeof(*j));
	j->kind = kind;
	j->doc = doc;
	j->viewer = c->acct;
	snprintf(j->viewer_bare, sizeof(j->viewer_bare), "%s", c->user->bare);
	snprintf(j->target, sizeof(j->target), "%s", user);
	if (strcmp(user, c->acct.username) == 0)
		j->known_visible = true;
	else {
		struct xuser *owner = xuser_find(c->srv, user);
		if (owner != NULL && owner->roster_loaded)
			j->known_visible = presence_visible(owner, &c->acct, c->user->bare);
	}
	j->job.conn = c;
	j->job.work = vcard_work;
	j->job.done = vcard_done;
	xmpp_job_submit(c->srv, &j->job);
}

void xep_vcard_iq(struct c2s_conn *c, struct xml_doc *doc, enum xep_target t, const char *local)
{
	const char *type = stanza_type(xml_doc_root(doc));
	bool own = t == XT_SERVER || t == XT_SELF;
	if (strcmp(type, "set") == 0) {
		if (!own)
			xep_error(c, &doc, STANZA_ERR_FORBIDDEN);
		else
			submit(c, doc, VJ_SET, c->acct.username);
		return;
	}
	submit(c, doc, VJ_GET, own ? c->acct.username : local);
}

void xep_disco_other(struct c2s_conn *c, struct xml_doc *doc, const char *local)
{
	submit(c, doc, VJ_DISCO, local);
}
