"""A client that closes at once after its Finished (stdin at EOF).

openssl s_client with no input sends its Finished and close_notify back to
back, often in one TCP segment.  The daemon must count that as a completed
handshake (logged with its digest calls), not as a failure.
"""
import subprocess

from tls_fixtures import (tls_backend, tls_certs, tls_daemon,  # noqa: F401
                          free_port)


def test_finished_and_close_notify_together(tls_daemon):
    d = tls_daemon()
    for _ in range(5):
        subprocess.run(["openssl", "s_client", "-connect",
                        f"127.0.0.1:{d.port}", "-tls1_3"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=10)
    d.wait_line(r": handshake version=")
    d.close()
    failed = [l for l in d.lines if "handshake failed" in l]
    assert failed == []
    assert len(d.handshakes()) == 5
