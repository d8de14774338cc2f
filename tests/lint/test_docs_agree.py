"""The documentation says what the product does: every JSON curl example
sends its Content-Type (irisd answers 415 otherwise), a settings table in the
docs gives the defaults src/core/config.c has, and the README lists every
page of docs/. Static checks: no server is started."""
import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))) + [os.path.join(ROOT, "README.md")]
SETTING_ROW = re.compile(r'\{\s*"([a-z_]+\.[a-z_0-9]+)",\s*CONFIG_[A-Z]+,\s*S\([a-z_0-9]+\),\s*'
                         r'[^,]+,\s*[^,]+,\s*"([^"]*)"', re.S)
UNITS = {"KiB": 1024, "MiB": 1024 * 1024, "GiB": 1024 ** 3, "s": 1, "min": 60, "h": 3600}


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def config_defaults():
    return dict(SETTING_ROW.findall(read(os.path.join(ROOT, "src", "core", "config.c"))))


def shell_commands(text):
    """Commands of the docs' shell blocks, continuation lines joined."""
    for block in re.findall(r"```(?:sh|bash|console)?\n(.*?)```", text, re.S):
        yield from block.replace("\\\n", " ").splitlines()


def test_json_curl_examples_send_a_content_type():
    bad = []
    for path in DOCS:
        for cmd in shell_commands(read(path)):
            if re.search(r"\bcurl\b", cmd) and re.search(r"\s(-d|--data\S*)\s", cmd) and \
                    "Content-Type: application/json" not in cmd:
                bad.append("%s: %s" % (os.path.relpath(path, ROOT), cmd.strip()[:100]))
    assert not bad, bad


def as_number(cell, key):
    """'8 MiB' -> 8388608, '10 s' for a *_ms setting -> 10000, '1024' -> 1024."""
    m = re.fullmatch(r"([0-9][0-9,_]*)\s*([A-Za-z]+)?", cell.strip())
    if not m:
        return None
    n = int(m.group(1).replace(",", "").replace("_", ""))
    unit = m.group(2)
    if unit is None:
        return n
    if unit not in UNITS:
        return None
    n *= UNITS[unit]
    return n * 1000 if key.endswith("_ms") and unit in ("s", "min", "h") else n


def test_settings_tables_give_the_real_defaults():
    defaults = config_defaults()
    assert len(defaults) > 20 and defaults.get("http.max_body_bytes")
    wrong, seen = [], 0
    for path in DOCS:
        for line in read(path).splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 2:
                continue
            m = re.match(r"`([a-z_]+\.)?([a-z_0-9]+)`", cells[0])
            if not m:
                continue
            key = (m.group(1) or "") + m.group(2)
            if m.group(1) is None:  # a bare key names a setting when one section has it
                named = [k for k in defaults if k.split(".", 1)[1] == key]
                key = named[0] if len(named) == 1 else key
            if key not in defaults:
                continue
            want = defaults[key]
            # the default is the first cell that reads as a number (net.md:
            # "8 MiB"; operator.md's generated table: type, range, `8388608`)
            numbers = [as_number(c.strip("`"), key) for c in cells[1:]]
            got = next((n for n in numbers if n is not None), None)
            if got is None or not re.fullmatch(r"[0-9]+", want):
                continue
            seen += 1
            if got != int(want):
                wrong.append("%s: %s documented as %s, default is %s"
                             % (os.path.relpath(path, ROOT), key, got, want))
    assert seen >= 5, "the check read no settings table"
    assert not wrong, wrong


def test_readme_lists_every_doc_page():
    readme = read(os.path.join(ROOT, "README.md"))
    missing = [os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "docs", "*.md"))
               if os.path.basename(p) not in readme]
    assert not missing, "README.md does not list: %s" % missing
    listed = set(re.findall(r"`([a-z0-9-]+\.md)`", readme))
    gone = [p for p in listed if not os.path.exists(os.path.join(ROOT, "docs", p))]
    assert not gone, "README.md lists pages docs/ does not have: %s" % gone
