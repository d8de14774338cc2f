/*
 * xmpp/jid: XMPP addresses (RFC 7622), a practical subset.
 *
 *   [localpart@]domainpart[/resourcepart]
 *
 * What is checked: the split of RFC 7622 §3.2 (resource after the first
 * '/', localpart before the first '@' ahead of it), each part 1..1023
 * bytes, valid UTF-8 of XML characters, no control characters, the
 * localpart without " & ' / : < > @ or space, a domain made of LDH labels
 * (1..63 bytes, no leading/trailing '-'), an IPv4 address or a bracketed
 * IPv6 literal, one trailing dot of the domain removed.
 *
 * Normalisation: ASCII letters of the localpart and the domain are
 * lowercased; the resource keeps its case. Full PRECIS (RFC 8264/8265
 * UsernameCaseMapped, OpaqueString) and IDNA2008 for domains are NOT done:
 * non-ASCII localparts and resources are accepted as given (no Unicode case
 * folding or NFC), non-ASCII domain labels are accepted as UTF-8 without
 * A-label conversion. Two JIDs that PRECIS would call equal may differ here
 * when they differ in non-ASCII case or normalisation form.
 */
#ifndef IRIS_XMPP_JID_H
#define IRIS_XMPP_JID_H

#include <stdbool.h>
#include <stddef.h>

#define JID_PART_MAX 1023

/* A parsed, normalised JID. The parts point into one allocation owned by
 * the struct; local and resource are NULL when absent. */
struct jid {
	char *buf;
	const char *local;
	size_t local_len;
	const char *domain;
	size_t domain_len;
	const char *resource;
	size_t resource_len;
};

/*
 * Parses and normalises s[0..len). On success fills *jid_r (free with
 * jid_free) and returns 0; on failure returns -1 with a static reason in
 * *error_r (may be NULL) and *jid_r zeroed.
 */
int jid_parse(const char *s, size_t len, struct jid *jid_r, const char **error_r);
/* Same for a NUL-terminated string. */
int jid_parse_str(const char *s, struct jid *jid_r, const char **error_r);
/* Frees the parts and zeroes the struct. Zeroed structs are fine. */
void jid_free(struct jid *jid);

/* Deep copy of src into *dst (free with jid_free). */
void jid_copy(struct jid *dst, const struct jid *src);
/* A copy of src without its resource. */
void jid_bare(struct jid *dst, const struct jid *src);

bool jid_is_bare(const struct jid *jid);
/* True for a domain-only JID (no localpart, no resource). */
bool jid_is_domain(const struct jid *jid);
/* Equality of the normalised local and domain parts (resources ignored). */
bool jid_bare_equal(const struct jid *a, const struct jid *b);
/* Equality of all three parts. */
bool jid_full_equal(const struct jid *a, const struct jid *b);

/* Length of the string form (full or bare), without the NUL. */
size_t jid_string_len(const struct jid *jid, bool full);
/* Writes the string form into buf (size bytes, NUL included). Returns the
 * length, or -1 when buf is too small (buf then holds ""). */
int jid_format(const struct jid *jid, bool full, char *buf, size_t size);
/* The string form in a new xmalloc'ed string; free() it. */
char *jid_to_string(const struct jid *jid, bool full);

#endif
