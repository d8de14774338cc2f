"""A user downloads their own logs (P-LOG-3): GET /api/v1/me/login-events as
JSON and CSV, with the address opened only for the account holder; never
another user's events; no route for an admin to read a member's addresses."""
import csv
import io

from test_accounts_lib import add_member, default_admin_token, error_code, unique


# P-LOG-3
def test_own_login_events_json_and_csv(iris):
    admin = default_admin_token(iris)
    tid = iris.api("GET", "/api/v1/me", token=admin).json()["tenant_id"]
    uid, alice, alice_token = add_member(iris, tid, admin, prefix="logs-a")
    _, bob, bob_token = add_member(iris, tid, admin, prefix="logs-b")
    # Alice: one failure from .66, one success from .65; Bob logs in from .67.
    r = iris.api("POST", "/api/v1/auth/login", {"username": alice, "password": "wrong-pass-1"},
                 source="127.0.0.66")
    assert r.status_code == 401
    r = iris.api("GET", "/api/v1/me", token=alice_token)
    assert r.status_code == 200
    r = iris.api("POST", "/api/v1/auth/login", {"username": bob, "password": "wrong-pass-2"},
                 source="127.0.0.67")
    assert r.status_code == 401

    r = iris.api("GET", "/api/v1/me/login-events", token=alice_token)
    assert r.status_code == 200, r.text
    events = r.json()["events"]
    addrs = {(e["address"], e["result"]) for e in events}
    assert ("127.0.0.66", "bad_password") in addrs
    assert ("127.0.0.1", "success") in addrs
    assert all(e["address"] != "127.0.0.67" for e in events)
    for e in events:
        assert set(e) == {"at", "time", "kind", "result", "protocol", "address", "client"}
    ats = [e["at"] for e in events]
    assert ats == sorted(ats, reverse=True)

    r = iris.api("GET", "/api/v1/me/login-events?format=csv", token=alice_token)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and set(rows[0]) == {"time", "kind", "result", "protocol", "address", "client"}
    assert any(x["address"] == "127.0.0.66" and x["result"] == "bad_password" for x in rows)
    assert all(x["address"] != "127.0.0.67" for x in rows)

    # Bob sees his own, not Alice's.
    r = iris.api("GET", "/api/v1/me/login-events", token=bob_token)
    addrs = {e["address"] for e in r.json()["events"]}
    assert "127.0.0.67" in addrs and "127.0.0.66" not in addrs

    # Bounds and formats.
    assert iris.api("GET", "/api/v1/me/login-events?limit=1", token=alice_token
                    ).json()["events"].__len__() == 1
    r = iris.api("GET", "/api/v1/me/login-events?format=xml", token=alice_token)
    assert r.status_code == 400 and error_code(r) == "invalid_field"
    r = iris.api("GET", "/api/v1/me/login-events?limit=0", token=alice_token)
    assert r.status_code == 400
    r = iris.api("GET", "/api/v1/me/login-events")
    assert r.status_code == 401

    # The admin has no route to a member's login events (addresses stay the holder's).
    r = iris.api("GET", "/api/v1/tenants/%s/members/%s/login-events" % (tid, uid), token=admin)
    assert r.status_code in (404, 405)
    r = iris.api("GET", "/api/v1/me/login-events", token=admin)
    assert all(e["address"] not in ("127.0.0.66", "127.0.0.67") for e in r.json()["events"])
    # At rest the address is sealed, not in clear.
    assert b"127.0.0.66" not in iris.db_bytes()
