-- 015 (issue 3 item 5, src/xmpp/pep*.c): personal eventing (XEP-0163)
-- nodes and items, bookmarks (XEP-0402) among them, and private XML
-- storage (XEP-0049). Item texts and private elements are sealed under the
-- owner's subject key; item ids and namespaces are stored only as blind
-- indexes. Avatars (XEP-0084) are not stored here: they are the profile
-- avatar (account_profiles). Every column is declared in
-- src/xmpp/pep_catalog.c.

CREATE TABLE pep_nodes (
	owner_id TEXT NOT NULL,
	tenant_id TEXT NOT NULL,
	node TEXT NOT NULL,
	access_model TEXT NOT NULL CHECK (access_model IN ('presence', 'whitelist')),
	max_items INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (owner_id, node)
);
CREATE INDEX pep_nodes_tenant ON pep_nodes (tenant_id);

CREATE TABLE pep_items (
	id TEXT PRIMARY KEY,
	owner_id TEXT NOT NULL,
	tenant_id TEXT NOT NULL,
	node TEXT NOT NULL,
	item_key TEXT NOT NULL,
	item_sealed BLOB NOT NULL,
	published_ms INTEGER NOT NULL,
	UNIQUE (owner_id, node, item_key)
);
CREATE INDEX pep_items_node ON pep_items (owner_id, node, published_ms);

CREATE TABLE xmpp_private (
	id TEXT PRIMARY KEY,
	owner_id TEXT NOT NULL,
	tenant_id TEXT NOT NULL,
	ns_key TEXT NOT NULL,
	xml_sealed BLOB NOT NULL,
	updated_ms INTEGER NOT NULL,
	UNIQUE (owner_id, ns_key)
);
