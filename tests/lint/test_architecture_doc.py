"""docs/architecture.md is the house: it names every folder of the tree and
every module file of src/, so a change of layout that forgets it fails here.
Working notes for the team are not kept in the repository. Static check."""
import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def doc():
    with open(os.path.join(ROOT, "docs", "architecture.md"), encoding="utf-8") as f:
        return f.read()


def test_every_source_folder_is_described():
    text = doc()
    folders = [d for d in sorted(os.listdir(os.path.join(ROOT, "src")))
               if os.path.isdir(os.path.join(ROOT, "src", d))]
    assert len(folders) >= 8
    missing = [d for d in folders if "`src/%s/`" % d not in text]
    assert not missing, "docs/architecture.md does not describe src/%s" % missing
    for top in ("tests", "fuzz", "bench", "tools", "docs"):
        if os.path.isdir(os.path.join(ROOT, top)):
            assert re.search(r"`%s/" % top, text), "docs/architecture.md does not mention %s/" % top


def test_named_files_exist():
    # A path the page names must be a file or folder of the tree: a renamed or
    # removed module makes the page wrong.
    text = doc()
    named = set(re.findall(r"`((?:src|tests|fuzz|tools|bench|docs)/[A-Za-z0-9_./-]+)`", text))
    assert named, "the check found no paths in the page"
    named = {p for p in named if not re.search(r"[A-Z]{3,}", p)}  # NAME, BUILD: placeholders
    gone = sorted(p for p in named if not os.path.exists(os.path.join(ROOT, p.rstrip("/")))
                  and not glob.glob(os.path.join(ROOT, p)))
    assert not gone, "docs/architecture.md names paths that do not exist: %s" % gone


def test_no_team_notes_in_the_repository():
    assert not os.path.exists(os.path.join(ROOT, "notes")), \
        "working notes belong outside the repository; architecture goes to docs/architecture.md"
