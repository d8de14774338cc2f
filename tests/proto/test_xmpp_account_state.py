"""Live XMPP sessions follow the account's state: restriction (Art. 18),
disabling, a new password and erasure, made over REST while the account is
connected, end every live session at once with a stream error that says
why; nothing more is delivered to it, and a hibernated session (XEP-0198)
cannot be resumed (live irisd; raw clients to see the exact wire)."""
import base64
import time

from rawxmpp import NS_SASL, NS_SM, NS_STREAM, Raw, q

NS_STREAMS_ERR = "urn:ietf:params:xml:ns:xmpp-streams"


def member_with_id(xiris, prefix="st"):
    """(jid, password, uid, tenant_id, admin_token) of a fresh member."""
    jid, pw = xiris.member(prefix=prefix)
    tid, admin = xiris._tenant
    members = xiris.api("GET", "/api/v1/tenants/%s/members" % tid, token=admin).json()
    username = jid.split("@")[0]
    items = members["members"] if isinstance(members, dict) else members
    uid = [m["id"] for m in items if m["username"] == username][0]
    return jid, pw, uid, tid, admin


def session(xiris, jid, pw, resource="raw", sm=False):
    r = Raw(xiris, jid, pw)
    r.login()
    r.bind(resource)
    if sm:
        r.enable(True)
    r.send("<presence/>")
    return r


def expect_stream_error(r, timeout=2.0):
    """The stream error the server sends (within timeout seconds), then the
    end of the stream: returns (condition, text)."""
    start = time.monotonic()
    err = r.wait_for(lambda e: e.tag == q(NS_STREAM, "error"), timeout)
    assert time.monotonic() - start <= timeout
    conds = [c.tag.split("}")[1] for c in err if c.tag != q(NS_STREAMS_ERR, "text")]
    text = err.find(q(NS_STREAMS_ERR, "text"))
    try:
        while True:
            r.next(3)
    except (EOFError, ConnectionError, OSError):
        pass  # the server closed the stream and the connection
    return conds[0], text.text if text is not None else ""


def send_message(xiris, to, body):
    """Another member sends body to `to` and waits until the server handled it."""
    a, apw = xiris.member(prefix="snd")
    s = session(xiris, a, apw, "snd")
    s.send("<message to='%s' type='chat' id='m1'><body>%s</body></message>" % (to, body))
    s.send("<iq type='get' id='ping1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>")
    s.wait_for(lambda e: e.get("id") == "ping1")
    s.close()


# P-DSR-4: restricting processing over REST ends the account's live sessions
# (every resource) within a second or two with <policy-violation/> and a text
# that says why; a message sent afterwards reaches none of them.
def test_restriction_ends_live_sessions(xiris):
    jid, pw, uid, tid, admin = member_with_id(xiris, "rst")
    phone, laptop = session(xiris, jid, pw, "phone"), session(xiris, jid, pw, "laptop")
    r = xiris.api("PUT", "/api/v1/tenants/%s/members/%s/restriction" % (tid, uid),
                  {"confirm": True}, token=admin)
    assert r.status_code == 200, r.text
    for s in (phone, laptop):
        cond, text = expect_stream_error(s)
        assert cond == "policy-violation"
        assert "restricted" in text
    body = "after-restriction-%d" % time.time_ns()
    send_message(xiris, jid, body)
    assert body not in phone.bodies() + laptop.bodies()
    # and login stays refused while restricted
    again = Raw(xiris, jid, pw)
    again.wait_for(lambda e: e.tag == q(NS_STREAM, "features"))
    auth = base64.b64encode(("\0%s\0%s" % (jid.split("@")[0], pw)).encode()).decode()
    again.send("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (NS_SASL, auth))
    assert again.next().tag == q(NS_SASL, "failure")
    again.close()


# P-DSR-4: a session hibernating under XEP-0198 when the restriction is set
# ends too: after the restriction is lifted the old session cannot be resumed
# (it would otherwise get the messages kept for it).
def test_restriction_ends_hibernated_session(xiris):
    jid, pw, uid, tid, admin = member_with_id(xiris, "hib")
    s = session(xiris, jid, pw, "hib", sm=True)
    sm_id, h = s.sm_id, s.h_in
    s.drop()  # no stream close: the session hibernates
    time.sleep(0.3)
    path = "/api/v1/tenants/%s/members/%s/restriction" % (tid, uid)
    assert xiris.api("PUT", path, {"confirm": True}, token=admin).status_code == 200
    time.sleep(0.5)
    assert xiris.api("DELETE", path, token=admin).status_code in (200, 204)
    r = Raw(xiris, jid, pw)
    r.login()
    res = r.resume(sm_id, h)
    assert res.tag == q(NS_SM, "failed"), res.tag
    r.close()


def test_disable_ends_live_session(xiris):
    jid, pw, uid, tid, admin = member_with_id(xiris, "dis")
    s = session(xiris, jid, pw)
    r = xiris.api("PATCH", "/api/v1/tenants/%s/members/%s" % (tid, uid),
                  {"status": "disabled"}, token=admin)
    assert r.status_code == 200, r.text
    cond, text = expect_stream_error(s)
    assert cond == "not-authorized" and "disabled" in text
    body = "after-disable-%d" % time.time_ns()
    send_message(xiris, jid, body)
    assert body not in s.bodies()


def test_password_set_by_admin_ends_live_session(xiris):
    jid, pw, uid, tid, admin = member_with_id(xiris, "pwa")
    s = session(xiris, jid, pw)
    r = xiris.api("POST", "/api/v1/tenants/%s/members/%s/password" % (tid, uid), {},
                  token=admin)
    assert r.status_code == 200, r.text
    cond, text = expect_stream_error(s)
    assert cond == "not-authorized" and "password" in text


def test_password_changed_by_holder_ends_live_sessions(xiris):
    jid, pw, uid, tid, admin = member_with_id(xiris, "pwh")
    s = session(xiris, jid, pw)
    token = xiris.login(jid.split("@")[0], pw)
    r = xiris.api("POST", "/api/v1/me/password",
                  {"current_password": pw, "new_password": "a brand new password 1"},
                  token=token)
    assert r.status_code == 200, r.text
    cond, text = expect_stream_error(s)
    assert cond == "not-authorized" and "password" in text
    # the new password logs in; the ended session is gone for good
    fresh = session(xiris, jid, "a brand new password 1", "again")
    fresh.close()


def test_erasure_ends_live_session(xiris):
    jid, pw, uid, tid, admin = member_with_id(xiris, "era")
    s = session(xiris, jid, pw, sm=True)
    r = xiris.api("DELETE", "/api/v1/tenants/%s/members/%s" % (tid, uid), token=admin)
    assert r.status_code == 204, r.text
    cond, text = expect_stream_error(s)
    assert cond == "not-authorized" and "deleted" in text
