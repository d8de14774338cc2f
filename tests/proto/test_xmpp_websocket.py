"""XMPP over WebSocket (RFC 7395) on the HTTPS listener, and XEP-0156
discovery (live irisd; a raw RFC 6455 client and a SCRAM client computed
in Python)."""
import asyncio
import json
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import close, connect, run, until
from rawws import NS_CLIENT, NS_FRAMING, WS, Handshake, XmppWS, q


def canary(tag):
    return "canary-%s-%d" % (tag, time.time_ns())


# P-SEC-3 (XEP-0156): host-meta (XRD and JSON) lists the wss:// endpoint under the public URL.
def test_host_meta_lists_websocket(xiris):
    url = "wss://127.0.0.1:%d/xmpp-websocket" % xiris.port
    r = xiris.api("GET", "/.well-known/host-meta")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/xrd+xml")
    root = ET.fromstring(r.content)
    links = [(e.get("rel"), e.get("href")) for e in root]
    assert ("urn:xmpp:alt-connections:websocket", url) in links
    r = xiris.api("GET", "/.well-known/host-meta.json")
    assert r.status_code == 200
    assert {"rel": "urn:xmpp:alt-connections:websocket", "href": url} in \
        json.loads(r.content)["links"]


# P-SEC-1, P-CHAT-1: a client logs in over wss with SCRAM-SHA-256 (and -1) and
# exchanges messages with a TCP client.
@pytest.mark.parametrize("mech", ["SCRAM-SHA-256", "SCRAM-SHA-1"])
def test_websocket_login_and_chat_with_tcp_client(xiris, mech):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    w = XmppWS(xiris, b, bpw)
    w.login(mech)
    assert w.full.startswith(b + "/")
    w.ws.send("<presence xmlns='jabber:client'/>")
    to_ws, to_tcp = canary("ws-in"), canary("ws-out")

    async def go():
        ca = await connect(xiris, a, apw)
        ca.send_message(mto=b, mbody=to_ws, mtype="chat")
        # the raw client blocks: it reads on a thread while slixmpp runs
        el = await asyncio.get_running_loop().run_in_executor(
            None, w.wait_for, lambda e: to_ws in w.bodies())
        assert el.get("from") == str(ca.boundjid)
        w.ws.send("<message xmlns='jabber:client' to='%s' type='chat'><body>%s</body>"
                  "</message>" % (a, to_tcp))
        assert await until(lambda: to_tcp in ca.bodies())
        m = [m for m in ca.messages if m["body"] == to_tcp][0]
        assert m["from"] == w.full
        await close(ca)
    run(go())
    # RFC 7395 §3.6: <close/> answered with <close/>, then a WebSocket close
    w.close()
    w.wait_for(lambda e: e.tag == q(NS_FRAMING, "close"))
    with pytest.raises(EOFError):
        w.next()
    assert w.ws.closed == 1000


# P-SEC-3 (RFC 6455 §4.2.1, RFC 7395 §3.2): the handshake must be a WebSocket upgrade
# naming the xmpp subprotocol.
def test_websocket_handshake_refusals(xiris):
    with pytest.raises(Handshake) as e:
        WS(xiris, protocol=None)
    assert e.value.status == 400
    with pytest.raises(Handshake) as e:
        WS(xiris, key="short")
    assert e.value.status == 400
    with pytest.raises(Handshake) as e:
        WS(xiris, extra={"Upgrade": None, "Connection": None})
    assert e.value.status == 426
    r = xiris.api("GET", "/api/v1/health")  # the listener carries on
    assert r.status_code == 200


# P-SEC-3 (RFC 6455 §5.1): an unmasked client frame ends the connection with 1002; an
# oversized message with 1009; other sessions carry on.
def test_websocket_bad_frames(xiris):
    w = WS(xiris)
    w.send_frame(1, b"<open xmlns='%s' to='localhost' version='1.0'/>" % NS_FRAMING.encode(),
                 mask=False)
    with pytest.raises(EOFError):
        while True:
            w.recv()
    assert w.closed == 1002
    w = WS(xiris)
    # refused from the header alone: the payload is never sent
    w.sock.sendall(bytes([0x81, 0x80 | 127]) + (262144 + 1).to_bytes(8, "big") + b"mask")
    with pytest.raises(EOFError):
        while True:
            w.recv()
    assert w.closed == 1009
    a, apw = xiris.member()
    ok = XmppWS(xiris, a, apw)
    ok.login()
    # a ping (RFC 6455 §5.5.2) gets its pong
    ok.ws.send_frame(9, b"hi")
    frames = []
    while (10, b"hi") not in frames and len(frames) < 5:  # stanzas may come first
        frames.append(ok.ws.recv_frame())
    assert (10, b"hi") in frames
    ok.close()


# P-CHAT-1 (RFC 7395 §3.3.3): fragmented messages are reassembled; malformed XML is a
# stream error in framing form.
def test_websocket_fragments_and_stream_error(xiris):
    a, apw = xiris.member()
    w = XmppWS(xiris, a, apw)
    w.login()
    text = "<iq xmlns='jabber:client' type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>"
    w.ws.send_frame(1, text[:20].encode(), fin=False)
    w.ws.send_frame(0, text[20:].encode())
    el = w.wait_for(lambda e: e.get("id") == "p1")
    assert el.get("type") == "result" and el.tag == q(NS_CLIENT, "iq")
    w.ws.send("<message xmlns='jabber:client'><body>unclosed")
    err = w.wait_for(lambda e: e.tag.endswith("}error"))
    assert err.tag == "{http://etherx.jabber.org/streams}error"
    assert w.next().tag == q(NS_FRAMING, "close")
