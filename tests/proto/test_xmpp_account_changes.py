"""Account changes that race a login, and changes made by another process.

A change that refuses login (restriction, a new password, disabling,
erasure) made while a SCRAM exchange waits for the client's final message
ends that exchange, and the login's own transaction checks the account
again, so a login that began before the change never gets a session (an
old password cannot finish an exchange opened before an admin reset).
Changes made by irisctl beside a running irisd reach its live sessions
through the account_state_changes table (live irisd; raw clients)."""
import base64
import hashlib
import hmac
import os
import sqlite3
import time

from rawxmpp import NS_SASL, NS_STREAM, Raw, q
from test_xmpp_account_state import expect_stream_error, member_with_id, session


def b64(b):
    return base64.b64encode(b).decode()


def scram_until_challenge(r, user):
    """Sends SCRAM-SHA-1 client-first; returns (client-first-bare, server-first)."""
    r.wait_for(lambda e: e.tag == q(NS_STREAM, "features"))
    bare = "n=%s,r=%s" % (user, b64(os.urandom(18)))
    r.send("<auth xmlns='%s' mechanism='SCRAM-SHA-1'>%s</auth>"
           % (NS_SASL, b64(("n,," + bare).encode())))
    ch = r.next()
    assert ch.tag == q(NS_SASL, "challenge"), ch.tag
    return bare, base64.b64decode(ch.text).decode()


def scram_final(r, password, bare, first):
    """Sends a correct client-final for password; returns the next element."""
    attrs = dict(kv.split("=", 1) for kv in first.split(","))
    salted = hashlib.pbkdf2_hmac("sha1", password.encode(), base64.b64decode(attrs["s"]),
                                 int(attrs["i"]))
    ckey = hmac.new(salted, b"Client Key", hashlib.sha1).digest()
    without = "c=biws,r=%s" % attrs["r"]
    auth = ",".join([bare, first, without]).encode()
    sig = hmac.new(hashlib.sha1(ckey).digest(), auth, hashlib.sha1).digest()
    proof = bytes(a ^ b for a, b in zip(ckey, sig))
    r.send("<response xmlns='%s'>%s</response>"
           % (NS_SASL, b64((without + ",p=" + b64(proof)).encode())))
    return r.next(5)


def db_write(xiris, query, *args):
    """A write straight into the database, committed (as another process)."""
    con = sqlite3.connect(os.path.join(xiris.data_dir, "iris.db"), timeout=10)
    try:
        with con:
            con.execute(query, args)
    finally:
        con.close()


def ping(r, id_="p1", timeout=3):
    r.send("<iq type='get' id='%s' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>" % id_)
    return r.wait_for(lambda e: e.get("id") == id_ or e.tag == q(NS_STREAM, "error"), timeout)


# Item 1 (a): restricting the account while its SCRAM exchange waits for the
# client's proof ends the exchange at once with <policy-violation/> and a
# text; the login never succeeds.
def test_restriction_during_scram_ends_the_exchange(xiris):
    jid, pw, uid, tid, admin = member_with_id(xiris, "tocr")
    r = Raw(xiris, jid, pw)
    bare, first = scram_until_challenge(r, jid.split("@")[0])
    res = xiris.api("PUT", "/api/v1/tenants/%s/members/%s/restriction" % (tid, uid),
                    {"confirm": True}, token=admin)
    assert res.status_code == 200, res.text
    cond, text = expect_stream_error(r, 3)
    assert cond == "policy-violation" and "restricted" in text


# Item 1 (a): an admin's password reset during the exchange ends it: the old
# password cannot complete a login begun before the reset.
def test_password_reset_during_scram_ends_the_exchange(xiris):
    jid, pw, uid, tid, admin = member_with_id(xiris, "tocp")
    r = Raw(xiris, jid, pw)
    bare, first = scram_until_challenge(r, jid.split("@")[0])
    res = xiris.api("POST", "/api/v1/tenants/%s/members/%s/password" % (tid, uid), {},
                    token=admin)
    assert res.status_code == 200, res.text
    cond, text = expect_stream_error(r, 3)
    assert cond == "not-authorized" and "password" in text


# Item 1 (b): the login's transaction checks the account again. Changes
# written straight into the database (no signal, no account_state_changes
# row: only that check can see them) between the challenge and the proof
# refuse the login with a SASL failure.
def test_login_transaction_rechecks_status(xiris):
    jid, pw, uid, tid, admin = member_with_id(xiris, "tocs")
    r = Raw(xiris, jid, pw)
    bare, first = scram_until_challenge(r, jid.split("@")[0])
    db_write(xiris, "UPDATE accounts SET status = 'disabled' WHERE id = ?", uid)
    res = scram_final(r, pw, bare, first)
    assert res.tag == q(NS_SASL, "failure"), res.tag
    assert res.find(q(NS_SASL, "account-disabled")) is not None


def test_login_transaction_rechecks_credentials(xiris):
    jid, pw, uid, tid, admin = member_with_id(xiris, "tocc")
    other, _ = xiris.member(prefix="toco")
    r = Raw(xiris, jid, pw)
    bare, first = scram_until_challenge(r, jid.split("@")[0])
    # another password (the other member's credentials), as a reset leaves it
    db_write(xiris, "UPDATE accounts SET scram_sha1 = (SELECT scram_sha1 FROM accounts "
              "WHERE username = ?), scram_sha256 = (SELECT scram_sha256 FROM accounts "
              "WHERE username = ?) WHERE id = ?", other.split("@")[0], other.split("@")[0], uid)
    res = scram_final(r, pw, bare, first)
    assert res.tag == q(NS_SASL, "failure"), res.tag
    assert res.find(q(NS_SASL, "not-authorized")) is not None


def test_login_transaction_rechecks_restriction(xiris):
    jid, pw, uid, tid, admin = member_with_id(xiris, "tocx")
    r = Raw(xiris, jid, pw)
    bare, first = scram_until_challenge(r, jid.split("@")[0])
    db_write(xiris, "INSERT INTO account_restrictions (account_id, tenant_id, since, set_by) "
              "VALUES (?, ?, 0, 'test')", uid, tid)
    res = scram_final(r, pw, bare, first)
    assert res.tag == q(NS_SASL, "failure"), res.tag
    assert res.find(q(NS_SASL, "account-disabled")) is not None


# Item 2: irisctl works on the database beside a running irisd; its erasure
# still ends the account's live session with a stream error within seconds
# (through the account_state_changes row written with the erasure).
def test_irisctl_erase_ends_live_session(xiris):
    jid, pw, uid, tid, admin = member_with_id(xiris, "cer")
    s = session(xiris, jid, pw)
    out = xiris.ctl("dsr", "erase", "--user", jid.split("@")[0])
    assert out.returncode == 0, out.stderr
    cond, text = expect_stream_error(s, 5)
    assert cond == "not-authorized" and "deleted" in text


# Item 2: the same for a SCRAM exchange that irisctl's erasure interrupts:
# whether the row is read first or the login's recheck sees the account
# gone, no session is made.
def test_irisctl_erase_during_scram_gives_no_session(xiris):
    jid, pw, uid, tid, admin = member_with_id(xiris, "cesc")
    r = Raw(xiris, jid, pw)
    bare, first = scram_until_challenge(r, jid.split("@")[0])
    out = xiris.ctl("dsr", "erase", "--user", jid.split("@")[0])
    assert out.returncode == 0, out.stderr
    try:
        res = scram_final(r, pw, bare, first)
    except (EOFError, ConnectionError, OSError):
        return  # already closed
    assert res.tag in (q(NS_SASL, "failure"), q(NS_STREAM, "error")), res.tag


# The rows are read about twice a second: a login made right after a change
# saw it (its seq) and is not ended when the row is read afterwards.
def test_login_after_password_change_survives_the_row(xiris):
    jid, pw, uid, tid, admin = member_with_id(xiris, "pwn")
    token = xiris.api("POST", "/api/v1/auth/login",
                      {"username": jid.split("@")[0], "password": pw}).json()["token"]
    new = "new-" + pw
    res = xiris.api("POST", "/api/v1/me/password",
                    {"current_password": pw, "new_password": new}, token=token)
    assert res.status_code == 200, res.text
    s = session(xiris, jid, new, "after")
    time.sleep(1.5)  # several reads of the rows
    el = ping(s)
    assert el.tag != q(NS_STREAM, "error"), el.tag
    assert el.get("type") == "result"
    s.close()
