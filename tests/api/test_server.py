"""irisd as a process: first start, settings check, TLS policy, health,
metrics, JSON errors, reload and drain."""
import json
import os
import signal
import socket
import ssl
import stat
import subprocess
import time

import pytest

from conftest import IRISD, config_for, free_port, start_irisd, stop_irisd


def test_first_start_creates_protected_data_dir(iris):
    """Master key, first-login file and TLS key are private to the server."""
    for name in ("master.key", "first-login.json", "tls-key.pem"):
        mode = stat.S_IMODE(os.stat(os.path.join(iris.data_dir, name)).st_mode)
        assert mode == 0o600, (name, oct(mode))
    assert stat.S_IMODE(os.stat(iris.data_dir).st_mode) == 0o700
    fl = iris.first_login
    assert fl["operator"]["username"] and fl["operator"]["password"]
    assert fl["tenant_admin"]["username"] and fl["tenant_admin"]["password"]
    assert fl["tenant"]["id"]


def test_first_login_printed_only_once(mail_sink, tmp_path):
    data_dir = str(tmp_path / "data")
    port = free_port()
    proc, cfg = start_irisd(data_dir, config_for(port, mail_sink.port))
    assert stop_irisd(proc) == 0
    with open(os.path.join(data_dir, "first-login.json")) as f:
        first = json.load(f)
    # A second start must not create new admins or new passwords.
    proc, cfg = start_irisd(data_dir, config_for(port, mail_sink.port))
    assert stop_irisd(proc) == 0
    with open(os.path.join(data_dir, "first-login.json")) as f:
        assert json.load(f) == first


def test_settings_check(tmp_path):
    good = tmp_path / "good.ini"
    good.write_text("[http]\nport = 9443\n")
    r = subprocess.run([IRISD, "-n", "--config", str(good)], capture_output=True, text=True)
    assert r.returncode == 0 and "settings OK" in r.stdout
    bad = tmp_path / "bad.ini"
    bad.write_text("[http]\nport = 99999\n")
    r = subprocess.run([IRISD, "-n", "--config", str(bad)], capture_output=True, text=True)
    assert r.returncode == 1
    assert "http.port" in r.stderr and "outside" in r.stderr


# P-SEC-3: plaintext only with dev_mode, and then only on loopback.
def test_plaintext_refused_without_dev_mode(tmp_path):
    cfg = tmp_path / "plain.ini"
    cfg.write_text("[http]\ntls = false\n")
    r = subprocess.run([IRISD, "-n", "--config", str(cfg)], capture_output=True, text=True)
    assert r.returncode == 1 and "dev_mode" in r.stderr


# P-SEC-3: plaintext on a non-loopback address is refused even in dev mode.
def test_plaintext_refused_off_loopback(tmp_path):
    cfg = tmp_path / "plain.ini"
    cfg.write_text("[server]\ndev_mode = true\n[http]\ntls = false\nbind = 0.0.0.0\n"
                   "port = %d\n" % free_port())
    r = subprocess.run([IRISD, "--config", str(cfg), "--data", str(tmp_path / "d")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "loopback" in r.stderr


def tls_handshake(port, version):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = version
    ctx.maximum_version = version
    try:
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    except ssl.SSLError:
        pass
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw) as tls:
            return tls.version()


# P-SEC-3: TLS 1.2 and 1.3 only.
def test_tls_versions(iris):
    assert tls_handshake(iris.port, ssl.TLSVersion.TLSv1_3) == "TLSv1.3"
    assert tls_handshake(iris.port, ssl.TLSVersion.TLSv1_2) == "TLSv1.2"
    for old in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
        with pytest.raises((ssl.SSLError, ConnectionResetError, OSError)):
            tls_handshake(iris.port, old)


# P-SEC-4
def test_health_and_metrics(iris):
    """http.metrics_public is false by default: /metrics still answers a
    scrape from a loopback peer (Prometheus on the host), with or without a
    token; a non-loopback peer is refused (the test servers listen on
    127.0.0.1 only, so that side is the unit test
    net-server test_metrics_access_decision)."""
    r = iris.api("GET", "/api/v1/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    for source in ("127.0.0.1", "127.0.0.2"):
        m = iris.api("GET", "/metrics", source=source)
        assert m.status_code == 200
        assert m.headers["content-type"].startswith("text/plain")
        assert "# TYPE" in m.text
    m = iris.api("GET", "/metrics", token="not-a-token")
    assert m.status_code == 200 and "# TYPE" in m.text
    out = subprocess.run([IRISD, "--settings"], capture_output=True, text=True,
                         check=True).stdout
    assert "`http.metrics_public` | bool |  | `false`" in out


def test_unknown_route_json_error(iris):
    r = iris.api("GET", "/api/v1/no-such-thing")
    assert r.status_code == 404
    err = r.json()["error"]
    assert err["code"] == "not_found" and err["message"]


def test_oversized_body_refused(iris):
    r = iris.api("POST", "/api/v1/auth/login", raw=b"{" + b" " * (9 * 1024 * 1024) + b"}",
                 headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"


def test_reload_keeps_serving_and_bad_file_changes_nothing(fresh_iris):
    with open(fresh_iris.config_path, "a") as f:
        f.write("[server]\nlog_level = warn\n")
    fresh_iris.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    assert fresh_iris.api("GET", "/api/v1/health").status_code == 200
    with open(fresh_iris.config_path, "a") as f:
        f.write("[http]\nport = nonsense\n")
    fresh_iris.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    assert fresh_iris.proc.poll() is None
    assert fresh_iris.api("GET", "/api/v1/health").status_code == 200


def test_sigterm_drains_and_exits_cleanly(fresh_iris):
    assert fresh_iris.api("GET", "/api/v1/health").status_code == 200
    assert stop_irisd(fresh_iris.proc) == 0


# P-SEC-7: logs carry no personal identifiers in clear.
def test_logs_have_no_first_login_secrets(iris):
    with open(iris.data_dir + ".log", "rb") as f:
        log = f.read()
    assert iris.first_login["operator"]["password"].encode() not in log
    assert iris.first_login["tenant_admin"]["password"].encode() not in log


def test_operator_guide_lists_every_setting():
    """docs/operator.md keeps step with the settings table of the code."""
    r = subprocess.run([IRISD, "--settings"], capture_output=True, text=True, check=True)
    names = [line.split("`")[1] for line in r.stdout.splitlines() if line.startswith("| `")]
    assert len(names) > 10
    guide = open(os.path.join(os.path.dirname(__file__), "..", "..", "docs",
                              "operator.md")).read()
    missing = [n for n in names if "`%s`" % n not in guide]
    assert not missing, "settings missing from docs/operator.md: %s" % missing
