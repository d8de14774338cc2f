"""docs/api/openapi.yaml documents exactly the routes src/api/ registers
(no live server needed)."""
import glob
import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROUTE = re.compile(r'http_router_add\(\s*\w+,\s*"([A-Z]+)",\s*"([^"]+)"', re.S)
# A WebSocket endpoint is a GET with Upgrade (XMPP over WebSocket, RFC 7395).
UPGRADE = re.compile(r'http_router_set_upgrade\(\s*\w+,\s*"([^"]+)"', re.S)


def sources():
    for path in glob.glob(os.path.join(ROOT, "src", "**", "*.c"), recursive=True):
        with open(path) as f:
            yield path, f.read()


def registered():
    """Every HTTP route any module registers: REST, built-in (health,
    metrics), XMPP's (host-meta, the WebSocket endpoint)."""
    routes = set()
    for _, text in sources():
        routes.update((m.group(1).lower(), m.group(2)) for m in ROUTE.finditer(text))
        routes.update(("get", m.group(1)) for m in UPGRADE.finditer(text))
    return routes


def load_doc():
    with open(os.path.join(ROOT, "docs", "api", "openapi.yaml")) as f:
        return yaml.safe_load(f)


# Codes a handler can answer: the one error table of src/api/api_util.c
# (api_fail with a code outside it answers internal_error), and every literal
# code given to the HTTP layer's error functions.
TABLE_ROW = re.compile(r'\{\s*"([a-z_]+)",\s*[1-5][0-9][0-9],')
LITERAL = re.compile(r'\b(?:http_response_error|parse_fail|conn_respond_error)\(\s*[^,]+,\s*'
                     r'[^,]+,\s*"([a-z_]+)"')
API_FAIL = re.compile(r'\bapi_fail(?:_reason|_field)?\(\s*[^,]+,\s*"([a-z_]+)"')


def emitted_error_codes():
    codes = {"internal_error"}
    table = set()
    for path, text in sources():
        if path.endswith(os.path.join("api", "api_util.c")):
            table.update(TABLE_ROW.findall(text))
        codes.update(LITERAL.findall(text))
    return codes | table, table


def test_every_error_code_the_server_can_emit_is_documented():
    codes, table = emitted_error_codes()
    assert len(table) > 30 and "invalid_json" in table  # the scanner reads the table
    documented = set(load_doc()["components"]["schemas"]["Error"]["properties"]["error"]
                     ["properties"]["code"]["enum"])
    missing = sorted(codes - documented)
    assert not missing, "error codes the server emits but docs/api/openapi.yaml does not list: %s" % missing
    stale = sorted(documented - codes)
    assert not stale, "codes docs/api/openapi.yaml lists that nothing emits: %s" % stale


def test_handlers_use_only_codes_of_the_error_table():
    # api_fail("x") with x outside the table answers 500 internal_error: a
    # handler that names a code must find it in the table.
    _, table = emitted_error_codes()
    unknown = []
    for path, text in sources():
        for code in API_FAIL.findall(text):
            if code not in table and code != "internal":
                unknown.append("%s: %s" % (os.path.relpath(path, ROOT), code))
    assert not unknown, unknown


# The docs describe every endpoint (issue 2 "Done when").
def test_openapi_matches_routes():
    doc = load_doc()
    assert doc["openapi"].startswith("3.0")
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    routes = registered()
    assert len(routes) > 20
    assert routes == documented, (routes - documented, documented - routes)
    for p, ops in doc["paths"].items():
        for m, o in ops.items():
            assert o.get("responses"), (m, p)
