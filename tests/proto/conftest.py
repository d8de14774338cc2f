"""Fixtures for the XMPP protocol tests: a live irisd (the REST fixtures of
tests/api reused) with its c2s listeners on free loopback ports, accounts
made through the REST API, and slixmpp clients run on one asyncio loop.

Run through tests/run-all, which sets IRIS_BUILD to the build directory.
"""
import asyncio
import importlib.util
import logging
import os
import socket
import sqlite3
import ssl
import sys
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
API = os.path.join(os.path.dirname(HERE), "api")
sys.path.insert(0, API)


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


api = _load("api_conftest", os.path.join(API, "conftest.py"))
no_tsan_report = api.no_tsan_report  # the autouse fixture, for these tests too
import test_accounts_lib as lib  # noqa: E402

import slixmpp  # noqa: E402

logging.getLogger("slixmpp").setLevel(logging.CRITICAL)


def xmpp_config(port, smtp_port, c2s, c2s_tls, extra=""):
    return api.config_for(port, smtp_port, extra, xmpp_ports=(c2s, c2s_tls))


def wait_port(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("port %d not listening" % port)


class XIris(api.Iris):
    """A running irisd with XMPP ports and account helpers."""

    def __init__(self, data_dir, port, mails, proc, config_path, c2s, c2s_tls):
        super().__init__(data_dir, port, mails, proc, config_path)
        self.c2s = c2s
        self.c2s_tls = c2s_tls
        self.domain = "localhost"
        self._tenant = None

    def member(self, tid=None, admin=None, prefix="u"):
        """A tenant member with a full password; returns (jid, password)."""
        if tid is None:
            if self._tenant is None:
                self._tenant = lib.make_tenant(self)
            tid, admin = self._tenant
        username = lib.unique(prefix)
        password = "pw-" + uuid.uuid4().hex
        r = self.api("POST", "/api/v1/tenants/%s/members" % tid, {
            "username": username, "password": password, "role": "user",
            "email": username + "@example.org", "first_name": "Mem", "last_name": "Ber"},
            token=admin)
        assert r.status_code == 201, r.text
        lib.full_token(self, username, password)
        password = lib._tokens.get((self.data_dir, username), password)
        return "%s@%s" % (username, self.domain), password

    def tenant(self):
        return lib.make_tenant(self)

    def freemium(self, prefix="f"):
        username, password, _, _ = lib.register(self, prefix)
        return "%s@%s" % (username, self.domain), password

    def sql(self, query, *args):
        con = sqlite3.connect(os.path.join(self.data_dir, "iris.db"), timeout=10)
        try:
            return con.execute(query, args).fetchall()
        finally:
            con.close()


def start(data_dir, mails, extra=""):
    port, c2s, c2s_tls = api.free_port(), api.free_port(), api.free_port()
    proc, config_path = api.start_irisd(
        data_dir, xmpp_config(port, mails.port, c2s, c2s_tls, extra))
    wait_port(c2s)
    wait_port(c2s_tls)
    return XIris(data_dir, port, mails, proc, config_path, c2s, c2s_tls)


@pytest.fixture(scope="session")
def mail_sink():
    yield from _mail_sink()


def _mail_sink():
    from aiosmtpd.controller import Controller
    mails = api.Mailbox()
    smtp_port = api.free_port()
    controller = Controller(mails, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    mails.port = smtp_port
    yield mails
    controller.stop()


@pytest.fixture(scope="session")
def xiris(mail_sink, tmp_path_factory):
    base = tmp_path_factory.mktemp("xiris")
    server = start(str(base / "data"), mail_sink)
    yield server
    rc = api.stop_irisd(server.proc)
    found = api.tsan_reports()
    assert not found, "ThreadSanitizer report in irisd log:\n" + "\n".join(found)
    assert rc == 0, "irisd did not drain and exit cleanly"


@pytest.fixture
def fresh_xiris(mail_sink, tmp_path):
    server = start(str(tmp_path / "data"), mail_sink)
    yield server
    if server.proc.poll() is None:
        api.stop_irisd(server.proc)


# ---- slixmpp clients ------------------------------------------------------

class Client(slixmpp.ClientXMPP):
    """A slixmpp client that records what it receives."""

    def __init__(self, jid, password, mechanism=None, send_presence=True, show=None,
                 priority=0):
        super().__init__(jid, password, sasl_mech=mechanism)
        self.messages = []
        self.presences = []
        self.subscriptions = []
        self.errors = []
        self.failed = None
        self.failure = None
        self.ready = asyncio.Event()
        self.send_initial = send_presence
        self.show = show
        self.priority = priority
        # answers the server's version query (connection log, P-LOG-1)
        self.register_plugin("xep_0092", {"software_name": "iris-proto-test", "version": "4.2"})
        self.register_plugin("xep_0203")  # delayed delivery stamps
        self.register_plugin("xep_0199")  # ping (used as the server's ack)
        self.add_event_handler("session_start", self._start)
        self.add_event_handler("message", self._message)
        self.add_event_handler("message_error", lambda m: self.errors.append(m))
        self.add_event_handler("failed_auth", self._failed)
        self.add_event_handler("presence", self._presence)
        for ev in ("presence_subscribe", "presence_subscribed", "presence_unsubscribe",
                   "presence_unsubscribed"):
            self.add_event_handler(ev, lambda p, ev=ev: self.subscriptions.append(
                (ev, p["from"].bare)))
        # Keep the roster manual: the tests decide what to approve.
        self.auto_authorize = None
        self.auto_subscribe = False

    async def _start(self, _):
        await self.get_roster()
        if self.send_initial:
            kw = {"ppriority": self.priority}
            if self.show:
                kw["pshow"] = self.show
            self.send_presence(**kw)
        self.ready.set()

    def _message(self, msg):
        self.messages.append(msg)

    def _presence(self, p):
        self.presences.append(p)

    def _failed(self, stanza):
        self.failed = True
        self.failure = stanza["condition"] if stanza is not None else None
        self.ready.set()

    def bodies(self):
        return [m["body"] for m in self.messages if m["body"]]

    def seen_from(self, bare):
        """Presence stanzas received from bare (any resource)."""
        return [p for p in self.presences if p["from"].bare == bare]


def tls_context(iris):
    ctx = ssl.create_default_context(cafile=iris.verify)
    ctx.check_hostname = False
    return ctx


async def connect(iris, jid, password, direct_tls=False, timeout=20, **kw):
    """Connects and waits for the session (or an auth failure)."""
    c = Client(jid, password, **kw)
    c.ssl_context = tls_context(iris)
    if direct_tls:
        c.enable_direct_tls = True
        c.enable_starttls = False
        c.connect(("127.0.0.1", iris.c2s_tls), use_ssl=True, force_starttls=False)
    else:
        c.connect(("127.0.0.1", iris.c2s))
    await asyncio.wait_for(c.ready.wait(), timeout)
    return c


async def server_ack(c):
    """A ping to the server answered: everything c sent before was handled
    (a session's stanzas run in order; messages only once committed)."""
    iq = c.Iq()
    iq["type"] = "get"
    iq["to"] = "localhost"
    iq.enable("ping")
    await iq.send(timeout=20)


async def until(pred, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        await asyncio.sleep(0.05)
    return pred()


def run(coro):
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(asyncio.wait_for(coro, 120))
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for t in pending:
            t.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()


async def close(*clients):
    """Disconnects clients and waits until they are gone."""
    for c in clients:
        try:
            await asyncio.wait_for(c.disconnect(wait=1), 5)
        except Exception:  # noqa: BLE001 - already gone
            pass


def unique(prefix="x"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])
