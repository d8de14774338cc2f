"""Interoperability with common clients (issue 9): iq replies carry the
queried address as from (Conversations drops others), subscription stanzas
that change nothing are ignored (Converse.js looped on them), the vCard FN
survives a set, and XEP-0077 changes the password (live irisd, raw XMPP
and slixmpp)."""
import asyncio
import base64
import socket
import ssl
import xml.etree.ElementTree as ET

from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

import test_accounts_lib as lib
from conftest import close, connect, run, server_ack, until
from rawxmpp import Raw, q

STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
REGISTER = "jabber:iq:register"
VCARD = "vcard-temp"
DISCO = "http://jabber.org/protocol/disco#info"
HEADER = ("<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>")


def raw_session(iris, jid, password, resource="raw"):
    r = Raw(iris, jid, password)
    r.login()
    r.bind(resource)
    return r


def ask(r, iq_id, body, to=None, type_="get"):
    """Sends an iq; returns the reply element (same id)."""
    r.send("<iq type='%s' id='%s'%s>%s</iq>" % (
        type_, iq_id, " to='%s'" % to if to else "", body))
    return r.wait_for(lambda e: e.tag == q("jabber:client", "iq") and e.get("id") == iq_id)


def condition(iq):
    err = iq.find(q("jabber:client", "error"))
    for child in err:
        if child.tag.startswith("{%s}" % STANZAS) and not child.tag.endswith("}text"):
            return child.tag.split("}")[1]
    return None


# RFC 6120 §8.1.2.1: a reply comes from the address the query went to (the
# domain, a bare JID); without a to, it has no from. Results and errors,
# through several handlers.
def test_iq_replies_come_from_the_queried_address(xiris):
    tid, admin = xiris.tenant()
    a, apw = xiris.member(tid, admin, "ia")
    b, bpw = xiris.member(tid, admin, "ib")
    ra = raw_session(xiris, a, apw)
    try:
        r = ask(ra, "d1", "<query xmlns='%s'/>" % DISCO, to="localhost")
        assert r.get("type") == "result" and r.get("from") == "localhost"
        r = ask(ra, "p1", "<ping xmlns='urn:xmpp:ping'/>", to="localhost")
        assert r.get("type") == "result" and r.get("from") == "localhost"
        r = ask(ra, "v1", "<vCard xmlns='%s'/>" % VCARD, to=b)
        assert r.get("type") == "result" and r.get("from") == b
        assert r.find(q(VCARD, "vCard")) is not None
        r = ask(ra, "v2", "<vCard xmlns='%s'/>" % VCARD, to=a)
        assert r.get("type") == "result" and r.get("from") == a
        r = ask(ra, "r1", "<query xmlns='jabber:iq:roster'/>")
        assert r.get("type") == "result" and r.get("from") is None
        r = ask(ra, "e1", "<nothing xmlns='urn:example:none'/>", to="localhost")
        assert r.get("type") == "error" and r.get("from") == "localhost"
        assert condition(r) == "service-unavailable"
        r = ask(ra, "e2", "<vCard xmlns='%s'/>" % VCARD, to=b, type_="set")
        assert r.get("type") == "error" and r.get("from") == b
        assert condition(r) == "forbidden"
    finally:
        ra.close()


async def befriend(cf, cg, f, g):
    """f and g subscribe to each other (both)."""
    cf.send_presence(pto=g, ptype="subscribe")
    assert await until(lambda: ("presence_subscribe", f) in cg.subscriptions)
    cg.send_presence(pto=f, ptype="subscribed")
    cg.send_presence(pto=f, ptype="subscribe")
    assert await until(lambda: ("presence_subscribe", g) in cf.subscriptions)
    cf.send_presence(pto=g, ptype="subscribed")
    assert await until(lambda: g in cf.client_roster and f in cg.client_roster and
                       cf.client_roster[g]["subscription"] == "both" and
                       cg.client_roster[f]["subscription"] == "both")


def count_pushes(c):
    c.pushes = []
    c.register_handler(Callback("roster-pushes", MatchXPath(
        "{jabber:client}iq/{jabber:iq:roster}query"),
        lambda iq: c.pushes.append(iq) if iq["type"] == "set" else None))


# RFC 6121 §3.1.6 and Appendix A: subscription stanzas that change nothing
# are not delivered and cause no roster push. Converse.js answers each
# "subscribed" it gets; the server's auto-reply to a redundant "subscribe"
# used to reach it and loop until the presence flood limit blocked the user.
def test_redundant_subscription_stanzas_ignored(xiris):
    f, fpw = xiris.freemium("sf")
    g, gpw = xiris.freemium("sg")
    h, hpw = xiris.freemium("sh")

    async def go():
        cf = await connect(xiris, f, fpw)
        cg = await connect(xiris, g, gpw)
        ch = await connect(xiris, h, hpw)
        await befriend(cf, cg, f, g)
        await server_ack(cf)
        await server_ack(cg)
        count_pushes(cf)
        count_pushes(cg)
        # a Converse-like client: every "subscribed" is answered by "subscribe"
        cf.add_event_handler("presence_subscribed",
                             lambda p: cf.send_presence(pto=p["from"].bare, ptype="subscribe"))
        subs_f, subs_g = len(cf.subscriptions), len(cg.subscriptions)
        cf.send_presence(pto=g, ptype="subscribe")     # already "to": auto-answered
        cg.send_presence(pto=f, ptype="subscribed")    # already "from": nothing to approve
        cf.send_presence(pto=g, ptype="subscribe")
        await asyncio.sleep(0.5)
        await server_ack(cf)
        await server_ack(cg)
        assert cf.subscriptions[subs_f:] == [] and cg.subscriptions[subs_g:] == []
        assert cf.pushes == [] and cg.pushes == []
        assert cf.client_roster[g]["subscription"] == "both"
        # a request already pending reaches the contact once
        cf.send_presence(pto=h, ptype="subscribe")
        assert await until(lambda: ("presence_subscribe", f) in ch.subscriptions)
        cf.send_presence(pto=h, ptype="subscribe")
        await server_ack(cf)
        await server_ack(ch)
        assert ch.subscriptions.count(("presence_subscribe", f)) == 1
        # presence still flows (no flood limit hit)
        cf.send_presence(pstatus="still here")
        assert await until(lambda: any(p["status"] == "still here" for p in cg.seen_from(f)))
        await close(cf, cg, ch)
    run(go())


# XEP-0054: the FN a client sets is what a get returns, to the owner and to
# a member who may see the vCard; without FN the names make it up.
def test_vcard_fn_kept(xiris):
    tid, admin = xiris.tenant()
    a, apw = xiris.member(tid, admin, "va")
    b, bpw = xiris.member(tid, admin, "vb")
    ra = raw_session(xiris, a, apw)
    rb = raw_session(xiris, b, bpw)
    try:
        r = ask(ra, "s1", "<vCard xmlns='%s'><FN>Dr. Ada &amp; Co</FN>"
                "<NICKNAME>ada</NICKNAME></vCard>" % VCARD, type_="set")
        assert r.get("type") == "result"
        for who, to in ((ra, None), (rb, a)):
            v = ask(who, "g-%s" % id(who), "<vCard xmlns='%s'/>" % VCARD, to=to)
            assert v.findtext("{%s}vCard/{%s}FN" % (VCARD, VCARD)) == "Dr. Ada & Co"
            # the names given at creation stay
            assert v.findtext("{%s}vCard/{%s}N/{%s}GIVEN" % (VCARD, VCARD, VCARD)) == "Mem"
        # FN and N together; then a vCard without FN: the names again
        r = ask(ra, "s2", "<vCard xmlns='%s'><FN>Ada L.</FN><N><GIVEN>Ada</GIVEN>"
                "<FAMILY>Lovelace</FAMILY></N></vCard>" % VCARD, type_="set")
        v = ask(rb, "g2", "<vCard xmlns='%s'/>" % VCARD, to=a)
        assert v.findtext("{%s}vCard/{%s}FN" % (VCARD, VCARD)) == "Ada L."
        assert v.findtext("{%s}vCard/{%s}N/{%s}FAMILY" % (VCARD, VCARD, VCARD)) == "Lovelace"
        r = ask(ra, "s3", "<vCard xmlns='%s'><NICKNAME>ada</NICKNAME></vCard>" % VCARD,
                type_="set")
        v = ask(ra, "g3", "<vCard xmlns='%s'/>" % VCARD)
        assert v.findtext("{%s}vCard/{%s}FN" % (VCARD, VCARD)) == "Ada Lovelace"
    finally:
        ra.close()
        rb.close()
    # sealed like the rest of the profile
    assert b"Dr. Ada" not in xiris.db_bytes()


def plain_failure(iris, user, password):
    """A PLAIN login over direct TLS: the <failure/> (or <success/>) text."""
    ctx = ssl.create_default_context(cafile=iris.verify)
    ctx.check_hostname = False
    with socket.create_connection(("127.0.0.1", iris.c2s_tls), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(HEADER.encode())
            data = b""
            while b"</stream:features>" not in data:
                data += s.recv(65536)
            token = base64.b64encode(("\0%s\0%s" % (user, password)).encode()).decode()
            s.sendall(("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
                       "%s</auth>" % token).encode())
            data = b""
            while b"</failure>" not in data and b"success" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            return data.decode()


# XEP-0077 (password change only): advertised in disco, not as a stream
# feature (no account creation); a bound session changes its own password
# through the REST domain function (policy, audit); the old one stops working.
def test_password_change_over_xmpp(xiris):
    jid, pw = xiris.member(prefix="pc")
    user = jid.split("@")[0]
    audit = ("SELECT COUNT(*) FROM audit_log l JOIN accounts a ON a.id = l.target_id "
             "WHERE a.username = ? AND l.action = 'account.password_change'")
    before = xiris.sql(audit, user)[0][0]
    r = Raw(xiris, jid, pw)
    try:
        feats = r.login()
        assert feats.find(q("http://jabber.org/features/iq-register", "register")) is None
        r.bind("pc")
        info = ask(r, "d", "<query xmlns='%s'/>" % DISCO, to="localhost")
        assert REGISTER in {f.get("var") for f in info.iter(q(DISCO, "feature"))}
        got = ask(r, "g", "<query xmlns='%s'/>" % REGISTER, to="localhost")
        query = got.find(q(REGISTER, "query"))
        assert query.find(q(REGISTER, "registered")) is not None
        assert query.findtext(q(REGISTER, "username")) == user
        assert not query.findtext(q(REGISTER, "password"))  # never a value
        body = "<query xmlns='%s'><username>%s</username><password>%s</password></query>"
        weak = ask(r, "w", body % (REGISTER, user, "short"), to="localhost", type_="set")
        assert weak.get("type") == "error" and condition(weak) == "not-acceptable"
        same = ask(r, "s", body % (REGISTER, user, pw), to="localhost", type_="set")
        assert condition(same) == "not-acceptable"
        other = ask(r, "o", body % (REGISTER, "someone-else", "a new long password"),
                    to="localhost", type_="set")
        assert condition(other) == "not-allowed"
        remove = ask(r, "x", "<query xmlns='%s'><remove/></query>" % REGISTER,
                     to="localhost", type_="set")
        assert condition(remove) == "not-allowed"
        new = "new-pw-over-xmpp-1"
        ok = ask(r, "c", body % (REGISTER, user, new), to="localhost", type_="set")
        assert ok.get("type") == "result" and ok.get("from") == "localhost"
    finally:
        r.close()
    assert "<success" in plain_failure(xiris, user, new)
    assert "not-authorized" in plain_failure(xiris, user, pw)
    assert xiris.api("POST", "/api/v1/auth/login",
                     {"username": user, "password": new}).status_code == 200
    assert xiris.sql(audit, user)[0][0] == before + 1  # same audit entry as REST


# XEP-0077 §3.1: no account is created over XMPP: a registration iq before
# login gets <not-allowed/> and the stream stays usable.
def test_inband_registration_refused(xiris):
    jid, pw = xiris.member(prefix="nr")
    r = Raw(xiris, jid, pw)
    try:
        r.wait_for(lambda e: e.tag == q("http://etherx.jabber.org/streams", "features"))
        reply = ask(r, "reg1", "<query xmlns='%s'><username>newbie</username>"
                    "<password>some-password-1</password></query>" % REGISTER, type_="set")
        assert reply.get("type") == "error" and condition(reply) == "not-allowed"
        # still the same stream: log in (login() waits for features again)
        r.pending.appendleft(ET.Element(q("http://etherx.jabber.org/streams", "features")))
        r.login()
        r.bind("after")
    finally:
        r.close()
    assert xiris.sql("SELECT COUNT(*) FROM accounts WHERE username = 'newbie'")[0][0] == 0


# A one-time password is refused with <credentials-expired/> and a text that
# says where to change it; once changed over HTTPS, XMPP logs in.
def test_credentials_expired_says_where(xiris):
    tid, admin = xiris.tenant()
    user = lib.unique("otp")
    r = xiris.api("POST", "/api/v1/tenants/%s/members" % tid, {
        "username": user, "role": "user",
        "email": user + "@example.org", "first_name": "One", "last_name": "Time"}, token=admin)
    assert r.status_code == 201, r.text
    otp = r.json()["one_time_password"]
    reply = plain_failure(xiris, user, otp)
    assert "credentials-expired" in reply
    assert "/api/v1/me/password" in reply and "/api/v1/auth/login" in reply
    assert "XEP-0077" in reply
    lib.full_token(xiris, user, otp)
    new = lib._tokens.get((xiris.data_dir, user))
    assert new and "<success" in plain_failure(xiris, user, new)
