"""XMPP logins: SASL mechanisms over STARTTLS and direct TLS, TLS required
before SASL, failed logins recorded and throttled, the connection log
(live irisd, slixmpp and raw sockets)."""
import base64
import socket
import ssl
import time

import pytest

from conftest import close, connect, run, until

HEADER = ("<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>")


def read_until(sock, marker, timeout=10):
    sock.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    while marker not in data and time.monotonic() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


# P-SEC-1, P-SEC-3: each SASL mechanism, with the REST credentials, over STARTTLS.
@pytest.mark.parametrize("mech", ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"])
def test_login_starttls(xiris, mech):
    jid, pw = xiris.member()

    async def go():
        c = await connect(xiris, jid, pw, mechanism=mech)
        assert not c.failed
        assert c.boundjid.bare == jid and c.boundjid.resource
        await close(c)
    run(go())


# P-SEC-3: direct TLS on the XEP-0368 port, SCRAM and PLAIN.
@pytest.mark.parametrize("mech", ["SCRAM-SHA-256", "PLAIN"])
def test_login_direct_tls(xiris, mech):
    jid, pw = xiris.member()

    async def go():
        c = await connect(xiris, jid, pw, direct_tls=True, mechanism=mech)
        assert not c.failed and c.boundjid.bare == jid
        await close(c)
    run(go())


# P-SEC-3: before STARTTLS only <starttls/> is offered and SASL is refused.
def test_plaintext_auth_refused(xiris):
    jid, pw = xiris.member()
    user = jid.split("@")[0]
    with socket.create_connection(("127.0.0.1", xiris.c2s)) as s:
        s.sendall(HEADER.encode())
        feats = read_until(s, b"</stream:features>")
        assert b"urn:ietf:params:xml:ns:xmpp-tls" in feats and b"<required" in feats
        assert b"mechanism" not in feats
        payload = base64.b64encode(b"\0" + user.encode() + b"\0" + pw.encode()).decode()
        s.sendall(("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>"
                   % payload).encode())
        reply = read_until(s, b"</failure>")
        assert b"encryption-required" in reply and b"<success" not in reply
    rows = xiris.sql("SELECT COUNT(*) FROM login_events e JOIN accounts a ON a.id = e.account_id "
                     "WHERE a.username = ? AND e.result = 'success'", user)
    assert rows[0][0] == 1  # only the REST login of the fixture


# RFC 6120 §4.9.3.12: a stanza before authentication ends the stream.
def test_stanza_before_auth_is_not_authorized(xiris):
    ctx = ssl.create_default_context(cafile=xiris.verify)
    ctx.check_hostname = False
    with socket.create_connection(("127.0.0.1", xiris.c2s_tls)) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(HEADER.encode())
            read_until(s, b"</stream:features>")
            s.sendall(b"<message to='nobody@localhost'><body>hello</body></message>")
            reply = read_until(s, b"</stream:stream>")
            assert b"<not-authorized" in reply and b"</stream:stream>" in reply


# P-SEC-5: failed XMPP logins are recorded per user like REST ones, and throttled.
def test_failed_logins_logged_and_throttled(fresh_xiris):
    iris = fresh_xiris
    jid, pw = iris.member()
    user = jid.split("@")[0]

    async def attempt(password, mech="SCRAM-SHA-256"):
        c = await connect(iris, jid, password, mechanism=mech)
        ok = not c.failed
        await close(c)
        return ok

    async def go():
        assert not await attempt("wrong-password-1")
        assert not await attempt("wrong-password-2", "PLAIN")
        for i in range(3, 6):
            assert not await attempt("wrong-password-%d" % i)
        # the right password is refused while throttled
        assert not await attempt(pw)
    run(go())
    rows = iris.sql("SELECT e.result FROM login_events e JOIN accounts a ON a.id = e.account_id "
                    "WHERE a.username = ? ORDER BY e.at_ms", user)
    results = [r[0] for r in rows]
    assert results.count("bad_password") == 5, results
    assert results[-1] == "throttled", results


# P-LOG-1: the connection log has the time, a pseudonymised address and the client
# software and version, never content.
def test_connection_log_has_client_not_content(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    canary = "canary-log-%d" % time.time_ns()

    async def go():
        ca = await connect(xiris, a, apw)
        cb = await connect(xiris, b, bpw)
        ca.send_message(mto=b, mbody=canary, mtype="chat")
        assert await until(lambda: canary in cb.bodies())
        await close(ca, cb)
    run(go())
    user = a.split("@")[0]
    for _ in range(100):  # the logout is committed just after the disconnect
        rows = xiris.sql("SELECT l.event, l.client, l.addr_hash, l.at_ms FROM connection_log l "
                         "JOIN accounts a ON a.id = l.account_id WHERE a.username = ?", user)
        events = {r[0] for r in rows}
        if "logout" in events:
            break
        time.sleep(0.05)
    assert {"login", "client", "logout"} <= events, rows
    clients = [r[1] for r in rows if r[0] == "client"]
    assert any(c.startswith("iris-proto-test/4.2") for c in clients), clients
    for r in rows:
        assert "127.0.0.1" not in (r[2] or "") and len(r[2]) == 64
        assert r[3] > 0
    dump = repr(xiris.sql("SELECT * FROM connection_log")) + \
        repr(xiris.sql("SELECT * FROM login_events"))
    assert canary not in dump
    log = open(xiris.data_dir + ".log", "rb").read()
    assert canary.encode() not in log


# RFC 6120 §7.7.2.2: binding a resource already in use: the new session wins, the
# old one gets a <conflict/> stream error; other resources stay.
def test_resource_conflict(xiris):
    jid, pw = xiris.member()

    async def go():
        c1 = await connect(xiris, jid + "/phone", pw)
        other = await connect(xiris, jid + "/laptop", pw)
        ended = []
        c1.add_event_handler("stream_error", lambda e: ended.append(e["condition"]))
        c2 = await connect(xiris, jid + "/phone", pw)
        assert c2.boundjid.full == jid + "/phone"
        assert await until(lambda: "conflict" in ended)
        c2.send_message(mto=jid + "/laptop", mbody="still here", mtype="chat")
        assert await until(lambda: "still here" in other.bodies())
        await close(c1, c2, other)
    run(go())


# RFC 6120 §4.9.3: an oversized stanza or malformed XML ends that stream only.
@pytest.mark.parametrize("bad,cond", [
    (b"<message to='x@localhost'><body>" + b"A" * 300000 + b"</body></message>",
     b"policy-violation"),
    (b"<message to='x@localhost'><body>&foo;</body></message>", b"<"),
    (b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"<"),
])
def test_bad_input_ends_only_that_stream(xiris, bad, cond):
    jid, pw = xiris.member()
    peer, ppw = xiris.member()
    ctx = ssl.create_default_context(cafile=xiris.verify)
    ctx.check_hostname = False

    async def go():
        cp = await connect(xiris, peer, ppw)
        with socket.create_connection(("127.0.0.1", xiris.c2s_tls)) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(HEADER.encode())
                read_until(s, b"</stream:features>")
                try:
                    s.sendall(bad)
                except OSError:
                    pass
                reply = read_until(s, b"</stream:stream>")
                assert b"<stream:error>" in reply and cond in reply, reply[-300:]
        # the server and the other sessions carry on
        c = await connect(xiris, jid, pw)
        c.send_message(mto=peer, mbody="after", mtype="chat")
        assert await until(lambda: "after" in cp.bodies())
        await close(c, cp)
    run(go())


# RFC 6121 §8.5.3.1, P-PRE-2: an iq to the full JID of a stranger is refused as if
# the resource did not exist.
def test_iq_to_stranger_resource_refused(xiris):
    a, apw = xiris.member()
    tid, admin = xiris.tenant()
    s, spw = xiris.member(tid, admin)

    async def go():
        ca = await connect(xiris, a, apw)
        cs = await connect(xiris, s, spw)
        iq = cs.Iq()
        iq["type"] = "get"
        iq["to"] = ca.boundjid.full
        iq.enable("ping")
        try:
            await iq.send(timeout=10)
            assert False, "answered"
        except Exception as e:  # noqa: BLE001 - slixmpp raises IqError
            assert getattr(e, "condition", None) == "service-unavailable", e
        await close(ca, cs)
    run(go())


# P-SEC-5, P-ACC: accounts that may not log in get the matching SASL failure, with
# the right password, and the attempt is recorded.
def test_pending_and_disabled_accounts_refused(xiris):
    import test_accounts_lib as lib
    username, password, _, _ = lib.register(xiris, "pend", confirm=False)
    pending = "%s@localhost" % username
    tid, admin = xiris.tenant()
    jid, pw = xiris.member(tid, admin, "dis")
    uid = xiris.sql("SELECT id FROM accounts WHERE username = ?", jid.split("@")[0])[0][0]
    r = xiris.api("PATCH", "/api/v1/tenants/%s/members/%s" % (tid, uid), {"status": "disabled"},
                  token=admin)
    assert r.status_code == 200, r.text

    async def go():
        for who, secret, mech in ((pending, password, "SCRAM-SHA-256"), (jid, pw, "PLAIN")):
            c = await connect(xiris, who, secret, mechanism=mech)
            assert c.failed and c.failure == "account-disabled", (who, c.failure)
            await close(c)
    run(go())
    results = {r[0] for r in xiris.sql(
        "SELECT e.result FROM login_events e JOIN accounts a ON a.id = e.account_id "
        "WHERE a.username IN (?, ?)", username, jid.split("@")[0])}
    assert {"pending", "disabled"} <= results, results
