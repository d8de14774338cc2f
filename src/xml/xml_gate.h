/*
 * xmpp/xml_gate: decides when buffered stream bytes are worth handing to
 * expat (TCP mode only; used by xml_parser.c and its tests).
 *
 * Why: expat re-scans an unfinished token from its start on every
 * XML_Parse call, so a peer trickling a large start tag one byte at a time
 * costs quadratic CPU (CVE-2023-52425). Expat's own remedy, reparse
 * deferral, delays events until "enough" new input arrives, which leaves a
 * complete stanza undelivered while the client waits for our answer: an
 * XMPP stream cannot use it. Instead this gate follows the markup with a
 * tiny state machine and says "feed now" only when a tag, PI or CDATA
 * section may just have ended (a '>' outside quotes, "?>", "]]>"), or when
 * enough bytes are held. Every token is thus re-scanned at most once per
 * hold-size of new input.
 *
 * The state machine only tracks well-formed, unrestricted XML; on anything
 * else it may lag, which only delays the point where expat refuses it.
 * "<!--" is refused here at once (comments are restricted XML anyway), so a
 * comment full of '>' cannot be used to force re-scans.
 */
#ifndef IRIS_XMPP_XML_GATE_H
#define IRIS_XMPP_XML_GATE_H

#include <stdbool.h>
#include <stddef.h>

enum xml_gate_state {
	GATE_TEXT,
	GATE_LT,        /* after '<' */
	GATE_TAG,       /* in a start or end tag */
	GATE_TAG_SQ,    /* in a '...' attribute value */
	GATE_TAG_DQ,    /* in a "..." attribute value */
	GATE_BANG,      /* after "<!" */
	GATE_BANG_DASH, /* after "<!-" */
	GATE_DECL,      /* "<!X...": DOCTYPE or junk, ends at '>' */
	GATE_CDATA,     /* in "<![...]]>" */
	GATE_PI,        /* in "<?...?>" */
};

struct xml_gate {
	enum xml_gate_state state;
	unsigned run; /* ']' seen in CDATA (0-2), or '?' just seen in a PI (0-1) */
};

enum xml_gate_result { GATE_HOLD = 0, GATE_FEED, GATE_COMMENT };

/* Resets the state machine (new stream). */
void xml_gate_reset(struct xml_gate *gate);
/*
 * Scans len bytes that follow everything scanned before. Returns GATE_FEED
 * when a construct may have ended in them, GATE_COMMENT when "<!--" was
 * seen (refuse the stream), GATE_HOLD otherwise.
 */
enum xml_gate_result xml_gate_scan(struct xml_gate *gate, const char *data, size_t len);

#endif
