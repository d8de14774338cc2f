"""docs/api/openapi.yaml tells the truth about response bodies: every JSON
answer the REST suite received through Iris.api (conftest.API_CALLS) is
checked against the schema the document gives for its operation and status.

The file is named to sort last, so pytest runs it after every other test
file of tests/api/ in the same session; the validator itself is
openapi_validate.py and is tested here first, without a server."""
import os
import time

import pytest
import yaml

import conftest
from openapi_validate import Spec, validate
from test_accounts_lib import add_member, make_tenant, operator_token, unique

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Fewer distinct operations than this means the suite did not run (a single
# file was selected, or the recorder is broken): the check would be vacuous.
MIN_OPERATIONS = 60


def load_doc():
    with open(os.path.join(ROOT, "docs", "api", "openapi.yaml")) as f:
        return yaml.safe_load(f)


DOC = {
    "paths": {
        "/things/{tid}": {"get": {"responses": {
            "200": {"content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/Thing"}}}},
            404: {"$ref": "#/components/responses/E404"}}}},
        "/things/special": {"get": {"responses": {"204": {"description": "none"}}}},
    },
    "components": {
        "responses": {"E404": {"content": {"application/json": {"schema": {
            "type": "object", "required": ["error"]}}}}},
        "schemas": {"Thing": {
            "type": "object", "required": ["id", "tags"],
            "properties": {
                "id": {"type": "string"},
                "size": {"type": "integer", "nullable": True},
                "kind": {"type": "string", "enum": ["a", "b"]},
                "tags": {"type": "array", "items": {"type": "string"}},
                "meta": {"type": "object", "additionalProperties": {"type": "integer"}},
                "strict": {"type": "object", "additionalProperties": False,
                           "properties": {"x": {"type": "boolean"}}},
            }}},
    },
}


def test_validator_accepts_a_conforming_body():
    spec = Spec(DOC)
    body = {"id": "t1", "size": None, "kind": "a", "tags": ["x"], "meta": {"n": 1},
            "strict": {"x": True}, "undocumented": 1}
    assert spec.check("GET", "/things/t1", 200, body) == []
    assert spec.check("GET", "/things/t1", 404, {"error": {}}) == []


def test_validator_reports_each_kind_of_mismatch():
    spec = Spec(DOC)
    body = {"id": 7, "kind": "c", "tags": ["x", 2], "meta": {"n": "1"},
            "strict": {"x": True, "y": 1}, "size": 1.5}
    problems = spec.check("GET", "/things/t1", 200, body)
    text = "\n".join(problems)
    for expected in ("$.id: integer, documented as string",
                     "$.tags[1]: integer, documented as string",
                     "$.kind: 'c' is not one of",
                     "$.meta.n: string, documented as integer",
                     "$.strict.y: not documented",
                     "$.size: number, documented as integer"):
        assert expected in text, (expected, problems)
    assert spec.check("GET", "/things/t1", 200, {"id": "t"}) == [
        "GET /things/{tid} 200: $: required member 'tags' is missing"]
    assert spec.check("GET", "/things/t1", 200, {"id": "t", "tags": [], "kind": None}) == [
        "GET /things/{tid} 200: $.kind: null, documented as string (not nullable)"]


def test_validator_matches_literal_paths_first_and_reports_undocumented_answers():
    spec = Spec(DOC)
    assert spec.template_of("/things/special") == "/things/special"
    assert spec.template_of("/things/x") == "/things/{tid}"
    assert spec.template_of("/things/x/y") is None
    assert spec.check("GET", "/things/special", 204, {"a": 1}) == [
        "GET /things/special 204: JSON body, but no application/json content documented"]
    assert spec.check("GET", "/things/x", 500, {}) == ["GET /things/{tid} 500: status not documented"]
    assert spec.check("GET", "/nowhere", 200, {}) == []
    assert validate(DOC, {"allOf": [{"type": "object", "required": ["a"]}]}, {}) == [
        "$: required member 'a' is missing"]


def test_routes_the_other_files_do_not_read(iris):
    """Reads and updates no other test makes, so that their answers are
    checked against the document below too."""
    op = operator_token(iris)
    tid, admin = make_tenant(iris)
    _, _, user = add_member(iris, tid, admin)
    t = "/api/v1/tenants/%s" % tid
    r = iris.api("GET", t + "/contacts/settings", token=user)
    assert r.status_code == 200, r.text
    assert r.json()["default_country"] == "FR" and r.json()["updated_at"] is None
    r = iris.api("GET", "/api/v1/me/restriction", token=user)
    assert r.status_code == 200 and r.json()["restricted"] is False and r.json()["since"] is None
    r = iris.api("GET", t + "/deletion-log", token=admin)
    assert r.status_code == 200 and r.json() == {"tenant_id": tid, "entries": []}
    # A held instruction, listed, then cancelled: the setting stays.
    r = iris.api("PATCH", t + "/settings", {"transfer_region": "US"}, token=admin)
    assert r.status_code == 202, r.text
    iid = r.json()["instruction_id"]
    listed = iris.api("GET", t + "/instructions", token=admin).json()["instructions"]
    assert [(i["id"], i["status"], i["decided_at"]) for i in listed] == [(iid, "pending", None)]
    r = iris.api("POST", t + "/instructions/%s/cancel" % iid, token=admin)
    assert r.status_code == 200 and r.json() == {"id": iid, "status": "cancelled"}, r.text
    listed = iris.api("GET", t + "/instructions", token=admin).json()["instructions"]
    assert listed[0]["status"] == "cancelled" and isinstance(listed[0]["decided_at"], int)
    assert iris.api("GET", t + "/settings", token=admin).json()["transfer_region"] == "EU"
    # One sub-processor read by a user and changed by the operator.
    sp = {"name": unique("relay"), "address": "Hauptstr. 1, Berlin", "purpose": "e-mail relay",
          "data_shared": "e-mail addresses", "location": "DE"}
    sid = iris.api("POST", "/api/v1/subprocessors", sp, token=op).json()["id"]
    r = iris.api("GET", "/api/v1/subprocessors/%s" % sid, token=user)
    assert r.status_code == 200 and r.json()["name"] == sp["name"], r.text
    r = iris.api("PUT", "/api/v1/subprocessors/%s" % sid, dict(sp, status="removed"), token=op)
    assert r.status_code == 200 and r.json()["status"] == "removed", r.text
    # One breach read and closed by the operator.
    body = {"title": "Misdirected mail", "facts": "a report went to the wrong tenant",
            "effects": "names exposed", "remedies": "recalled",
            "detected_at": int(time.time()) - 3600, "tenant_ids": [tid]}
    bid = iris.api("POST", "/api/v1/breaches", body, token=op).json()["id"]
    r = iris.api("GET", "/api/v1/breaches/%s" % bid, token=op)
    assert r.status_code == 200 and r.json()["state"] == "open", r.text
    assert [x["tenant_id"] for x in r.json()["tenants"]] == [tid]
    r = iris.api("PATCH", "/api/v1/breaches/%s" % bid, {"status": "closed"}, token=op)
    assert r.status_code == 200 and r.json()["state"] == "closed", r.text


def test_every_recorded_json_response_matches_the_document(request):
    others = [i for i in request.session.items if i.fspath != request.node.fspath]
    if not others:
        pytest.skip("run with the rest of tests/api/: it checks what the other tests recorded")
    calls = conftest.API_CALLS
    spec = Spec(load_doc())
    operations = set()
    problems = {}
    for method, path, status, body in calls:
        template = spec.template_of(path)
        if template is not None and spec.operation(method, template) is not None:
            operations.add((method, template))
        if isinstance(body, ValueError):
            found = ["%s %s %d: %s" % (method, path, status, body)]
        else:
            found = spec.check(method, path, status, body)
        for p in found:
            problems.setdefault(p, 0)
            problems[p] += 1
    assert len(operations) >= MIN_OPERATIONS, (
        "only %d documented operations were called (%d JSON answers recorded): the "
        "check would be vacuous" % (len(operations), len(calls)))
    assert not problems, "%d responses contradict docs/api/openapi.yaml:\n%s" % (
        sum(problems.values()),
        "\n".join("%s (x%d)" % (p, n) if n > 1 else p for p, n in sorted(problems.items())))
