"""Connection log for REST logins (P-LOG-1) and the shared login rules of
REST and XMPP (domain/auth.h): throttle, login events, restriction."""
import asyncio

from conftest import connect, run


def rows(iris, username, protocol):
    return iris.sql(
        "SELECT c.event, c.client, c.protocol FROM connection_log c JOIN accounts a "
        "ON a.id = c.account_id WHERE a.username = ? AND c.protocol = ? ORDER BY c.at_ms",
        username, protocol)


# P-LOG-1: a REST login writes the connection log with protocol https and the
# User-Agent (printable ASCII only, bounded), never the password.
def test_rest_login_in_connection_log(xiris):
    jid, pw = xiris.member()
    user = jid.split("@")[0]
    before = len(rows(xiris, user, "https"))
    ua = "IrisTest/1.0 (probe)\tcaf\u00e9" + "x" * 500  # tab and Latin-1 byte stripped
    r = xiris.api("POST", "/api/v1/auth/login", {"username": user, "password": pw},
                  headers={"User-Agent": ua})
    assert r.status_code == 200, r.text
    r = xiris.api("POST", "/api/v1/auth/login", {"username": user, "password": pw + "-wrong"},
                  headers={"User-Agent": "Bad/2"})
    assert r.status_code == 401
    got = rows(xiris, user, "https")[before:]
    assert [g[0] for g in got] == ["login", "login_failed"]
    client = got[0][1]
    assert client.startswith("IrisTest/1.0 (probe)cafxxx")
    assert len(client) < 200 and all(0x20 <= ord(ch) < 0x7f for ch in client)
    assert got[1][1] == "Bad/2"
    everything = xiris.sql("SELECT * FROM connection_log")
    assert not any(pw in str(v) for row in everything for v in row)


# P-DSR-4, P-SEC-5: a restricted account is refused over XMPP as over REST,
# and both record the login event as 'restricted'.
def test_restricted_account_refused_over_xmpp_and_rest(xiris):
    jid, pw = xiris.member()
    user = jid.split("@")[0]
    token = xiris.login(user, pw)
    r = xiris.api("POST", "/api/v1/me/restriction", {"confirm": True}, token=token)
    assert r.status_code == 200, r.text

    async def go():
        c = await connect(xiris, jid, pw)
        assert c.failed and c.failure == "account-disabled"
        c.disconnect()
        await asyncio.sleep(0.1)
    run(go())
    r = xiris.api("POST", "/api/v1/auth/login", {"username": user, "password": pw})
    assert r.status_code == 403
    results = [x[0] for x in xiris.sql(
        "SELECT e.result FROM login_events e JOIN accounts a ON a.id = e.account_id "
        "WHERE a.username = ? ORDER BY e.at_ms", user)]
    assert results[-2:] == ["restricted", "restricted"]
    assert [x[0] for x in rows(xiris, user, "xmpp")][-1] == "login_failed"
