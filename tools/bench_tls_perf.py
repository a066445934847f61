# SPDX-License-Identifier: MIT
"""tlscardd's native time per handshake by part, for `make bench-tls`.

This machine's perf has no hardware counters (`perf stat -e instructions`
is not supported), so instruction counts come from callgrind
(bench_tls_profile.py).  But callgrind runs libcrypto on valgrind's
synthetic CPU, which hides some features (AVX-512 among them), so its
crypto share is not the native one.  perf's software cpu-clock event does
work: tlscardd is sampled under the same wrk load as the measurement,
with DWARF call stacks, and each sample is put in one bucket:

  * the outermost tlscardd offload entry point (tls_cpu_*) on its stack
    (crypto, including EVP overhead and allocations made inside it);
  * else, a kernel sample, by the system call it is in (TCP work runs
    inside send/connect/close on loopback, softirq included);
  * else the allocator, memcpy/libc, other libcrypto, or our code.

Shares times the measured CPU per handshake give microseconds.
"""

import os
import re
import subprocess
import time

import bench_tls_profile as prof
import bench_tls_servers as srv

SYSCALL_GROUPS = [
    ("connect", "kernel: backend connect() (SYN/SYN-ACK on loopback)",
     ("connect",)),
    ("send", "kernel: send (TCP transmit + loopback receive)",
     ("sendto", "sendmsg", "write")),
    ("recv", "kernel: recv", ("recvfrom", "recvmsg", "read")),
    ("close", "kernel: close/shutdown (FIN, teardown)",
     ("close", "shutdown")),
    ("accept", "kernel: accept4, socket, setsockopt",
     ("accept4", "accept", "socket", "setsockopt", "getsockopt")),
    ("epoll", "kernel: epoll_wait/epoll_ctl",
     ("epoll_wait", "epoll_ctl", "epoll_pwait")),
]
_SYS_RX = re.compile(r"__(?:x64|ia32)_sys_(\w+)")


def _classify(frames):
    """frames: [(sym, dso)] leaf first -> bucket key."""
    crypto = None
    for sym, _ in frames:
        for key, _, fns in prof.CRYPTO:
            if sym in fns:
                crypto = key  # keep going: the outermost one wins
    if crypto:
        return crypto
    leaf_sym, leaf_dso = frames[0] if frames else ("?", "?")
    if "kernel" in leaf_dso:
        for sym, _ in frames:
            m = _SYS_RX.match(sym)
            if m:
                for key, _, calls in SYSCALL_GROUPS:
                    if m.group(1) in calls:
                        return key
                return "sys_other"
        return "sys_other"
    if not any(dso.endswith("/tlscardd") for _, dso in frames):
        return "unwound"  # DWARF unwinding stopped inside a library
    if any(sym in prof.ALLOC for sym, _ in frames):
        return "alloc"
    if "libcrypto" in leaf_dso:
        return "libcrypto"
    if "libc.so" in leaf_dso:
        return "mem" if prof.MEM_RX.match(leaf_sym) else "libc"
    return "ours"


def parse_script(text):
    """perf script output -> {bucket: samples}."""
    counts = {}
    frames = None

    def flush():
        if frames is not None:
            k = _classify(frames)
            counts[k] = counts.get(k, 0) + 1

    for line in text.splitlines():
        if not line.strip():
            continue
        if not line[0].isspace():
            flush()
            frames = []
            continue
        parts = line.split(None, 1)
        if len(parts) < 2 or frames is None:
            continue
        m = re.match(r"(.*?)(?:\+0x[0-9a-f]+)? \((.*)\)$", parts[1])
        if m:
            frames.append((m.group(1), m.group(2)))
    flush()
    return counts


def run(server, seconds, workdir):
    """Sample server (already started and warm) while wrk loads it.

    Returns {"counts", "samples", "cpu_us", "requests", ...}, or
    {"error": why} when perf cannot sample here."""
    data = workdir + "/perf.data"
    _remove(data)
    try:
        rec = _record(server, data)
    except OSError as exc:
        return {"error": "perf: %s" % exc}
    try:
        time.sleep(0.5)  # let perf attach before the load starts
        before = server.cpu()
        n, _, _ = srv.wrk(server.port, seconds)
        user, sys_ = srv.cpu_delta(before, server.cpu())
    finally:
        rec.send_signal(2)  # SIGINT: perf writes its file and exits
        try:
            err = rec.communicate(timeout=60)[1]
        except subprocess.TimeoutExpired:
            rec.kill()
            err = rec.communicate()[1]
    if rec.returncode not in (0, -2, 130):
        return {"error": "perf record: %s" % err.strip()[-300:]}
    try:
        r = srv.sh(["perf", "script", "-i", data, "-F",
                    "comm,tid,ip,sym,dso"], timeout=300)
    finally:
        _remove(data)  # hundreds of MB of stacks
    counts = parse_script(r.stdout)
    total = sum(counts.values())
    if not total:
        return {"error": "perf script: no samples (%s)" %
                r.stderr.strip()[-300:]}
    return {"counts": counts, "samples": total, "requests": n,
            "cpu_us": (user + sys_) * 1e6 / n, "user_us": user * 1e6 / n,
            "sys_us": sys_ * 1e6 / n}


def _record(server, data):
    return subprocess.Popen(
        ["perf", "record", "-q", "-e", "cpu-clock", "-F", "2999",
         "--call-graph", "dwarf,16384", "-o", data, "-p",
         str(server.proc.pid)], stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)


def _remove(data):
    for path in (data, data + ".old"):
        try:
            os.remove(path)
        except OSError:
            pass
