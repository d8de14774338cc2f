"""The test clock (issue 4 item 14): with [server] test_mode = true an
operator moves the clock of every time-driven duty forward
(POST /api/v1/test/clock) and the jobs due at the new time run before the
answer, so the 72-hour breach clock, the 14/30-day objection windows, the
one-year connection-log expiry and the end-of-contract destruction are
tested in seconds against a live irisd with a real SMTP sink."""
import json
import time


from test_accounts_lib import add_member, error_code, full_token, operator_token, unique

DAY = 86400




def advance(iris, op, seconds):
    r = iris.api("POST", "/api/v1/test/clock", {"advance_s": seconds}, token=op)
    assert r.status_code == 200, r.text
    return r.json()


def tenant_with_admin(iris, op, window=None):
    """(tenant_id, admin_token, admin_email)."""
    r = iris.api("POST", "/api/v1/tenants", {"name": unique("org")}, token=op)
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    admin = unique("admin")
    r = iris.api("POST", "/api/v1/tenants/%s/members" % tid, {
        "username": admin, "password": "admin-password-1", "role": "tenant_admin",
        "email": admin + "@example.org"}, token=op)
    assert r.status_code == 201, r.text
    token = full_token(iris, admin, "admin-password-1")
    if window is not None:
        r = iris.api("PATCH", "/api/v1/tenants/%s/settings" % tid,
                     {"objection_window_days": window}, token=token)
        assert r.status_code == 200, r.text
    return tid, token, admin + "@example.org"


def mails_with(iris, address, needle):
    return [m.get_content() for m in iris.mails.all_for(address) if needle in m.get_content()]


def wait_mails(iris, address, needle, count, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = mails_with(iris, address, needle)
        if len(found) >= count:
            return found
        time.sleep(0.2)
    raise AssertionError("fewer than %d mails for %s with %s" % (count, address, needle))


# Never available outside test mode: the route does not exist (404), even
# for the operator, and nothing else moved.
def test_clock_absent_without_test_mode(iris):
    op = operator_token(iris)
    assert iris.api("GET", "/api/v1/test/clock", token=op).status_code == 404
    r = iris.api("POST", "/api/v1/test/clock", {"advance_s": 365 * DAY}, token=op)
    assert r.status_code == 404
    assert iris.api("POST", "/api/v1/test/clock", {"advance_s": 1}).status_code == 404


# Operator only, strict body, never backwards.
def test_clock_operator_only_and_strict(clock_iris):
    iris = clock_iris
    op = operator_token(iris)
    tid, admin, _ = tenant_with_admin(iris, op)
    assert iris.api("GET", "/api/v1/test/clock").status_code == 401
    assert iris.api("GET", "/api/v1/test/clock", token=admin).status_code == 403
    assert iris.api("POST", "/api/v1/test/clock", {"advance_s": 60},
                    token=admin).status_code == 403
    r = iris.api("GET", "/api/v1/test/clock", token=op)
    assert r.status_code == 200 and r.json()["offset_s"] == 0
    assert abs(r.json()["now"] - time.time()) < 5
    for bad in ({"advance_s": -60}, {"advance_s": "60"}, {"advance_s": 60, "x": 1}, {},
                {"advance_s": 11 * 366 * DAY}):
        r = iris.api("POST", "/api/v1/test/clock", bad, token=op)
        assert r.status_code == 400, (bad, r.text)
    c = advance(iris, op, 3600)
    assert c["offset_s"] == 3600 and abs(c["now"] - time.time() - 3600) < 5
    assert c["jobs_run"] >= 1  # the hourly sweep was due again
    assert advance(iris, op, 0)["offset_s"] == 3600
    assert iris.api("GET", "/api/v1/test/clock", token=op).json()["offset_s"] == 3600


# P-BRE-1: the 72-hour clock from detection: reminders at 24 h and 60 h are
# mailed to the operator, then the breach is overdue; a breach whose tenant
# was notified in time gets no reminder.
def test_breach_clock_reminders_and_overdue(clock_iris):
    iris = clock_iris
    op = operator_token(iris)
    # a second operator with an address (the first one has none)
    op_name = unique("operator")
    op_mail = op_name + "@example.org"
    out = iris.ctl("account", "create", "--tenant", "", "--username", op_name, "--email",
                   op_mail, "--role", "operator")
    assert out.returncode == 0, out.stderr
    tid, admin, admin_mail = tenant_with_admin(iris, op)
    now = iris.api("GET", "/api/v1/test/clock", token=op).json()["now"]
    body = {"title": "Stolen disk", "facts": "a disk was stolen", "effects": "names exposed",
            "remedies": "keys rotated", "detected_at": now, "tenant_ids": [tid]}
    r = iris.api("POST", "/api/v1/breaches", body, token=op)
    assert r.status_code == 201, r.text
    late = r.json()["id"]
    assert r.json()["state"] == "open"
    r = iris.api("POST", "/api/v1/breaches", dict(body, title="Notified in time"), token=op)
    assert r.status_code == 201, r.text
    prompt = r.json()["id"]
    r = iris.api("POST", "/api/v1/breaches/%s/notify" % prompt, {}, token=op)
    assert r.status_code == 200, r.text

    advance(iris, op, 23 * 3600)
    b = iris.api("GET", "/api/v1/breaches/%s" % late, token=op).json()
    assert b["state"] == "open" and b["reminded_24_at"] is None
    advance(iris, op, 2 * 3600)  # 25 h
    b = iris.api("GET", "/api/v1/breaches/%s" % late, token=op).json()
    assert b["reminded_24_at"] is not None and b["state"] == "open", b
    assert "24 hours" in wait_mails(iris, op_mail, late, 1)[0]
    advance(iris, op, 36 * 3600)  # 61 h
    b = iris.api("GET", "/api/v1/breaches/%s" % late, token=op).json()
    assert b["reminded_60_at"] is not None and b["overdue_at"] is None, b
    wait_mails(iris, op_mail, late, 2)
    advance(iris, op, 12 * 3600)  # 73 h
    b = iris.api("GET", "/api/v1/breaches/%s" % late, token=op).json()
    assert b["state"] == "overdue" and b["overdue_at"] is not None, b
    texts = wait_mails(iris, op_mail, late, 3)
    assert any("72 hours" in t for t in texts)
    # the notified breach: no reminder, not overdue
    assert mails_with(iris, op_mail, prompt) == []
    b = iris.api("GET", "/api/v1/breaches/%s" % prompt, token=op).json()
    assert b["state"] != "overdue" and b["overdue_at"] is None, b
    extract = iris.api("GET", "/api/v1/tenants/%s/audit-extract" % tid, token=admin)
    assert extract.status_code == 200


# P-SUB-2: each tenant's window (14 or 30 days) closes on its own; silence
# counts as consent, an objection stays an objection.
def test_subprocessor_window_silence_is_consent(clock_iris):
    iris = clock_iris
    op = operator_token(iris)
    t14, admin14, _ = tenant_with_admin(iris, op, window=14)
    t30, _, _ = tenant_with_admin(iris, op, window=30)
    tobj, obj_admin, _ = tenant_with_admin(iris, op, window=14)
    sp = {"name": "Mailer SAS", "address": "1 rue X, Paris", "purpose": "e-mail relay",
          "data_shared": "e-mail addresses", "location": "FR"}
    r = iris.api("POST", "/api/v1/subprocessors", sp, token=op)
    assert r.status_code == 201, r.text
    now = iris.api("GET", "/api/v1/test/clock", token=op).json()["now"]
    r = iris.api("POST", "/api/v1/subprocessors/changes", {
        "subprocessor_id": r.json()["id"], "change": "add", "description": "new relay",
        "effective_at": now + 45 * DAY}, token=op)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = iris.api("POST", "/api/v1/tenants/%s/subprocessor-objections" % tobj,
                 {"change_id": cid, "reason": "EU only"}, token=obj_admin)
    assert r.status_code == 201, r.text

    def outcomes():
        changes = iris.api("GET", "/api/v1/subprocessors/changes", token=op).json()["changes"]
        notices = [c for c in changes if c["id"] == cid][0]["notices"]
        return {n["tenant_id"]: (n["outcome"], n["window_days"]) for n in notices}

    assert outcomes()[t14] == ("pending", 14) and outcomes()[t30] == ("pending", 30)
    advance(iris, op, 13 * DAY)
    assert outcomes()[t14][0] == "pending"
    advance(iris, op, DAY + 3600)  # 14 days and an hour
    o = outcomes()
    assert o[t14][0] == "consented" and o[t30][0] == "pending" and o[tobj][0] == "objected", o
    # too late to object once the window closed silently
    r = iris.api("POST", "/api/v1/tenants/%s/subprocessor-objections" % t14,
                 {"change_id": cid, "reason": "late"}, token=admin14)
    assert r.status_code == 409, r.text
    assert outcomes()[t14][0] == "consented"
    advance(iris, op, 16 * DAY)  # 30 days and an hour
    o = outcomes()
    assert o[t30][0] == "consented" and o[tobj][0] == "objected", o


# P-LOG-2 P-RET-1: connection logs expire after one year; the sweep deletes
# them and records the deletion in the retention log.
def test_connection_logs_expire_after_one_year(clock_iris):
    iris = clock_iris
    op = operator_token(iris)
    tid, admin, _ = tenant_with_admin(iris, op)
    uid, _, user = add_member(iris, tid, admin)
    r = iris.api("GET", "/api/v1/me/login-events", token=user)
    assert r.status_code == 200, r.text
    before = r.json()
    events = before.get("events", before) if isinstance(before, dict) else before
    assert len(events) >= 1
    advance(iris, op, 364 * DAY)
    r = iris.api("GET", "/api/v1/me/login-events", token=user).json()
    assert len(r.get("events", r) if isinstance(r, dict) else r) == len(events)
    log = iris.api("GET", "/api/v1/tenants/%s/retention-log" % tid, token=admin).json()
    assert not [e for e in log["entries"] if e["category"] == "connection_logs"], log
    advance(iris, op, 2 * DAY)  # a year and a day
    r = iris.api("GET", "/api/v1/me/login-events", token=user).json()
    assert len(r.get("events", r) if isinstance(r, dict) else r) == 0, r
    log = iris.api("GET", "/api/v1/tenants/%s/retention-log" % tid, token=admin).json()
    swept = [e for e in log["entries"] if e["category"] == "connection_logs"]
    assert swept and sum(e["deleted"] for e in swept) >= len(events), log
    assert swept[0]["table"] == "login_events"


# P-END-1: the tenant is returned and destroyed by end date + grace (at
# most 30 days), with a deletion record; not a day before.
def test_end_of_contract_destruction_by_grace(clock_iris):
    iris = clock_iris
    op = operator_token(iris)
    tid, admin, _ = tenant_with_admin(iris, op)
    uid, username, user = add_member(iris, tid, admin)
    now = iris.api("GET", "/api/v1/test/clock", token=op).json()["now"]
    t = "/api/v1/tenants/%s/termination" % tid
    assert iris.api("POST", t, {"end_at": now + DAY, "grace_days": 31},
                    token=op).status_code == 400
    r = iris.api("POST", t, {"end_at": now + DAY}, token=op)
    assert r.status_code == 201, r.text
    assert r.json()["due_at"] - r.json()["end_at"] <= 30 * DAY
    advance(iris, op, DAY + 29 * DAY - 3600)  # end + 29 days: still kept
    assert iris.api("GET", t, token=op).json()["status"] == "scheduled"
    assert iris.api("GET", "/api/v1/tenants/%s" % tid, token=op).status_code == 200
    advance(iris, op, DAY + 7200)  # end + 30 days and an hour
    rec = iris.api("GET", t, token=op).json()
    assert rec["status"] == "done", rec
    assert rec["done_at"] <= rec["end_at"] + 30 * DAY + 7200
    assert rec["deleted"]["accounts"] >= 2 and rec["deleted"]["tenants"] == 1, rec
    assert rec["archive"]
    assert iris.api("GET", "/api/v1/tenants/%s" % tid, token=op).status_code == 404
    r = iris.api("POST", "/api/v1/auth/login", {"username": username, "password": "x" * 12})
    assert r.status_code == 401
    out = iris.ctl("dsr", "deletion-log", "--tenant", tid)
    assert out.returncode == 0, out.stderr
    entries = json.loads(out.stdout)
    assert len(entries) == 1 and "P-END-1" in json.dumps(entries), entries
    assert uid not in out.stdout and username not in out.stdout


# P-RET-2: erasure under a legal hold is refused with the reason and changes
# nothing; the retention sweep skips the held subject's connection logs but
# deletes the others'.
def test_legal_hold_blocks_erasure_and_sweep(clock_iris):
    iris = clock_iris
    op = operator_token(iris)
    tid, admin, _ = tenant_with_admin(iris, op)
    held, _, held_token = add_member(iris, tid, admin)
    free_uid, _, free_token = add_member(iris, tid, admin)
    r = iris.api("POST", "/api/v1/tenants/%s/legal-holds" % tid,
                 {"subject_type": "user", "subject_id": held}, token=admin)
    assert r.status_code == 201, r.text
    hid = r.json()["id"]
    r = iris.api("DELETE", "/api/v1/tenants/%s/members/%s" % (tid, held), token=admin)
    assert r.status_code == 409 and error_code(r) == "legal_hold", r.text
    assert "legal hold" in r.json()["error"]["message"]
    assert iris.api("GET", "/api/v1/tenants/%s/members/%s" % (tid, held),
                    token=admin).status_code == 200
    advance(iris, op, 366 * DAY)

    def events(token):
        r = iris.api("GET", "/api/v1/me/login-events", token=token).json()
        return r.get("events", r) if isinstance(r, dict) else r

    assert len(events(held_token)) >= 1  # kept under the hold
    assert len(events(free_token)) == 0  # swept
    holds = iris.api("GET", "/api/v1/tenants/%s/legal-holds" % tid, token=admin).json()["holds"]
    assert [h["subject_id"] for h in holds if h["active"]] == [held]
    # lifted: the next sweep deletes them, and erasure goes through
    assert iris.api("DELETE", "/api/v1/tenants/%s/legal-holds/%s" % (tid, hid),
                    token=admin).status_code == 204
    advance(iris, op, 3600 + 60)
    assert len(events(held_token)) == 0
    r = iris.api("DELETE", "/api/v1/tenants/%s/members/%s" % (tid, held), token=admin)
    assert r.status_code in (200, 204), r.text
