/*
 * libFuzzer target for the XMPP XML stream layer (xmpp/xml_parser).
 *
 * Input layout: byte 0 picks the mode and small limits; then a list of
 * chunks, each a length byte followed by that many bytes (the last chunk
 * takes what is left). In TCP mode the chunks are fed in sequence, so the
 * parser sees every kind of split; a callback's STOP and stream restarts
 * are exercised too. In framing mode each chunk is one WebSocket message.
 * Every stanza delivered is serialised and parsed again, and must come out
 * equal (round trip).
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xml/xml_parser.h"
#include "xml/xml_writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_ctx {
	unsigned stanzas;
	bool stop_every;
	bool framing;
};

static struct xml_doc *reparsed;

static enum xml_parser_action keep(void *ctx, struct xml_doc *doc)
{
	reparsed = doc;
	return XML_PARSER_CONTINUE;
}

/* Writes the stanza and parses it back through a framing parser. */
static void round_trip(const struct xml_elem *root)
{
	static const struct xml_parser_callbacks cb = {NULL, keep, NULL};
	static const char open[] = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>";
	struct xml_parser_settings s = {.mode = XML_PARSER_FRAMING};
	struct xml_limits lim = xml_limits_default;
	struct xml_buf b = XML_BUF_INIT;
	struct xml_parser *p;

	/* The written form may be longer (escapes, xmlns): lift the byte
	 * limits, keep the structural ones identical. */
	lim.stanza_bytes = 64u << 20;
	lim.attr_value_bytes = 64u << 20;
	lim.text_bytes = 64u << 20;
	lim.ns_bytes = 64u << 20;
	lim.stanza_memory = 256u << 20;
	lim.attrs = 1024; /* written xmlns declarations count as attributes */
	s.limits = &lim;
	if (xml_writer_write(&b, root, NULL, false) != 0)
		abort(); /* a parsed tree must always be writable */
	p = xml_parser_new(&s, &cb, NULL);
	if (xml_parser_feed_message(p, open, strlen(open)) != 0 ||
	    xml_parser_feed_message(p, b.data, b.len) != 0)
		abort();
	if (reparsed == NULL || !xml_elem_equal(root, xml_doc_root(reparsed)))
		abort();
	xml_doc_free(&reparsed);
	xml_parser_free(&p);
	xml_buf_free(&b);
}

static enum xml_parser_action on_stanza(void *ctx, struct xml_doc *doc)
{
	struct fuzz_ctx *c = ctx;
	struct xml_elem *root = xml_doc_root(doc);

	(void)xml_elem_text(root, NULL);
	round_trip(root);
	xml_doc_free(&doc);
	c->stanzas++;
	return c->stop_every && c->stanzas % 3 == 0 ? XML_PARSER_STOP : XML_PARSER_CONTINUE;
}

static enum xml_parser_action on_header(void *ctx, const struct xml_stream_header *h)
{
	(void)h;
	return XML_PARSER_CONTINUE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct xml_parser_callbacks cb = {on_header, on_stanza, NULL};
	struct fuzz_ctx ctx = {0};
	struct xml_parser_settings s = {0};
	struct xml_limits lim = xml_limits_default;
	struct xml_parser *p;
	size_t off = 1, n, used;
	int rc = 0;

	if (size < 1)
		return 0;
	ctx.framing = data[0] & 1;
	ctx.stop_every = data[0] & 2;
	if (data[0] & 4) {
		/* Small limits, so the fuzzer reaches every limit quickly. */
		lim.stanza_bytes = 512;
		lim.header_bytes = 256;
		lim.depth = 4;
		lim.attrs = 4;
		lim.name_bytes = 16;
		lim.ns_bytes = 64;
		lim.attr_value_bytes = 32;
		lim.text_bytes = 64;
		lim.children = 8;
		lim.elements = 16;
		lim.stanza_memory = 4096;
	}
	s.mode = ctx.framing ? XML_PARSER_FRAMING : XML_PARSER_STREAM;
	s.limits = &lim;
	p = xml_parser_new(&s, &cb, &ctx);
	while (off < size && rc == 0) {
		n = data[off++];
		if (n == 0 || n > size - off)
			n = size - off;
		if (ctx.framing) {
			rc = xml_parser_feed_message(p, data + off, n);
			if (rc == 1 || (rc == 0 && !xml_parser_stream_open(p))) {
				xml_parser_restart(p); /* stopped or closed: new stream */
				rc = 0;
			}
		} else {
			rc = xml_parser_feed(p, data + off, n, &used);
			/* Stopped: restart and feed the rest, as after SASL. */
			for (size_t done = 0; rc == 1;
			     rc = xml_parser_feed(p, data + off + done, n - done, &used)) {
				if (used > n - done)
					abort();
				done += used;
				xml_parser_restart(p);
			}
		}
		off += n;
	}
	if (rc < 0)
		assert(stream_error_name(xml_parser_error(p)->cond) != NULL &&
		       xml_parser_error(p)->text[0] != '\0');
	xml_parser_free(&p);
	return 0;
}
