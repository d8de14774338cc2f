"""Fixtures for the REST API tests: a live irisd on loopback with a real SMTP
sink (aiosmtpd), a temporary data directory, and helpers to call the API.

Run through tests/run-all, which sets IRIS_BUILD to the build directory.
"""
import email
import email.policy
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time

import pytest
from aiosmtpd.controller import Controller

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("IRIS_BUILD", os.path.join(ROOT, "build", "asan"))
IRISD = os.path.join(BUILD, "src", "cmd", "irisd")
IRISCTL = os.path.join(BUILD, "src", "cmd", "irisctl")
# What tests/run-all sets for a ThreadSanitizer build, for a direct pytest run.
os.environ.setdefault("TSAN_OPTIONS", "halt_on_error=0 second_deadlock_stack=1 history_size=4 "
                      "suppressions=" + os.path.join(ROOT, "tests", "tsan.supp"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """Collects every message the SMTP sink receives."""

    def __init__(self):
        self.messages = []
        self.cond = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.cond:
            self.messages.append((list(envelope.rcpt_tos), msg))
            self.cond.notify_all()
        return "250 OK"

    def wait_for(self, to_address, timeout=15):
        """Returns the first message for to_address, waiting up to timeout s."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for rcpts, msg in self.messages:
                    if to_address in rcpts:
                        return msg
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("no mail for %s within %ss" % (to_address, timeout))
                self.cond.wait(left)

    def all_for(self, to_address):
        with self.cond:
            return [m for r, m in self.messages if to_address in r]


# Every JSON answer of Iris.api in this session, as (method, path without
# query, status, parsed body): test_zz_openapi_responses.py, which runs last,
# checks each against docs/api/openapi.yaml.
API_CALLS = []


def record_call(method, path, resp):
    if not resp.headers.get("content-type", "").startswith("application/json"):
        return
    try:
        body = json.loads(resp.content)
    except ValueError:
        body = ValueError("not JSON: %r" % resp.content[:80])
    API_CALLS.append((method.upper(), path.split("?")[0], resp.status_code, body))


class Response:
    def __init__(self, status, headers, body):
        self.status_code = status
        self.headers = headers
        self.content = body
        self.text = body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.text)


class Iris:
    """A running irisd and the means to talk to it."""

    def __init__(self, data_dir, port, mails, proc, config_path):
        self.data_dir = data_dir
        self.port = port
        self.url = "https://127.0.0.1:%d" % port
        self.mails = mails
        self.proc = proc
        self.config_path = config_path
        self.verify = os.path.join(data_dir, "tls-cert.pem")
        with open(os.path.join(data_dir, "first-login.json")) as f:
            self.first_login = json.load(f)

    def ssl_context(self):
        ctx = ssl.create_default_context(cafile=self.verify)
        ctx.check_hostname = False  # the certificate names localhost; we dial 127.0.0.1
        return ctx

    def api(self, method, path, body=None, token=None, source="127.0.0.1", headers=None,
            raw=None):
        """One HTTPS request from the loopback address `source` (tests of
        per-address throttling use other 127.x addresses). body is sent as
        JSON; raw as bytes. Returns a Response."""
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=30,
                                           context=self.ssl_context(),
                                           source_address=(source, 0))
        hdrs = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        if token:
            hdrs["Authorization"] = "Bearer " + token
        conn.request(method, path, body=data, headers=hdrs)
        r = conn.getresponse()
        resp = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        conn.close()
        record_call(method, path, resp)
        return resp

    def login(self, username, password, source="127.0.0.1"):
        """Logs in and returns the token (asserts success)."""
        r = self.api("POST", "/api/v1/auth/login",
                     {"username": username, "password": password}, source=source)
        assert r.status_code == 200, r.text
        return r.json()["token"]

    def ctl(self, *args, check=False, input=None):
        """Runs irisctl on this server's data; input: its standard input. A
        ThreadSanitizer report on its stderr fails the test."""
        r = subprocess.run([IRISCTL, "--data", self.data_dir, "--config", self.config_path]
                           + list(args), capture_output=True, text=True, check=check,
                           timeout=120, input=input)
        assert TSAN_MARK.decode() not in r.stderr, r.stderr
        return r

    def db_bytes(self):
        """Every byte of the database files (main, WAL), for at-rest scans."""
        out = b""
        for name in ("iris.db", "iris.db-wal"):
            p = os.path.join(self.data_dir, name)
            if os.path.exists(p):
                with open(p, "rb") as f:
                    out += f.read()
        return out


# Every irisd log of this session and how far tsan_reports() has read it. A
# ThreadSanitizer build prints a report and keeps running (halt_on_error=0),
# so the fixture no_tsan_report looks for reports after each test.
IRISD_LOGS = {}
TSAN_MARK = b"WARNING: ThreadSanitizer"


def tsan_reports():
    """ThreadSanitizer reports written to the irisd logs since the last call
    (each report from its WARNING line, up to 3,000 bytes)."""
    found = []
    for path, seen in IRISD_LOGS.items():
        try:
            with open(path, "rb") as f:
                f.seek(seen)
                text = f.read()
        except OSError:
            continue
        IRISD_LOGS[path] = seen + len(text)
        at = text.find(TSAN_MARK)
        while at >= 0:
            found.append("%s:\n%s" % (path, text[at:at + 3000].decode(errors="replace")))
            at = text.find(TSAN_MARK, at + 1)
    return found


@pytest.fixture(autouse=True)
def no_tsan_report():
    """Fails the test during which (or before which) an irisd of this session
    reported a data race, a lock-order inversion or another TSan finding."""
    yield
    found = tsan_reports()
    assert not found, "ThreadSanitizer report in irisd log:\n" + "\n".join(found)


def start_irisd(data_dir, config_text):
    """Starts irisd with config_text; returns (proc, config_path) once it
    listens. Raises if it exits or does not listen within 30 s."""
    IRISD_LOGS.setdefault(data_dir + ".log", 0)
    config_path = os.path.join(os.path.dirname(data_dir), "irisd.ini")
    with open(config_path, "w") as f:
        f.write(config_text)
    proc = subprocess.Popen([IRISD, "--config", config_path, "--data", data_dir],
                            stdout=subprocess.PIPE, stderr=open(data_dir + ".log", "ab"),
                            text=True)
    deadline = time.monotonic() + 30
    for line in proc.stdout:
        if "listening on" in line:
            break
        if time.monotonic() > deadline:
            break
    if proc.poll() is not None:
        raise RuntimeError("irisd exited: see %s.log" % data_dir)
    threading.Thread(target=lambda: proc.stdout.read(), daemon=True).start()
    return proc, config_path


def stop_irisd(proc):
    """SIGTERM, then the exit status (0 after a clean drain)."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        return -1


def irisd_settings():
    """Names of the settings this irisd build knows."""
    r = subprocess.run([IRISD, "--settings"], capture_output=True, text=True, check=True)
    return {line.split("`")[1] for line in r.stdout.splitlines() if line.startswith("| `")}


SETTINGS = irisd_settings() if os.path.exists(IRISD) else set()


def config_for(port, smtp_port, extra="", xmpp_ports=None):
    """Settings of a test server: every listener on a free loopback port of
    its own, so several servers run side by side."""
    text = ("[server]\ndomain = localhost\nlog_level = debug\n"
            "[http]\nbind = 127.0.0.1\nport = %d\npublic_url = https://127.0.0.1:%d\n"
            "[smtp]\nurl = smtp://127.0.0.1:%d\nfrom = iris@localhost\n"
            "[auth]\nscram_iterations = 4096\n" % (port, port, smtp_port))
    if "xmpp.c2s_port" in SETTINGS:
        c2s, c2s_tls = xmpp_ports or (free_port(), free_port())
        text += "[xmpp]\nbind = 127.0.0.1\nc2s_port = %d\nc2s_tls_port = %d\n" % (c2s, c2s_tls)
    return text + extra


@pytest.fixture(scope="session")
def mail_sink():
    mails = Mailbox()
    smtp_port = free_port()
    controller = Controller(mails, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    mails.port = smtp_port
    yield mails
    controller.stop()


@pytest.fixture(scope="session")
def iris(mail_sink, tmp_path_factory):
    base = tmp_path_factory.mktemp("iris")
    data_dir = str(base / "data")
    port = free_port()
    proc, config_path = start_irisd(data_dir, config_for(port, mail_sink.port))
    server = Iris(data_dir, port, mail_sink, proc, config_path)
    yield server
    rc = stop_irisd(proc)
    found = tsan_reports()
    assert not found, "ThreadSanitizer report in irisd log:\n" + "\n".join(found)
    assert rc == 0, "irisd did not drain and exit cleanly"


@pytest.fixture
def fresh_iris(mail_sink, tmp_path):
    """A private irisd for tests that change global state (throttling,
    restarts); stopped at the end of the test."""
    data_dir = str(tmp_path / "data")
    port = free_port()
    proc, config_path = start_irisd(data_dir, config_for(port, mail_sink.port))
    server = Iris(data_dir, port, mail_sink, proc, config_path)
    yield server
    if proc.poll() is None:
        stop_irisd(proc)


@pytest.fixture
def clock_iris(mail_sink, tmp_path):
    """A private irisd in test mode, whose clock POST /api/v1/test/clock moves
    (its own offset); stopped at the end of the test, which must drain."""
    data_dir = str(tmp_path / "data")
    port = free_port()
    proc, config_path = start_irisd(
        data_dir, config_for(port, mail_sink.port, extra="[server]\ntest_mode = true\n"))
    server = Iris(data_dir, port, mail_sink, proc, config_path)
    yield server
    if proc.poll() is None:
        assert stop_irisd(proc) == 0, "irisd did not drain and exit cleanly"
