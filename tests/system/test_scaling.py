# SPDX-License-Identifier: MIT
"""Scale-out (docs/scaling.md): a shared ticket-key file lets a session
made on one instance resume on another; --workers N spreads connections
over N processes that resume each other's tickets; two instances in two
network namespaces behind haproxy in TCP mode resume across each other."""
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

from tls_fixtures import *  # noqa: F401,F403


def rotate(path):
    r = run([TLSCARDD, "--rotate-ticket-key-file", path], timeout=30)
    assert r.returncode == 0, r.stderr


def cert_args(tls_certs):
    return ["--cert", tls_certs["ec.crt"], "--key", tls_certs["ec.key"]]


def resume_through(port_out, port_in, sess, host="127.0.0.1"):
    rc, out = interact(["openssl", "s_client", "-connect",
                        f"{host}:{port_out}", "-tls1_3", "-sess_out", sess],
                       b"ping\n", 20)
    assert "ping" in out, out
    rc, out = interact(["openssl", "s_client", "-connect",
                        f"{host}:{port_in}", "-tls1_3", "-sess_in", sess],
                       b"ping\n", 20)
    return out


def test_ticket_key_file_format_errors(tmp_path, tls_certs, tls_backend):
    bad = tmp_path / "keys"
    bad.write_text("# keys\n" + "ab" * 48 + "\nnot-hex\n")
    r = run([TLSCARDD, "--listen", "127.0.0.1:1", "--backend",
             f"127.0.0.1:{tls_backend.port}", *cert_args(tls_certs),
             "--ticket-key-file", str(bad), "--check-config"], timeout=30)
    assert r.returncode == 2
    assert r.stderr.decode().startswith(
        "tlscardd: %s:3: expected 96 hex digits" % bad), r.stderr


def test_shared_ticket_key_file_resumes_on_another_instance(tmp_path,
                                                           tls_certs,
                                                           tls_backend):
    keys = str(tmp_path / "ticket.keys")
    rotate(keys)
    base = ["--backend", f"127.0.0.1:{tls_backend.port}",
            *cert_args(tls_certs), "--ticket-key-file", keys,
            "--control", "none"]
    a, b = Daemon(base), Daemon(base)
    try:
        sess = str(tmp_path / "s1")
        out = resume_through(a.port, b.port, sess)
        assert "Reused, TLSv1.3" in out, out
        b.wait_line("resumed=1")
        # Rotation: a new key seals, the previous one still opens.
        rotate(keys)
        time.sleep(1.5)  # the daemons look at the file once a second
        out = resume_through(b.port, a.port, str(tmp_path / "s2"))
        assert "Reused, TLSv1.3" in out, out
        with open(keys) as f:
            assert len([l for l in f if not l.startswith("#")]) == 2
    finally:
        a.close()
        b.close()


def test_instances_without_shared_keys_do_not_resume(tmp_path, tls_certs,
                                                      tls_backend):
    base = ["--backend", f"127.0.0.1:{tls_backend.port}",
            *cert_args(tls_certs), "--control", "none"]
    a, b = Daemon(base), Daemon(base)
    try:
        out = resume_through(a.port, b.port, str(tmp_path / "s"))
        assert "Reused" not in out and "ping" in out, out
    finally:
        a.close()
        b.close()


def test_workers_spread_connections_and_resume_each_other(tmp_path,
                                                          tls_certs,
                                                          tls_backend):
    d = Daemon(["--backend", f"127.0.0.1:{tls_backend.port}",
                *cert_args(tls_certs), "--workers", "2",
                "--control", str(tmp_path / "ctl.sock")])
    try:
        d.wait_line(r"tlscardd\[w0\]: listening on")
        d.wait_line(r"tlscardd\[w1\]: listening on")
        assert os.path.exists(str(tmp_path / "ctl.sock.0"))
        assert os.path.exists(str(tmp_path / "ctl.sock.1"))
        sess = str(tmp_path / "sess")
        rc, out = openssl_client(d.port, "-tls1_3", "-sess_out", sess)
        assert "ping" in out
        for _ in range(16):
            rc, out = openssl_client(d.port, "-tls1_3", "-sess_in", sess)
            assert "Reused, TLSv1.3" in out, out
        resumed = {w for w in ("w0", "w1")
                   for l in d.lines if l.startswith(f"tlscardd[{w}]")
                   and "resumed=1" in l}
        assert resumed == {"w0", "w1"}, d.lines
        # SIGHUP goes on to both workers; tickets stay valid.
        d.proc.send_signal(signal.SIGHUP)
        d.wait_line(r"tlscardd\[w0\]: reloaded: configuration 2")
        d.wait_line(r"tlscardd\[w1\]: reloaded: configuration 2")
        rc, out = openssl_client(d.port, "-tls1_3", "-sess_in", sess)
        assert "Reused, TLSv1.3" in out, out
        # SIGTERM goes on to the workers; the parent exits 0 after them.
        d.proc.send_signal(signal.SIGTERM)
        assert d.proc.wait(30) == 0
        d.wait_line("all workers stopped")
        assert not os.path.exists(str(tmp_path / "ctl.sock.0"))
    finally:
        d.close()


def test_a_dead_worker_is_restarted(tmp_path, tls_certs, tls_backend):
    d = Daemon(["--backend", f"127.0.0.1:{tls_backend.port}",
                *cert_args(tls_certs), "--workers", "2", "--control",
                "none"])
    try:
        d.wait_line(r"tlscardd\[w1\]: listening on")
        pid = int(re.search(r"worker 1: pid (\d+)",
                            d.wait_line(r"worker 1: pid")).group(1))
        # Past the start-up window, in which a death stops everything.
        time.sleep(2.5)
        start = len(d.lines)
        os.kill(pid, signal.SIGKILL)
        d.wait_line("worker 1 .* killed by signal 9", start, timeout=10)
        d.wait_line("restarting worker 1", start, timeout=10)
        d.wait_line(r"tlscardd\[w1\]: listening on", start, timeout=20)
        for _ in range(6):
            rc, out = openssl_client(d.port, "-tls1_3")
            assert "ping" in out, out
        assert d.alive()
    finally:
        d.close()


def test_a_worker_failing_at_start_stops_the_daemon(tls_certs,
                                                    tls_backend):
    """A listen address nobody can bind fails every worker at once."""
    r = run([TLSCARDD, "--listen", "192.0.2.1:1", "--backend",
             f"127.0.0.1:{tls_backend.port}", *cert_args(tls_certs),
             "--workers", "2", "--control", "none"], timeout=30)
    assert r.returncode == 1
    assert b"a worker failed at start: stopping" in r.stderr, r.stderr


# --- two instances in two network namespaces behind haproxy --------------


def sh(*cmd, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    if check and r.returncode:
        raise AssertionError("%s: %s" % (" ".join(cmd), r.stderr))
    return r


class Netns:
    """Namespace NAME with a veth pair: host HOST_IP <-> ns NS_IP (/24)."""

    def __init__(self, name, veth, host_ip, ns_ip):
        self.name, self.veth = name, veth
        self.host_ip, self.ns_ip = host_ip, ns_ip
        sh("ip", "netns", "add", name)
        sh("ip", "link", "add", veth, "type", "veth", "peer", "name",
           veth + "p")
        sh("ip", "link", "set", veth + "p", "netns", name)
        sh("ip", "addr", "add", host_ip + "/24", "dev", veth)
        sh("ip", "link", "set", veth, "up")
        sh("ip", "netns", "exec", name, "ip", "addr", "add", ns_ip + "/24",
           "dev", veth + "p")
        sh("ip", "netns", "exec", name, "ip", "link", "set", veth + "p",
           "up")
        sh("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up")

    def delete(self):
        sh("ip", "link", "del", self.veth, check=False)
        sh("ip", "netns", "del", self.name, check=False)


class EchoBackend:
    """GET -> a small HTTP reply, bound to one host-side veth address."""

    def __init__(self, ip):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((ip, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.conn, args=(c,), daemon=True).start()

    @staticmethod
    def conn(c):
        with c:
            c.settimeout(10)
            try:
                while True:
                    data = c.recv(4096)
                    if not data:
                        return
                    c.sendall(data)
            except OSError:
                pass


def stats_json(ctl_path):
    r = run([os.path.join(os.path.dirname(TLSCARDD), "tlscardctl"), "stats",
             "--json", "--control", ctl_path], timeout=30)
    assert r.returncode == 0, r.stderr
    import json
    return json.loads(r.stdout)


def test_two_instances_behind_haproxy_resume_each_other(tmp_path, tls_certs):
    if os.geteuid() != 0:
        pytest.skip("needs root for ip netns")
    for tool in ("ip", "haproxy"):
        if not shutil.which(tool):
            pytest.skip("%s is not installed (scripts/deps.sh peers)" % tool)
    tag = "%04d" % (os.getpid() % 10000)
    keys = str(tmp_path / "ticket.keys")
    rotate(keys)
    spaces, procs, backends = [], [], []
    hap = None
    try:
        for i, name in enumerate("ab"):
            ns = Netns(f"tlsc{tag}{name}", f"tc{tag}{name}",
                       f"10.199.{i + 1}.1", f"10.199.{i + 1}.2")
            spaces.append(ns)
            be = EchoBackend(ns.host_ip)
            backends.append(be)
            ctl = str(tmp_path / f"ctl-{name}.sock")
            log = open(str(tmp_path / f"tlscardd-{name}.log"), "w")
            procs.append((subprocess.Popen(
                ["ip", "netns", "exec", ns.name, TLSCARDD, "--listen",
                 f"{ns.ns_ip}:8443", "--backend",
                 f"{ns.host_ip}:{be.port}", *cert_args(tls_certs),
                 "--ticket-key-file", keys, "--control", ctl, "--verbose"],
                stdout=subprocess.DEVNULL, stderr=log), ctl, log))
        for p, ctl, log in procs:
            deadline = time.time() + 20
            while not os.path.exists(ctl) and time.time() < deadline:
                assert p.poll() is None, open(log.name).read()
                time.sleep(0.05)
            assert os.path.exists(ctl), open(log.name).read()
        hport = free_port()
        cfg = tmp_path / "haproxy.cfg"
        cfg.write_text(
            "global\n  maxconn 100\n"
            "defaults\n  mode tcp\n  timeout connect 5s\n"
            "  timeout client 30s\n  timeout server 30s\n"
            "frontend tls\n  bind 127.0.0.1:%d\n  default_backend cards\n"
            "backend cards\n  balance roundrobin\n"
            "  server a %s:8443\n  server b %s:8443\n" %
            (hport, spaces[0].ns_ip, spaces[1].ns_ip))
        hap = subprocess.Popen(["haproxy", "-db", "-f", str(cfg)],
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", hport), 1).close()
                break
            except OSError:
                time.sleep(0.1)
        # Round robin: the full handshake on one instance, the two
        # resumptions on the other and back.
        sess = str(tmp_path / "sess")
        rc, out = interact(["openssl", "s_client", "-connect",
                            f"127.0.0.1:{hport}", "-tls1_3", "-sess_out",
                            sess], b"ping\n", 20)
        assert "ping" in out, out
        for _ in range(2):
            rc, out = interact(["openssl", "s_client", "-connect",
                                f"127.0.0.1:{hport}", "-tls1_3", "-sess_in",
                                sess], b"ping\n", 20)
            assert "Reused, TLSv1.3" in out and "ping" in out, out
        st = [stats_json(ctl)["handshakes"] for _, ctl, _ in procs]
        full = [s["full"]["tls1.3"] for s in st]
        resumed = [s["resumed"]["tls1.3"] for s in st]
        assert sorted(full) == [0, 1], st
        assert sum(resumed) == 2, st
        # The instance that never saw the full handshake resumed it.
        assert resumed[full.index(0)] >= 1, st
    finally:
        if hap:
            hap.kill()
            hap.wait(10)
        for p, _, log in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(10)
            log.close()
        for be in backends:
            be.sock.close()
        for ns in spaces:
            ns.delete()
        left = sh("ip", "netns", "list", check=False).stdout
        assert f"tlsc{tag}" not in left
