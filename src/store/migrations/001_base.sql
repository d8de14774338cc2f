-- Installation facts (schema-independent key/value: ids, flags; never personal data).
CREATE TABLE install_meta (
	name TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
