"""Registers of the processor (issue 4): settings as instructions, retention,
legal holds, sub-processors, breaches, Art. 30 record, TOM report, auditor
extracts, end of contract (REST, live irisd, real SMTP sink)."""
import json
import time

import pytest

from conftest import Iris, config_for, free_port, start_irisd, stop_irisd
from test_accounts_lib import (add_member, error_code, full_token, operator_token, unique)


def tenant_with_admin(iris):
    """(tenant_id, admin_token, admin_email, admin_id)."""
    op = operator_token(iris)
    r = iris.api("POST", "/api/v1/tenants", {"name": unique("org")}, token=op)
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    admin = unique("admin")
    r = iris.api("POST", "/api/v1/tenants/%s/members" % tid, {
        "username": admin, "password": "admin-password-1", "role": "tenant_admin",
        "email": admin + "@example.org"}, token=op)
    assert r.status_code == 201, r.text
    return tid, full_token(iris, admin, "admin-password-1"), admin + "@example.org", r.json()["id"]


@pytest.fixture(scope="module")
def org(iris):
    tid, admin, email, admin_id = tenant_with_admin(iris)
    _, _, auditor = add_member(iris, tid, admin, role="auditor")
    uid, _, user = add_member(iris, tid, admin)
    other, other_admin, other_email, _ = tenant_with_admin(iris)
    return dict(tid=tid, admin=admin, email=email, auditor=auditor, uid=uid, user=user,
                other=other, other_admin=other_admin, other_email=other_email,
                op=operator_token(iris))


def wait_for_text(iris, address, needle, timeout=15):
    """The first mail to address whose text holds needle."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for m in iris.mails.all_for(address):
            if needle in m.get_content():
                return m.get_content()
        time.sleep(0.2)
    raise AssertionError("no mail for %s with %s" % (address, needle))


def audit_actions(iris, tid, token):
    r = iris.api("GET", "/api/v1/tenants/%s/audit-extract" % tid, token=token)
    assert r.status_code == 200, r.text
    return [json.loads(l) for l in r.text.splitlines() if l.strip()]


# P-INS-1 P-INS-2 P-RET-1 P-LOG-2
def test_settings_are_instructions_refused_or_held(iris, org):
    t = "/api/v1/tenants/%s" % org["tid"]
    r = iris.api("PATCH", t + "/settings", {"retention": {"connection_logs": 30},
                                            "discoverable": False}, token=org["admin"])
    assert r.status_code == 422 and error_code(r) == "instruction_refused"
    assert "one year" in r.json()["error"]["reason"]
    assert iris.api("GET", t + "/settings", token=org["admin"]).json()["discoverable"] is True
    r = iris.api("PUT", t + "/retention/instruction_records", {"days": 99999}, token=org["admin"])
    assert r.status_code == 400 or error_code(r) == "instruction_refused"
    r = iris.api("PUT", t + "/retention/instruction_records", {"days": 120}, token=org["admin"])
    assert r.status_code == 200, r.text
    rules = {x["category"]: x for x in r.json()["rules"]}
    assert rules["instruction_records"]["days"] == 120
    assert rules["connection_logs"]["days"] == 365 and not rules["connection_logs"]["changeable"]
    # A transfer outside the EU without consent is held until confirmed.
    r = iris.api("PATCH", t + "/settings", {"transfer_region": "US"}, token=org["admin"])
    assert r.status_code == 202 and r.json()["status"] == "pending_confirmation", r.text
    iid = r.json()["instruction_id"]
    assert iris.api("GET", t + "/settings", token=org["admin"]).json()["transfer_region"] == "EU"
    assert iris.api("POST", t + "/instructions/%s/confirm" % iid, {"acknowledge": True},
                    token=org["auditor"]).status_code == 403
    r = iris.api("POST", t + "/instructions/%s/confirm" % iid, {"acknowledge": True},
                 token=org["admin"])
    assert r.status_code == 200, r.text
    s = iris.api("GET", t + "/settings", token=org["auditor"]).json()
    assert s["transfer_region"] == "US" and s["transfer_consent"] is True
    r = iris.api("PATCH", t + "/settings", {"objection_window_days": 14, "bogus": 1},
                 token=org["admin"])
    assert r.status_code == 400
    r = iris.api("PATCH", t + "/settings", {"objection_window_days": 14}, token=org["admin"])
    assert r.status_code == 200 and r.json()["objection_window_days"] == 14
    actions = [e for e in audit_actions(iris, org["tid"], org["auditor"])
               if e.get("instruction")]
    names = {e["action"] for e in actions}
    assert {"retention.set", "instruction.hold", "instruction.confirm",
            "tenant.settings.update"} <= names, names


# P-RET-2
def test_legal_hold_audited_and_visible_to_auditor(iris, org):
    t = "/api/v1/tenants/%s/legal-holds" % org["tid"]
    r = iris.api("POST", t, {"subject_type": "user", "subject_id": org["uid"]}, token=org["admin"])
    assert r.status_code == 201, r.text
    hid = r.json()["id"]
    assert iris.api("POST", t, {"subject_type": "user", "subject_id": org["uid"]},
                    token=org["admin"]).status_code == 409
    assert iris.api("POST", t, {"subject_type": "bubble", "subject_id": "x"},
                    token=org["admin"]).status_code == 400
    holds = iris.api("GET", t, token=org["auditor"]).json()["holds"]
    assert [h["subject_id"] for h in holds if h["active"]] == [org["uid"]]
    assert iris.api("DELETE", "%s/%s" % (t, hid), token=org["auditor"]).status_code == 403
    assert iris.api("DELETE", "%s/%s" % (t, hid), token=org["admin"]).status_code == 204
    assert iris.api("DELETE", "%s/%s" % (t, hid), token=org["admin"]).status_code == 404
    names = [e["action"] for e in audit_actions(iris, org["tid"], org["admin"])
             if e["type"] == "entry"]
    assert "legal_hold.set" in names and "legal_hold.lift" in names


# P-AUD-2 P-REG-1 P-REG-2: evidence for one tenant only.
def test_auditor_gets_one_tenant_only(iris, org):
    for path in ["register", "tom-report", "audit-extract", "retention-log", "legal-holds",
                 "settings", "breach-notices", "subprocessor-objections", "retention"]:
        r = iris.api("GET", "/api/v1/tenants/%s/%s" % (org["other"], path), token=org["auditor"])
        assert r.status_code == 404, (path, r.status_code)
        r = iris.api("GET", "/api/v1/tenants/%s/%s" % (org["tid"], path), token=org["auditor"])
        assert r.status_code == 200, (path, r.text)
    assert iris.api("GET", "/api/v1/tenants/%s/register" % org["tid"],
                    token=org["user"]).status_code == 403
    extract = audit_actions(iris, org["tid"], org["auditor"])
    assert extract[0]["type"] == "header"
    assert len(extract) > 1 and all(e["tenant_id"] == org["tid"] for e in extract)


# P-REG-1
def test_register_json_and_html(iris, org):
    r = iris.api("GET", "/api/v1/tenants/%s/register" % org["tid"], token=org["admin"])
    assert r.status_code == 200
    ropa = r.json()
    assert ropa["controller"]["tenant_id"] == org["tid"]
    cats = {c for p in ropa["processing"] for c in p["data_categories"]}
    assert "dpv-pd:EmailAddress" in cats and "dpv-pd:LoginRecord" in cats
    r = iris.api("GET", "/api/v1/tenants/%s/register?format=html" % org["tid"], token=org["admin"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Art. 30(2)" in r.text
    assert iris.api("GET", "/api/v1/tenants/%s/register?format=pdf" % org["tid"],
                    token=org["admin"]).status_code == 400


# P-REG-2: TLS really handshaken with the running listener; failures named.
def test_tom_report_verifies_the_running_server(iris, org):
    r = iris.api("GET", "/api/v1/tenants/%s/tom-report" % org["tid"], token=org["auditor"])
    assert r.status_code == 200, r.text
    rep = r.json()
    checks = {c["id"]: c for c in rep["checks"]}
    assert checks["tls"]["ok"], checks["tls"]
    assert "TLSv1.3" in checks["tls"]["detail"] and "refused TLSv1, TLSv1.1" in checks["tls"]["detail"]
    for cid in ["sealing", "password_hashing", "audit_chain", "master_key_file"]:
        assert checks[cid]["ok"], checks[cid]
    # The hourly sweep runs at start-up (recurring job due at once).
    deadline = time.monotonic() + 20
    while not checks["retention_jobs"]["ok"] and time.monotonic() < deadline:
        time.sleep(1)
        rep = iris.api("GET", "/api/v1/tenants/%s/tom-report" % org["tid"],
                       token=org["auditor"]).json()
        checks = {c["id"]: c for c in rep["checks"]}
    assert checks["retention_jobs"]["ok"], checks["retention_jobs"]
    assert rep["ok"] and rep["failed"] == [] and rep["summary"] == "all checks passed"
    r = iris.api("GET", "/api/v1/tenants/%s/tom-report?format=html" % org["tid"],
                 token=org["auditor"])
    assert "all checks passed" in r.text


# P-SUB-1 P-SUB-2
def test_subprocessor_change_notified_and_objected(iris, org):
    sp = {"name": "Relay GmbH", "address": "Hauptstr. 1, Berlin", "purpose": "e-mail relay",
          "data_shared": "e-mail addresses", "location": "DE"}
    assert iris.api("POST", "/api/v1/subprocessors", sp, token=org["admin"]).status_code == 403
    r = iris.api("POST", "/api/v1/subprocessors", sp, token=org["op"])
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    listed = iris.api("GET", "/api/v1/subprocessors", token=org["user"]).json()["subprocessors"]
    assert any(s["id"] == sid for s in listed)
    change = {"subprocessor_id": sid, "change": "add", "description": "new relay",
              "effective_at": int(time.time()) + 2 * 86400}
    r = iris.api("POST", "/api/v1/subprocessors/changes", change, token=org["op"])
    assert r.status_code == 422 and error_code(r) == "too_soon"
    change["effective_at"] = int(time.time()) + 40 * 86400
    r = iris.api("POST", "/api/v1/subprocessors/changes", change, token=org["op"])
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert cid in wait_for_text(iris, org["other_email"], cid)
    r = iris.api("POST", "/api/v1/tenants/%s/subprocessor-objections" % org["tid"],
                 {"change_id": cid, "reason": "EU only"}, token=org["admin"])
    assert r.status_code == 201, r.text
    r = iris.api("GET", "/api/v1/subprocessors/changes", token=org["op"])
    notices = [c for c in r.json()["changes"] if c["id"] == cid][0]["notices"]
    by_tenant = {n["tenant_id"]: n for n in notices}
    assert by_tenant[org["tid"]]["outcome"] == "objected"
    assert by_tenant[org["tid"]]["window_days"] in (14, 30)
    assert by_tenant[org["other"]]["outcome"] == "pending"
    mine = iris.api("GET", "/api/v1/tenants/%s/subprocessor-objections" % org["other"],
                    token=org["other_admin"]).json()["changes"]
    assert all(c["notice"] is None or c["notice"]["tenant_id"] == org["other"] for c in mine)


# P-BRE-1 P-BRE-2
def test_breach_notice_and_unsuccessful_attempts(iris, org):
    for _ in range(3):
        iris.api("POST", "/api/v1/auth/login", {"username": "nobody-x", "password": "wrongwrong"},
                 source="127.0.0.9")
    r = iris.api("GET", "/api/v1/security/unsuccessful-attempts?since=0", token=org["op"])
    assert r.status_code == 200 and r.json()["unsuccessful_attempts"] >= 3
    before = iris.api("GET", "/api/v1/breaches", token=org["op"]).json()["breaches"]
    body = {"title": "Lost laptop", "facts": "a laptop with a log extract was stolen",
            "effects": "login times exposed", "remedies": "tokens revoked",
            "detected_at": int(time.time()) - 80 * 3600, "user_ids": [org["uid"]]}
    assert iris.api("POST", "/api/v1/breaches", body, token=org["admin"]).status_code == 403
    bad = dict(body, detected_at=int(time.time()) + 86400)
    assert iris.api("POST", "/api/v1/breaches", bad, token=org["op"]).status_code == 400
    # Failed logins did not create breaches (P-BRE-2).
    assert len(before) == len(iris.api("GET", "/api/v1/breaches", token=org["op"]).json()["breaches"])
    r = iris.api("POST", "/api/v1/breaches", body, token=org["op"])
    assert r.status_code == 201, r.text
    b = r.json()
    assert b["state"] == "overdue" and b["tenants_unnotified"] == 1  # detected 80 h ago
    r = iris.api("POST", "/api/v1/breaches/%s/notify" % b["id"], {"notify_users": False},
                 token=org["op"])
    assert r.status_code == 200 and r.json()["tenants_notified"] == 1, r.text
    assert r.json()["unreachable"] == [] and "warning" not in r.json()
    text = wait_for_text(iris, org["email"], b["id"])
    assert b["id"] in text and "Lost laptop" in text and org["uid"] in text
    notices = iris.api("GET", "/api/v1/tenants/%s/breach-notices" % org["tid"],
                       token=org["auditor"]).json()["notices"]
    assert [n["breach_id"] for n in notices] == [b["id"]]
    assert iris.api("GET", "/api/v1/tenants/%s/breach-notices" % org["other"],
                    token=org["other_admin"]).json()["notices"] == []


def test_breach_notify_reports_what_was_sent(iris, org):
    """A tenant whose admins have no e-mail address is not reported as
    notified: the answer lists it as unreachable with a warning, its clock
    keeps running, and only the tenant actually mailed counts."""
    op = org["op"]
    r = iris.api("POST", "/api/v1/tenants", {"name": unique("mute")}, token=op)
    assert r.status_code == 201, r.text
    mute = r.json()["id"]
    r = iris.api("POST", "/api/v1/tenants/%s/members" % mute, {
        "username": unique("admin"), "password": "admin-password-1",
        "role": "tenant_admin"}, token=op)  # no e-mail address
    assert r.status_code == 201, r.text
    body = {"title": "Mis-sent report", "facts": "a report went to a wrong address",
            "effects": "names exposed", "remedies": "recalled",
            "detected_at": int(time.time()) - 3600, "tenant_ids": [mute, org["other"]]}
    r = iris.api("POST", "/api/v1/breaches", body, token=op)
    assert r.status_code == 201, r.text
    bid = r.json()["id"]
    r = iris.api("POST", "/api/v1/breaches/%s/notify" % bid, {}, token=op)
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["tenants_notified"] == 1, res
    assert res["mails_queued"] == 1
    assert [n["tenant_id"] for n in res["notified"]] == [org["other"]]
    assert res["notified"][0]["admin_mails"] == 1
    assert [u["tenant_id"] for u in res["unreachable"]] == [mute]
    assert "e-mail" in res["warning"]
    assert res["breach"]["tenants_unnotified"] == 1
    assert bid in wait_for_text(iris, org["other_email"], bid)
    # Asking again for that tenant alone still sends nothing and says so.
    r = iris.api("POST", "/api/v1/breaches/%s/notify" % bid, {"tenant_id": mute}, token=op)
    assert r.status_code == 200 and r.json()["tenants_notified"] == 0, r.text
    assert r.json()["unreachable"][0]["tenant_id"] == mute
    assert r.json()["delivery"] == "queued"


def test_breach_users_without_address_not_recorded_as_told(iris, org):
    """An affected user without an e-mail address is not recorded as told:
    the answer lists them under users_unreachable, and again on the next
    notification, while a user with an address is mailed once."""
    op = org["op"]
    tid, admin, _, _ = tenant_with_admin(iris)
    mailed, _, _ = add_member(iris, tid, admin)
    r = iris.api("POST", "/api/v1/tenants/%s/members" % tid, {
        "username": unique("mute"), "password": "mute-password-1", "role": "user"},
        token=admin)  # no e-mail address
    assert r.status_code == 201, r.text
    mute = r.json()["id"]
    body = {"title": "Leaked list", "facts": "a member list leaked", "effects": "names",
            "remedies": "removed", "detected_at": int(time.time()) - 60,
            "user_ids": [mailed, mute]}
    r = iris.api("POST", "/api/v1/breaches", body, token=op)
    assert r.status_code == 201, r.text
    bid = r.json()["id"]
    for user_mails in (1, 0):
        r = iris.api("POST", "/api/v1/breaches/%s/notify" % bid,
                     {"tenant_id": tid, "notify_users": True}, token=op)
        assert r.status_code == 200, r.text
        told = r.json()["notified"][0]
        assert told["user_mails"] == user_mails, r.json()
        assert told["users_unreachable"] == [mute], r.json()


def test_breach_notice_held_without_relay(mail_sink, tmp_path):
    """Without an SMTP relay (smtp.url empty) the outbox holds every mail:
    the answer says so with a warning, no tenant counts as notified and the
    72-hour clock keeps running."""
    port = free_port()
    config = config_for(port, mail_sink.port).replace(
        "url = smtp://127.0.0.1:%d\n" % mail_sink.port, "")
    assert "smtp://" not in config
    data_dir = str(tmp_path / "data")
    proc, config_path = start_irisd(data_dir, config)
    try:
        iris = Iris(data_dir, port, mail_sink, proc, config_path)
        tid, _, email, _ = tenant_with_admin(iris)
        op = operator_token(iris)
        body = {"title": "Lost phone", "facts": "a phone was lost", "effects": "contacts",
                "remedies": "wiped", "detected_at": int(time.time()) - 3600,
                "tenant_ids": [tid]}
        r = iris.api("POST", "/api/v1/breaches", body, token=op)
        assert r.status_code == 201, r.text
        bid = r.json()["id"]
        r = iris.api("POST", "/api/v1/breaches/%s/notify" % bid, {}, token=op)
        assert r.status_code == 200, r.text
        res = r.json()
        assert res["delivery"] == "held: no smtp.url" and "smtp.url" in res["warning"]
        assert res["tenants_notified"] == 0 and res["notified"] == [], res
        assert res["mails_queued"] == 1
        assert res["unreachable"][0]["tenant_id"] == tid
        assert res["unreachable"][0]["admin_mails"] == 1
        assert res["breach"]["tenants_unnotified"] == 1
        assert res["breach"]["tenants"][0]["notified_at"] is None
        assert mail_sink.all_for(email) == []
    finally:
        stop_irisd(proc)


# P-END-1
def test_termination_scheduled_and_visible(iris, org):
    tid, admin, _, _ = tenant_with_admin(iris)
    t = "/api/v1/tenants/%s/termination" % tid
    assert iris.api("POST", t, {"end_at": int(time.time())}, token=admin).status_code == 403
    r = iris.api("POST", t, {"end_at": int(time.time()) + 86400, "grace_days": 31},
                 token=org["op"])
    assert r.status_code == 400
    r = iris.api("POST", t, {"end_at": int(time.time()) + 86400, "grace_days": 10},
                 token=org["op"])
    assert r.status_code == 201 and r.json()["status"] == "scheduled", r.text
    assert r.json()["due_at"] - r.json()["end_at"] == 10 * 86400
    assert iris.api("GET", t, token=admin).json()["status"] == "scheduled"
    assert iris.api("DELETE", t, token=org["op"]).status_code == 204
    assert iris.api("GET", t, token=admin).json()["status"] == "cancelled"


# P-REG-1 P-REG-2 P-SUB-1: the same registers from irisctl on the data directory.
def test_irisctl_registers(iris, org):
    r = iris.ctl("register", "--tenant", org["tid"], "--html")
    assert r.returncode == 0 and "Art. 30(2)" in r.stdout, r.stderr
    r = iris.ctl("tom", "--tenant", org["tid"])
    rep = json.loads(r.stdout)
    assert {c["id"] for c in rep["checks"]} >= {"tls", "sealing", "audit_chain"}
    assert r.returncode == (0 if rep["ok"] else 1)
    r = iris.ctl("subprocessor", "add", "Ctl Ltd", "1 Road, Dublin", "support", "tickets", "IE")
    assert r.returncode == 0, r.stderr
    listed = json.loads(iris.ctl("subprocessor", "list").stdout)
    assert any(s["name"] == "Ctl Ltd" for s in listed)
    assert iris.ctl("breach", "list").returncode == 0
    assert iris.ctl("tom").returncode == 2
