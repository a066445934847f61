# SPDX-License-Identifier: MIT
"""tlscardctl's command line: help for every command, and exact errors
(exit 2) for anything it does not understand."""
import re

import pytest

COMMANDS = ["list", "selftest", "bench", "load", "abi"]
BENCHES = ["null", "aead", "digest", "lb"]


def test_main_help_lists_every_command(ctl):
    res = ctl("--help", timeout=30)
    assert res.returncode == 0, res
    assert res.lines[0] == "usage: tlscardctl <command> [options]"
    listed = [m.group(1) for m in
              (re.match(r"^  (\S+)\s+\S", l) for l in res.lines) if m]
    for cmd in COMMANDS:
        assert cmd in listed


def test_no_arguments_is_a_usage_error(ctl):
    res = ctl(timeout=30)
    assert res.returncode == 2
    assert res.stdout == ""
    assert res.stderr.startswith("usage: tlscardctl <command> [options]")


def test_version(ctl):
    res = ctl("--version", timeout=30)
    assert res.returncode == 0
    assert re.match(r"^tlscardctl \S+ \(card ABI \d+\.\d+\)$", res.lines[0])


@pytest.mark.parametrize("cmd", COMMANDS)
def test_command_help(ctl, cmd):
    for flag in ("--help", "-h"):
        res = ctl(cmd, flag, timeout=30)
        assert res.returncode == 0, res
        assert res.lines[0].startswith("usage: tlscardctl %s" % cmd), res
        assert res.stderr == ""
    assert ctl("help", cmd, timeout=30).stdout == \
        ctl(cmd, "--help", timeout=30).stdout


@pytest.mark.parametrize("bench", BENCHES)
def test_bench_help(ctl, bench):
    res = ctl("bench", bench, "--help", timeout=30)
    assert res.returncode == 0, res
    assert res.lines[0].startswith("usage: tlscardctl bench %s" % bench)


def test_bench_help_lists_benchmarks(ctl):
    res = ctl("bench", "--help", timeout=30)
    assert res.returncode == 0
    for b in BENCHES:
        assert any(l.startswith("  %s " % b) for l in res.lines), b


@pytest.mark.parametrize("args,message", [
    (["frob"], "tlscardctl: unknown command 'frob'"),
    (["--frob"], "tlscardctl: unknown option '--frob'"),
    (["help", "frob"], "tlscardctl: unknown command 'frob'"),
    (["list", "--bogus"], "tlscardctl list: unknown option '--bogus'"),
    (["list", "--bogus=1"], "tlscardctl list: unknown option '--bogus'"),
    (["list", "-x"], "tlscardctl list: unknown option '-x'"),
    (["list", "extra"], "tlscardctl list: unexpected argument 'extra'"),
    (["selftest", "--device"],
     "tlscardctl selftest: option '--device' needs a value"),
    (["selftest", "-d"], "tlscardctl selftest: option '-d' needs a value"),
    (["selftest", "--device", "sim", "--sim-spec"],
     "tlscardctl selftest: option '--sim-spec' needs a value"),
    (["abi"], "tlscardctl abi: --json is required"),
    (["abi", "--json", "--yaml"], "tlscardctl abi: unknown option '--yaml'"),
    (["bench"], "usage: tlscardctl bench <name> [options] [--json]"),
    (["bench", "frob"], "tlscardctl bench: unknown benchmark 'frob'"),
    (["bench", "--json"],
     "tlscardctl bench: unknown option '--json' (the benchmark name comes "
     "first)"),
    (["bench", "null", "--batch", "0"],
     "tlscardctl bench null: --batch: invalid value '0' (expected 1..1024)"),
    (["bench", "null", "--jobs", "-5"],
     "tlscardctl bench null: --jobs: invalid value '-5' (expected "
     "1..1000000000)"),
    (["bench", "aead", "--seconds", "abc"],
     "tlscardctl bench aead: --seconds: invalid value 'abc' (expected "
     "0.01..600)"),
    (["bench", "lb", "--policy", "random"],
     "tlscardctl bench lb: --policy: expected ect, rr or both"),
    (["bench", "lb", "--ratios", "1"],
     "tlscardctl bench lb: --ratios: at least two cards"),
    (["load"], "tlscardctl load: --device is required"),
    (["load", "--device", "sim:2", "--jobs", "abc"],
     "tlscardctl load: --jobs: invalid value 'abc' (expected 1..100000000)"),
    (["load", "--device", "sim:2", "--op", "rsa"],
     "tlscardctl load: --op: unknown value 'rsa'"),
    (["load", "--device", "sim:2", "--policy", "random"],
     "tlscardctl load: --policy: unknown value 'random'"),
    (["load", "--device", "sim:2", "--fault", "1:explode"],
     "tlscardctl load: --fault '1:explode': unknown fault (expected "
     "error-rate=X, stall, latency-us=N or reset-after=N)"),
    (["load", "--device", "sim:2", "--fault", "x:stall"],
     "tlscardctl load: --fault 'x:stall': expected I:FAULT with I a card "
     "index"),
    (["load", "--device", "sim:2", "--fault", "0:error-rate=2"],
     "tlscardctl load: --fault error-rate: invalid value '2' (expected "
     "0..1)"),
    (["load", "--device", "sim:2", "--card-spec", "9"],
     "tlscardctl load: --card-spec '9': expected I:KNOBS with I a card "
     "index"),
    (["load", "--device", "bogus"],
     "tlscardctl load: bad device 'bogus': expected sim, sim:N, vfio:BDF "
     "or vfio:all"),
])
def test_bad_command_lines(ctl, args, message):
    res = ctl(*args, timeout=30)
    assert res.returncode == 2, res
    assert res.stderr.splitlines()[0] == message, res
    assert res.stdout == ""


def test_usage_errors_point_at_help(ctl):
    res = ctl("list", "--bogus", timeout=30)
    assert res.stderr.splitlines()[1] == \
        "Run 'tlscardctl list --help' for usage."


def test_fault_on_a_card_that_does_not_exist(ctl):
    res = ctl("load", "--device", "sim:2", "--jobs", "10", "--fault",
              "5:stall", timeout=60)
    assert res.returncode == 1, res
    assert "tlscardctl load: --fault 5:stall: no card 5" in \
        res.stderr.splitlines()
