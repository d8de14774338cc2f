"""A small validator of JSON responses against docs/api/openapi.yaml
(OpenAPI 3.0), in plain Python.

It checks what the document promises a client: the JSON type of each value
(with `nullable`), `required` members, the schemas of `properties`, `items`
and `additionalProperties` (only when the document gives one; `false` is
enforced too), `enum`, and the combinators `allOf`, `oneOf`, `anyOf`.
`$ref` is followed inside the document. Formats, patterns and lengths are
not checked.
"""
import re

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def resolve(doc, node):
    """node with its $ref (a local '#/...' pointer) followed, repeatedly."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError("only local $ref is supported: %s" % ref)
        node = doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        seen += 1
        if seen > 50:
            raise ValueError("$ref loop at %s" % ref)
    return node


def _type_ok(value, typ):
    if typ == "object":
        return isinstance(value, dict)
    if typ == "array":
        return isinstance(value, list)
    if typ == "string":
        return isinstance(value, str)
    if typ == "boolean":
        return isinstance(value, bool)
    if typ == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if typ == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    raise ValueError("unknown type %r in the document" % typ)


def _kind(value):
    if value is None:
        return "null"
    for typ in ("boolean", "integer", "number", "string", "array", "object"):
        if _type_ok(value, typ):
            return typ
    return type(value).__name__


def validate(doc, schema, value, where="$"):
    """Every way value breaks schema, as a list of 'where: what' strings
    (empty when it conforms)."""
    schema = resolve(doc, schema)
    if not isinstance(schema, dict) or not schema:
        return []  # {} allows anything
    errors = []
    if value is None:
        if schema.get("nullable") or (not schema.get("type") and not _has_combinator(schema)):
            return []
        if not schema.get("type"):
            # nullable may sit in one branch of a combinator
            return _combinators(doc, schema, value, where)
        return ["%s: null, documented as %s (not nullable)" % (where, schema["type"])]
    typ = schema.get("type")
    if typ is not None and not _type_ok(value, typ):
        return ["%s: %s, documented as %s" % (where, _kind(value), typ)]
    if "enum" in schema and value not in schema["enum"]:
        errors.append("%s: %r is not one of the documented values %s" %
                      (where, value, schema["enum"]))
    errors += _combinators(doc, schema, value, where)
    if isinstance(value, dict):
        errors += _object(doc, schema, value, where)
    elif isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += validate(doc, schema["items"], item, "%s[%d]" % (where, i))
    return errors


def _has_combinator(schema):
    return any(k in schema for k in ("allOf", "oneOf", "anyOf"))


def _combinators(doc, schema, value, where):
    errors = []
    for sub in schema.get("allOf", []):
        errors += validate(doc, sub, value, where)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            results = [validate(doc, sub, value, where) for sub in schema[key]]
            passing = sum(1 for r in results if not r)
            if passing == 0 or (key == "oneOf" and passing > 1):
                errors.append("%s: matches %d of the %d %s branches (%s)" %
                              (where, passing, len(results), key,
                               "; ".join(r[0] for r in results if r)))
    return errors


def _object(doc, schema, value, where):
    errors = []
    props = schema.get("properties") or {}
    for name in schema.get("required", []):
        if name not in value:
            errors.append("%s: required member %r is missing" % (where, name))
    extra = schema.get("additionalProperties")
    for name, member in value.items():
        path = "%s.%s" % (where, name)
        if name in props:
            errors += validate(doc, props[name], member, path)
        elif extra is False:
            errors.append("%s: not documented (additionalProperties: false)" % path)
        elif isinstance(extra, dict):
            errors += validate(doc, extra, member, path)
    return errors


def _template_regex(template):
    parts = re.split(r"(\{[^}/]+\})", template)
    body = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile("^" + body + "$")


class Spec:
    """The document's operations, to find the schema of a response."""

    def __init__(self, doc):
        self.doc = doc
        # Literal segments first: /subprocessors/changes before /subprocessors/{sid}.
        self.templates = sorted(
            ((t, _template_regex(t)) for t in doc.get("paths", {})),
            key=lambda tr: (-sum(1 for s in tr[0].split("/") if s and "{" not in s), tr[0]))

    def template_of(self, path):
        """The path template that path (without query) matches, or None."""
        for template, rx in self.templates:
            if rx.match(path):
                return template
        return None

    def operation(self, method, template):
        return self.doc["paths"].get(template, {}).get(method.lower())

    def response(self, op, status):
        """The documented response of op for status ('2XX' and 'default'
        too), resolved, or None."""
        responses = op.get("responses", {})
        for key in (status, str(status), "%dXX" % (status // 100), "default"):
            if key in responses:
                return resolve(self.doc, responses[key])
        return None

    @staticmethod
    def json_schema(response):
        """The application/json schema of a resolved response, or None."""
        content = (response or {}).get("content") or {}
        media = content.get("application/json")
        return None if media is None else media.get("schema", {})

    def check(self, method, path, status, body):
        """Problems of one JSON response: a list of strings (empty: it
        matches the document). Paths the document does not know are not
        this checker's business (another test compares routes)."""
        template = self.template_of(path)
        if template is None:
            return []
        op = self.operation(method, template)
        if op is None:
            return []
        label = "%s %s %d" % (method.upper(), template, status)
        response = self.response(op, status)
        if response is None:
            return ["%s: status not documented" % label]
        schema = self.json_schema(response)
        if schema is None:
            return ["%s: JSON body, but no application/json content documented" % label]
        return ["%s: %s" % (label, e) for e in validate(self.doc, schema, body)]
