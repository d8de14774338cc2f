"""A second client library: libstrophe (C) logs in over STARTTLS and direct
TLS with SCRAM and exchanges messages, in order (live irisd)."""
import os
import subprocess

import pytest

from conftest import api

CLIENT = os.path.join(api.BUILD, "src", "xmpp", "strophe_client")


# P-SEC-3, P-CHAT-1: libstrophe over STARTTLS and direct TLS; every message arrives
# in order.
@pytest.mark.skipif(not os.path.exists(CLIENT), reason="libstrophe-dev missing")
@pytest.mark.parametrize("direct", [False, True])
def test_strophe_login_and_messages(xiris, direct):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    port = xiris.c2s_tls if direct else xiris.c2s
    args = [CLIENT, "127.0.0.1", str(port), xiris.verify, a, apw, b, bpw, "300"]
    if direct:
        args.append("direct")
    r = subprocess.run(args, capture_output=True, text=True, timeout=90)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "received 300 of 300" in r.stdout
