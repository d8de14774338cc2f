/*
 * xmpp/xml_elem: see xml_elem.h.
 */
#include "xml/xml_elem.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "xml/xml_arena.h"

enum xml_node_type { XML_NODE_ELEM, XML_NODE_TEXT };

struct xml_node {
	enum xml_node_type type;
	struct xml_node *next;
};

struct xml_text {
	struct xml_node node; /* first: a node pointer is a text pointer */
	char *data;
	size_t len;
};

struct xml_elem {
	struct xml_node node; /* first: a node pointer is an element pointer */
	struct xml_elem *parent;
	struct xml_doc *doc;
	const char *name;
	const char *ns;
	struct xml_attr *attrs, *attrs_tail;
	size_t n_attrs;
	struct xml_node *first, *last;
	size_t n_children; /* element children only */
	size_t n_text;     /* text children */
	const char *text_joined;
	size_t text_joined_len;
};

struct xml_doc {
	struct xml_arena *arena;
	struct xml_elem *root;
	size_t n_elems;
};

struct xml_doc *xml_doc_new(size_t cap)
{
	struct xml_doc *doc = xcalloc(1, sizeof(*doc));

	doc->arena = xml_arena_new(cap);
	return doc;
}

void xml_doc_free(struct xml_doc **doc_p)
{
	struct xml_doc *doc = *doc_p;

	if (doc == NULL)
		return;
	xml_arena_free(&doc->arena);
	free(doc);
	*doc_p = NULL;
}

struct xml_elem *xml_doc_root(const struct xml_doc *doc)
{
	return doc->root;
}

size_t xml_doc_elem_count(const struct xml_doc *doc)
{
	return doc->n_elems;
}

size_t xml_doc_mem_used(const struct xml_doc *doc)
{
	return xml_arena_used(doc->arena);
}

static void append_node(struct xml_elem *parent, struct xml_node *node)
{
	if (parent->last == NULL)
		parent->first = node;
	else
		parent->last->next = node;
	parent->last = node;
	parent->text_joined = NULL;
}

struct xml_elem *xml_elem_new_n(struct xml_doc *doc, struct xml_elem *parent, const char *ns,
                                size_t ns_len, const char *name, size_t name_len)
{
	struct xml_elem *elem;

	if (parent == NULL && doc->root != NULL)
		return NULL;
	elem = xml_arena_alloc(doc->arena, sizeof(*elem));
	if (elem == NULL)
		return NULL;
	memset(elem, 0, sizeof(*elem));
	elem->node.type = XML_NODE_ELEM;
	elem->doc = doc;
	elem->parent = parent;
	elem->name = xml_arena_strndup(doc->arena, name, name_len);
	elem->ns = ns_len == 0 ? "" : xml_arena_strndup(doc->arena, ns, ns_len);
	if (elem->name == NULL || elem->ns == NULL)
		return NULL;
	if (parent == NULL) {
		doc->root = elem;
	} else {
		append_node(parent, &elem->node);
		parent->n_children++;
	}
	doc->n_elems++;
	return elem;
}

struct xml_elem *xml_elem_new(struct xml_doc *doc, struct xml_elem *parent, const char *ns,
                              const char *name)
{
	if (ns == NULL)
		ns = "";
	return xml_elem_new_n(doc, parent, ns, strlen(ns), name, strlen(name));
}

int xml_elem_add_attr_n(struct xml_elem *elem, const char *ns, size_t ns_len, const char *name,
                        size_t name_len, const char *value, size_t value_len)
{
	struct xml_arena *arena = elem->doc->arena;
	struct xml_attr *attr = xml_arena_alloc(arena, sizeof(*attr));

	if (attr == NULL)
		return -1;
	attr->next = NULL;
	attr->ns = ns_len == 0 ? "" : xml_arena_strndup(arena, ns, ns_len);
	attr->name = xml_arena_strndup(arena, name, name_len);
	attr->value = xml_arena_strndup(arena, value, value_len);
	attr->value_len = value_len;
	if (attr->ns == NULL || attr->name == NULL || attr->value == NULL)
		return -1;
	if (elem->attrs_tail == NULL)
		elem->attrs = attr;
	else
		elem->attrs_tail->next = attr;
	elem->attrs_tail = attr;
	elem->n_attrs++;
	return 0;
}

/* Finds the attribute {ns}name; ns is never NULL here. */
static struct xml_attr *find_attr(const struct xml_elem *elem, const char *ns, const char *name)
{
	const struct xml_attr *a;

	for (a = elem->attrs; a != NULL; a = a->next) {
		if (strcmp(a->name, name) == 0 && strcmp(a->ns, ns) == 0)
			return (struct xml_attr *)a;
	}
	return NULL;
}

int xml_elem_set_attr_ns(struct xml_elem *elem, const char *ns, const char *name, const char *value)
{
	struct xml_attr *attr;
	size_t len = strlen(value);

	if (ns == NULL)
		ns = "";
	attr = find_attr(elem, ns, name);
	if (attr == NULL)
		return xml_elem_add_attr_n(elem, ns, strlen(ns), name, strlen(name), value, len);
	attr->value = xml_arena_strndup(elem->doc->arena, value, len);
	attr->value_len = len;
	return attr->value == NULL ? -1 : 0;
}

int xml_elem_set_attr(struct xml_elem *elem, const char *name, const char *value)
{
	return xml_elem_set_attr_ns(elem, "", name, value);
}

void xml_elem_remove_attr(struct xml_elem *elem, const char *name)
{
	struct xml_attr *prev = NULL, *a;

	for (a = elem->attrs; a != NULL; prev = a, a = (struct xml_attr *)a->next) {
		if (a->ns[0] != '\0' || strcmp(a->name, name) != 0)
			continue;
		if (prev == NULL)
			elem->attrs = (struct xml_attr *)a->next;
		else
			prev->next = a->next;
		if (elem->attrs_tail == a)
			elem->attrs_tail = prev;
		elem->n_attrs--;
		return;
	}
}

int xml_elem_add_text(struct xml_elem *elem, const char *text, size_t len)
{
	struct xml_arena *arena = elem->doc->arena;
	struct xml_text *t;
	char *data;

	if (len == 0)
		return 0;
	if (elem->last != NULL && elem->last->type == XML_NODE_TEXT) {
		/* Merge: the parser flushes text once per run, so this is rare. */
		t = (struct xml_text *)elem->last;
		if (t->len > SIZE_MAX - len - 1)
			return -1;
		data = xml_arena_alloc(arena, t->len + len + 1);
		if (data == NULL)
			return -1;
		memcpy(data, t->data, t->len);
		memcpy(data + t->len, text, len);
		data[t->len + len] = '\0';
		t->data = data;
		t->len += len;
		elem->text_joined = NULL;
		return 0;
	}
	t = xml_arena_alloc(arena, sizeof(*t));
	if (t == NULL)
		return -1;
	t->node.type = XML_NODE_TEXT;
	t->node.next = NULL;
	t->data = xml_arena_strndup(arena, text, len);
	t->len = len;
	if (t->data == NULL)
		return -1;
	append_node(elem, &t->node);
	elem->n_text++;
	return 0;
}

struct xml_elem *xml_elem_add_child_text(struct xml_elem *parent, const char *ns, const char *name,
                                         const char *text)
{
	struct xml_elem *child = xml_elem_new(parent->doc, parent, ns, name);

	if (child == NULL || xml_elem_add_text(child, text, strlen(text)) < 0)
		return NULL;
	return child;
}

const char *xml_elem_name(const struct xml_elem *elem)
{
	return elem->name;
}

const char *xml_elem_ns(const struct xml_elem *elem)
{
	return elem->ns;
}

bool xml_elem_is(const struct xml_elem *elem, const char *ns, const char *name)
{
	return (name == NULL || strcmp(elem->name, name) == 0) &&
	       (ns == NULL || strcmp(elem->ns, ns) == 0);
}

struct xml_elem *xml_elem_parent(const struct xml_elem *elem)
{
	return elem->parent;
}

struct xml_doc *xml_elem_doc(const struct xml_elem *elem)
{
	return elem->doc;
}

const char *xml_elem_attr_ns(const struct xml_elem *elem, const char *ns, const char *name)
{
	const struct xml_attr *a = find_attr(elem, ns == NULL ? "" : ns, name);

	return a == NULL ? NULL : a->value;
}

const char *xml_elem_attr(const struct xml_elem *elem, const char *name)
{
	return xml_elem_attr_ns(elem, "", name);
}

const struct xml_attr *xml_elem_attrs(const struct xml_elem *elem)
{
	return elem->attrs;
}

size_t xml_elem_attr_count(const struct xml_elem *elem)
{
	return elem->n_attrs;
}

/* The first element node at or after node, or NULL. */
static struct xml_elem *elem_from(const struct xml_node *node)
{
	while (node != NULL && node->type != XML_NODE_ELEM)
		node = node->next;
	return (struct xml_elem *)node;
}

struct xml_elem *xml_elem_first_child(const struct xml_elem *elem)
{
	return elem_from(elem->first);
}

struct xml_elem *xml_elem_next_sibling(const struct xml_elem *elem)
{
	return elem_from(elem->node.next);
}

size_t xml_elem_child_count(const struct xml_elem *elem)
{
	return elem->n_children;
}

struct xml_elem *xml_elem_find(const struct xml_elem *elem, const char *ns, const char *name)
{
	struct xml_elem *c;

	for (c = xml_elem_first_child(elem); c != NULL; c = xml_elem_next_sibling(c)) {
		if (xml_elem_is(c, ns, name))
			return c;
	}
	return NULL;
}

const char *xml_elem_text(struct xml_elem *elem, size_t *len_r)
{
	const struct xml_node *n;
	size_t total = 0, off = 0;
	char *joined;

	if (elem->text_joined == NULL) {
		for (n = elem->first; n != NULL; n = n->next) {
			if (n->type == XML_NODE_TEXT && elem->n_text == 1) {
				elem->text_joined = ((const struct xml_text *)n)->data;
				elem->text_joined_len = ((const struct xml_text *)n)->len;
				break;
			}
			if (n->type == XML_NODE_TEXT)
				total += ((const struct xml_text *)n)->len;
		}
	}
	if (elem->text_joined == NULL && elem->n_text > 1) {
		joined = xml_arena_alloc(elem->doc->arena, total + 1);
		if (joined == NULL)
			return NULL;
		for (n = elem->first; n != NULL; n = n->next) {
			const struct xml_text *t = (const struct xml_text *)n;

			if (n->type != XML_NODE_TEXT)
				continue;
			memcpy(joined + off, t->data, t->len);
			off += t->len;
		}
		joined[off] = '\0';
		elem->text_joined = joined;
		elem->text_joined_len = off;
	}
	if (elem->text_joined == NULL) {
		elem->text_joined = "";
		elem->text_joined_len = 0;
	}
	if (len_r != NULL)
		*len_r = elem->text_joined_len;
	return elem->text_joined;
}

const struct xml_node *xml_elem_next_node(const struct xml_elem *elem, const struct xml_node *prev)
{
	return prev == NULL ? elem->first : prev->next;
}

const struct xml_elem *xml_node_elem(const struct xml_node *node)
{
	return node->type == XML_NODE_ELEM ? (const struct xml_elem *)node : NULL;
}

const char *xml_node_text(const struct xml_node *node, size_t *len_r)
{
	const struct xml_text *t = (const struct xml_text *)node;

	if (node->type != XML_NODE_TEXT)
		return NULL;
	if (len_r != NULL)
		*len_r = t->len;
	return t->data;
}

struct xml_elem *xml_elem_copy(struct xml_doc *doc, struct xml_elem *parent,
                               const struct xml_elem *src)
{
	struct xml_elem *dst;
	const struct xml_attr *a;
	const struct xml_node *n;

	dst = xml_elem_new_n(doc, parent, src->ns, strlen(src->ns), src->name, strlen(src->name));
	if (dst == NULL)
		return NULL;
	for (a = src->attrs; a != NULL; a = a->next) {
		if (xml_elem_add_attr_n(dst, a->ns, strlen(a->ns), a->name, strlen(a->name),
		                        a->value, a->value_len) < 0)
			return NULL;
	}
	for (n = src->first; n != NULL; n = n->next) {
		const struct xml_text *t = (const struct xml_text *)n;

		if (n->type == XML_NODE_ELEM) {
			if (xml_elem_copy(doc, dst, (const struct xml_elem *)n) == NULL)
				return NULL;
		} else if (xml_elem_add_text(dst, t->data, t->len) < 0) {
			return NULL;
		}
	}
	return dst;
}

static bool attrs_equal(const struct xml_attr *a, const struct xml_attr *b)
{
	for (; a != NULL && b != NULL; a = a->next, b = b->next) {
		if (strcmp(a->ns, b->ns) != 0 || strcmp(a->name, b->name) != 0 ||
		    a->value_len != b->value_len || memcmp(a->value, b->value, a->value_len) != 0)
			return false;
	}
	return a == NULL && b == NULL;
}

bool xml_elem_equal(const struct xml_elem *a, const struct xml_elem *b)
{
	const struct xml_node *na, *nb;

	if (strcmp(a->name, b->name) != 0 || strcmp(a->ns, b->ns) != 0 ||
	    !attrs_equal(a->attrs, b->attrs))
		return false;
	for (na = a->first, nb = b->first; na != NULL && nb != NULL; na = na->next, nb = nb->next) {
		const struct xml_text *ta = (const struct xml_text *)na;
		const struct xml_text *tb = (const struct xml_text *)nb;

		if (na->type != nb->type)
			return false;
		if (na->type == XML_NODE_ELEM &&
		    !xml_elem_equal((const struct xml_elem *)na, (const struct xml_elem *)nb))
			return false;
		if (na->type == XML_NODE_TEXT &&
		    (ta->len != tb->len || memcmp(ta->data, tb->data, ta->len) != 0))
			return false;
	}
	return na == NULL && nb == NULL;
}
