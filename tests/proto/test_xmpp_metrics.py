"""GET /metrics covers the XMPP server (issue 9, item 16): bound sessions
(gauge), stanzas by kind and direction, group commits and their latency,
all in the one registry with the HTTP metrics (live irisd, raw client)."""
import re
import time

from rawxmpp import Raw


def metrics(iris):
    text = iris.api("GET", "/metrics").text
    out = {}
    for line in text.splitlines():
        m = re.match(r"^([a-z_]+(?:\{[^}]*\})?) ([0-9.e+-]+)$", line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


def until(pred, timeout=10):
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_metrics_after_login_and_message(fresh_xiris):
    iris = fresh_xiris
    a, apw = iris.member(prefix="ma")
    b, bpw = iris.member(prefix="mb")
    before = metrics(iris)
    assert before["xmpp_sessions"] == 0
    ra, rb = Raw(iris, a, apw), Raw(iris, b, bpw)
    for r in (ra, rb):
        r.login()
        r.bind()
        r.send("<presence/>")
    until(lambda: metrics(iris)["xmpp_sessions"] == 2)
    ra.send("<message to='%s' type='chat' id='m1'><body>metrics-canary</body></message>" % b)
    rb.wait_for(lambda e: e.tag.endswith("message") and e.get("id") == "m1")
    after = metrics(iris)
    msg_in = 'xmpp_stanzas_total{kind="message",direction="in"}'
    msg_out = 'xmpp_stanzas_total{kind="message",direction="out"}'
    assert after[msg_in] >= before[msg_in] + 1
    assert after[msg_out] >= before[msg_out] + 1
    iq_in = 'xmpp_stanzas_total{kind="iq",direction="in"}'
    assert after[iq_in] >= before[iq_in] + 2  # the two binds
    assert after["xmpp_commit_batches_total"] > before["xmpp_commit_batches_total"]
    assert after["xmpp_commit_duration_seconds_count"] == after["xmpp_commit_batches_total"]
    assert after['xmpp_commit_duration_seconds_bucket{le="+Inf"}'] == \
        after["xmpp_commit_batches_total"]
    # the metrics carry no person: neither user name nor content
    text = iris.api("GET", "/metrics").text
    assert a.split("@")[0] not in text and "metrics-canary" not in text
    ra.close()
    rb.close()
    until(lambda: metrics(iris)["xmpp_sessions"] == 0)
