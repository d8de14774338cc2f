"""Layers as DESIGN.md draws them, one way: net -> protocol (xmpp, api) ->
compliance services -> domain -> privacy core (catalog, audit, DSR engine,
backup) -> crypto, store -> core; cmd (the composition root) on top. This
check reads every #include "folder/..." of src/ and fails on one against the
allowed directions. Today's known exceptions are listed with the issue that
removes them; the check also fails when one of them is gone (strike it), so
the list only shrinks. Static check: nothing is built or started."""
import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/([^"]+)"', re.M)

# folder -> folders whose headers it may include (besides its own)
BELOW = {
    "core": set(),
    "store": {"core"},
    "crypto": {"core", "store"},
    "contacts": {"core"},
    "privacy": {"core", "store", "crypto"},
    "domain": {"core", "store", "crypto", "privacy", "contacts"},
    "compliance": {"core", "store", "crypto", "privacy", "domain", "contacts"},
    "net": {"core"},
    "xml": {"core"},
    "xmpp": {"core", "store", "crypto", "privacy", "domain", "net", "xml"},
    "api": {"core", "store", "crypto", "privacy", "domain", "compliance", "net", "contacts"},
    "modules": {"core", "store", "crypto", "privacy", "domain", "compliance", "net", "xml", "xmpp",
                "api", "contacts"},
    "cmd": {"core", "store", "crypto", "privacy", "domain", "compliance", "net", "xml", "xmpp",
            "api", "contacts", "modules"},
}

# (file, included folder/header): known, with what removes it.
KNOWN = {}


def includes():
    for path in sorted(glob.glob(os.path.join(ROOT, "src", "**", "*.[ch]"), recursive=True)):
        rel = os.path.relpath(path, ROOT)
        folder = rel.split(os.sep)[1]
        with open(path, encoding="utf-8") as f:
            for m in INCLUDE.finditer(f.read()):
                yield rel, folder, m.group(1), "%s/%s" % (m.group(1), m.group(2))


def violations():
    found = set()
    for rel, folder, target, header in includes():
        if target == folder:
            continue
        if folder not in BELOW:
            found.add((rel, header, "folder %s has no place in the layers" % folder))
        elif target not in BELOW[folder]:
            found.add((rel, header, "%s may not include %s" % (folder, target)))
    return found


def test_includes_follow_the_layers():
    found = violations()
    new = sorted("%s includes %s: %s" % v for v in found if (v[0], v[1]) not in KNOWN)
    assert not new, "includes against the layers (docs/architecture.md):\n" + "\n".join(new)


def test_known_exceptions_still_exist():
    found = {(v[0], v[1]) for v in violations()}
    stale = sorted("%s -> %s" % k for k in KNOWN if k not in found)
    assert not stale, "gone now, strike from KNOWN: %s" % stale


def test_checker_sees_includes():
    # positive control: the tree has includes across folders, and an upward
    # one is reported
    pairs = list(includes())
    assert len(pairs) > 300
    assert "api" not in BELOW["domain"] and "cmd" not in BELOW["xmpp"]
