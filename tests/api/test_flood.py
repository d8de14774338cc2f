"""Flooding and credential stuffing (P-SEC-8): per-address and per-account
request rate limits answer 429 rate_limited with Retry-After while other
clients keep being served; many usernames failing from one address are
logged as a pseudonymised security event and counted in /metrics."""
import http.client
import re
import threading
import uuid

from conftest import Iris, config_for, free_port, start_irisd, stop_irisd
from test_accounts_lib import add_member, default_admin_token, error_code


def metric(iris, name):
    text = iris.api("GET", "/metrics").text
    m = re.search(r"^%s (\d+)$" % re.escape(name), text, re.M)
    return int(m.group(1)) if m else 0


def flood(iris, token, source, n, statuses):
    """n requests on one keep-alive connection from source."""
    conn = http.client.HTTPSConnection("127.0.0.1", iris.port, timeout=30,
                                       context=iris.ssl_context(), source_address=(source, 0))
    for _ in range(n):
        conn.request("GET", "/api/v1/me", headers={"Authorization": "Bearer " + token})
        r = conn.getresponse()
        body = r.read()
        statuses.append((r.status, r.getheader("Retry-After"), body))
    conn.close()


# P-SEC-8
def test_flood_throttled_others_served(mail_sink, tmp_path):
    limits = ("[ratelimit]\naddress_burst = 30\naddress_per_min = 300\naccount_burst = 60\n"
              "account_per_min = 600\ndirectory_burst = 20\ndirectory_per_min = 30\n")
    data_dir = str(tmp_path / "data")
    port = free_port()
    proc, config_path = start_irisd(data_dir, config_for(port, mail_sink.port, limits))
    iris = Iris(data_dir, port, mail_sink, proc, config_path)
    try:
        admin = default_admin_token(iris)
        tid = iris.api("GET", "/api/v1/me", token=admin).json()["tenant_id"]
        _, _, flooder = add_member(iris, tid, admin, prefix="flood")
        _, _, calm = add_member(iris, tid, admin, prefix="calm")

        # One address floods with several connections at once.
        statuses = []
        threads = [threading.Thread(target=flood, args=(iris, flooder, "127.0.0.20", 40,
                                                          statuses)) for _ in range(4)]
        for t in threads:
            t.start()
        # Meanwhile another client is served normally.
        calm_ok = [iris.api("GET", "/api/v1/me", token=calm, source="127.0.0.21").status_code
                   for _ in range(5)]
        for t in threads:
            t.join(timeout=60)
        assert calm_ok == [200] * 5
        codes = [s for s, _, _ in statuses]
        assert len(codes) == 160
        assert codes.count(429) >= 100, codes
        assert 200 in codes
        for status, retry, body in statuses:
            if status == 429:
                assert int(retry) >= 1
                assert b'"rate_limited"' in body
        assert metric(iris, 'rate_limited_total{scope="address"}') >= 100
        # The server is still healthy and serves the flooder's neighbours.
        assert iris.api("GET", "/api/v1/health").status_code == 200

        # Per account: the same token from many addresses is limited too.
        statuses = []
        for i in range(80):
            flood(iris, calm, "127.0.1.%d" % (i + 1), 1, statuses)
        codes = [s for s, _, _ in statuses]
        assert codes.count(429) >= 1, codes
        assert metric(iris, 'rate_limited_total{scope="account"}') >= 1

        # Unauthenticated requests with a body (login) are limited per address.
        codes = [iris.api("POST", "/api/v1/auth/login", {"username": "x", "password": "y"},
                          source="127.0.0.22").status_code for _ in range(40)]
        assert 429 in codes
    finally:
        assert stop_irisd(proc) == 0


# P-SEC-8
def test_credential_stuffing_detected_and_counted(fresh_iris):
    iris = fresh_iris
    before = metric(iris, 'security_events_total{kind="credential_stuffing"}')
    for i in range(12):
        r = iris.api("POST", "/api/v1/auth/login",
                     {"username": "stuffed-%d-%s" % (i, uuid.uuid4().hex[:6]),
                      "password": "leaked-password"}, source="127.0.0.30")
        assert r.status_code in (401, 429)
    assert metric(iris, 'security_events_total{kind="credential_stuffing"}') == before + 1
    # Logged once, pseudonymised: the address itself is not in the event line.
    log = open(iris.data_dir + ".log").read()
    lines = [l for l in log.splitlines() if "kind=credential_stuffing" in l]
    assert len(lines) == 1
    assert "127.0.0.30" not in lines[0]
    # Another address trying one username is not flagged.
    r = iris.api("POST", "/api/v1/auth/login", {"username": "someone", "password": "x"},
                 source="127.0.0.31")
    assert metric(iris, 'security_events_total{kind="credential_stuffing"}') == before + 1
