/*
 * xmpp/xml_gate: see xml_gate.h.
 */
#include "xml/xml_gate.h"

void xml_gate_reset(struct xml_gate *gate)
{
	gate->state = GATE_TEXT;
	gate->run = 0;
}

/* After "<!": a comment, a CDATA section, or a declaration. */
static enum xml_gate_result after_bang(struct xml_gate *g, char c)
{
	g->run = 0;
	if (c == '-')
		g->state = GATE_BANG_DASH;
	else if (c == '[')
		g->state = GATE_CDATA;
	else
		g->state = c == '>' ? GATE_TEXT : GATE_DECL;
	return c == '>' ? GATE_FEED : GATE_HOLD;
}

static enum xml_gate_result cdata_byte(struct xml_gate *g, char c)
{
	if (c == ']') {
		g->run = g->run < 2 ? g->run + 1 : 2;
		return GATE_HOLD;
	}
	if (c == '>' && g->run == 2) {
		g->state = GATE_TEXT;
		return GATE_FEED;
	}
	g->run = 0;
	return GATE_HOLD;
}

static enum xml_gate_result pi_byte(struct xml_gate *g, char c)
{
	if (c == '>' && g->run == 1) {
		g->state = GATE_TEXT;
		return GATE_FEED;
	}
	g->run = c == '?';
	return GATE_HOLD;
}

/* One byte through the state machine. */
static enum xml_gate_result step(struct xml_gate *g, char c)
{
	switch (g->state) {
	case GATE_TEXT:
		if (c == '<')
			g->state = GATE_LT;
		return GATE_HOLD;
	case GATE_LT:
		g->state = c == '!' ? GATE_BANG : c == '?' ? GATE_PI : GATE_TAG;
		g->run = 0;
		if (g->state == GATE_TAG && c == '>') {
			g->state = GATE_TEXT;
			return GATE_FEED;
		}
		return GATE_HOLD;
	case GATE_TAG:
		if (c == '\'' || c == '"')
			g->state = c == '\'' ? GATE_TAG_SQ : GATE_TAG_DQ;
		else if (c == '>')
			g->state = GATE_TEXT;
		return c == '>' ? GATE_FEED : GATE_HOLD;
	case GATE_TAG_SQ:
	case GATE_TAG_DQ:
		if (c == (g->state == GATE_TAG_SQ ? '\'' : '"'))
			g->state = GATE_TAG;
		return GATE_HOLD;
	case GATE_BANG:
		return after_bang(g, c);
	case GATE_BANG_DASH:
		if (c == '-')
			return GATE_COMMENT;
		g->state = GATE_DECL;
		return GATE_HOLD;
	case GATE_DECL:
		if (c == '>')
			g->state = GATE_TEXT;
		return c == '>' ? GATE_FEED : GATE_HOLD;
	case GATE_CDATA:
		return cdata_byte(g, c);
	case GATE_PI:
		return pi_byte(g, c);
	}
	return GATE_FEED;
}

enum xml_gate_result xml_gate_scan(struct xml_gate *gate, const char *data, size_t len)
{
	enum xml_gate_result res = GATE_HOLD, r;

	for (size_t i = 0; i < len; i++) {
		r = step(gate, data[i]);
		if (r == GATE_COMMENT)
			return GATE_COMMENT;
		if (r == GATE_FEED)
			res = GATE_FEED;
	}
	return res;
}
