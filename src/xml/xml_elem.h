/*
 * xmpp/xml_elem: a small in-memory XML element tree for one stanza.
 *
 * A tree lives in a document (struct xml_doc) that owns one arena; every
 * element, attribute and string of the tree is allocated there and freed by
 * xml_doc_free() in one go. Names are split into a namespace URI ("" for
 * none) and a local name; prefixes are not kept (the writer makes its own).
 * Text children are kept in document order with elements so mixed content
 * (XHTML-IM) survives a round trip; xml_elem_text() gives the concatenated
 * direct text of an element.
 *
 * A document made with a cap refuses (returns NULL / -1) once its arena would
 * pass the cap; the parser relies on that to bound memory while parsing. A
 * document with cap 0 never refuses (it aborts on out-of-memory instead),
 * which is what code building its own stanzas wants.
 *
 * All strings handed in are copied. Strings handed out are NUL-terminated and
 * owned by the document.
 */
#ifndef IRIS_XMPP_XML_ELEM_H
#define IRIS_XMPP_XML_ELEM_H

#include <stdbool.h>
#include <stddef.h>

struct xml_doc;
struct xml_elem;

/* A read-only view of one attribute; iterate with ->next. ns is "" for an
 * attribute without a namespace (the usual case: to, from, id, type). */
struct xml_attr {
	const struct xml_attr *next;
	const char *ns;
	const char *name;
	const char *value;
	size_t value_len;
};

/* Creates an empty document whose arena may take at most cap bytes
 * (0 = unbounded). Free with xml_doc_free(). */
struct xml_doc *xml_doc_new(size_t cap);
/* Frees the document and every element in it; sets *doc to NULL. */
void xml_doc_free(struct xml_doc **doc);
/* The root element, or NULL while the document is empty. */
struct xml_elem *xml_doc_root(const struct xml_doc *doc);
/* Elements in the document, and bytes its arena took from the system. */
size_t xml_doc_elem_count(const struct xml_doc *doc);
size_t xml_doc_mem_used(const struct xml_doc *doc);

/*
 * Creates an element named name in namespace ns (NULL or "" = none) and
 * appends it to parent's children, or makes it the root when parent is NULL
 * (the document must then be empty). Returns NULL when the document's cap is
 * reached or a root already exists.
 */
struct xml_elem *xml_elem_new(struct xml_doc *doc, struct xml_elem *parent, const char *ns,
                              const char *name);
/* Same with explicit lengths (the parser's fast path). */
struct xml_elem *xml_elem_new_n(struct xml_doc *doc, struct xml_elem *parent, const char *ns,
                                size_t ns_len, const char *name, size_t name_len);

/* Sets (adds or replaces) an attribute without namespace. 0 or -1 (cap). */
int xml_elem_set_attr(struct xml_elem *elem, const char *name, const char *value);
/* Sets a namespaced attribute (ns NULL or "" = none). 0 or -1 (cap). */
int xml_elem_set_attr_ns(struct xml_elem *elem, const char *ns, const char *name,
                         const char *value);
/* Appends an attribute without checking for duplicates (the parser knows
 * expat already refused duplicates). 0 or -1 (cap). */
int xml_elem_add_attr_n(struct xml_elem *elem, const char *ns, size_t ns_len, const char *name,
                        size_t name_len, const char *value, size_t value_len);
/* Removes an attribute without namespace if present. */
void xml_elem_remove_attr(struct xml_elem *elem, const char *name);

/* Appends len bytes of text as a text child (merged with a text child that
 * is already last). 0 or -1 (cap). */
int xml_elem_add_text(struct xml_elem *elem, const char *text, size_t len);
/* Creates a child element with the given text: <name xmlns=ns>text</name>. */
struct xml_elem *xml_elem_add_child_text(struct xml_elem *parent, const char *ns, const char *name,
                                         const char *text);

const char *xml_elem_name(const struct xml_elem *elem);
/* Namespace URI, "" when the element has none. */
const char *xml_elem_ns(const struct xml_elem *elem);
/* True when elem has this local name and namespace (NULL = any). */
bool xml_elem_is(const struct xml_elem *elem, const char *ns, const char *name);
struct xml_elem *xml_elem_parent(const struct xml_elem *elem);
struct xml_doc *xml_elem_doc(const struct xml_elem *elem);

/* Value of the attribute without namespace called name, or NULL. */
const char *xml_elem_attr(const struct xml_elem *elem, const char *name);
/* Value of the attribute {ns}name, or NULL (ns NULL or "" = none). */
const char *xml_elem_attr_ns(const struct xml_elem *elem, const char *ns, const char *name);
/* First attribute (iterate with ->next), NULL if none; and their count. */
const struct xml_attr *xml_elem_attrs(const struct xml_elem *elem);
size_t xml_elem_attr_count(const struct xml_elem *elem);

/* Child elements in document order (text children skipped). */
struct xml_elem *xml_elem_first_child(const struct xml_elem *elem);
struct xml_elem *xml_elem_next_sibling(const struct xml_elem *elem);
/* Number of child elements (text children not counted). */
size_t xml_elem_child_count(const struct xml_elem *elem);
/* First child element with this name and namespace (NULL = any). */
struct xml_elem *xml_elem_find(const struct xml_elem *elem, const char *ns, const char *name);

/*
 * Concatenated direct text of elem ("" when none), its length in *len_r
 * (may be NULL). When the text is split around child elements the joined
 * copy is made once in the arena; NULL if that passes the cap.
 */
const char *xml_elem_text(struct xml_elem *elem, size_t *len_r);

/*
 * Walks all children in document order, text included: returns the node
 * after prev (the first when prev is NULL), or NULL at the end. Use
 * xml_node_elem() / xml_node_text() to see what a node is.
 */
struct xml_node;
const struct xml_node *xml_elem_next_node(const struct xml_elem *elem, const struct xml_node *prev);
/* The element a node is, or NULL for a text node. */
const struct xml_elem *xml_node_elem(const struct xml_node *node);
/* The text of a text node (NULL for an element node); length in *len_r. */
const char *xml_node_text(const struct xml_node *node, size_t *len_r);

/*
 * Deep-copies src (attributes, children, text) into doc under parent
 * (root when parent is NULL). Returns the copy or NULL at the cap.
 */
struct xml_elem *xml_elem_copy(struct xml_doc *doc, struct xml_elem *parent,
                               const struct xml_elem *src);

/* True when a and b have the same names, namespaces, attributes (in order)
 * and children (text included). Used by the tests and by round-trip checks. */
bool xml_elem_equal(const struct xml_elem *a, const struct xml_elem *b);

#endif
