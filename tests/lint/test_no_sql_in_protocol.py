"""No SQL in the XMPP protocol files (issue 10 item 2). A file of src/xmpp
speaks the protocol; its storage lives in the domain layer or in the
module's own store file (a name ending in _db.c, e.g. roster_db.c,
mam_db.c), reached through small functions named for what they do. This
check reads every .c and .h of src/xmpp, comments and strings removed, and
fails on a call of the store's statement API (store_query, store_run,
store_step, store_exec, store_prepare, store_bind_*, store_col_*,
store_tx_*, ...) outside a store file. Static check: nothing is built."""
import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
XMPP = os.path.join(ROOT, "src", "xmpp")

# Calls that prepare, run or read SQL, or drive a transaction.
SQL_CALL = re.compile(
    r"\bstore_(query|run|step|exec|prepare|bind_[a-z]+|col_[a-z_]+|stmt_done|changes|"
    r"tx_[a-z]+)\s*\(")
# Block and line comments, string and character literals (SQL text and
# comments may name these functions without calling them).
NOISE = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)

# Store files whose name does not end in _db.c: file name -> one-line reason.
STORE_FILES = {}


def is_store_file(name):
    return name.endswith("_db.c") or name in STORE_FILES


def sql_calls(text):
    """The store calls of C source text, comments and literals ignored."""
    code = NOISE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    calls = []
    for m in SQL_CALL.finditer(code):
        calls.append((code.count("\n", 0, m.start()) + 1, "store_" + m.group(1)))
    return calls


def sources():
    paths = glob.glob(os.path.join(XMPP, "*.c")) + glob.glob(os.path.join(XMPP, "*.h"))
    for path in sorted(paths):
        with open(path, encoding="utf-8") as f:
            yield os.path.basename(path), f.read()


def test_protocol_files_call_no_sql():
    found = []
    for name, text in sources():
        if is_store_file(name):
            continue
        found += ["src/xmpp/%s:%d calls %s" % (name, line, fn) for line, fn in sql_calls(text)]
    assert not found, ("SQL in a protocol file: move it to the module's store file "
                       "(*_db.c) or the domain layer:\n" + "\n".join(found))


def test_listed_store_files_exist():
    names = {name for name, _ in sources()}
    stale = sorted(n for n in STORE_FILES if n not in names)
    assert not stale, "gone now, strike from STORE_FILES: %s" % stale


def test_checker_sees_calls():
    # positive control: a protocol-style call is reported, a mention in a
    # comment or in a string is not, and the store files of the tree do call
    # the store (so the pattern matches real code, not nothing).
    sample = ('/* store_run(st, ...) in a comment */\n'
              'static void f(struct store *st)\n{\n'
              '\tlog_info("store_query(x)");\n'
              '\tif (store_run(st, "DELETE FROM t", "") != STORE_DONE)\n'
              '\t\treturn;\n'
              '\tstore_tx_begin (st);\n}\n')
    assert sql_calls(sample) == [(5, "store_run"), (7, "store_tx_begin")]
    store_calls = sum(len(sql_calls(text)) for name, text in sources() if is_store_file(name))
    assert store_calls > 20
    assert not is_store_file("roster.c") and is_store_file("roster_db.c")
