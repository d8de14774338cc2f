"""Second XEP batch (src/xmpp/pep*.c) against a live irisd with slixmpp:
PEP (XEP-0163) publish/notify/retract/items/last item under P-PRE-2,
avatars (XEP-0084, XEP-0153) as the profile avatar, bookmarks (XEP-0402)
and private XML (XEP-0049) sealed, CSI (XEP-0352) and the blocking filter
of presence broadcasts (XEP-0191)."""
import asyncio
import base64
import hashlib
import struct
import time
import zlib
import xml.etree.ElementTree as ET

import pytest
from slixmpp.exceptions import IqError
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

import test_accounts_lib as lib
import conftest
from conftest import close, connect, run, server_ack, until

PUBSUB = "http://jabber.org/protocol/pubsub"
EVENT = "http://jabber.org/protocol/pubsub#event"
NODE = "urn:example:tune"


def events(c):
    """Records pubsub#event messages: list of (from bare, node, kind, id, xml)."""
    if not hasattr(c, "events"):
        c.events = []

        def on(m):
            ev = m.xml.find("{%s}event" % EVENT)
            if ev is None:
                return
            items = ev.find("{%s}items" % EVENT)
            for ch in list(items):
                kind = ch.tag.split("}")[1]
                c.events.append((m["from"].bare, items.get("node"), kind, ch.get("id"), ch))
        c.register_handler(Callback("pep-events", MatchXPath("{jabber:client}message"), on))
    return c


async def iq(c, type_, payload, to=None):
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


async def connect_with(iris, jid, password, plugins, record_events=False):
    """connect() with slixmpp plugins registered before the stream starts
    (stream features such as CSI are seen only then) and, when asked, the
    pubsub events recorded from the start (last items come at login)."""
    c = conftest.Client(jid, password)
    for p in plugins:
        c.register_plugin(p)
    if record_events:
        events(c)
    c.ssl_context = conftest.tls_context(iris)
    c.connect(("127.0.0.1", iris.c2s))
    await asyncio.wait_for(c.ready.wait(), 20)
    return c


def publish(node, item_id, payload, options=None):
    po = ""
    if options:
        po = ("<publish-options><x xmlns='jabber:x:data' type='submit'>"
              "<field var='FORM_TYPE' type='hidden'><value>"
              "http://jabber.org/protocol/pubsub#publish-options</value></field>%s</x>"
              "</publish-options>" % "".join(
                  "<field var='%s'><value>%s</value></field>" % kv for kv in options.items()))
    return ("<pubsub xmlns='%s'><publish node='%s'><item id='%s'>%s</item></publish>%s</pubsub>"
            % (PUBSUB, node, item_id, payload, po))


def items_get(node, item_id=None):
    it = "<item id='%s'/>" % item_id if item_id else ""
    return "<pubsub xmlns='%s'><items node='%s'>%s</items></pubsub>" % (PUBSUB, node, it)


def tune(title):
    return "<tune xmlns='http://jabber.org/protocol/tune'><title>%s</title></tune>" % title


def png(seed):
    """A small valid PNG whose bytes depend on seed."""
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    raw = b"\x00" + bytes([seed % 256, 7, 9])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def big_png(size):
    """A valid PNG of about size bytes (a photo-sized avatar): the pixels of
    png() plus an ancillary text chunk."""
    small = png(5)
    pad = b"Comment\x00" + b"x" * max(0, size - len(small) - 20)
    chunk = struct.pack(">I", len(pad)) + b"tEXt" + pad + struct.pack(">I", zlib.crc32(b"tEXt" + pad))
    return small[:-12] + chunk + small[-12:]


# P-PRO-1: a photo-sized avatar (60 KB, as phones publish) is accepted over
# XEP-0084, not only the tiny ones a SASL-sized base64 decoder would take.
def test_photo_sized_avatar_published(xiris):
    a, apw = xiris.member()
    data = big_png(60000)
    sha = hashlib.sha1(data).hexdigest()

    async def go():
        ca = await connect(xiris, a, apw)
        ca.register_plugin("xep_0084")
        await ca["xep_0084"].publish_avatar(data)
        await close(ca)
    run(go())
    token = lib.full_token(xiris, a.split("@")[0], apw)
    r = xiris.api("GET", "/api/v1/me/avatar", token=token)
    assert r.status_code == 200 and hashlib.sha1(r.content).hexdigest() == sha


# P-PRE-2
def test_pep_notifications_only_to_who_may_see_presence(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    stranger, spw = xiris.freemium()

    async def go():
        ca = events(await connect(xiris, a, apw))
        cb = events(await connect(xiris, b, bpw))
        cs = events(await connect(xiris, stranger, spw))
        await iq(ca, "set", publish(NODE, "t1", tune("first-song")))
        assert await until(lambda: any(e[2] == "item" and e[3] == "t1" for e in cb.events))
        assert any(e[0] == a and e[3] == "t1" for e in ca.events)  # own resources too
        await server_ack(cs)
        await asyncio.sleep(0.3)
        assert not [e for e in cs.events if e[0] == a]
        # items: the member reads, the stranger learns nothing
        r = await iq(cb, "get", items_get(NODE), to=a)
        titles = [t.text for t in r.iter("{http://jabber.org/protocol/tune}title")]
        assert titles == ["first-song"]
        assert await iq_error(cs, "get", items_get(NODE), to=a) == "forbidden"
        assert await iq_error(cs, "set", publish(NODE, "x", tune("no")), to=a) == "forbidden"
        # max_items 1 by default: a new item replaces the old one
        await iq(ca, "set", publish(NODE, "t2", tune("second-song")))
        r = await iq(ca, "get", items_get(NODE))
        assert [t.text for t in r.iter("{http://jabber.org/protocol/tune}title")] == [
            "second-song"]
        # retract reaches the viewer
        await iq(ca, "set", "<pubsub xmlns='%s'><retract node='%s' notify='true'>"
                 "<item id='t2'/></retract></pubsub>" % (PUBSUB, NODE))
        assert await until(lambda: any(e[2] == "retract" and e[3] == "t2" for e in cb.events))
        await iq(ca, "set", publish(NODE, "t3", tune("third-song")))
        # last item at login, for a new session of the viewer only
        cb2 = await connect_with(xiris, b, bpw, [], record_events=True)
        assert await until(lambda: any(e[0] == a and e[3] == "t3" for e in cb2.events))
        cs2 = await connect_with(xiris, stranger, spw, [], record_events=True)
        await server_ack(cs2)
        await asyncio.sleep(0.3)
        assert not [e for e in cs2.events if e[0] == a]
        await close(ca, cb, cs, cb2, cs2)
    run(go())


# XEP-0163 with slixmpp's plugin: +notify interest from the client's caps
def test_slixmpp_pep_interest(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()

    async def go():
        ca = await connect(xiris, a, apw)
        cb = await connect(xiris, b, bpw)
        got = []
        for c in (ca, cb):
            c.register_plugin("xep_0030")
            c.register_plugin("xep_0115")
            c.register_plugin("xep_0163")
        cb.add_event_handler("pubsub_publish", lambda m: got.append(m["pubsub_event"]["items"]["node"]))
        asked = []
        cb.register_handler(Callback("caps-query", MatchXPath(
            "{jabber:client}iq/{http://jabber.org/protocol/disco#info}query"),
            lambda iq_: asked.append(iq_["from"].full) if iq_["type"] == "get" else None))
        cb["xep_0163"].add_interest("urn:example:mood")
        await asyncio.sleep(0.5)
        await cb["xep_0115"].update_caps()
        cb.send_presence()
        # the server asks the client's disco#info for its caps version
        assert await until(lambda: "localhost" in asked)
        await asyncio.sleep(0.5)
        await server_ack(cb)
        await iq(ca, "set", publish("urn:example:other", "o1", tune("not-wanted")))
        await iq(ca, "set", publish("urn:example:mood", "m1",
                                    "<mood xmlns='urn:example:mood'>happy</mood>"))
        assert await until(lambda: "urn:example:mood" in got)
        assert "urn:example:other" not in got
        await close(ca, cb)
    run(go())


# P-PRO-1
# P-PRE-2
def test_avatar_is_the_profile_avatar(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    stranger, spw = xiris.freemium()
    data = png(3)
    sha = hashlib.sha1(data).hexdigest()

    async def go():
        ca = await connect(xiris, a, apw)
        ca.register_plugin("xep_0084")
        cb = events(await connect(xiris, b, bpw))
        cs = await connect(xiris, stranger, spw)
        # a publish whose id is not the SHA-1 of the data is refused
        assert await iq_error(ca, "set", publish(
            "urn:xmpp:avatar:data", "0" * 40,
            "<data xmlns='urn:xmpp:avatar:data'>%s</data>" % base64.b64encode(data).decode())
        ) == "not-acceptable"
        # not an image: the REST upload's check
        junk = b"not an image at all"
        assert await iq_error(ca, "set", publish(
            "urn:xmpp:avatar:data", hashlib.sha1(junk).hexdigest(),
            "<data xmlns='urn:xmpp:avatar:data'>%s</data>" % base64.b64encode(junk).decode())
        ) == "not-acceptable"
        await ca["xep_0084"].publish_avatar(data)
        await ca["xep_0084"].publish_avatar_metadata(
            [{"id": sha, "type": "image/png", "bytes": len(data)}])
        assert await until(lambda: any(e[1] == "urn:xmpp:avatar:metadata" and e[3] == sha
                                       for e in cb.events))
        # the profile avatar is the one published (single copy)
        token = lib.full_token(xiris, a.split("@")[0], apw)
        r = xiris.api("GET", "/api/v1/me/avatar", token=token)
        assert r.status_code == 200 and r.content == data
        # data node read back by a member, refused to a stranger
        res = await iq(cb, "get", items_get("urn:xmpp:avatar:data"), to=a)
        d = res.find(".//{urn:xmpp:avatar:data}data")
        assert base64.b64decode(d.text) == data
        assert await iq_error(cs, "get", items_get("urn:xmpp:avatar:metadata"),
                              to=a) == "forbidden"
        # XEP-0153: the broadcast presence carries the profile avatar's hash,
        # whatever the client claims
        cb.presences.clear()
        ca.send_presence(pstatus="with avatar")
        await until(lambda: any(p["status"] == "with avatar" for p in cb.seen_from(a)))
        p = [p for p in cb.seen_from(a) if p["status"] == "with avatar"][-1]
        assert p.xml.findtext("{vcard-temp:x:update}x/{vcard-temp:x:update}photo") == sha
        # an avatar uploaded over REST replaces it everywhere
        other = png(9)
        r = xiris.api("PUT", "/api/v1/me/avatar", token=token, raw=other,
                      headers={"Content-Type": "image/png"})
        assert r.status_code == 204, r.text
        res = await iq(cb, "get", items_get("urn:xmpp:avatar:metadata"), to=a)
        assert res.find(".//{urn:xmpp:avatar:metadata}info").get("id") == \
            hashlib.sha1(other).hexdigest()
        # empty metadata removes the profile avatar
        await iq(ca, "set", publish("urn:xmpp:avatar:metadata", "none",
                                    "<metadata xmlns='urn:xmpp:avatar:metadata'/>"))
        r = xiris.api("GET", "/api/v1/me/avatar", token=token)
        assert r.status_code == 404
        await close(ca, cb, cs)
    run(go())


# P-SEC-2
def test_bookmarks_and_private_xml_sealed(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    room = "canary-room-%d@conference.example.org" % time.time_ns()
    name = "canary-bm-%d" % time.time_ns()
    priv = "canary-priv-%d" % time.time_ns()

    async def go():
        ca = events(await connect_with(xiris, a, apw, ["xep_0049", "xep_0048"]))
        cb = events(await connect(xiris, b, bpw))
        # XEP-0402: private node, whitelist access
        await iq(ca, "set", publish(
            "urn:xmpp:bookmarks:1", room,
            "<conference xmlns='urn:xmpp:bookmarks:1' name='%s' autojoin='true'>"
            "<nick>me</nick></conference>" % name,
            {"pubsub#persist_items": "true", "pubsub#max_items": "max",
             "pubsub#send_last_published_item": "never", "pubsub#access_model": "whitelist"}))
        await iq(ca, "set", publish("urn:xmpp:bookmarks:1", "second@conference.example.org",
                                    "<conference xmlns='urn:xmpp:bookmarks:1' name='two'/>"))
        r = await iq(ca, "get", items_get("urn:xmpp:bookmarks:1"))
        ids = [i.get("id") for i in r.iter("{%s}item" % PUBSUB)]
        assert sorted(ids) == sorted([room, "second@conference.example.org"])
        r = await iq(ca, "get", items_get("urn:xmpp:bookmarks:1", room))
        assert [c.get("name") for c in r.iter("{urn:xmpp:bookmarks:1}conference")] == [name]
        assert await iq_error(cb, "get", items_get("urn:xmpp:bookmarks:1"), to=a) == "forbidden"
        await server_ack(cb)
        await asyncio.sleep(0.2)
        assert not [e for e in cb.events if e[1] == "urn:xmpp:bookmarks:1"]
        # XEP-0049 with slixmpp's plugin (storage:bookmarks for old clients)
        st = ET.fromstring("<storage xmlns='storage:bookmarks'><conference jid='%s' "
                           "name='%s'/></storage>" % (room, priv))
        q = ca.Iq()
        q["type"] = "set"
        qq = ET.SubElement(q.xml, "{jabber:iq:private}query")
        qq.append(st)
        await q.send(timeout=15)
        res = await ca["xep_0049"].retrieve("bookmarks")
        got = res.xml.find(".//{storage:bookmarks}conference")
        assert got is not None and got.get("name") == priv
        empty = await iq(ca, "get", "<query xmlns='jabber:iq:private'>"
                         "<prefs xmlns='urn:example:nothing'/></query>")
        assert empty.find(".//{urn:example:nothing}prefs") is not None
        assert await iq_error(ca, "set", "<query xmlns='jabber:iq:private'>"
                              "<x xmlns='jabber:x:data'/></query>") == "not-acceptable"
        await close(ca, cb)
        db = xiris.db_bytes()
        for canary in (name, priv, room):
            assert canary.encode() not in db, canary
    run(go())


# XEP-0352: presence held and coalesced while inactive, messages at once
def test_csi_holds_presence(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()

    async def go():
        ca = await connect(xiris, a, apw)
        cb = await connect_with(xiris, b, bpw, ["xep_0352"])
        assert cb["xep_0352"].enabled  # the stream feature was offered
        await until(lambda: cb.seen_from(a))
        cb["xep_0352"].send_inactive()
        await server_ack(cb)
        cb.presences.clear()
        for s in ("one", "two", "three"):
            ca.send_presence(pstatus=s)
        ca.send_message(mto=b, mbody="still-delivered", mtype="chat")
        assert await until(lambda: "still-delivered" in cb.bodies())
        await server_ack(ca)
        await asyncio.sleep(0.3)
        assert not cb.seen_from(a)
        cb["xep_0352"].send_active()
        assert await until(lambda: cb.seen_from(a))
        await server_ack(cb)
        await asyncio.sleep(0.2)
        assert [p["status"] for p in cb.seen_from(a)] == ["three"]
        await close(ca, cb)
    run(go())


# XEP-0191: a blocked tenant member gets no presence broadcast
def test_blocked_member_gets_no_presence(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    c_, cpw = xiris.member()

    async def go():
        ca = await connect(xiris, a, apw)
        cb = await connect(xiris, b, bpw)
        cc = await connect(xiris, c_, cpw)
        await iq(ca, "set", "<block xmlns='urn:xmpp:blocking'><item jid='%s'/></block>" % b)
        cb.presences.clear()
        cc.presences.clear()
        ca.send_presence(pstatus="after-block")
        assert await until(lambda: any(p["status"] == "after-block" for p in cc.seen_from(a)))
        await server_ack(ca)
        await server_ack(cb)
        await asyncio.sleep(0.3)
        assert not cb.seen_from(a)
        # and nothing of b reaches a either
        ca.presences.clear()
        cb.send_presence(pstatus="from-blocked")
        await server_ack(cb)
        await asyncio.sleep(0.3)
        assert not ca.seen_from(b)
        await iq(ca, "set", "<unblock xmlns='urn:xmpp:blocking'/>")
        ca.send_presence(pstatus="after-unblock")
        assert await until(lambda: any(p["status"] == "after-unblock" for p in cb.seen_from(a)))
        await close(ca, cb, cc)
    run(go())
