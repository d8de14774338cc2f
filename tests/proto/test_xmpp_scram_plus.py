"""SCRAM -PLUS with channel binding (RFC 5802 §6, RFC 5929, XEP-0440) on a
live irisd: a raw client computes the proof over tls-server-end-point (the
hash of the server certificate, which Python's ssl can give; tls-exporter is
checked against OpenSSL in tests/unit/test_net_tls.c)."""
import base64
import hashlib
import xml.etree.ElementTree as ET

import pytest

import conftest
from rawws import scram_final, scram_first
from rawxmpp import NS_SASL, NS_STREAM, Raw, q

NS_CB = "urn:xmpp:sasl-cb:0"


@pytest.fixture(scope="module")
def cbiris(mail_sink, tmp_path_factory):
    """A server with xmpp.channel_binding = true."""
    server = conftest.start(str(tmp_path_factory.mktemp("cb") / "data"), mail_sink,
                            "channel_binding = true\n")
    yield server
    conftest.api.stop_irisd(server.proc)


def features(iris, jid, pw):
    r = Raw(iris, jid, pw)
    f = r.wait_for(lambda e: e.tag == q(NS_STREAM, "features"))
    return r, f


def attempt(r, mech, gs2, cb_data):
    user = r.user
    st = scram_first(user, mech, gs2)
    first = base64.b64encode((gs2 + st["bare"]).encode()).decode()
    r.send("<auth xmlns='%s' mechanism='%s'>%s</auth>" % (NS_SASL, mech, first))
    el = r.next()
    if el.tag != q(NS_SASL, "challenge"):
        return el, st
    final = scram_final(st, r.password, base64.b64decode(el.text).decode(), cb_data)
    r.send("<response xmlns='%s'>%s</response>" % (NS_SASL,
                                                    base64.b64encode(final.encode()).decode()))
    return r.next(), st


def endpoint_hash(r):
    return hashlib.sha256(r.sock.getpeercert(binary_form=True)).digest()  # ECDSA-SHA256 cert


# P-SEC-1, P-SEC-3: -PLUS mechanisms and XEP-0440 types are offered under TLS; a
# client binding to tls-server-end-point logs in with SCRAM-SHA-256-PLUS and -1-PLUS.
@pytest.mark.parametrize("mech", ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS"])
def test_scram_plus_tls_server_end_point(cbiris, mech):
    jid, pw = cbiris.member()
    r, f = features(cbiris, jid, pw)
    mechs = [m.text for m in f.find(q(NS_SASL, "mechanisms"))]
    assert "SCRAM-SHA-256-PLUS" in mechs and "SCRAM-SHA-1-PLUS" in mechs
    types = [c.get("type") for c in f.find(q(NS_CB, "sasl-channel-binding"))]
    assert "tls-server-end-point" in types and "tls-exporter" in types  # TLS 1.3
    el, st = attempt(r, mech, "p=tls-server-end-point,,", endpoint_hash(r))
    assert el.tag == q(NS_SASL, "success"), ET.tostring(el)
    assert base64.b64decode(el.text).decode() == "v=" + st["server_sig"]
    r._open()
    r.wait_for(lambda e: e.tag == q(NS_STREAM, "features"))
    r.bind()
    r.close()


# P-SEC-1: binding data of another channel (a man in the middle), a "y" while the
# server offers binding (downgrade), an unknown binding type, and "p" with a
# non-PLUS mechanism are all refused.
def test_scram_plus_refusals(cbiris):
    xiris = cbiris
    jid, pw = xiris.member()
    cases = [
        ("SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,", b"\0" * 32),
        ("SCRAM-SHA-256", "y,,", b""),
        ("SCRAM-SHA-256-PLUS", "p=tls-unique,,", b"\0" * 12),
        ("SCRAM-SHA-256", "p=tls-server-end-point,,", None),
        ("SCRAM-SHA-256-PLUS", "n,,", b""),
    ]
    for mech, gs2, data in cases:
        r, _ = features(xiris, jid, pw)
        el, _ = attempt(r, mech, gs2, endpoint_hash(r) if data is None else data)
        assert el.tag == q(NS_SASL, "failure"), (mech, gs2, ET.tostring(el))
        r.close()
    # the right binding still works afterwards (failures stay under the throttle)
    r, _ = features(xiris, jid, pw)
    el, _ = attempt(r, "SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,", endpoint_hash(r))
    assert el.tag == q(NS_SASL, "success"), ET.tostring(el)
    r.close()


# P-SEC-1: without xmpp.channel_binding no -PLUS is offered (slixmpp 1.8 would pick
# it and bind with tls-unique, which TLS 1.3 does not define), and "y" is fine.
def test_no_plus_by_default(xiris):
    jid, pw = xiris.member()
    r, f = features(xiris, jid, pw)
    mechs = [m.text for m in f.find(q(NS_SASL, "mechanisms"))]
    assert not [m for m in mechs if m.endswith("-PLUS")]
    assert f.find(q(NS_CB, "sasl-channel-binding")) is None
    el, _ = attempt(r, "SCRAM-SHA-256", "y,,", b"")
    assert el.tag == q(NS_SASL, "success"), ET.tostring(el)
    r.close()
