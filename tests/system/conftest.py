# SPDX-License-Identifier: MIT
"""Shared fixtures of the system tests: the built programs, a bounded
runner for tlscardctl, and the card ABI as Python constants.

The ABI module (build/py/tcabi.py) is generated from firmware-iface/*.h by
tools/gen_abi_py.py at the start of the session, never copied by hand;
test_abi.py checks it against what the C compiler says.
"""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
BIN = BUILD / "bin"
CTL = BIN / "tlscardctl"
GEN_ABI = ROOT / "tools" / "gen_abi_py.py"
TCABI_PATH = BUILD / "py" / "tcabi.py"

# Every tlscardctl run is bounded; a hung card must fail a test, not the
# whole tier.
DEFAULT_TIMEOUT = 120


class CtlResult:
    """One tlscardctl run: exit code, output, and the command for messages."""

    def __init__(self, args, proc):
        self.args = args
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    @property
    def lines(self):
        return self.stdout.splitlines()

    def json(self):
        try:
            return json.loads(self.stdout)
        except ValueError as e:
            raise AssertionError("not JSON from %s: %s\n%s" %
                                 (self.describe(), e, self.stdout)) from e

    def describe(self):
        return "tlscardctl " + " ".join(self.args)

    def __repr__(self):
        return ("<%s: exit %d>\n--- stdout\n%s--- stderr\n%s" %
                (self.describe(), self.returncode, self.stdout[-4000:],
                 self.stderr[-4000:]))


def run_ctl(*args, timeout=DEFAULT_TIMEOUT):
    if not CTL.exists():
        pytest.fail("%s is missing: run `make` first" % CTL)
    argv = [str(CTL)] + [str(a) for a in args]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True,
                              timeout=timeout, cwd=str(ROOT))
    except subprocess.TimeoutExpired as e:
        pytest.fail("%s did not finish within %d s:\n%s" %
                    (" ".join(argv), timeout, e.stdout or ""))
    return CtlResult([str(a) for a in args], proc)


@pytest.fixture(scope="session")
def ctl():
    """ctl(*args, timeout=...) runs build/bin/tlscardctl, bounded in time."""
    return run_ctl


@pytest.fixture(scope="session")
def ctl_path():
    return CTL


@pytest.fixture(scope="session")
def binaries():
    """Paths of the built programs, by name (present or not)."""
    return {"tlscardctl": CTL, "tlscardd": BIN / "tlscardd"}


def generate_tcabi():
    proc = subprocess.run([sys.executable, str(GEN_ABI), "--out",
                           str(TCABI_PATH)], capture_output=True, text=True,
                          timeout=60, cwd=str(ROOT))
    if proc.returncode != 0:
        pytest.fail("gen_abi_py.py failed:\n%s" % proc.stderr)
    spec = importlib.util.spec_from_file_location("tcabi", TCABI_PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def tcabi():
    """The generated ABI module (constants, ENUMS, STRUCTS, pack/unpack)."""
    return generate_tcabi()


@pytest.fixture(scope="session")
def abi_json():
    """`tlscardctl abi --json`: the ABI as compiled into the C side."""
    res = run_ctl("abi", "--json", timeout=30)
    assert res.returncode == 0, res
    return res.json()


def pytest_report_header(config):
    return "tlscardctl: %s (%s)" % (
        CTL, "present" if CTL.exists() else "MISSING: run make")

