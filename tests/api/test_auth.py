"""Login, tokens, throttling and one-time passwords (REST, live irisd)."""
import time

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


# P-SEC-5: repeated failures for one account are throttled (429 + Retry-After),
# even from changing addresses and with the right password afterwards.
def test_throttle_per_account(fresh_iris):
    iris = fresh_iris
    username, password, _, _ = register(iris, "victim")
    for i in range(5):  # auth.login_max_failures defaults to 5
        r = iris.api("POST", "/api/v1/auth/login",
                     {"username": username, "password": "wrong-%d" % i},
                     source="127.0.0.%d" % (10 + i))
        assert r.status_code == 401
    r = iris.api("POST", "/api/v1/auth/login", {"username": username, "password": password},
                 source="127.0.0.42")
    assert r.status_code == 429 and error_code(r) == "throttled"
    assert 0 < int(r.headers["retry-after"]) <= 300


# P-SEC-5, P-SEC-8: failures from one address (many usernames) are throttled
# for that address only.
def test_throttle_per_address(fresh_iris):
    iris = fresh_iris
    username, password, _, _ = register(iris, "bystander")
    for i in range(5):
        r = iris.api("POST", "/api/v1/auth/login",
                     {"username": "guess%d" % i, "password": "guess-guess"}, source="127.0.0.66")
        assert r.status_code == 401
    r = iris.api("POST", "/api/v1/auth/login", {"username": username, "password": password},
                 source="127.0.0.66")
    assert r.status_code == 429 and "retry-after" in r.headers
    r = iris.api("POST", "/api/v1/auth/login", {"username": username, "password": password},
                 source="127.0.0.67")
    assert r.status_code == 200


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
