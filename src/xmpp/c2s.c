/*
 * xmpp/c2s: one client connection: TCP, TLS (STARTTLS or direct), the XML
 * stream, stream negotiation (RFC 6120 §4-§7), the per-session stanza
 * queue and coalesced output (one write per connection per loop iteration).
 */
#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "net/http.h"
#include "net/tls.h"
#include "net/ws.h"
#include "xmpp/c2s_internal.h"
#include "xmpp/pep.h"
#include "xml/stanza.h"
#include "xmpp/xep.h"
#include "xml/xml_stream.h"
#include "xml/xml_writer.h"
#include "xmpp/xmpp_metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLOSE_GRACE_MS 3000

struct c2s_write {
	uv_write_t req;
	struct c2s_conn *conn;
	size_t len;
	char data[];
};

static void conn_free(struct c2s_conn *c)
{
	struct xmpp_server *srv = c->srv;
	/* never left on the flush list (defensive: the list is drained in the
	 * check phase, before close callbacks can free a connection) */
	for (struct c2s_conn **p = &srv->dirty; *p != NULL; p = &(*p)->dirty_next)
		if (*p == c) {
			*p = c->dirty_next;
			break;
		}
	for (size_t i = 0; i < c->q_len; i++)
		xml_doc_free(&c->queue[(c->q_head + i) % c->q_cap]);
	free(c->queue);
	xml_parser_free(&c->parser);
	tls_conn_free(&c->tls);
	if (c->wsd != NULL) {
		ws_decoder_free(c->wsd);
		free(c->wsd);
	}
	xml_buf_free(&c->out);
	sasl_free(&c->sasl);
	sm_free(c);
	pep_session_end(c); /* a session that never ended (retired after resumption) */
	xml_doc_free(&c->presence);
	for (size_t i = 0; i < c->n_directed; i++)
		free(c->directed[i]);
	free(c->directed);
	free(c->resource);
	free(c->full);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	srv->n_conns--;
	free(c);
	xmpp_server_maybe_drained(srv);
}

void c2s_ref(struct c2s_conn *c)
{
	c->refs++;
}

void c2s_unref(struct c2s_conn *c)
{
	if (--c->refs == 0)
		conn_free(c);
}

static void handle_closed(uv_handle_t *h)
{
	c2s_unref(h->data);
}

/* Closes the socket now; output not yet written is dropped. */
static void close_now(struct c2s_conn *c)
{
	if (c->dead)
		return;
	c->dead = true;
	c->state = C2S_CLOSING;
	uv_close((uv_handle_t *)&c->tcp, handle_closed);
	uv_close((uv_handle_t *)&c->timer, handle_closed);
}

static void on_grace_timeout(uv_timer_t *t)
{
	close_now(t->data);
}

void c2s_close(struct c2s_conn *c)
{
	if (c->state == C2S_CLOSING)
		return;
	if (c->hibernating) {
		c2s_sm_expire(c);
		return;
	}
	if (c->state == C2S_BOUND) {
		sm_session_end(c);
		session_end(c);
	}
	c->state = C2S_CLOSING;
	if (c->reading) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->reading = false;
	}
	if (!c->dead) {
		uv_timer_stop(&c->timer);
		uv_timer_start(&c->timer, on_grace_timeout, CLOSE_GRACE_MS, 0);
	}
	/* Closed once the flush of this iteration is written (write_done). */
	if (!c->dirty) {
		c->dirty = true;
		c->dirty_next = c->srv->dirty;
		c->srv->dirty = c;
	}
}

static void mark_dirty(struct c2s_conn *c)
{
	if (c->dirty || c->dead)
		return;
	c->dirty = true;
	c->dirty_next = c->srv->dirty;
	c->srv->dirty = c;
}

void c2s_send(struct c2s_conn *c, const struct xml_elem *stanza)
{
	if (c->state == C2S_CLOSING || (c->dead && !c->hibernating))
		return;
	if (pep_send_filter(c, stanza)) /* blocking, CSI (XEP-0191, 0352) */
		return;
	xmpp_metrics_stanza(stanza_kind(stanza), true);
	bool counted = c->sm != NULL && stanza_kind(stanza) != STANZA_OTHER;
	if (c->hibernating) {
		/* kept for the resumption (XEP-0198) */
		struct xml_buf b = XML_BUF_INIT;
		if (counted && xml_writer_write(&b, stanza, XMPP_NS_CLIENT, true) == 0)
			sm_record_out(c, b.data, b.len,
			              stanza_kind(stanza) == STANZA_MESSAGE ? c->srv->sm_msg_id
			                                                    : NULL);
		secret_wipe(b.data, b.cap);
		xml_buf_free(&b);
		return;
	}
	if (c->ws) {
		/* stanzas are kept in their stream form (jabber:client in scope)
		 * and qualified when sent; other elements stand alone */
		bool is_stanza = stanza_kind(stanza) != STANZA_OTHER;
		struct xml_buf b = XML_BUF_INIT;
		if (xml_writer_write(&b, stanza, is_stanza ? XMPP_NS_CLIENT : NULL, is_stanza) <
		    0) {
			log_warn("event=xmpp_unwritable_stanza");
		} else {
			if (counted)
				sm_record_out(c, b.data, b.len,
				              stanza_kind(stanza) == STANZA_MESSAGE
				                  ? c->srv->sm_msg_id
				                  : NULL);
			if (c->state != C2S_CLOSING) {
				if (is_stanza)
					c2s_out_stanza(c, b.data, b.len);
				else
					c2s_out_element(c, b.data, b.len);
				mark_dirty(c);
			}
		}
		secret_wipe(b.data, b.cap);
		xml_buf_free(&b);
		return;
	}
	size_t at = c->out.len;
	if (xml_writer_write(&c->out, stanza, XMPP_NS_CLIENT, true) < 0) {
		log_warn("event=xmpp_unwritable_stanza");
		return;
	}
	if (counted)
		sm_record_out(c, c->out.data + at, c->out.len - at,
		              stanza_kind(stanza) == STANZA_MESSAGE ? c->srv->sm_msg_id : NULL);
	mark_dirty(c);
}

void c2s_out_element(struct c2s_conn *c, const char *text, size_t len)
{
	if (len == 0)
		return;
	if (c->ws) {
		unsigned char hdr[10];
		size_t hl = ws_frame_header(hdr, WS_TEXT, len);
		xml_buf_append(&c->out, hdr, hl);
	}
	xml_buf_append(&c->out, text, len);
}

void c2s_out_stanza(struct c2s_conn *c, const char *text, size_t len)
{
	if (!c->ws || len < 2 || text[0] != '<') {
		c2s_out_element(c, text, len);
		return;
	}
	/* RFC 7395 §3.3.3: each message is a complete, qualified element */
	size_t name = 1;
	while (name < len && text[name] != ' ' && text[name] != '/' && text[name] != '>')
		name++;
	static const char ns[] = " xmlns='" XMPP_NS_CLIENT "'";
	struct xml_buf b = XML_BUF_INIT;
	xml_buf_append(&b, text, name);
	xml_buf_append(&b, ns, sizeof(ns) - 1);
	xml_buf_append(&b, text + name, len - name);
	c2s_out_element(c, b.data, b.len);
	secret_wipe(b.data, b.cap);
	xml_buf_free(&b);
}

/* Appends what a writer put in b as one element, then frees b. */
static void out_buf(struct c2s_conn *c, struct xml_buf *b)
{
	c2s_out_element(c, b->data, b->len);
	xml_buf_free(b);
}

void c2s_send_stanza_text(struct c2s_conn *c, const char *text, size_t len, const char *message_id)
{
	if (c->state == C2S_CLOSING || (c->dead && !c->hibernating))
		return;
	sm_record_out(c, text, len, message_id);
	xmpp_metrics_stanza(STANZA_MESSAGE, true); /* stored messages (offline) */
	if (c->hibernating || c->state == C2S_CLOSING)
		return;
	c2s_out_stanza(c, text, len);
	mark_dirty(c);
}

void c2s_send_raw(struct c2s_conn *c, const char *text)
{
	if (c->dead)
		return;
	c2s_out_element(c, text, strlen(text));
	mark_dirty(c);
}

void c2s_send_stanza_error(struct c2s_conn *c, const struct xml_elem *stanza,
                           enum stanza_error_cond cond)
{
	struct stanza_error err = {stanza_error_default_type(cond), cond, NULL, NULL, NULL};
	struct xml_doc *reply = stanza_error_reply(stanza, &err);
	if (reply == NULL)
		return;
	c2s_send(c, xml_doc_root(reply));
	xml_doc_free(&reply);
}

static bool header_sent(const struct c2s_conn *c)
{
	return c->stream_id[0] != '\0';
}

static void write_header(struct c2s_conn *c)
{
	ids_random_hex(c->stream_id, 16);
	struct xml_stream_header h = {
	    .from = c->srv->domain,
	    .id = c->stream_id,
	    .version = "1.0",
	    .lang = "en",
	    .content_ns = c->ws ? NULL : XMPP_NS_CLIENT,
	    .framing = c->ws,
	};
	struct xml_buf b = XML_BUF_INIT;
	(void)xml_stream_write_header(&b, &h);
	out_buf(c, &b);
	mark_dirty(c);
}

void c2s_stream_error(struct c2s_conn *c, enum stream_error_cond cond, const char *text)
{
	if (c->hibernating) {
		c2s_sm_expire(c);
		return;
	}
	if (c->state == C2S_CLOSING || c->dead)
		return;
	if (!header_sent(c))
		write_header(c);
	struct xml_buf b = XML_BUF_INIT;
	(void)stream_error_write(&b, cond, text, c->ws);
	out_buf(c, &b);
	xml_stream_write_close(&b, c->ws);
	out_buf(c, &b);
	c2s_close(c);
}

/* ---- output ----------------------------------------------------------- */

static bool try_hibernate(struct c2s_conn *c);

static void write_done(uv_write_t *req, int status)
{
	struct c2s_write *w = (struct c2s_write *)req;
	struct c2s_conn *c = w->conn;
	c->out_inflight -= w->len;
	free(w);
	if (status < 0 && !c->dead && !try_hibernate(c)) {
		if (c->state != C2S_CLOSING)
			c2s_close(c);
		close_now(c);
	} else if (c->state == C2S_CLOSING && c->out_inflight == 0 && c->out.len == 0)
		close_now(c);
	c2s_unref(c);
}

static void write_bytes(struct c2s_conn *c, const void *data, size_t len)
{
	struct c2s_write *w = xmalloc(sizeof(*w) + len);
	memcpy(w->data, data, len);
	w->len = len;
	w->conn = c;
	c2s_ref(c);
	c->out_inflight += len;
	uv_buf_t b = uv_buf_init(w->data, (unsigned)len);
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, write_done) < 0) {
		c->out_inflight -= len;
		free(w);
		c2s_unref(c);
		close_now(c);
	}
}

/* Moves the TLS layer's ciphertext to the socket. */
static void write_tls_out(struct c2s_conn *c)
{
	size_t n;
	while ((n = tls_conn_out_pending(c->tls)) > 0) {
		struct c2s_write *w = xmalloc(sizeof(*w) + n);
		w->len = tls_conn_take_out(c->tls, w->data, n);
		w->conn = c;
		c2s_ref(c);
		c->out_inflight += w->len;
		uv_buf_t b = uv_buf_init(w->data, (unsigned)w->len);
		if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, write_done) < 0) {
			c->out_inflight -= w->len;
			free(w);
			c2s_unref(c);
			close_now(c);
			return;
		}
	}
}

static void flush_one(struct c2s_conn *c)
{
	c->dirty = false;
	if (c->dead)
		return;
	sm_before_flush(c);
	if (c->ws && c->state == C2S_CLOSING && !c->ws_close_sent) {
		/* RFC 6455 §5.5.1: a close frame after the last element */
		static const unsigned char close_frame[] = {0x88, 0x02, 0x03, 0xe8};
		c->ws_close_sent = true;
		xml_buf_append(&c->out, close_frame, sizeof(close_frame));
	}
	if (c->out.len > 0) {
		if (c->tls_active) {
			if (tls_conn_write(c->tls, c->out.data, c->out.len) < 0) {
				xml_buf_reset(&c->out);
				close_now(c);
				return;
			}
		} else
			write_bytes(c, c->out.data, c->out.len);
		/* freed, not kept: an idle connection holds no output buffer */
		xml_buf_free(&c->out);
	}
	if (c->tls_active) {
		if (c->state == C2S_CLOSING)
			tls_conn_shutdown(c->tls); /* after the last stanza */
		write_tls_out(c);
	}
	if (c->dead)
		return;
	if (c->out_inflight > C2S_OUT_MAX) {
		log_info("event=xmpp_slow_reader_closed");
		close_now(c);
	} else if (c->state == C2S_CLOSING && c->out_inflight == 0)
		close_now(c);
}

void c2s_flush_dirty(struct xmpp_server *srv)
{
	while (srv->dirty != NULL) {
		struct c2s_conn *c = srv->dirty;
		srv->dirty = c->dirty_next;
		c2s_ref(c);
		flush_one(c);
		c2s_unref(c);
	}
}

/* ---- XEP-0198 hibernation ------------------------------------------- */

static void on_resume_timeout(uv_timer_t *t)
{
	c2s_sm_expire(t->data);
}

void c2s_sm_detach(struct c2s_conn *c)
{
	if (c->hibernating || c->dead || c->state != C2S_BOUND)
		return;
	c->hibernating = true;
	if (c->reading) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->reading = false;
	}
	/* stanzas read but not yet handled were not counted: the client sends
	 * them again after resuming */
	for (size_t i = 0; i < c->q_len; i++)
		xml_doc_free(&c->queue[(c->q_head + i) % c->q_cap]);
	c->q_len = 0;
	xml_buf_reset(&c->out); /* kept in the unacknowledged queue */
	c->dead = true;
	c->tls_active = false;
	tls_conn_free(&c->tls);
	uv_close((uv_handle_t *)&c->tcp, handle_closed);
	uv_timer_stop(&c->timer);
	uv_timer_start(&c->timer, on_resume_timeout,
	               (uint64_t)c->srv->cfg->xmpp_resume_timeout_s * 1000, 0);
	log_info("event=xmpp_sm_hibernate");
}

/* The transport is gone without a stream close: hibernate when the
 * session can be resumed. */
static bool try_hibernate(struct c2s_conn *c)
{
	if (c->state != C2S_BOUND || c->hibernating || c->dead || c->sm == NULL ||
	    c->srv->draining || c->srv->cfg->xmpp_resume_timeout_s <= 0 || !sm_resumable(c))
		return false;
	c2s_sm_detach(c);
	return true;
}

void c2s_retire(struct c2s_conn *c)
{
	c->hibernating = false;
	c->state = C2S_CLOSING;
	uv_timer_stop(&c->timer);
	if (!uv_is_closing((uv_handle_t *)&c->timer))
		uv_close((uv_handle_t *)&c->timer, handle_closed);
}

void c2s_sm_expire(struct c2s_conn *c)
{
	if (!c->hibernating)
		return;
	c->hibernating = false;
	log_info("event=xmpp_sm_expired");
	sm_session_end(c);
	session_end(c);
	c2s_retire(c);
}

/* ---- input ------------------------------------------------------------- */

static void features_send(struct c2s_conn *c)
{
	struct xml_doc *d = xml_doc_new(0);
	struct xml_elem *f = xml_elem_new(d, NULL, XMPP_NS_STREAMS, "features");
	const struct config *cfg = c->srv->cfg;
	if (c->state == C2S_AUTHED) {
		session_features(c, f);
		sm_features(c, f); /* XEP-0198 */
	} else if (!c->secure) {
		struct xml_elem *tls = xml_elem_new(d, f, XMPP_NS_TLS, "starttls");
		xml_elem_new(d, tls, XMPP_NS_TLS, "required");
		c->state = C2S_TLS_OFFERED;
		if (cfg->xmpp_plaintext && cfg->dev_mode && c->loopback)
			sasl_features(c, f);
	} else {
		c->state = C2S_SASL;
		sasl_features(c, f);
	}
	c2s_send(c, f);
	xml_doc_free(&d);
}

static enum xml_parser_action on_header(void *ctx, const struct xml_stream_header *h)
{
	struct c2s_conn *c = ctx;
	write_header(c);
	if (h->to == NULL || strcasecmp(h->to, c->srv->domain) != 0) {
		c2s_stream_error(c, STREAM_ERR_HOST_UNKNOWN, "this server serves another domain");
		return XML_PARSER_STOP;
	}
	if (h->version == NULL || strncmp(h->version, "1.", 2) != 0) {
		c2s_stream_error(c, STREAM_ERR_UNSUPPORTED_VERSION, NULL);
		return XML_PARSER_STOP;
	}
	features_send(c);
	return XML_PARSER_CONTINUE;
}

static bool tls_allowed_now(struct c2s_conn *c)
{
	return !c->secure && !c->direct_tls && c->state == C2S_TLS_OFFERED;
}

/* STARTTLS (RFC 6120 §5.4.2.3): <proceed/> in clear, then TLS; anything the
 * client sent after <starttls/> in clear is dropped. */
static void start_tls(struct c2s_conn *c)
{
	c2s_send_raw(c, "<proceed xmlns='" XMPP_NS_TLS "'/>");
	flush_one(c);
	c->tls = tls_conn_server_new(c->srv->tls);
	c->tls_active = c->secure = true;
	c->stream_id[0] = '\0';
	c->state = C2S_CONNECTED;
}

static bool is_message_job_ok(const struct c2s_conn *c, const struct xml_elem *el)
{
	/* While the writer is full, every stanza waits (backpressure: reading
	 * stops too). Messages may pipeline behind message jobs (FIFO batches
	 * keep their order); anything else waits until no job of this session
	 * runs. */
	if (c->srv->writer_blocked)
		return false;
	return c->jobs_inflight == 0 || (stanza_kind(el) == STANZA_MESSAGE &&
	                                 c->state == C2S_BOUND && c->jobs_inflight == c->msg_jobs);
}

static void dispatch(struct c2s_conn *c, struct xml_doc *doc)
{
	struct xml_elem *el = xml_doc_root(doc);
	switch (c->state) {
	case C2S_TLS_OFFERED:
	case C2S_SASL:
		if (xml_elem_ns(el)[0] != '\0' && strcmp(xml_elem_ns(el), XMPP_NS_SASL) == 0) {
			sasl_handle(c, el);
		} else if (xep_preauth_iq(c, doc)) { /* XEP-0077: no account creation */
			return;
		} else if (stanza_kind(el) != STANZA_OTHER) {
			c2s_stream_error(c, STREAM_ERR_NOT_AUTHORIZED, "authenticate first");
		} else {
			c2s_stream_error(c, STREAM_ERR_POLICY_VIOLATION, "unexpected element");
		}
		xml_doc_free(&doc);
		return;
	case C2S_AUTHED:
	case C2S_BOUND:
		if (xml_elem_ns(el)[0] != '\0' && strcmp(xml_elem_ns(el), XMPP_NS_SM) == 0) {
			sm_handle(c, doc); /* XEP-0198 */
			return;
		}
		if (strcmp(xml_elem_ns(el), NS_CSI) == 0) {
			pep_csi(c, doc); /* XEP-0352 */
			return;
		}
		if (stanza_kind(el) == STANZA_OTHER) {
			c2s_stream_error(c, STREAM_ERR_UNSUPPORTED_STANZA_TYPE, NULL);
			xml_doc_free(&doc);
			return;
		}
		if (c->state == C2S_BOUND)
			sm_count_in(c);
		xmpp_metrics_stanza(stanza_kind(el), false);
		session_dispatch(c, doc);
		return;
	default:
		xml_doc_free(&doc);
		return;
	}
}

static void queue_push(struct c2s_conn *c, struct xml_doc *doc)
{
	if (c->q_len == c->q_cap) {
		size_t ncap = c->q_cap ? c->q_cap * 2 : 8;
		struct xml_doc **nq = xmalloc(ncap * sizeof(*nq));
		for (size_t i = 0; i < c->q_len; i++)
			nq[i] = c->queue[(c->q_head + i) % c->q_cap];
		free(c->queue);
		c->queue = nq;
		c->q_cap = ncap;
		c->q_head = 0;
	}
	c->queue[(c->q_head + c->q_len++) % c->q_cap] = doc;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);

static void resume_reading(struct c2s_conn *c)
{
	if (!c->reading && c->state != C2S_CLOSING && !c->dead &&
	    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
		c->reading = true;
}

/* Runs queued stanzas in order while the session may. */
static void run_queue(struct c2s_conn *c)
{
	while (c->q_len > 0 && c->state != C2S_CLOSING) {
		struct xml_doc *doc = c->queue[c->q_head];
		if (!is_message_job_ok(c, xml_doc_root(doc)))
			break;
		c->q_head = (c->q_head + 1) % c->q_cap;
		c->q_len--;
		dispatch(c, doc);
	}
	if (c->q_len < C2S_QUEUE_PAUSE / 2)
		resume_reading(c);
}

void c2s_writer_unblocked(struct xmpp_server *srv)
{
	/* running a queue may close sessions: hold the one we stand on, and
	 * take its successor only afterwards (a freed session leaves the list) */
	struct c2s_conn *c = srv->conns;
	if (c != NULL)
		c2s_ref(c);
	while (c != NULL) {
		if (c->state != C2S_CLOSING)
			run_queue(c);
		struct c2s_conn *next = c->next;
		if (next != NULL)
			c2s_ref(next);
		c2s_unref(c);
		c = next;
	}
}

void c2s_job_finished(struct c2s_conn *c)
{
	sm_job_finished(c);
	if (c->state != C2S_CLOSING)
		run_queue(c);
}

static enum xml_parser_action on_stanza(void *ctx, struct xml_doc *doc)
{
	struct c2s_conn *c = ctx;
	struct xml_elem *el = xml_doc_root(doc);
	if (c->state == C2S_CLOSING) {
		xml_doc_free(&doc);
		return XML_PARSER_STOP;
	}
	if (xml_elem_is(el, XMPP_NS_TLS, "starttls")) {
		xml_doc_free(&doc);
		if (!tls_allowed_now(c) || c->q_len > 0 || c->jobs_inflight > 0) {
			c2s_send_raw(c, "<failure xmlns='" XMPP_NS_TLS "'/></stream:stream>");
			c2s_close(c);
			return XML_PARSER_STOP;
		}
		c->tls_pending = true;
		return XML_PARSER_STOP;
	}
	queue_push(c, doc);
	run_queue(c);
	if ((c->q_len >= C2S_QUEUE_PAUSE || c->srv->writer_blocked) && c->reading) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->reading = false;
	}
	return c->state == C2S_CLOSING ? XML_PARSER_STOP : XML_PARSER_CONTINUE;
}

static enum xml_parser_action on_close(void *ctx)
{
	struct c2s_conn *c = ctx;
	if (c->state != C2S_CLOSING) {
		struct xml_buf b = XML_BUF_INIT;
		xml_stream_write_close(&b, c->ws);
		out_buf(c, &b);
		mark_dirty(c);
		c2s_close(c);
	}
	return XML_PARSER_STOP;
}

static const struct xml_parser_callbacks callbacks = {on_header, on_stanza, on_close};

void c2s_restart_stream(struct c2s_conn *c)
{
	xml_parser_restart(c->parser);
	c->stream_id[0] = '\0';
}

static void feed_plain(struct c2s_conn *c, const char *data, size_t len)
{
	size_t used = 0;
	if (c->state == C2S_CLOSING)
		return;
	if (xml_parser_feed(c->parser, data, len, &used) < 0) {
		const struct xml_parser_error *e = xml_parser_error(c->parser);
		c2s_stream_error(c, e->cond, e->text);
		return;
	}
	if (c->tls_pending) {
		/* whatever followed <starttls/> in clear is dropped */
		c->tls_pending = false;
		xml_parser_restart(c->parser);
		start_tls(c);
	}
}

static char read_buf[65536];

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	/* One loop thread: a read is handled before the next alloc. */
	*buf = uv_buf_init(read_buf, sizeof(read_buf));
}

/* ---- WebSocket (RFC 7395) ---------------------------------------------- */

static void ws_transport_closed(struct c2s_conn *c)
{
	/* a WebSocket close without <close/> is a dropped connection */
	if (c->state == C2S_CLOSING || !try_hibernate(c))
		c2s_close(c);
}

static bool on_ws_message(void *ctx, enum ws_opcode op, const unsigned char *data, size_t len)
{
	struct c2s_conn *c = ctx;
	if (c->dead || c->state == C2S_CLOSING)
		return false;
	switch (op) {
	case WS_TEXT:
		if (xml_parser_feed_message(c->parser, data, len) < 0) {
			const struct xml_parser_error *e = xml_parser_error(c->parser);
			c2s_stream_error(c, e->cond, e->text);
		}
		return !c->dead && c->state != C2S_CLOSING;
	case WS_PING: {
		unsigned char hdr[10];
		size_t hl = ws_frame_header(hdr, WS_PONG, len);
		xml_buf_append(&c->out, hdr, hl);
		xml_buf_append(&c->out, data, len);
		mark_dirty(c);
		return true;
	}
	case WS_CLOSE:
		c->ws_closed_by_peer = true;
		ws_transport_closed(c);
		return false;
	default:
		return true; /* pong */
	}
}

static void feed_ws(struct c2s_conn *c, const char *data, size_t len)
{
	if (ws_decode(c->wsd, data, len, on_ws_message, c) < 0) {
		unsigned char frame[4] = {0x88, 0x02, (unsigned char)(c->wsd->error_code >> 8),
		                          (unsigned char)c->wsd->error_code};
		log_info("event=xmpp_ws_protocol_error code=%u", c->wsd->error_code);
		c2s_close(c);
		if (!c->ws_close_sent && !c->dead) {
			c->ws_close_sent = true;
			xml_buf_append(&c->out, frame, sizeof(frame));
		}
	}
}

static void feed_tls(struct c2s_conn *c, const char *data, size_t len)
{
	static char plain[16384];
	if (len > 0 && tls_conn_feed(c->tls, data, len) < 0) {
		close_now(c);
		return;
	}
	for (;;) {
		size_t n = 0;
		enum tls_read_result r = tls_conn_read(c->tls, plain, sizeof(plain), &n);
		if (r == TLS_READ_OK) {
			if (c->ws)
				feed_ws(c, plain, n);
			else
				feed_plain(c, plain, n);
			if (c->dead || c->state == C2S_CLOSING)
				break;
			continue;
		}
		if (r == TLS_READ_CLOSED) {
			if (!try_hibernate(c))
				c2s_close(c);
		} else if (r == TLS_READ_ERROR && !try_hibernate(c))
			close_now(c);
		break;
	}
	if (!c->dead)
		mark_dirty(c); /* handshake bytes */
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct c2s_conn *c = s->data;
	if (nread == 0)
		return;
	if (nread < 0) {
		if (try_hibernate(c))
			return;
		c2s_close(c);
		close_now(c);
		return;
	}
	c2s_ref(c);
	if (c->tls_active)
		feed_tls(c, buf->base, (size_t)nread);
	else if (c->ws)
		feed_ws(c, buf->base, (size_t)nread);
	else
		feed_plain(c, buf->base, (size_t)nread);
	c2s_unref(c);
}

static void on_auth_timeout(uv_timer_t *t)
{
	struct c2s_conn *c = t->data;
	if (c->state != C2S_BOUND)
		c2s_stream_error(c, STREAM_ERR_CONNECTION_TIMEOUT, "authentication took too long");
}

static void peer_address(struct c2s_conn *c)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	snprintf(c->addr, sizeof(c->addr), "unknown");
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		uv_ip4_name(in, c->addr, sizeof(c->addr));
		c->loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		uv_ip6_name(in6, c->addr, sizeof(c->addr));
		c->loopback = strcmp(c->addr, "::1") == 0;
	}
}

static struct c2s_conn *conn_new(struct xmpp_server *srv)
{
	struct c2s_conn *c = xcalloc(1, sizeof(*c));
	c->srv = srv;
	uv_tcp_init(srv->loop, &c->tcp);
	c->tcp.data = c;
	c->refs = 2; /* tcp + timer handles */
	uv_timer_init(srv->loop, &c->timer);
	c->timer.data = c;
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
	srv->n_conns++;
	return c;
}

void c2s_accept_ws(struct xmpp_server *srv, struct http_upgraded *up)
{
	struct c2s_conn *c = conn_new(srv);
	c->tls = up->tls;
	up->tls = NULL;
	if (uv_tcp_open(&c->tcp, up->fd) != 0) {
		close(up->fd);
		close_now(c);
		return;
	}
	if (srv->n_conns > (unsigned)srv->cfg->xmpp_max_connections || srv->draining) {
		close_now(c);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	peer_address(c);             /* c->loopback: the socket's peer */
	if (up->remote_addr != NULL) /* the client, when behind a trusted proxy */
		snprintf(c->addr, sizeof(c->addr), "%s", up->remote_addr);
	struct xml_parser_settings ps = {XML_PARSER_FRAMING, XMPP_NS_CLIENT, &srv->limits};
	c->parser = xml_parser_new(&ps, &callbacks, c);
	c->ws = true;
	c->wsd = xmalloc(sizeof(*c->wsd));
	ws_decoder_init(c->wsd, srv->limits.stanza_bytes);
	if (c->tls != NULL) {
		c->tls_active = c->secure = true;
	} else if (srv->cfg->xmpp_plaintext && srv->cfg->dev_mode && c->loopback) {
		c->secure = true; /* plaintext HTTP listener in development (P-SEC-3) */
	} else {
		close_now(c);
		return;
	}
	uv_timer_start(&c->timer, on_auth_timeout, (uint64_t)srv->cfg->xmpp_auth_timeout_ms, 0);
	c2s_ref(c);
	if (up->rest_len > 0)
		feed_ws(c, up->rest, up->rest_len);
	if (c->tls_active && !c->dead && c->state != C2S_CLOSING)
		feed_tls(c, NULL, 0); /* records already decrypted by the HTTP layer */
	c2s_unref(c);
	resume_reading(c);
	log_debug("event=xmpp_ws_connected");
}

void c2s_accept(struct xmpp_server *srv, uv_stream_t *listener, bool direct_tls)
{
	struct c2s_conn *c = xcalloc(1, sizeof(*c));
	c->srv = srv;
	uv_tcp_init(srv->loop, &c->tcp);
	c->tcp.data = c;
	c->refs = 2; /* tcp + timer handles */
	uv_timer_init(srv->loop, &c->timer);
	c->timer.data = c;
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
	srv->n_conns++;
	if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0 ||
	    srv->n_conns > (unsigned)srv->cfg->xmpp_max_connections) {
		close_now(c);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	peer_address(c);
	struct xml_parser_settings ps = {XML_PARSER_STREAM, XMPP_NS_CLIENT, &srv->limits};
	c->parser = xml_parser_new(&ps, &callbacks, c);
	c->direct_tls = direct_tls;
	if (direct_tls) {
		c->tls = tls_conn_server_new(srv->tls);
		c->tls_active = c->secure = true;
	}
	uv_timer_start(&c->timer, on_auth_timeout, (uint64_t)srv->cfg->xmpp_auth_timeout_ms, 0);
	resume_reading(c);
}
