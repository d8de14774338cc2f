-- 017 (issue 9): the login throttle counts failures per (account, address)
-- pair, per address and per account (P-SEC-8). user_key is a keyed
-- pseudonym (keys_blind_index "login-user") of the account id, or of the
-- lower-cased username when no such account exists, so that unknown
-- usernames are throttled exactly like real ones (no enumeration). Rows
-- written before have NULL and no longer count.
ALTER TABLE login_events ADD COLUMN user_key TEXT;
CREATE INDEX login_events_pair ON login_events (user_key, addr_hash, at_ms);
