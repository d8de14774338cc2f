"""Every Python module a test, benchmark or tool imports comes from a Debian
package the Makefile installs (a fresh Debian 12 has only make, git and
ca-certificates; there is no PyPI). Static check: no server is started."""
import ast
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCAN = ["tests", "bench", "tools", "fuzz"]


def python_files():
    """Every .py file, plus extension-less scripts whose shebang runs python."""
    for top in SCAN:
        for path in glob.glob(os.path.join(ROOT, top, "**", "*"), recursive=True):
            if not os.path.isfile(path):
                continue
            if path.endswith(".py"):
                yield path
            elif "." not in os.path.basename(path):
                with open(path, "rb") as f:
                    if b"python" in f.readline():
                        yield path


def top_level_imports(path):
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def local_modules():
    """Modules the repository itself provides (conftest, test helpers)."""
    names = set()
    for path in python_files():
        names.add(os.path.splitext(os.path.basename(path))[0])
    return names


def makefile_packages():
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as f:
        text = f.read().replace("\\\n", " ")
    pkgs = set()
    for m in re.finditer(r"^[A-Z_]*PKGS\s*:?=(.*)$", text, re.M):
        pkgs.update(m.group(1).split())
    return pkgs


def debian_package_of(module):
    """Asks Debian's python3 where the module lives and dpkg which package owns it."""
    out = subprocess.run(["/usr/bin/python3", "-c",
                          "import %s as m; print(getattr(m, '__file__', '') or '')" % module],
                         capture_output=True, text=True)
    if out.returncode != 0:
        return None, "not importable by /usr/bin/python3: %s" % out.stderr.strip()[-200:]
    path = out.stdout.strip()
    if not path:
        return "builtin", None
    owner = subprocess.run(["dpkg", "-S", os.path.realpath(path)], capture_output=True, text=True)
    if owner.returncode != 0:
        return None, "%s is not from a Debian package" % path
    return owner.stdout.split(":")[0], None


def test_every_imported_module_comes_from_a_listed_debian_package():
    listed = makefile_packages()
    assert "python3" in listed
    local = local_modules()
    missing = []
    modules = set()
    for path in python_files():
        for mod in top_level_imports(path):
            if mod in sys.stdlib_module_names or mod in local or mod == "__future__":
                continue
            modules.add((mod, os.path.relpath(path, ROOT)))
    seen = {}
    for mod, where in sorted(modules):
        if mod not in seen:
            seen[mod] = debian_package_of(mod)
        pkg, err = seen[mod]
        if err:
            missing.append("%s (imported by %s): %s" % (mod, where, err))
        elif pkg != "builtin" and pkg not in listed:
            missing.append("%s (imported by %s) comes from %s, which the Makefile does not install"
                           % (mod, where, pkg))
    assert not missing, "\n".join(missing)


def test_scanner_sees_third_party_imports():
    # Positive control: the suites do import third-party modules, so a scanner
    # that found none would be broken, not proof.
    mods = {m for p in python_files() for m in top_level_imports(p)}
    assert {"pytest", "slixmpp", "aiosmtpd"} <= mods
