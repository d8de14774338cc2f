"""The tenant's contact book over REST (issue 5 item 7; live irisd)."""
import json
import urllib.parse
import uuid

import pytest

from test_accounts_lib import add_member, error_code, make_tenant, operator_token

ODD_CSV = ("Kundennummer;Vollständiger Name;E-Mail-Adresse;Handy;Firma\n"
           "K1;MARIE DUPONT;Marie.Dupont@GMIAL.com;06 12 34 56 78;\n"
           "K2;Marie Dupont;marie.dupont@gmail.com;+33612345678;\n"
           "K3;jean {canary};jean.{canary}@initech.fr;01 42 68 53 00;Initech\n"
           "K4;\"broken quote;x@y.fr;;\n")
ODD_MAP = {"Kundennummer": "id", "Vollständiger Name": "full_name", "E-Mail-Adresse": "email",
           "Handy": "phone", "Firma": "company"}
VCARD = ("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:vc-77\r\nFN:Zoe Zed\r\nN:Zed;Zoe;;;\r\n"
         "EMAIL:zoe@zed.example\r\nTEL:+33 6 11 22 33 44\r\nEND:VCARD\r\n")


def base(tid):
    return "/api/v1/tenants/%s/contacts" % tid


def upload(iris, token, path, text, ctype="text/csv", **query):
    q = urllib.parse.urlencode({k: (json.dumps(v) if isinstance(v, dict) else v)
                                for k, v in query.items()})
    return iris.api("POST", path + ("?" + q if q else ""), raw=text.encode(), token=token,
                    headers={"Content-Type": ctype})


def export(iris, tid, token, fmt="csv"):
    r = iris.api("GET", base(tid) + "/export?format=" + fmt, token=token)
    assert r.status_code == 200, r.text
    return r.content


@pytest.fixture
def book(iris):
    tid, admin = make_tenant(iris)
    canary = "Canary" + uuid.uuid4().hex[:10]
    csv = ODD_CSV.replace("{canary}", canary)
    r = upload(iris, admin, base(tid) + "/import", csv, map=ODD_MAP)
    assert r.status_code == 201, r.text
    return {"tid": tid, "admin": admin, "canary": canary, "import": r.json(), "csv": csv}


def contact_by_source(iris, b, source_id):
    r = iris.api("GET", base(b["tid"]) + "?limit=500", token=b["admin"])
    for c in r.json()["contacts"]:
        if c["source_id"] == source_id:
            return c
    raise AssertionError(source_id)


# P-HYG-1: the header-mapping step proposes fields, the tenant's map wins.
def test_preview_mapping(iris):
    tid, admin = make_tenant(iris)
    r = upload(iris, admin, base(tid) + "/import/preview", ODD_CSV, map={"Handy": "phone"})
    assert r.status_code == 200, r.text
    cols = {c["header"]: c for c in r.json()["columns"]}
    assert cols["Handy"]["field"] == "phone" and cols["Handy"]["source"] == "request"
    assert cols["E-Mail-Adresse"]["field"] is None and cols["Firma"]["source"] == "synonym"
    assert iris.api("GET", base(tid), token=admin).json()["total"] == 0


# P-HYG-1: CSV with odd headers and vCard imported; bad row repaired and kept
# with its raw text; export round-trip (CSV and vCard) keeps the source ids.
def test_import_export_roundtrip(iris, book):
    rep = book["import"]
    assert rep["imported"] == 4 and rep["repaired"] >= 1
    assert any(i["code"] == "quote_repaired" and "broken quote" in i["raw"]
               for i in rep["issues"])
    r = iris.api("GET", base(book["tid"]) + "/imports/" + rep["import_id"], token=book["admin"])
    assert r.status_code == 200 and r.json()["issues_total"] == rep["issues_total"]
    r = upload(iris, book["admin"], base(book["tid"]) + "/import", VCARD, ctype="text/vcard")
    assert r.status_code == 201 and r.json()["format"] == "vcard", r.text
    csv = export(iris, book["tid"], book["admin"]).decode()
    header = csv.splitlines()[0].split(",")
    assert header[0] == "cluster_id" and "id" in header
    ids = {line.split(",")[header.index("id")] for line in csv.splitlines()[1:]}
    assert {"K1", "K2", "K3", "K4", "vc-77"} <= ids
    # vCard out, into a fresh tenant, and out again: the same source ids
    vcf = export(iris, book["tid"], book["admin"], "vcard").decode()
    assert "UID:K1" in vcf and "UID:vc-77" in vcf
    tid2, admin2 = make_tenant(iris)
    r = upload(iris, admin2, base(tid2) + "/import", vcf, ctype="text/vcard")
    assert r.status_code == 201 and r.json()["imported"] == 5, r.text
    again = export(iris, tid2, admin2).decode()
    h2 = again.splitlines()[0].split(",")
    assert {line.split(",")[h2.index("id")] for line in again.splitlines()[1:]} == ids


# P-HYG-2: cleaned values are what the API shows, with the change report.
def test_cleaning_visible_with_report(iris, book):
    changes = book["import"]["changes"]
    assert any(c["source_id"] == "K1" and c["field"] == "email"
               and c["after"] == "marie.dupont@gmail.com" for c in changes), changes
    k1 = contact_by_source(iris, book, "K1")
    r = iris.api("GET", base(book["tid"]) + "/" + k1["id"], token=book["admin"])
    c = r.json()
    assert c["fields"]["email"] == "marie.dupont@gmail.com"
    assert c["fields"]["phone"] == "+33612345678"
    assert c["fields"]["first_name"] == "Marie" and c["fields"]["last_name"] == "Dupont"
    fields = {ch["field"] for ch in c["changes"]}
    assert {"email", "phone", "first_name"} <= fields
    r = iris.api("GET", base(book["tid"]) + "?q=" + urllib.parse.quote("06 12 34 56 78"),
                 token=book["admin"])
    assert r.json()["total"] == 2


# P-HYG-3: duplicates with scores and explanations; a merge keeps every source
# value with its provenance; undo restores the export byte for byte.
def test_duplicates_merge_undo(iris, book):
    tid, admin = book["tid"], book["admin"]
    r = iris.api("GET", base(tid) + "/duplicates", token=admin)
    assert r.status_code == 200, r.text
    clusters = r.json()["clusters"]
    marie = [c for c in clusters if {m["source_id"] for m in c["contacts"]} == {"K1", "K2"}]
    assert len(marie) == 1, clusters
    pair = marie[0]["pairs"][0]
    assert pair["score"] >= 0.5 and pair["explanation"]["email"]["level"] == "same"
    before = export(iris, tid, admin)
    r = iris.api("POST", base(tid) + "/merge", {"cluster_id": marie[0]["cluster_id"]},
                 token=admin)
    assert r.status_code == 201, r.text
    m = r.json()["merges"][0]
    c = iris.api("GET", base(tid) + "/" + m["contact_id"], token=admin).json()
    assert c["fields"]["source_ids"] == "K1;K2"
    assert "full_name=" in c["extra"]["_alternates"]  # MARIE DUPONT vs Marie Dupont
    assert "[K" in c["extra"]["_alternates"]
    assert c["merge"]["merge_id"] == m["merge_id"]
    assert export(iris, tid, admin) != before
    r = iris.api("POST", base(tid) + "/merges/%s/undo" % m["merge_id"], token=admin)
    assert r.status_code == 200, r.text
    assert export(iris, tid, admin) == before
    r = iris.api("POST", base(tid) + "/merges/%s/undo" % m["merge_id"], token=admin)
    assert r.status_code == 404


def audit_lines(iris, tid):
    r = iris.ctl("audit", "export", "--tenant", tid)
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


# P-HYG-4: refresh refused until the tenant records that employees were
# informed (and agreed, when it requires it); then a bounce marks the address
# and a newer address replaces it.
def test_refresh_gated(iris):
    tid, admin = make_tenant(iris)
    csv = "id,first_name,last_name,email\n1,Ann,Lee,ann@oldco.com\n2,Bob,Stone,bob@acme.com\n"
    assert upload(iris, admin, base(tid) + "/import", csv).status_code == 201
    events = ("email,date,type,name\nann@oldco.com,2026-01-02,bounce,\n"
              "Ann Lee <ann.lee@newco.io>,2026-02-01,message,Ann Lee\n"
              "bob@acme.com,2026-03-01,bounce,\n")
    r = upload(iris, admin, base(tid) + "/refresh", events)
    assert r.status_code == 409 and error_code(r) == "employees_not_informed"
    r = iris.api("PATCH", base(tid) + "/settings",
                 {"employees_informed": True, "consent_required": True}, token=admin)
    assert r.status_code == 200, r.text
    r = upload(iris, admin, base(tid) + "/refresh", events)
    assert r.status_code == 409 and error_code(r) == "employees_not_agreed"
    r = iris.api("PATCH", base(tid) + "/settings", {"employees_agreed": True}, token=admin)
    assert r.status_code == 200 and r.json()["employees_agreed"] is True
    r = upload(iris, admin, base(tid) + "/refresh", events)
    assert r.status_code == 200, r.text
    assert r.json()["bounces_marked"] >= 1 and r.json()["addresses_updated"] == 1
    rows = {c["source_id"]: c for c in iris.api("GET", base(tid), token=admin).json()["contacts"]}
    assert rows["1"]["fields"]["email"] == "ann.lee@newco.io"
    assert rows["2"]["fields"]["email_status"] == "bounced"
    consent = [e for e in audit_lines(iris, tid) if e.get("action") == "contacts.refresh_consent"]
    assert len(consent) == 2 and all(e["instruction"] for e in consent)


# P-HYG-5: every setting change is an instruction in the tenant's audit
# export, naming the settings and never their values.
def test_settings_are_instructions(iris):
    tid, admin = make_tenant(iris)
    r = iris.api("PATCH", base(tid) + "/settings",
                 {"default_country": "DE", "dedupe_threshold": 0.8, "lang": "fr",
                  "merge_keep_alternates": False, "column_map": {"Handynummer": "phone"}},
                 token=admin)
    assert r.status_code == 200, r.text
    assert r.json()["default_country"] == "DE" and r.json()["column_map"]["Handynummer"] == "phone"
    r = iris.api("PATCH", base(tid) + "/settings", {"default_country": "Germany"}, token=admin)
    assert r.status_code == 400 and error_code(r) == "invalid_field"
    r = iris.api("PATCH", base(tid) + "/settings", {"colour": "red"}, token=admin)
    assert r.status_code == 400 and error_code(r) == "unknown_field"
    upload(iris, admin, base(tid) + "/import", "Handynummer\n0171 1234567\n",
           map={"Handynummer": "phone"}, save_mapping="true")
    entries = audit_lines(iris, tid)
    settings = [e for e in entries if e.get("action") == "contacts.settings"]
    assert settings and all(e["instruction"] for e in settings)
    assert settings[0]["fields"] == "default_country,lang,dedupe_threshold,merge_keep_alternates,column_map"
    assert any(e["fields"] == "column_map" for e in settings[1:])
    dump = json.dumps(entries)
    assert "Handynummer" not in dump and "DE\"" not in dump
    imp = [e for e in entries if e.get("action") == "contacts.import"]
    assert imp and imp[0]["instruction"]
    # the saved mapping and default country apply to the next import
    c = iris.api("GET", base(tid), token=admin).json()["contacts"][0]
    assert c["fields"]["phone"] == "+491711234567"


# P-SEC-2: no contact value is in the database files in clear.
def test_sealed_at_rest(iris, book):
    data = iris.db_bytes()
    for v in [book["canary"], book["canary"].upper(), "jean." + book["canary"].lower(),
              "broken quote", "Marie.Dupont@GMIAL.com", "+33612345678"]:
        assert v.encode() not in data, v


# P-SEC-4: another tenant gets 404; users and the auditor read, only the admin
# writes; the operator reads no contacts.
def test_access_control(iris, book):
    tid, admin = book["tid"], book["admin"]
    _, other_admin = make_tenant(iris)
    k1 = contact_by_source(iris, book, "K1")["id"]
    for method, path in [("GET", base(tid)), ("GET", base(tid) + "/" + k1),
                         ("GET", base(tid) + "/export"), ("DELETE", base(tid) + "/" + k1),
                         ("GET", base(tid) + "/duplicates"), ("GET", base(tid) + "/settings")]:
        r = iris.api(method, path, token=other_admin)
        assert r.status_code == 404, (method, path, r.text)
    _, _, user = add_member(iris, tid, admin, role="user")
    _, _, auditor = add_member(iris, tid, admin, role="auditor")
    for token in (user, auditor):
        assert iris.api("GET", base(tid) + "/" + k1, token=token).status_code == 200
        assert iris.api("GET", base(tid) + "/merges", token=token).status_code == 200
        assert upload(iris, token, base(tid) + "/import", "id\n9\n").status_code == 403
        r = iris.api("PATCH", base(tid) + "/settings", {"lang": "fr"}, token=token)
        assert r.status_code == 403
        assert iris.api("DELETE", base(tid) + "/" + k1, token=token).status_code == 403
    assert iris.api("GET", base(tid), token=operator_token(iris)).status_code == 403
    assert iris.api("GET", base(tid)).status_code == 401
    r = iris.api("DELETE", base(tid) + "/" + k1, token=admin)
    assert r.status_code == 204
    assert iris.api("GET", base(tid) + "/" + k1, token=admin).status_code == 404


# Bad input: empty body, JSON instead of a file, unknown format, bad map.
def test_bad_input(iris):
    tid, admin = make_tenant(iris)
    assert upload(iris, admin, base(tid) + "/import", "").status_code == 400
    r = iris.api("POST", base(tid) + "/import", {"a": 1}, token=admin)
    assert r.status_code == 415
    assert upload(iris, admin, base(tid) + "/import", "id\n1\n", format="xls").status_code == 400
    r = upload(iris, admin, base(tid) + "/import", "id\n1\n", map={"id": "shoe_size"})
    assert r.status_code == 400 and error_code(r) == "invalid_field"
    r = iris.api("POST", base(tid) + "/merge", {"contact_ids": ["x"]}, token=admin)
    assert r.status_code == 400
    wide = ",".join("c%d" % i for i in range(3000)) + "\n" + ",".join("v" for _ in range(3000))
    r = upload(iris, admin, base(tid) + "/import", "id,name\n1,a\n" + wide + "\n2,b\n")
    assert r.status_code == 201, r.text
    assert r.json()["imported"] >= 2
