"""Operator and client diagnostics (issue 9, items 15 and 16): error
messages that say what is wrong and where, one request line per HTTP
request with a request id the client also sees, and settings problems
named at start-up, in `irisd -n` and on SIGHUP."""
import os
import re
import signal
import socket
import subprocess
import time

from conftest import IRISD, config_for, free_port, start_irisd, stop_irisd
import test_accounts_lib as lib


def log_text(iris):
    with open(iris.data_dir + ".log", errors="replace") as f:
        return f.read()


def wait_log(iris, needle, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log_text(iris)
        if needle in text:
            return text
        time.sleep(0.1)
    raise AssertionError("not in the log: %s" % needle)


def test_malformed_json_names_parser_error_and_position(iris):
    r = iris.api("POST", "/api/v1/auth/login", raw=b'{"username": "x",}',
                 headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == "invalid_json"
    assert (err["line"], err["column"], err["position"]) == (1, 18, 18)
    assert "line 1, column 18" in err["message"]
    assert "expected" in err["message"]  # jansson's own words
    # valid JSON that is not an object says so
    r = iris.api("POST", "/api/v1/auth/login", raw=b'[1, 2]',
                 headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "not an array" in r.json()["error"]["message"]


def test_enum_and_length_refusals_state_the_rule(iris):
    op = lib.operator_token(iris)
    r = iris.api("POST", "/api/v1/tenants", {"name": "n" * 129}, token=op)
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == "invalid_field" and err["field"] == "name"
    assert err["max_bytes"] == 128 and "at most 128 bytes" in err["message"]
    r = iris.api("POST", "/api/v1/tenants", {"name": 5}, token=op)
    assert r.status_code == 400 and r.json()["error"]["message"] == "name: expected a string"
    tid, admin = lib.make_tenant(iris)
    r = iris.api("POST", "/api/v1/tenants/%s/members" % tid,
                 {"username": lib.unique("m"), "role": "owner"}, token=admin)
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["field"] == "role"
    assert err["allowed"] == ["user", "tenant_admin", "auditor"]
    assert err["message"] == "role: must be one of user, tenant_admin, auditor"


def test_request_id_in_header_error_body_and_one_log_line(iris):
    """Every answer carries X-Request-Id; an error body repeats it; the log
    has exactly one info line for the request, naming the route pattern,
    never the raw path or the query."""
    secret_id = "0d3c8f5e-0000-4000-8000-00000000beef"
    r = iris.api("GET", "/api/v1/tenants/%s?q=private-query" % secret_id,
                 token="not-a-token")
    assert r.status_code == 401
    rid = r.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f-]{36}", rid)
    assert r.json()["error"]["request_id"] == rid
    text = wait_log(iris, "request_id=" + rid)
    lines = [l for l in text.splitlines() if "event=http_request " in l and rid in l]
    assert len(lines) == 1, lines
    line = lines[0]
    assert "level=info" in line and "method=GET" in line and "status=401" in line
    assert 'route="/api/v1/tenants/{id}"' in line and "ms=" in line
    assert secret_id not in text and "private-query" not in text
    ok = iris.api("GET", "/api/v1/health")
    assert ok.headers["x-request-id"] != rid
    wait_log(iris, 'route="/api/v1/health" status=200 ms=')


def test_metrics_count_errors_by_code(iris):
    def count():
        m = iris.api("GET", "/metrics").text
        hit = re.search(r'^http_request_errors_total\{code="not_found"\} (\d+)$', m, re.M)
        return int(hit.group(1)) if hit else 0
    before = count()
    assert iris.api("GET", "/api/v1/no-such-thing").status_code == 404
    assert count() == before + 1
    m = iris.api("GET", "/metrics").text
    for name in ("jobs_runs_total{", "jobs_failures_total{", "mail_outbox_queued ",
                 "mail_sent_total ", "mail_failed_total "):
        assert name in m, name


def test_check_mode_names_a_bad_certificate_path(tmp_path):
    cfg = tmp_path / "cert.ini"
    missing = str(tmp_path / "nowhere" / "cert.pem")
    cfg.write_text("[http]\ntls_cert = %s\ntls_key = %s\n" % (missing, missing))
    r = subprocess.run([IRISD, "-n", "--config", str(cfg)], capture_output=True, text=True)
    assert r.returncode == 1, r.stdout
    assert missing in r.stderr and "No such file" in r.stderr


def test_broken_section_header_is_reported_as_such(tmp_path):
    cfg = tmp_path / "broken.ini"
    cfg.write_text("[server]\ndomain = localhost\n[http\nport = 9443\n")
    r = subprocess.run([IRISD, "-n", "--config", str(cfg)], capture_output=True, text=True)
    assert r.returncode == 1
    assert "line 3: broken section header" in r.stderr, r.stderr


def test_second_irisd_on_the_same_port_names_address_and_port(iris, mail_sink, tmp_path):
    data_dir = str(tmp_path / "data")
    config_path = str(tmp_path / "irisd.ini")
    with open(config_path, "w") as f:
        f.write(config_for(iris.port, mail_sink.port))
    r = subprocess.run([IRISD, "--config", config_path, "--data", data_dir],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "cannot listen on 127.0.0.1:%d: address already in use" % iris.port in r.stderr


def test_sighup_names_a_setting_that_needs_a_restart(fresh_iris):
    with open(fresh_iris.config_path, "a") as f:
        f.write("[http]\nmax_connections = 77\n")
    fresh_iris.proc.send_signal(signal.SIGHUP)
    text = wait_log(fresh_iris, "event=reloaded")
    assert "event=reload_needs_restart setting=http.max_connections" in text
    # the data directory given with --data is not reported
    assert "setting=server.data_dir" not in text
    assert fresh_iris.api("GET", "/api/v1/health").status_code == 200
