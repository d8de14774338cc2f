"""A raw RFC 6455 client and an RFC 7395 (XMPP over WebSocket) session with a
SCRAM client computed here (hashlib/hmac), for the protocol tests."""
import base64
import hashlib
import hmac
import os
import socket
import ssl
import time
import xml.etree.ElementTree as ET

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
NS_FRAMING = "urn:ietf:params:xml:ns:xmpp-framing"
NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind"
NS_STREAM = "http://etherx.jabber.org/streams"
NS_CLIENT = "jabber:client"


def q(ns, name):
    return "{%s}%s" % (ns, name)


class Handshake(Exception):
    def __init__(self, status, headers):
        super().__init__("HTTP %d" % status)
        self.status = status
        self.headers = headers


class WS:
    def __init__(self, iris, path="/xmpp-websocket", protocol="xmpp", extra=None, key=None):
        raw = socket.create_connection(("127.0.0.1", iris.port), timeout=10)
        ctx = ssl.create_default_context(cafile=iris.verify)
        ctx.check_hostname = False
        self.sock = ctx.wrap_socket(raw, server_hostname="localhost")
        self.key = key or base64.b64encode(os.urandom(16)).decode()
        headers = {"Host": "127.0.0.1:%d" % iris.port, "Upgrade": "websocket",
                   "Connection": "Upgrade", "Sec-WebSocket-Key": self.key,
                   "Sec-WebSocket-Version": "13"}
        if protocol:
            headers["Sec-WebSocket-Protocol"] = protocol
        headers.update(extra or {})
        req = "GET %s HTTP/1.1\r\n%s\r\n" % (
            path, "".join("%s: %s\r\n" % kv for kv in headers.items() if kv[1] is not None))
        self.sock.sendall(req.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            data += chunk
        head, _, self.buf = data.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            self.headers[k.strip().lower()] = v.strip()
        if self.status != 101:
            raise Handshake(self.status, self.headers)
        want = base64.b64encode(hashlib.sha1((self.key + GUID).encode()).digest()).decode()
        assert self.headers["sec-websocket-accept"] == want
        assert self.headers["sec-websocket-protocol"] == "xmpp"
        self.closed = None

    def send_frame(self, op, payload, mask=True, fin=True):
        b0 = (0x80 if fin else 0) | op
        n = len(payload)
        mbit = 0x80 if mask else 0
        if n < 126:
            hdr = bytes([b0, mbit | n])
        elif n < 65536:
            hdr = bytes([b0, mbit | 126]) + n.to_bytes(2, "big")
        else:
            hdr = bytes([b0, mbit | 127]) + n.to_bytes(8, "big")
        if mask:
            m = os.urandom(4)
            payload = bytes(c ^ m[i % 4] for i, c in enumerate(payload))
            hdr += m
        self.sock.sendall(hdr + payload)

    def send(self, text):
        self.send_frame(1, text.encode())

    def _need(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("nothing received")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk

    def recv_frame(self, timeout=10):
        deadline = time.monotonic() + timeout
        self._need(2, deadline)
        b0, b1 = self.buf[0], self.buf[1]
        assert not (b1 & 0x80), "server frames are not masked"
        n, hl = b1 & 0x7F, 2
        if n == 126:
            self._need(4, deadline)
            n, hl = int.from_bytes(self.buf[2:4], "big"), 4
        elif n == 127:
            self._need(10, deadline)
            n, hl = int.from_bytes(self.buf[2:10], "big"), 10
        self._need(hl + n, deadline)
        payload = self.buf[hl:hl + n]
        self.buf = self.buf[hl + n:]
        return b0 & 0x0F, payload

    def recv(self, timeout=10):
        """The next text message (answers pings, records a close)."""
        while True:
            op, payload = self.recv_frame(timeout)
            if op == 1:
                return payload.decode()
            if op == 8:
                self.closed = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 0
                raise EOFError("close frame %s" % self.closed)
            if op == 9:
                self.send_frame(10, payload)


def scram_first(user, mech="SCRAM-SHA-256", gs2="n,,"):
    cnonce = base64.b64encode(os.urandom(18)).decode()
    return {"mech": mech, "bare": "n=%s,r=%s" % (user, cnonce), "gs2": gs2, "cnonce": cnonce}


def scram_final(st, password, server_first, cb_data=b""):
    h = "sha256" if st["mech"].startswith("SCRAM-SHA-256") else "sha1"
    attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
    assert attrs["r"].startswith(st["cnonce"])
    salted = hashlib.pbkdf2_hmac(h, password.encode(), base64.b64decode(attrs["s"]),
                                 int(attrs["i"]))
    client_key = hmac.new(salted, b"Client Key", h).digest()
    stored = hashlib.new(h, client_key).digest()
    cbind = base64.b64encode(st["gs2"].encode() + cb_data).decode()
    without = "c=%s,r=%s" % (cbind, attrs["r"])
    auth_msg = ("%s,%s,%s" % (st["bare"], server_first, without)).encode()
    sig = hmac.new(stored, auth_msg, h).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, sig))
    server_key = hmac.new(salted, b"Server Key", h).digest()
    st["server_sig"] = base64.b64encode(hmac.new(server_key, auth_msg, h).digest()).decode()
    return "%s,p=%s" % (without, base64.b64encode(proof).decode())


class XmppWS:
    """An XMPP session over WebSocket (RFC 7395)."""

    def __init__(self, iris, jid, password):
        self.ws = WS(iris)
        self.user = jid.split("@")[0]
        self.password = password
        self.received = []

    def open(self):
        self.ws.send("<open xmlns='%s' to='localhost' version='1.0'/>" % NS_FRAMING)
        el = self.next()
        assert el.tag == q(NS_FRAMING, "open"), el.tag
        feats = self.next()
        assert feats.tag == q(NS_STREAM, "features"), feats.tag
        return feats

    def next(self, timeout=10):
        el = ET.fromstring(self.ws.recv(timeout))
        if el.tag.startswith("{%s}" % NS_CLIENT):
            self.received.append(el)
        return el

    def wait_for(self, pred, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            el = self.next(max(0.01, deadline - time.monotonic()))
            if pred(el):
                return el

    def login(self, mech="SCRAM-SHA-256"):
        feats = self.open()
        mechs = [m.text for m in feats.find(q(NS_SASL, "mechanisms"))]
        assert mech in mechs, mechs
        st = scram_first(self.user, mech)
        first = base64.b64encode((st["gs2"] + st["bare"]).encode()).decode()
        self.ws.send("<auth xmlns='%s' mechanism='%s'>%s</auth>" % (NS_SASL, mech, first))
        ch = self.next()
        assert ch.tag == q(NS_SASL, "challenge"), ET.tostring(ch)
        final = scram_final(st, self.password, base64.b64decode(ch.text).decode())
        self.ws.send("<response xmlns='%s'>%s</response>" % (
            NS_SASL, base64.b64encode(final.encode()).decode()))
        ok = self.next()
        assert ok.tag == q(NS_SASL, "success"), ET.tostring(ok)
        assert base64.b64decode(ok.text).decode() == "v=" + st["server_sig"]
        self.open()
        self.ws.send("<iq xmlns='jabber:client' type='set' id='b1'><bind xmlns='%s'>"
                     "<resource>ws</resource></bind></iq>" % NS_BIND)
        el = self.wait_for(lambda e: e.get("id") == "b1")
        assert el.get("type") == "result"
        self.full = el.find(q(NS_BIND, "bind")).find(q(NS_BIND, "jid")).text

    def bodies(self):
        return [b.text for el in self.received if el.tag == q(NS_CLIENT, "message")
                for b in [el.find(q(NS_CLIENT, "body"))] if b is not None]

    def close(self):
        self.ws.send("<close xmlns='%s'/>" % NS_FRAMING)
