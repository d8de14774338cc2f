-- 019 (issue 9 item 7, src/domain/profile.c, src/xmpp/xep_vcard.c): the
-- formatted name a person chose (vCard FN, XEP-0054), sealed like every
-- profile value under the account's subject key. NULL: the name shown is
-- first and last name. Declared in src/domain/accounts_catalog.c.
ALTER TABLE account_profiles ADD COLUMN display_name_sealed BLOB;
