"""Login, tokens, throttling and one-time passwords (REST, live irisd)."""
import time

from conftest import Iris, config_for, free_port, start_irisd, stop_irisd
from test_accounts_lib import error_code, register


# P-SEC-4: every request is authenticated; bad tokens are refused.
def test_invalid_token(iris):
    for headers in [{}, {"Authorization": "Bearer " + "0" * 64},
                    {"Authorization": "Bearer garbage"}, {"Authorization": "Basic YTpi"}]:
        r = iris.api("GET", "/api/v1/me", headers=headers)
        assert r.status_code == 401 and error_code(r) == "unauthorized", headers
        assert "bearer" in r.headers.get("www-authenticate", "").lower()


# P-SEC-4: access can be time-limited: a token asked for 1 s expires.
def test_expired_token(iris):
    username, password, _, _ = register(iris, "ttl")
    r = iris.api("POST", "/api/v1/auth/login",
                 {"username": username, "password": password, "ttl_s": 1})
    assert r.status_code == 200
    token = r.json()["token"]
    assert r.json()["expires_at"] <= time.time() + 2
    time.sleep(2.2)
    r = iris.api("GET", "/api/v1/me", token=token)
    assert r.status_code == 401 and error_code(r) == "token_expired"
    r = iris.api("POST", "/api/v1/auth/login",
                 {"username": username, "password": password, "ttl_s": "1"})
    assert r.status_code == 400 and error_code(r) == "invalid_field"


# P-SEC-4: logout revokes the token.
def test_logout(iris):
    _, _, _, token = register(iris, "logout")
    assert iris.api("GET", "/api/v1/me", token=token).status_code == 200
    assert iris.api("POST", "/api/v1/auth/logout", token=token).status_code == 204
    r = iris.api("GET", "/api/v1/me", token=token)
    assert r.status_code == 401


# P-SEC-5: failed and successful logins are logged per user; the user sees them.
def test_login_events(iris):
    username, password, _, _ = register(iris, "events")
    r = iris.api("POST", "/api/v1/auth/login", {"username": username, "password": "wrong-pw-1"})
    assert r.status_code == 401 and error_code(r) == "unauthorized"
    token = iris.login(username, password)
    r = iris.api("GET", "/api/v1/me/login-events", token=token)
    results = [e["result"] for e in r.json()["events"]]
    assert "bad_password" in results and results.count("success") >= 2
    assert all(e["address"] == "127.0.0.1" for e in r.json()["events"])


def login(iris, username, password, source, headers=None):
    return iris.api("POST", "/api/v1/auth/login", {"username": username, "password": password},
                    source=source, headers=headers)


# P-SEC-8: one address hammering an account is throttled (429 + Retry-After),
# the same for an unknown username, while the owner logs in from another address.
def test_attacker_address_does_not_lock_out_owner(fresh_iris):
    iris = fresh_iris
    username, password, _, _ = register(iris, "victim")
    for i in range(5):  # auth.login_max_failures defaults to 5
        assert login(iris, username, "wrong-%d" % i, "127.0.0.66").status_code == 401
        assert login(iris, "no-such-user", "wrong-%d" % i, "127.0.0.66").status_code == 401
    for _ in range(10):  # the right password does not get through from there
        r = login(iris, username, password, "127.0.0.66")
        assert r.status_code == 429 and error_code(r) == "throttled"
        assert 0 < int(r.headers["retry-after"]) <= 300
    r2 = login(iris, "no-such-user", password, "127.0.0.66")  # no enumeration
    assert r2.status_code == 429 and error_code(r2) == "throttled"
    assert abs(int(r2.headers["retry-after"]) - int(r.headers["retry-after"])) <= 1
    r = login(iris, username, password, "127.0.0.42")
    assert r.status_code == 200, r.text


# P-SEC-8: many users behind one address (NAT, proxy) with a few failures each
# are not locked out.
def test_many_users_behind_one_address(fresh_iris):
    iris = fresh_iris
    users = [register(iris, "nat") for _ in range(5)]
    for username, _, _, _ in users:
        for i in range(3):
            r = login(iris, username, "wrong-%d" % i, "127.0.0.70")
            assert r.status_code == 401, r.text
    for username, password, _, _ in users:  # 15 failures from the address
        r = login(iris, username, password, "127.0.0.70")
        assert r.status_code == 200, r.text


# P-SEC-8: a success clears its (account, address) pair.
def test_success_clears_pair(fresh_iris):
    iris = fresh_iris
    username, password, _, _ = register(iris, "typo")
    for _ in range(2):
        for i in range(4):
            assert login(iris, username, "wrong-%d" % i, "127.0.0.80").status_code == 401
        assert login(iris, username, password, "127.0.0.80").status_code == 200
    for i in range(5):  # counted afresh: five more mistakes, then a delay
        assert login(iris, username, "wrong-%d" % i, "127.0.0.80").status_code == 401
    assert login(iris, username, password, "127.0.0.80").status_code == 429


def proxied_iris(mail_sink, tmp_path, extra):
    data_dir = str(tmp_path / "data")
    port = free_port()
    proc, config_path = start_irisd(data_dir, config_for(port, mail_sink.port, extra))
    return Iris(data_dir, port, mail_sink, proc, config_path)


# P-SEC-8: X-Forwarded-For names the client only when the peer is a trusted
# proxy (http.trusted_proxies); from anyone else it is ignored.
def test_forwarded_for_only_from_trusted_proxy(mail_sink, tmp_path):
    iris = proxied_iris(mail_sink, tmp_path, "[http]\ntrusted_proxies = 127.0.0.5\n")
    try:
        username, password, _, _ = register(iris, "proxied")
        proxy, attacker = "127.0.0.5", {"X-Forwarded-For": "203.0.113.9"}
        for i in range(5):
            assert login(iris, username, "wrong-%d" % i, proxy, attacker).status_code == 401
        assert login(iris, username, password, proxy, attacker).status_code == 429
        # Through the same proxy, another client is another address.
        owner = {"X-Forwarded-For": "1.2.3.4, 198.51.100.20"}  # left part forged
        r = login(iris, username, password, proxy, owner)
        assert r.status_code == 200, r.text
        events = iris.api("GET", "/api/v1/me/login-events", token=r.json()["token"]).json()
        assert events["events"][0]["address"] == "198.51.100.20"
        assert "203.0.113.9" in [e["address"] for e in events["events"]]
        # An untrusted peer's header is ignored: varying it buys no new pairs.
        for i in range(5):
            forged = {"X-Forwarded-For": "192.0.2.%d" % i}
            assert login(iris, username, "wrong-%d" % i, "127.0.0.6", forged).status_code == 401
        r = login(iris, username, password, "127.0.0.6", {"X-Forwarded-For": "192.0.2.99"})
        assert r.status_code == 429
        assert login(iris, username, password, "127.0.0.7").status_code == 200
    finally:
        assert stop_irisd(iris.proc) == 0


# P-SEC-8: the per-address request rate limit (ratelimit.* settings) counts
# the client a trusted proxy names, not the proxy.
def test_rate_limit_per_client_behind_proxy(mail_sink, tmp_path):
    extra = ("[http]\ntrusted_proxies = 127.0.0.0/30\n"
             "[ratelimit]\naddress_burst = 10\naddress_per_min = 1\n")
    iris = proxied_iris(mail_sink, tmp_path, extra)
    try:
        def me_status(client):
            return iris.api("GET", "/api/v1/me", source="127.0.0.2",
                            headers={"X-Forwarded-For": client}).status_code
        codes = [me_status("203.0.113.1") for _ in range(15)]
        assert codes[:10] == [401] * 10 and codes[10:] == [429] * 5, codes
        assert me_status("203.0.113.2") == 401  # another client: its own bucket
    finally:
        assert stop_irisd(iris.proc) == 0


# P-SEC-1: the first login's one-time password must be changed before anything else.
def test_one_time_password_must_change(fresh_iris):
    iris = fresh_iris
    op = iris.first_login["operator"]
    r = iris.api("POST", "/api/v1/auth/login",
                 {"username": op["username"], "password": op["password"]})
    assert r.status_code == 200 and r.json()["scope"] == "password_change"
    limited = r.json()["token"]
    r = iris.api("GET", "/api/v1/tenants", token=limited)
    assert r.status_code == 403 and error_code(r) == "password_change_required"
    r = iris.api("POST", "/api/v1/me/password",
                 {"current_password": op["password"], "new_password": "short"}, token=limited)
    assert r.status_code == 400 and error_code(r) == "weak_password"
    r = iris.api("POST", "/api/v1/me/password",
                 {"current_password": op["password"], "new_password": "operator-new-pw"},
                 token=limited)
    assert r.status_code == 200 and r.json()["scope"] == "full"
    full = r.json()["token"]
    assert iris.api("GET", "/api/v1/tenants", token=full).status_code == 200
    assert iris.api("GET", "/api/v1/me", token=limited).status_code == 401
    assert b"operator-new-pw" not in iris.db_bytes()
