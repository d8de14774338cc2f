-- XMPP extensions (issue 3, src/xmpp/xep_*.c): the blocking list (XEP-0191)
-- and the delivery state of archived messages (XEP-0184 receipts, XEP-0333
-- chat markers: the "seen" of P-CHAT-1). Every column is declared in
-- src/xmpp/xep_catalog.c.

-- Who a user blocked (XEP-0191): jid is the blocked JID as normalised by the
-- server (clear: needed to drop stanzas before they are routed).
CREATE TABLE xep_blocklist (
	owner_id TEXT NOT NULL,
	jid TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (owner_id, jid)
);

-- Delivery state of an archived 1:1 message for its sender's view:
-- received (XEP-0184 or a chat marker) and displayed (XEP-0333). Removed
-- with the message (P-CHAT-2).
CREATE TABLE xep_msg_state (
	message_id TEXT PRIMARY KEY,
	conv_id TEXT NOT NULL,
	received_ms INTEGER,
	displayed_ms INTEGER
);
CREATE INDEX xep_msg_state_conv ON xep_msg_state (conv_id);
