# SPDX-License-Identifier: MIT
"""Servers for `make bench-tls`: certificates, the peers' configurations
(after ../shared/reference/peer-bench/), starting pinned processes,
reading their CPU time from /proc, and stopping them.

Every process started here is in its own session, dies with the benchmark
(PR_SET_PDEATHSIG) and is killed by Server.stop(); every wait is bounded.
"""

import ctypes
import os
import re
import signal
import socket
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TLSCARDD = os.path.join(ROOT, "build", "bin", "tlscardd")
CLK_TCK = os.sysconf("SC_CLK_TCK")
SERVER_CPU = 0  # the servers' core
LOAD_CPU = 1    # wrk's core (and the backend's)

# The suite and group every server is held to; wrk offers OpenSSL's
# defaults, so without this nginx and haproxy would pick AES-256-GCM.
SUITE = "TLS_AES_128_GCM_SHA256"
GROUP = "X25519"

NGINX_CONF = """\
worker_processes 1;
daemon off;
pid @DIR@/nginx.pid;
error_log @DIR@/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path @DIR@/body;
  proxy_temp_path @DIR@/proxy;
  server {
    listen 127.0.0.1:@PORT@ ssl;
    ssl_certificate @CERT@.crt;
    ssl_certificate_key @CERT@.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache off; ssl_session_tickets off;
    ssl_ecdh_curve @GROUP@;
    ssl_conf_command Ciphersuites @SUITE@;
    location / { return 200 "ok\\n"; }
  }
}
"""

HAPROXY_CFG = """\
global
  nbthread 1
  maxconn 5000
  tune.ssl.cachesize 0
  ssl-default-bind-options no-tls-tickets
  ssl-default-bind-ciphersuites @SUITE@
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend fe
  bind 127.0.0.1:@PORT@ ssl crt @CERT@.pem curves @GROUP@
  http-request return status 200 content-type text/plain string "ok"
"""

_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """preexec_fn: SIGKILL the child if the benchmark itself dies."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except OSError:
        pass


def sh(cmd, timeout=60, **kw):
    return subprocess.run(cmd, capture_output=True, text=True,
                          timeout=timeout, **kw)


def pinned(cpu, args):
    return ["taskset", "-c", str(cpu)] + list(args)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout, proc=None):
    """True once 127.0.0.1:port accepts; False on timeout or exit."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def make_certs(d):
    """Fresh self-signed CN=localhost certificates: {kind: path prefix}."""
    kinds = {
        "ecdsa": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "rsa2048": ["-newkey", "rsa:2048"],
    }
    out = {}
    for kind, key_args in kinds.items():
        base = os.path.join(d, kind)
        r = sh(["openssl", "req", "-x509", *key_args, "-nodes",
                "-keyout", base + ".key", "-out", base + ".crt",
                "-subj", "/CN=localhost", "-days", "30"])
        if r.returncode:
            raise RuntimeError("openssl req (%s): %s" % (kind, r.stderr))
        with open(base + ".pem", "w") as pem:
            for ext in (".crt", ".key"):
                with open(base + ext) as f:
                    pem.write(f.read())
        out[kind] = base
    return out


def _fill(template, **kw):
    for k, v in kw.items():
        template = template.replace("@%s@" % k, str(v))
    return template


def _stat(pid):
    """(utime, stime) in ticks and the parent pid, or None if gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    # Fields after "(comm)": 3=state, 4=ppid, ... 14=utime, 15=stime.
    rest = s[s.rindex(")") + 2:].split()
    return int(rest[11]), int(rest[12]), int(rest[1])


def _tree(root):
    """root and all its descendants (nginx: master and worker)."""
    kids = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st:
                kids.setdefault(st[2], []).append(int(name))
    out, pending = [], [root]
    while pending:
        p = pending.pop()
        out.append(p)
        pending.extend(kids.get(p, []))
    return out


class Server:
    """One server process tree, pinned, with its stderr in a log file."""

    def __init__(self, name, argv, port, log_path, cpu=SERVER_CPU):
        self.name, self.port, self.log_path = name, port, log_path
        self.argv = pinned(cpu, argv)
        self.proc = None

    def start(self, timeout=30):
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            self.argv, stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=_die_with_parent, cwd=ROOT)
        if not wait_port(self.port, timeout, self.proc):
            self.stop()
            raise RuntimeError("%s did not start listening on %d:\n%s" %
                               (self.name, self.port, self.log_text()))
        return self

    def cpu(self):
        """{pid: (utime, stime)} over the process tree, in ticks."""
        out = {}
        for pid in _tree(self.proc.pid):
            st = _stat(pid)
            if st:
                out[pid] = st[:2]
        return out

    def stop(self, timeout=10):
        """SIGTERM the session, wait, then SIGKILL whatever is left."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.log.close()

    def log_text(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ""


def cpu_delta(before, after):
    """(user, sys) seconds used between two Server.cpu() samples."""
    u = s = 0
    for pid, (ua, sa) in after.items():
        ub, sb = before.get(pid, (0, 0))
        u += ua - ub
        s += sa - sb
    return u / CLK_TCK, s / CLK_TCK


def backend(bin_path, workdir):
    port = free_port()
    return Server("backend", [bin_path, str(port)], port,
                  os.path.join(workdir, "backend.log"), cpu=LOAD_CPU)


def tlscardd(cert, backend_port, workdir, tag, extra=()):
    port = free_port()
    argv = [TLSCARDD, "--listen", "127.0.0.1:%d" % port,
            "--cert", cert + ".crt", "--key", cert + ".key",
            "--backend", "127.0.0.1:%d" % backend_port, "--cards", "none",
            "--no-tickets", "--stats-on-exit", *extra]
    return Server("tlscardd", argv, port,
                  os.path.join(workdir, "tlscardd-%s.log" % tag))


def nginx(cert, workdir, tag):
    port = free_port()
    d = os.path.join(workdir, "nginx-" + tag)
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(_fill(NGINX_CONF, DIR=d, PORT=port, CERT=cert, SUITE=SUITE,
                      GROUP=GROUP))
    argv = ["nginx", "-p", d, "-e", os.path.join(d, "nginx-error.log"),
            "-c", conf]
    return Server("nginx", argv, port, os.path.join(d, "stderr.log"))


def haproxy(cert, workdir, tag):
    port = free_port()
    d = os.path.join(workdir, "haproxy-" + tag)
    os.makedirs(d, exist_ok=True)
    cfg = os.path.join(d, "haproxy.cfg")
    with open(cfg, "w") as f:
        f.write(_fill(HAPROXY_CFG, PORT=port, CERT=cert, SUITE=SUITE,
                      GROUP=GROUP))
    return Server("haproxy", ["haproxy", "-db", "-f", cfg], port,
                  os.path.join(d, "stderr.log"))


HTTP_GET = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"


def s_client(port, *args, timeout=10):
    """One openssl s_client handshake and a GET, like one wrk request:
    -ign_eof keeps the client until the server closes, so its close_notify
    never races the end of the handshake.  Returns the output."""
    r = subprocess.run(["openssl", "s_client", "-connect",
                        "127.0.0.1:%d" % port, "-servername", "localhost",
                        "-ign_eof", *args], input=HTTP_GET,
                       capture_output=True, text=True, timeout=timeout)
    return r.stdout + r.stderr


def negotiated(port):
    """What an OpenSSL-default client (like wrk) gets: protocol, suite,
    group, signature type."""
    out = s_client(port)
    got = {}
    for key, rx in (("protocol", r"New, (TLSv[\d.]+), Cipher is (\S+)"),
                    ("group", r"Server Temp Key: (\w+)"),
                    ("sig", r"Peer signature type: (\S+)")):
        m = re.search(rx, out)
        if m:
            got[key] = m.group(1)
            if key == "protocol":
                got["suite"] = m.group(2)
    return got


def wrk(port, seconds):
    """One wrk run; returns (completed requests, errors text, req/s)."""
    r = sh(pinned(LOAD_CPU, ["wrk", "-t1", "-c32", "-d%ds" % seconds,
                             "-H", "Connection: close",
                             "https://127.0.0.1:%d/" % port]),
           timeout=seconds + 30)
    m = re.search(r"(\d+) requests in", r.stdout)
    if r.returncode or not m:
        raise RuntimeError("wrk failed (%d): %s%s" %
                           (r.returncode, r.stdout, r.stderr))
    errs = []
    for rx in (r"Socket errors:[^\n]*", r"Non-2xx or 3xx responses: \d+"):
        e = re.search(rx, r.stdout)
        if e:
            errs.append(e.group(0))
    rps = re.search(r"Requests/sec:\s+([\d.]+)", r.stdout)
    return int(m.group(1)), "; ".join(errs), float(rps.group(1)) if rps \
        else 0.0
