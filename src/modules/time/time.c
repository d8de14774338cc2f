/*
 * modules/time: XEP-0202 Entity Time, the worked example of a feature
 * module (docs/architecture.md, "Add a feature"). One iq handler and its
 * disco feature in the module's descriptor; one line in src/cmd/modules.c.
 * The server answers with its UTC time and the host's offset; it keeps no
 * state and stores nothing.
 */
#include "core/module.h"
#include "xml/xml_elem.h"
#include "xmpp/xmpp_module.h"

#include <stdio.h>
#include <time.h>

#define NS_TIME "urn:xmpp:time"

/* "+hh:mm" or "-hh:mm" of an offset east of UTC in seconds (XEP-0082). */
static void format_tzo(long off, char out[16])
{
	char sign = off < 0 ? '-' : '+';
	long a = off < 0 ? -off : off;
	snprintf(out, 16, "%c%02ld:%02ld", sign, (a / 3600) % 100, (a % 3600) / 60);
}

/* <time xmlns='urn:xmpp:time'><tzo/><utc/></time> (XEP-0202 §3). */
static void time_iq(struct xmpp_iq *iq)
{
	time_t now = time(NULL);
	struct tm utc, local;
	char tzo[16], stamp[32];
	gmtime_r(&now, &utc);
	localtime_r(&now, &local);
	format_tzo(local.tm_gmtoff, tzo);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &utc);
	struct xml_doc *p = xml_doc_new(0);
	struct xml_elem *t = xml_elem_new(p, NULL, NS_TIME, "time");
	xml_elem_add_child_text(t, NS_TIME, "tzo", tzo);
	xml_elem_add_child_text(t, NS_TIME, "utc", stamp);
	xmpp_iq_result(iq, &p);
}

static const struct xmpp_handler time_handlers[] = {
    {NS_TIME, "time", XMPP_IQ_GET, XMPP_TO_NONE | XMPP_TO_SERVER, XMPP_DISCO_SERVER, NULL, time_iq},
    {0},
};

static const struct xmpp_module time_xmpp = {.name = "time", .handlers = time_handlers};

const struct module time_module = {.name = "xmpp.time", .xmpp = &time_xmpp};
