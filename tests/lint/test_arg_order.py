"""C leaves the order in which a call's arguments are evaluated unspecified.
A call like  reply(resp, fill(&list), list)  may read `list` before fill()
has set it: it worked under clang and answered 500 on the gcc release build
(GET /tenants/{id}/privacy-requests). This check finds every call of that
shape in the C sources: one argument calls a function with &X, a sibling
argument reads X. Static check: no server is started."""
import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
ADDRESS = re.compile(r"&\s*([A-Za-z_][\w]*(?:(?:\.|->)[A-Za-z_]\w*)*)")
NOT_CALLS = {"if", "while", "for", "switch", "return", "sizeof", "_Alignof", "alignof"}


def close_paren(text, i):
    """Index just past the parenthesis that closes the one before index i."""
    depth = 1
    while i < len(text) and depth:
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
        i += 1
    return i


def split_args(inner):
    depth, args, cur = 0, [], ""
    for ch in inner:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            args.append(cur)
            cur = ""
        else:
            cur += ch
    args.append(cur)
    return args


def strip_noise(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    text = re.sub(r"\bsizeof\s*\((?:[^()]|\([^()]*\))*\)", "0", text)
    return text


def read_only_params():
    """{function: set of parameter indexes declared `const T *`} from the
    prototypes in src: such a callee cannot fill what it is given."""
    proto = re.compile(r"\b([A-Za-z_]\w*)\s*\(([^;{}()]*)\)\s*[;{]")
    ro = {}
    for path in glob.glob(os.path.join(ROOT, "src", "**", "*.[ch]"), recursive=True):
        with open(path, encoding="utf-8") as f:
            text = strip_noise(f.read())
        for m in proto.finditer(text):
            params = [p.strip() for p in m.group(2).split(",")]
            idx = {i for i, p in enumerate(params)
                   if p.startswith("const ") and p.count("*") == 1}
            ro.setdefault(m.group(1), set()).update(idx)
    return ro


READ_ONLY = None


def addresses_passed_to_calls(arg):
    """The lvalues whose address arg hands to a function it calls, except
    through a parameter the function declares const."""
    global READ_ONLY
    if READ_ONLY is None:
        READ_ONLY = read_only_params()
    found = set()
    for m in CALL.finditer(arg):
        if m.group(1) in NOT_CALLS:
            continue
        end = close_paren(arg, m.end())
        for i, a in enumerate(split_args(arg[m.end():end - 1])):
            if i not in READ_ONLY.get(m.group(1), ()):
                found.update(ADDRESS.findall(a))
    return found


def unsequenced_calls(text):
    text = strip_noise(text)
    hits = []
    for m in CALL.finditer(text):
        if m.group(1) in NOT_CALLS:
            continue
        end = close_paren(text, m.end())
        inner = text[m.end():end - 1]
        if ";" in inner or "{" in inner:
            continue
        args = split_args(inner)
        for k, arg in enumerate(args):
            for lv in addresses_passed_to_calls(arg):
                reader = re.compile(r"(?<![\w&.>])" + re.escape(lv) + r"(?![\w])")
                if any(reader.search(b) for j, b in enumerate(args) if j != k):
                    line = text[:m.start()].count("\n") + 1
                    hits.append((line, "%s(%s)" % (m.group(1), " ".join(inner.split())[:120])))
    return hits


def test_no_argument_reads_what_a_sibling_call_fills():
    bad = []
    for path in sorted(glob.glob(os.path.join(ROOT, "src", "**", "*.c"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for line, call in unsequenced_calls(text):
            bad.append("%s:%d: %s" % (os.path.relpath(path, ROOT), line, call))
    assert not bad, "argument order is unspecified in C; fill first, then pass:\n" + "\n".join(bad)


def test_checker_finds_the_shape():
    # Positive and negative controls: the shape that shipped, and safe ones.
    assert unsequenced_calls('reply(resp, fill(&cx, NULL, &list), "k", list);')
    assert unsequenced_calls("reply(r, get(&c.out), c.out.n);")
    assert not unsequenced_calls("int rc = fill(&list);\nreply(resp, rc, list);")
    assert not unsequenced_calls("grow((void **)&b->v, &b->cap, b->n + 1, sizeof(*b->v));")
    assert not unsequenced_calls("f(x, g(&y), sizeof(y));")
