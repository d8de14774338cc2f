-- XMPP core (issue 3): rosters, the sealed 1:1 archive, offline storage and
-- the connection log. Every column is declared in src/xmpp/xmpp_catalog.c.

-- Roster items (RFC 6121 §2): one row per (owner, contact). contact is the
-- bare JID as the client wrote it (clear: needed for routing and lookups);
-- the display name and groups are sealed under the owner's subject key.
-- subscription: none/to/from/both; ask_out = we asked the contact
-- (pending out); pending_in = the contact asked us and we have not answered
-- (the sealed-free stanza is not kept: a new request is re-sent at login);
-- approved = pre-approval (RFC 6121 §3.4).
CREATE TABLE xmpp_roster (
	owner_id TEXT NOT NULL,
	contact TEXT NOT NULL,
	name_sealed BLOB,
	groups_sealed BLOB,
	subscription TEXT NOT NULL DEFAULT 'none'
		CHECK (subscription IN ('none', 'to', 'from', 'both')),
	ask_out INTEGER NOT NULL DEFAULT 0,
	pending_in INTEGER NOT NULL DEFAULT 0,
	approved INTEGER NOT NULL DEFAULT 0,
	in_roster INTEGER NOT NULL DEFAULT 1,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (owner_id, contact)
);

-- One row per message: the stanza sealed once under the conversation key
-- (subject "conv:<min account id>:<max account id>", tenant conv_tenant).
CREATE TABLE xmpp_messages (
	id TEXT PRIMARY KEY,
	conv_id TEXT NOT NULL,
	conv_tenant TEXT NOT NULL,
	sender_id TEXT NOT NULL,
	recipient_id TEXT NOT NULL,
	at_ms INTEGER NOT NULL,
	stanza_sealed BLOB NOT NULL
);
CREATE INDEX xmpp_messages_conv ON xmpp_messages (conv_id, at_ms);

-- Each participant's view of a message (P-CHAT-2: a user deletes their view;
-- the message row and then the conversation key go once no view is left).
CREATE TABLE xmpp_archive (
	id TEXT PRIMARY KEY,
	owner_id TEXT NOT NULL,
	message_id TEXT NOT NULL,
	peer_id TEXT NOT NULL,
	direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
	at_ms INTEGER NOT NULL
);
CREATE INDEX xmpp_archive_owner ON xmpp_archive (owner_id, peer_id, at_ms);
CREATE INDEX xmpp_archive_message ON xmpp_archive (message_id);

-- Messages waiting for their recipient's next login (XEP-0160).
CREATE TABLE xmpp_offline (
	id TEXT PRIMARY KEY,
	owner_id TEXT NOT NULL,
	message_id TEXT NOT NULL,
	at_ms INTEGER NOT NULL
);
CREATE INDEX xmpp_offline_owner ON xmpp_offline (owner_id, at_ms);

-- Connection log (P-LOG-1): who connected when, from which (pseudonymised)
-- address, with which client software; never content. Kept 1 year (P-LOG-2).
CREATE TABLE connection_log (
	id TEXT PRIMARY KEY,
	account_id TEXT,
	tenant_id TEXT NOT NULL,
	at_ms INTEGER NOT NULL,
	protocol TEXT NOT NULL,
	event TEXT NOT NULL,
	addr_hash TEXT NOT NULL,
	client TEXT
);
CREATE INDEX connection_log_account ON connection_log (account_id, at_ms);
CREATE INDEX connection_log_at ON connection_log (at_ms);
