/*
 * libFuzzer target for xmpp/jid: parse arbitrary bytes; an accepted JID
 * must format to a string that parses again to an equal JID (normalisation
 * is idempotent), and its parts must respect the documented limits.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xml/jid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jid j, again;
	const char *err = NULL;
	char *s;

	if (jid_parse((const char *)data, size, &j, &err) != 0) {
		if (err == NULL)
			abort();
		return 0;
	}
	if (j.domain_len == 0 || j.domain_len > JID_PART_MAX || j.local_len > JID_PART_MAX ||
	    j.resource_len > JID_PART_MAX)
		abort();
	s = jid_to_string(&j, true);
	if (strlen(s) != jid_string_len(&j, true))
		abort();
	if (jid_parse_str(s, &again, &err) != 0 || !jid_full_equal(&j, &again))
		abort();
	jid_free(&again);
	free(s);
	jid_free(&j);
	return 0;
}
