"""A small raw XMPP client for the protocol tests that need exact control
of the wire (XEP-0198 counters, dropping the TCP connection without
closing the stream): direct TLS, SASL PLAIN, bind, stream management."""
import base64
import collections
import socket
import ssl
import time
import xml.etree.ElementTree as ET

NS_STREAM = "http://etherx.jabber.org/streams"
NS_CLIENT = "jabber:client"
NS_SM = "urn:xmpp:sm:3"
NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind"
STANZAS = {"{%s}%s" % (NS_CLIENT, n) for n in ("message", "presence", "iq")}


def q(ns, name):
    return "{%s}%s" % (ns, name)


class Raw:
    def __init__(self, iris, jid, password, cafile=None):
        self.user = jid.split("@")[0]
        self.password = password
        raw = socket.create_connection(("127.0.0.1", iris.c2s_tls), timeout=10)
        ctx = ssl.create_default_context(cafile=iris.verify)
        ctx.check_hostname = False
        self.sock = ctx.wrap_socket(raw, server_hostname="localhost")
        self.pending = collections.deque()
        self.h_in = 0          # stanzas received since <enable/> (XEP-0198)
        self.counting = False
        self.received = []     # every stanza received
        self.full = None
        self.sm_id = None
        self._open()

    def _open(self):
        self.parser = ET.XMLPullParser(events=("start", "end"))
        self.depth = 0
        self.send("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                  "xmlns:stream='%s' to='localhost' version='1.0'>" % NS_STREAM)

    def send(self, text):
        self.sock.sendall(text.encode())

    def next(self, timeout=10):
        """The next top-level element (stanzas are counted when SM is on)."""
        deadline = time.monotonic() + timeout
        while not self.pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("nothing received")
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("stream closed")
            self.parser.feed(data)
            for ev, el in self.parser.read_events():
                if ev == "start":
                    self.depth += 1
                else:
                    self.depth -= 1
                    if self.depth == 1:
                        self.pending.append(el)
        el = self.pending.popleft()
        if el.tag in STANZAS:
            self.received.append(el)
            if self.counting:
                self.h_in += 1
        return el

    def wait_for(self, pred, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            el = self.next(max(0.01, deadline - time.monotonic()))
            if pred(el):
                return el

    def login(self):
        self.wait_for(lambda e: e.tag == q(NS_STREAM, "features"))
        token = base64.b64encode(("\0%s\0%s" % (self.user, self.password)).encode()).decode()
        self.send("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (NS_SASL, token))
        el = self.next()
        assert el.tag == q(NS_SASL, "success"), el.tag
        self._open()
        return self.wait_for(lambda e: e.tag == q(NS_STREAM, "features"))

    def bind(self, resource="raw"):
        self.send("<iq type='set' id='bind1'><bind xmlns='%s'><resource>%s</resource></bind>"
                  "</iq>" % (NS_BIND, resource))
        el = self.wait_for(lambda e: e.get("id") == "bind1")
        assert el.get("type") == "result", ET.tostring(el)
        self.full = el.find(q(NS_BIND, "bind")).find(q(NS_BIND, "jid")).text

    def enable(self, resume=True):
        self.send("<enable xmlns='%s'%s/>" % (NS_SM, " resume='true'" if resume else ""))
        el = self.wait_for(lambda e: e.tag in (q(NS_SM, "enabled"), q(NS_SM, "failed")))
        assert el.tag == q(NS_SM, "enabled")
        self.counting = True
        self.sm_id = el.get("id")
        return el

    def ack_request(self, timeout=20):
        """<r/> answered: returns the server's h."""
        self.send("<r xmlns='%s'/>" % NS_SM)
        el = self.wait_for(lambda e: e.tag == q(NS_SM, "a"), timeout)
        return int(el.get("h"))

    def ack(self):
        self.send("<a xmlns='%s' h='%d'/>" % (NS_SM, self.h_in))

    def resume(self, previd, h):
        self.send("<resume xmlns='%s' previd='%s' h='%d'/>" % (NS_SM, previd, h))
        return self.wait_for(lambda e: e.tag in (q(NS_SM, "resumed"), q(NS_SM, "failed")))

    def bodies(self):
        out = []
        for el in self.received:
            if el.tag == q(NS_CLIENT, "message"):
                b = el.find(q(NS_CLIENT, "body"))
                if b is not None:
                    out.append(b.text)
        return out

    def drop(self):
        """Cuts the TCP connection without closing the stream or TLS."""
        # SSLSocket.shutdown() shuts the socket down without a TLS close_notify
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def close(self):
        try:
            self.send("</stream:stream>")
            self.sock.close()
        except OSError:
            pass
