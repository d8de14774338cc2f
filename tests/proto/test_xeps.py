"""XMPP extensions (src/xmpp/xep*.c) against a live irisd with slixmpp:
disco/caps/ping/version, vCard under P-PRE-2, MAM with RSM, carbons,
receipts and markers stored as "seen", blocking, and per-user history
deletion (ad-hoc command and REST) down to the conversation key."""
import asyncio
import base64
import hashlib
import time
import xml.etree.ElementTree as ET

import pytest
from slixmpp.exceptions import IqError
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

import test_accounts_lib as lib
import conftest
from conftest import close, connect, run, server_ack, until

MAM = "urn:xmpp:mam:2"
RSM = "http://jabber.org/protocol/rsm"
FWD = "urn:xmpp:forward:0"
CARBONS = "urn:xmpp:carbons:2"


def collect(c):
    """Records every message stanza (slixmpp's message event only fires for
    messages with a body)."""
    if not hasattr(c, "raw"):
        c.raw = []
        c.register_handler(Callback("all-messages", MatchXPath("{jabber:client}message"),
                                    c.raw.append))
    return c


async def connect_with_caps(iris, jid, password):
    """connect(), keeping the <c xmlns=caps/> of the stream features."""
    c = conftest.Client(jid, password)
    c.ssl_context = conftest.tls_context(iris)
    c.stream_caps = None

    def features(f):
        el = f.xml.find("{http://jabber.org/protocol/caps}c")
        if el is not None:
            c.stream_caps = el
    c.register_handler(Callback("caps", MatchXPath(
        "{http://etherx.jabber.org/streams}features"), features))
    c.connect(("127.0.0.1", iris.c2s))
    await asyncio.wait_for(c.ready.wait(), 20)
    return c


def canary(tag):
    return "canary-%s-%d" % (tag, time.time_ns())


async def iq(c, type_, payload, to=None):
    """Sends a raw iq; returns the result's XML, or raises IqError."""
    q = c.Iq()
    q["type"] = type_
    if to:
        q["to"] = to
    q.append(ET.fromstring(payload))
    r = await q.send(timeout=15)
    return r.xml


async def iq_error(c, type_, payload, to=None):
    with pytest.raises(IqError) as e:
        await iq(c, type_, payload, to)
    return e.value.iq["error"]["condition"]


async def mam(c, with_=None, max_=None, after=None, before=None, qid="q"):
    """One MAM page: ([(result id, body, seen)], fin element)."""
    form = ("<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'>"
            "<value>%s</value></field>%s</x>" % (
                MAM, "<field var='with'><value>%s</value></field>" % with_ if with_ else ""))
    rsm = ""
    if max_ is not None or after or before is not None:
        rsm = "<set xmlns='%s'>%s%s%s</set>" % (
            RSM, "<max>%d</max>" % max_ if max_ is not None else "",
            "<after>%s</after>" % after if after else "",
            ("<before>%s</before>" % before) if before is not None else "")
    collect(c)
    start = len(c.raw)
    res = await iq(c, "set", "<query xmlns='%s' queryid='%s'>%s%s</query>" % (MAM, qid, form, rsm))
    fin = res.find("{%s}fin" % MAM)
    await asyncio.sleep(0.05)
    out = []
    for m in c.raw[start:]:
        r = m.xml.find("{%s}result" % MAM)
        if r is None or r.get("queryid") != qid:
            continue
        msg = r.find("{%s}forwarded/{jabber:client}message" % FWD)
        body = msg.findtext("{jabber:client}body") if msg is not None else None
        seen = r.find("{urn:iris:seen:0}seen")
        out.append((r.get("id"), body, seen.get("state") if seen is not None else None))
    return out, fin


# XEP-0030, XEP-0115, XEP-0199, XEP-0092, XEP-0012: disco lists what is implemented.
def test_disco_caps_ping_version(xiris):
    a, apw = xiris.member()

    async def go():
        ca = await connect_with_caps(xiris, a, apw)
        info = await iq(ca, "get", "<query xmlns='http://jabber.org/protocol/disco#info'/>",
                        to="localhost")
        feats = {f.get("var") for f in info.iter("{http://jabber.org/protocol/disco#info}feature")}
        for f in ("urn:xmpp:ping", "urn:xmpp:carbons:2", "urn:xmpp:blocking", "vcard-temp",
                  "jabber:iq:version", "jabber:iq:last", "http://jabber.org/protocol/commands",
                  "http://jabber.org/protocol/disco#items"):
            assert f in feats, f
        own = await iq(ca, "get", "<query xmlns='http://jabber.org/protocol/disco#info'/>", to=a)
        feats = {f.get("var") for f in own.iter("{http://jabber.org/protocol/disco#info}feature")}
        assert MAM in feats
        items = await iq(ca, "get", "<query xmlns='http://jabber.org/protocol/disco#items' "
                         "node='http://jabber.org/protocol/commands'/>", to="localhost")
        nodes = [i.get("node") for i in items.iter("{http://jabber.org/protocol/disco#items}item")]
        assert nodes == ["delete-history"]
        # XEP-0115: the caps hash of the stream features matches disco#info
        caps = ca.stream_caps
        assert caps is not None and caps.get("hash") == "sha-1"
        ident = info.find("{http://jabber.org/protocol/disco#info}query/"
                          "{http://jabber.org/protocol/disco#info}identity")
        s = "%s/%s//%s<" % (ident.get("category"), ident.get("type"), ident.get("name") or "")
        s += "".join(v + "<" for v in sorted(
            f.get("var") for f in info.iter("{http://jabber.org/protocol/disco#info}feature")))
        assert caps.get("ver") == base64.b64encode(hashlib.sha1(s.encode()).digest()).decode()
        await ca.plugin["xep_0199"].ping(jid="localhost", timeout=10)
        v = await iq(ca, "get", "<query xmlns='jabber:iq:version'/>", to="localhost")
        assert v.findtext("{jabber:iq:version}query/{jabber:iq:version}name") == "Iris"
        last = await iq(ca, "get", "<query xmlns='jabber:iq:last'/>", to="localhost")
        assert int(last.find("{jabber:iq:last}query").get("seconds")) >= 0
        await close(ca)
    run(go())


# P-PRE-2: a vCard (from the Iris profile) is visible to a same-tenant member,
# not to a stranger (<forbidden/>, same as an account that does not exist).
def test_vcard_visibility(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    stranger, spw = xiris.freemium()
    nick = "nick-" + str(time.time_ns())

    async def go():
        ca = await connect(xiris, a, apw)
        await iq(ca, "set", "<vCard xmlns='vcard-temp'><N><GIVEN>Ada</GIVEN><FAMILY>Love</FAMILY>"
                 "</N><NICKNAME>%s</NICKNAME><TITLE>Engineer</TITLE></vCard>" % nick)
        own = await iq(ca, "get", "<vCard xmlns='vcard-temp'/>")
        assert own.findtext("{vcard-temp}vCard/{vcard-temp}NICKNAME") == nick
        cb = await connect(xiris, b, bpw)
        seen = await iq(cb, "get", "<vCard xmlns='vcard-temp'/>", to=a)
        assert seen.findtext("{vcard-temp}vCard/{vcard-temp}NICKNAME") == nick
        assert seen.findtext("{vcard-temp}vCard/{vcard-temp}FN") == "Ada Love"
        cs = await connect(xiris, stranger, spw)
        assert await iq_error(cs, "get", "<vCard xmlns='vcard-temp'/>", to=a) == "forbidden"
        assert await iq_error(cs, "get", "<vCard xmlns='vcard-temp'/>",
                              to="nobody-x@localhost") == "forbidden"
        assert await iq_error(cs, "get", "<query xmlns='http://jabber.org/protocol/disco#info'/>",
                              to=a) == "forbidden"
        await close(ca, cb, cs)
    run(go())
    # the profile holds it, sealed (no second copy, nothing in clear)
    assert nick.encode() not in xiris.db_bytes()


# P-CHAT-1: MAM (XEP-0313) pages over 25 messages with RSM (XEP-0059).
def test_mam_paging(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    bodies = ["m%02d-%s" % (i, canary("mam")) for i in range(25)]

    async def go():
        ca = await connect(xiris, a, apw)
        cb = await connect(xiris, b, bpw)
        for body in bodies:
            ca.send_message(mto=b, mbody=body, mtype="chat")
        await server_ack(ca)
        got, ids = [], []
        after = None
        for page in range(3):
            items, fin = await mam(cb, with_=a, max_=10, after=after, qid="p%d" % page)
            got += [i[1] for i in items]
            ids += [i[0] for i in items]
            assert fin.findtext("{%s}set/{%s}count" % (RSM, RSM)) == "25"
            after = fin.findtext("{%s}set/{%s}last" % (RSM, RSM))
            assert (fin.get("complete") == "true") == (page == 2)
        assert got == bodies
        assert len(set(ids)) == 25
        # last page backwards
        items, fin = await mam(cb, with_=a, max_=5, before="", qid="back")
        assert [i[1] for i in items] == bodies[-5:]
        # with someone else: nothing
        other, _ = xiris.member()
        items, _ = await mam(cb, with_=other, qid="none")
        assert items == []
        # the sender has their own copy
        items, _ = await mam(ca, with_=b, max_=100, qid="own")
        assert [i[1] for i in items] == bodies
        await close(ca, cb)
    run(go())


# XEP-0280: carbons of sent and received chat messages to the other resource.
def test_carbons_between_two_resources(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    out_body, in_body = canary("sent"), canary("recv")

    async def go():
        a1 = await connect(xiris, a + "/one", apw)
        a2 = await connect(xiris, a + "/two", apw, priority=-1)
        cb = await connect(xiris, b, bpw)
        collect(a2)
        await iq(a2, "set", "<enable xmlns='%s'/>" % CARBONS, to="localhost")
        a1.send_message(mto=b, mbody=out_body, mtype="chat")
        cb.send_message(mto=a + "/one", mbody=in_body, mtype="chat")

        def carbon(kind, body):
            for m in a2.raw:
                f = m.xml.find("{%s}%s/{%s}forwarded/{jabber:client}message" % (CARBONS, kind, FWD))
                if f is not None and f.findtext("{jabber:client}body") == body:
                    return True
            return False
        assert await until(lambda: carbon("sent", out_body))
        assert await until(lambda: carbon("received", in_body))
        assert await until(lambda: in_body in a1.bodies())
        # disabled: no more copies
        await iq(a2, "set", "<disable xmlns='%s'/>" % CARBONS, to="localhost")
        later = canary("later")
        a1.send_message(mto=b, mbody=later, mtype="chat")
        assert await until(lambda: later in cb.bodies())
        await server_ack(a1)
        await asyncio.sleep(0.2)
        assert not carbon("sent", later)
        await close(a1, a2, cb)
    run(go())


# P-CHAT-1: receipts (XEP-0184) and chat markers (XEP-0333) are stored as the
# "seen" state of the sender's message and shown in MAM.
def test_receipts_and_markers_stored_as_seen(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    body1, body2 = canary("r1"), canary("r2")

    async def go():
        ca = collect(await connect(xiris, a, apw))
        cb = await connect(xiris, b, bpw)
        ca.send_raw("<message to='%s' id='msg-one' type='chat'><body>%s</body>"
                    "<request xmlns='urn:xmpp:receipts'/></message>" % (b, body1))
        ca.send_raw("<message to='%s' id='msg-two' type='chat'><body>%s</body>"
                    "<markable xmlns='urn:xmpp:chat-markers:0'/></message>" % (b, body2))
        assert await until(lambda: body2 in cb.bodies())
        cb.send_raw("<message to='%s' type='chat'><received xmlns='urn:xmpp:receipts' "
                    "id='msg-one'/></message>" % a)
        cb.send_raw("<message to='%s' type='chat'><displayed xmlns='urn:xmpp:chat-markers:0' "
                    "id='msg-two'/></message>" % a)
        await server_ack(cb)
        items, _ = await mam(ca, with_=b, qid="seen")
        states = {body: seen for _, body, seen in items}
        assert states == {body1: "received", body2: "displayed"}
        # the receiver's view of the same messages carries no sender state
        items, _ = await mam(cb, with_=a, qid="seen-b")
        assert [s for _, _, s in items] == [None, None]
        # the markers themselves reached the sender
        assert await until(lambda: any(
            m.xml.find("{urn:xmpp:chat-markers:0}displayed") is not None for m in ca.raw))
        await close(ca, cb)
    run(go())
    rows = xiris.sql("SELECT COUNT(*) FROM xep_msg_state WHERE displayed_ms IS NOT NULL")
    assert rows[0][0] >= 1
    # and through REST, without content (newest first)
    token = lib.full_token(xiris, a.split("@")[0], apw)
    r = xiris.api("GET", "/api/v1/me/conversations/%s" % b, token=token)
    assert r.status_code == 200, r.text
    msgs = r.json()["messages"]
    assert [m["direction"] for m in msgs] == ["out", "out"]
    assert msgs[0]["displayed_at"] is not None and msgs[0]["received_at"] is not None
    assert msgs[1]["received_at"] is not None and msgs[1]["displayed_at"] is None
    assert body1 not in r.text
    r = xiris.api("GET", "/api/v1/me/conversations/%s?limit=1&before=%d"
                  % (b, msgs[0]["sent_at"] + 1), token=token)
    assert len(r.json()["messages"]) == 1
    assert xiris.api("GET", "/api/v1/me/conversations/%s?limit=0" % b,
                     token=token).status_code == 400
    assert xiris.api("GET", "/api/v1/me/conversations/%s" % b).status_code == 401


# XEP-0191: a blocked user's messages and subscription requests are dropped;
# unblocking restores delivery.
def test_blocking_drops_messages(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    s, spw = xiris.freemium()
    dropped, back, refused = canary("blocked"), canary("unblocked"), canary("refused")

    async def go():
        ca = await connect(xiris, a, apw)
        cb = await connect(xiris, b, bpw)
        cs = await connect(xiris, s, spw)
        await iq(cb, "set", "<block xmlns='urn:xmpp:blocking'><item jid='%s'/></block>" % a)
        await iq(cb, "set", "<block xmlns='urn:xmpp:blocking'><item jid='%s'/></block>" % s)
        bl = await iq(cb, "get", "<blocklist xmlns='urn:xmpp:blocking'/>")
        assert sorted(i.get("jid") for i in bl.iter("{urn:xmpp:blocking}item")) == sorted([a, s])
        cs.send_presence(pto=b, ptype="subscribe")
        await server_ack(cs)
        await server_ack(cb)
        await asyncio.sleep(0.2)
        assert ("presence_subscribe", s) not in cb.subscriptions
        ca.send_message(mto=b, mbody=dropped, mtype="chat")
        assert await until(lambda: len(ca.errors) == 1)
        assert ca.errors[0]["error"]["condition"] == "service-unavailable"
        cb.send_message(mto=a, mbody=refused, mtype="chat")
        assert await until(lambda: len(cb.errors) == 1)
        assert cb.errors[0]["error"]["condition"] == "not-acceptable"
        await server_ack(ca)
        assert dropped not in cb.bodies() and refused not in ca.bodies()
        await iq(cb, "set", "<unblock xmlns='urn:xmpp:blocking'/>")
        ca.send_message(mto=b, mbody=back, mtype="chat")
        assert await until(lambda: back in cb.bodies())
        cs.send_presence(pto=b, ptype="subscribe")
        assert await until(lambda: ("presence_subscribe", s) in cb.subscriptions)
        await close(ca, cb, cs)
    run(go())
    # the dropped message was never archived
    user = b.split("@")[0]
    n = xiris.sql("SELECT COUNT(*) FROM xmpp_archive v JOIN accounts a ON a.id = v.owner_id "
                  "WHERE a.username = ?", user)
    assert n[0][0] == 1


def delete_cmd(with_):
    return ("<command xmlns='http://jabber.org/protocol/commands' node='delete-history' "
            "action='execute'><x xmlns='jabber:x:data' type='submit'><field var='with'>"
            "<value>%s</value></field></x></command>" % with_)


# P-CHAT-2: A deletes the chat (ad-hoc command) -> A's MAM is empty, B keeps
# theirs; B deletes too (REST) -> the content and the conversation key are gone.
def test_history_deletion_both_sides(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    secret = [canary("del%d" % i) for i in range(3)]

    async def go():
        ca = await connect(xiris, a, apw)
        cb = await connect(xiris, b, bpw)
        ca.send_message(mto=b, mbody=secret[0], mtype="chat")
        cb.send_message(mto=a, mbody=secret[1], mtype="chat")
        ca.send_message(mto=b, mbody=secret[2], mtype="chat")
        await server_ack(ca)
        await server_ack(cb)
        # the form first (XEP-0050 multi-stage), then the submission
        form = await iq(ca, "set", "<command xmlns='http://jabber.org/protocol/commands' "
                        "node='delete-history' action='execute'/>", to="localhost")
        cmd = form.find("{http://jabber.org/protocol/commands}command")
        assert cmd.get("status") == "executing"
        done = await iq(ca, "set", delete_cmd(b), to="localhost")
        assert done.find("{http://jabber.org/protocol/commands}command").get("status") == \
            "completed"
        items, _ = await mam(ca, with_=b, qid="a-after")
        assert items == []
        items, _ = await mam(cb, with_=a, qid="b-after")
        assert sorted(i[1] for i in items) == sorted(secret)
        await close(ca, cb)
    run(go())
    ua, ub = a.split("@")[0], b.split("@")[0]
    ida = xiris.sql("SELECT id FROM accounts WHERE username = ?", ua)[0][0]
    idb = xiris.sql("SELECT id FROM accounts WHERE username = ?", ub)[0][0]
    conv = "conv:%s:%s" % tuple(sorted([ida, idb]))
    assert xiris.sql("SELECT COUNT(*) FROM subject_keys WHERE subject_id = ?", conv)[0][0] == 1
    token = lib.full_token(xiris, ub, bpw)
    r = xiris.api("DELETE", "/api/v1/me/conversations/%s" % a, token=token)
    assert r.status_code == 200, r.text
    assert r.json() == {"deleted": 3, "key_destroyed": True}
    assert xiris.sql("SELECT COUNT(*) FROM xmpp_messages WHERE conv_id = ?", conv)[0][0] == 0
    assert xiris.sql("SELECT COUNT(*) FROM subject_keys WHERE subject_id = ?", conv)[0][0] == 0
    assert xiris.sql("SELECT COUNT(*) FROM deletion_log")[0][0] >= 2
    xiris.sql("PRAGMA wal_checkpoint(TRUNCATE)")
    data = xiris.db_bytes()
    for s in secret:
        assert s.encode() not in data
    # an unknown partner is a 404, a malformed one a 400
    assert xiris.api("DELETE", "/api/v1/me/conversations/nobody-zz@localhost",
                     token=token).status_code == 404
    assert xiris.api("DELETE", "/api/v1/me/conversations/%40x", token=token).status_code == 400
