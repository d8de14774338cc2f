/*
 * xmpp/xep_util: helpers shared by the xep_*.c files (data forms, XEP-0082 dates, re-parsing
 * archived stanzas); no storage, so unit tests link it alone.
 */
#include "xml/stanza.h"
#include "xmpp/xep_internal.h"
#include "xml/xml_parser.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

const char *xep_form_value(struct xml_elem *x, const char *var)
{
	if (x == NULL)
		return NULL;
	for (struct xml_elem *f = xml_elem_first_child(x); f; f = xml_elem_next_sibling(f)) {
		const char *v = xml_elem_attr(f, "var");
		if (!xml_elem_is(f, NS_XDATA, "field") || v == NULL || strcmp(v, var) != 0)
			continue;
		struct xml_elem *val = xml_elem_find(f, NS_XDATA, "value");
		return val ? xml_elem_text(val, NULL) : "";
	}
	return NULL;
}

int64_t xep_time_parse(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, n = 0;
	if (s == NULL ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
		return -1;
	const char *p = s + n;
	int64_t ms = 0;
	if (*p == '.') {
		int digits = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
		for (; digits < 3 && digits > 0; digits++)
			ms *= 10;
	}
	int off = 0;
	if (*p == 'Z')
		p++;
	else if (*p == '+' || *p == '-') {
		int oh, om;
		if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2)
			return -1;
		off = (oh * 60 + om) * 60 * (*p == '+' ? 1 : -1);
		p += 6;
	} else
		return -1;
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	return ((int64_t)timegm(&tm) - off) * 1000 + ms;
}

void xep_time_format(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

struct parse_ctx {
	struct xml_doc *doc;
};

static enum xml_parser_action p_header(void *ctx, const struct xml_stream_header *h)
{
	(void)ctx;
	(void)h;
	return XML_PARSER_CONTINUE;
}

static enum xml_parser_action p_stanza(void *ctx, struct xml_doc *doc)
{
	struct parse_ctx *p = ctx;
	if (p->doc == NULL)
		p->doc = doc;
	else
		xml_doc_free(&doc);
	return XML_PARSER_STOP;
}

static enum xml_parser_action p_close(void *ctx)
{
	(void)ctx;
	return XML_PARSER_STOP;
}

struct xml_doc *xep_parse_stanza(const char *text, size_t len)
{
	static const char head[] = "<stream:stream xmlns='jabber:client' "
	                           "xmlns:stream='http://etherx.jabber.org/streams' "
	                           "to='iris' version='1.0'>";
	static const struct xml_parser_callbacks cb = {p_header, p_stanza, p_close};
	struct parse_ctx p = {NULL};
	struct xml_parser *parser = xml_parser_new(NULL, &cb, &p);
	if (xml_parser_feed(parser, head, sizeof(head) - 1, NULL) == 0)
		(void)xml_parser_feed(parser, text, len, NULL);
	xml_parser_free(&parser);
	return p.doc;
}
