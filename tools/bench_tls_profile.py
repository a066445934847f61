# SPDX-License-Identifier: MIT
"""Where tlscardd's user time per handshake goes, for `make bench-tls`.

tlscardd runs under valgrind --tool=callgrind; after a few warm-up
handshakes the counters are zeroed (callgrind_control -z), a fixed number
of sequential full TLS 1.3 handshakes (X25519, no tickets, a GET with
Connection: close, like wrk's) is made with Python's ssl module, and the
daemon is stopped, which writes the profile.

Debian's libcrypto has no symbols for its internal functions, so the
profile is cut at tlscardd's own offload entry points (tls_cpu_*), whose
inclusive cost is each crypto operation's whole cost (EVP set-up, key
objects and their allocations included).  Everything else is split by
what tlscardd's own code calls: the allocator, memcpy/memset, syscall
wrappers and other libc, other libcrypto (cleanse, X509), and the rest,
which is our code's own instructions.
"""

import os
import re
import socket
import ssl
import time

import bench_tls_servers as srv

# Crypto operations: tlscardd's offload entry points, by category.
CRYPTO = [
    ("sign", "signature (ECDSA P-256 / RSA-PSS)", ("tls_cpu_sign",)),
    ("keygen", "ECDHE X25519 keygen (our share)",
     ("tls_cpu_ecdh_keygen", "tls_cpu_ecdh_free")),
    ("ecdh", "ECDHE X25519 derive (the peer's share)",
     ("tls_cpu_ecdh_derive",)),
    ("hkdf", "HKDF / HMAC (key schedule, Finished)",
     ("tls_cpu_hmac", "tls_cpu_hkdf_extract", "tls_cpu_hkdf_expand",
      "tls_cpu_prf12")),
    ("digest", "transcript SHA-256 (M1 digest calls)",
     ("tls_cpu_digest", "tls_cpu_hash_init", "tls_cpu_hash_update",
      "tls_cpu_hash_peek", "tls_cpu_hash_free")),
    ("aead", "AEAD AES-128-GCM (keys, seal, open)",
     ("tls_cpu_aead_key_set", "tls_cpu_aead_key_clear", "tls_cpu_aead_seal",
      "tls_cpu_aead_open", "tls_cpu_aead_batch")),
]
ALLOC = {"malloc", "free", "calloc", "realloc", "cfree", "_int_malloc",
         "_int_free", "_int_realloc", "malloc_consolidate", "posix_memalign",
         "CRYPTO_malloc", "CRYPTO_zalloc", "CRYPTO_free", "CRYPTO_realloc",
         "CRYPTO_clear_free", "CRYPTO_clear_realloc", "tcache_init"}
MEM_RX = re.compile(r"^(__)?(mem(cpy|move|set|cmp)|str\w+|bcmp)")


def _name(rest, table):
    """'(id) name' or '(id)' -> name, filling the compression table."""
    m = re.match(r"\((\d+)\)(?:\s+(.*))?", rest)
    if not m:
        return rest.strip()
    if m.group(2) is not None:
        table[m.group(1)] = m.group(2).strip()
    return table.get(m.group(1), "?")


def parse_callgrind(path):
    """self[(ob, fn)] = Ir, and arcs[(caller, callee)] = [calls, Ir]."""
    names, objs = {}, {}
    self_cost, arcs = {}, {}
    ob = fn = cob = cfn = None
    pending_call = None
    total = calls = 0
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                ir = int(line.split()[-1]) if len(line.split()) > 1 else 0
                if pending_call is not None:
                    a = arcs.setdefault((fn, pending_call), [0, 0])
                    a[0] += calls
                    a[1] += ir
                    pending_call = None
                else:
                    self_cost[fn] = self_cost.get(fn, 0) + ir
                continue
            key, _, rest = line.partition("=")
            if key == "ob":
                ob = _name(rest, objs)
            elif key == "fn":
                fn = (ob, _name(rest, names))
                cob = None
            elif key == "cob":
                cob = _name(rest, objs)
            elif key == "cfn":
                cfn = (cob or ob, _name(rest, names))
            elif key == "calls":
                calls = int(rest.split()[0])
                pending_call = cfn
                cob = None
            elif line.startswith("summary:") or line.startswith("totals:"):
                total = max(total, int(line.split()[-1]))
    return self_cost, arcs, total


def attribute(self_cost, arcs, total, binary):
    """Split the Ir into crypto operations and non-crypto parts."""
    cat_of = {}
    for key, _, fns in CRYPTO:
        for f in fns:
            cat_of[f] = key
    # tlscardd's functions; "(below main)" / _start only wrap main.
    ours = {fn for fn in list(self_cost) + [b for _, b in arcs]
            if fn[0] and fn[0].endswith(binary) and
            not re.match(r"\(|_start$|0x", fn[1])}
    # Our functions only reached from inside crypto entry points (static
    # helpers) are part of those operations, not "our code".
    callers = {}
    for (a, b) in arcs:
        callers.setdefault(b, set()).add(a)
    inside = {fn for fn in ours if fn[1] in cat_of}
    changed = True
    while changed:
        changed = False
        for fn in ours - inside:
            cs = callers.get(fn)
            if cs and cs <= inside:
                inside.add(fn)
                changed = True
    out = {k: 0 for k, _, _ in CRYPTO}
    out.update(alloc=0, mem=0, libc=0, libcrypto=0, ours=0)
    calls = {k: 0 for k, _, _ in CRYPTO}
    for (a, b), (n, ir) in arcs.items():
        if a not in ours or a in inside:
            continue
        if b[1] in cat_of:
            out[cat_of[b[1]]] += ir
            calls[cat_of[b[1]]] += n
        elif b in ours:
            continue  # counted through that function's own parts
        elif b[1] in ALLOC:
            out["alloc"] += ir
        elif MEM_RX.match(b[1]):
            out["mem"] += ir
        elif "libcrypto" in (b[0] or ""):
            out["libcrypto"] += ir
        else:
            out["libc"] += ir
    for fn in ours - inside:
        out["ours"] += self_cost.get(fn, 0)
    alloc_self = sum(v for fn, v in self_cost.items() if fn[1] in ALLOC)
    mallocs = sum(n for (a, b), (n, _) in arcs.items()
                  if b[1] in ("malloc", "calloc", "realloc"))
    return {"parts": out, "calls": calls, "total": total,
            "alloc_self_all": alloc_self, "malloc_calls": mallocs}


def _handshake(port, ctx):
    with socket.create_connection(("127.0.0.1", port), 10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n"
                      b"Connection: close\r\n\r\n")
            while s.recv(4096):
                pass


def client_ctx():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.options |= ssl.OP_NO_TICKET
    return ctx


def run(cert, backend_port, workdir, handshakes, deadline):
    """Profile `handshakes` full handshakes; returns attribute() + n."""
    out_file = os.path.join(workdir, "callgrind.out")
    port = srv.free_port()
    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" +
            out_file, srv.TLSCARDD, "--listen", "127.0.0.1:%d" % port,
            "--cert", cert + ".crt", "--key", cert + ".key", "--backend",
            "127.0.0.1:%d" % backend_port, "--cards", "none",
            "--no-tickets", "--stats-on-exit"]
    d = srv.Server("tlscardd (callgrind)", argv, port,
                   os.path.join(workdir, "tlscardd-callgrind.log"))
    ctx = client_ctx()
    warm = 5
    try:
        d.start(timeout=60)
        for _ in range(warm):
            _handshake(port, ctx)
        pid = _valgrind_pid(d)
        r = srv.sh(["callgrind_control", "-z", str(pid)], timeout=30)
        if r.returncode:
            raise RuntimeError("callgrind_control -z: %s" % r.stderr)
        done = 0
        while done < handshakes and time.monotonic() < deadline:
            _handshake(port, ctx)
            done += 1
    finally:
        d.stop(timeout=60)
    log = d.log_text()
    m = re.search(r"stats: accepted=\d+ handshakes=(\d+) resumed=(\d+)", log)
    if not m or int(m.group(1)) != warm + done or int(m.group(2)):
        raise RuntimeError("profile run: expected %d full handshakes:\n%s"
                           % (warm + done, log[-2000:]))
    res = attribute(*parse_callgrind(out_file), binary="/tlscardd")
    res["handshakes"] = done
    return res


def _valgrind_pid(server):
    # taskset execs valgrind, which stays the same process as the tool.
    return server.proc.pid
