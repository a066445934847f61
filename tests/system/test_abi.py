# SPDX-License-Identifier: MIT
"""The Python view of the card ABI (generated from firmware-iface/*.h)
against the C view (`tlscardctl abi --json`, from sizeof/offsetof and the
compiled constants).  Any drift between the headers, the generator and the
binary fails here."""
import re
import subprocess
import sys

from conftest import GEN_ABI, ROOT


def test_every_constant_matches(tcabi, abi_json):
    c_side = abi_json["constants"]
    py_side = tcabi.CONSTANTS
    assert set(py_side) - set(c_side) == set(), \
        "constants in the headers but not exported by tlscardctl abi " \
        "(add them to daemon/ctl/ctl_abi.c)"
    assert set(c_side) - set(py_side) == set(), \
        "constants exported by tlscardctl abi but not found by gen_abi_py"
    wrong = {k: (py_side[k], c_side[k]) for k in py_side
             if py_side[k] != c_side[k]}
    assert wrong == {}


def test_struct_layouts_match(tcabi, abi_json):
    c_structs = abi_json["structs"]
    assert set(c_structs) == set(tcabi.STRUCTS)
    for name, st in tcabi.STRUCTS.items():
        c = c_structs[name]
        assert st["size"] == c["size"], name
        assert list(st["fields"]) == list(c["fields"]), name
        for field, f in st["fields"].items():
            assert f["offset"] == c["fields"][field]["offset"], \
                "%s.%s" % (name, field)
            assert f["size"] == c["fields"][field]["size"], \
                "%s.%s" % (name, field)


def test_register_macros_match(tcabi, abi_json):
    for name, samples in abi_json["functions"].items():
        fn = tcabi.FUNCTIONS[name]
        for s in samples:
            assert fn(*s["args"]) == s["value"], (name, s["args"])


def test_wire_sizes_are_the_contract(tcabi):
    # The sizes the spec promises, through the generated module.
    assert tcabi.STRUCTS["tc_sqe"]["size"] == tcabi.TC_SQE_SIZE == 64
    assert tcabi.STRUCTS["tc_cqe"]["size"] == tcabi.TC_CQE_SIZE == 16
    assert tcabi.STRUCTS["tc_aead_record"]["size"] == 128
    assert tcabi.STRUCTS["tc_sg_entry"]["size"] == 16
    for body in ("tc_digest_cmd", "tc_aead_cmd", "tc_key_cmd",
                 "tc_pke_cmd", "tc_blob_cmd"):
        assert tcabi.STRUCTS[body]["size"] == 56, body


def test_pack_unpack_round_trip(tcabi):
    raw = tcabi.pack("tc_cqe", result=0x11223344, aux=5, sq_head=7,
                     sq_id=2, cid=0x1234,
                     status=(tcabi.TC_STS_AUTH_FAIL <<
                             tcabi.TC_CQE_STATUS_SHIFT) | tcabi.TC_CQE_PHASE)
    assert len(raw) == 16
    # little-endian on the wire, whatever the host
    assert raw[:4] == bytes([0x44, 0x33, 0x22, 0x11])
    cqe = tcabi.unpack("tc_cqe", raw)
    assert cqe["cid"] == 0x1234
    assert (cqe["status"] >> tcabi.TC_CQE_STATUS_SHIFT) & \
        tcabi.TC_CQE_STATUS_MASK == tcabi.TC_STS_AUTH_FAIL
    sqe = tcabi.pack("tc_sqe", opcode=tcabi.TC_OP_DIGEST, cid=9,
                     u=b"\x01" + bytes(55))
    assert len(sqe) == 64 and sqe[0] == tcabi.TC_OP_DIGEST


def test_enums_are_exported(tcabi):
    assert tcabi.ENUMS["tc_status"]["TC_STS_ABORTED_RESET"] == \
        tcabi.TC_STS_ABORTED_RESET
    assert tcabi.ENUMS["tc_opcode"]["TC_OP_COUNT"] == len(
        tcabi.ENUMS["tc_opcode"]) - 1


def _run_generator(tmp_path, header_text):
    hdr = tmp_path / "hdr"
    hdr.mkdir()
    (hdr / "tc_abi_check.h").write_text(
        (ROOT / "firmware-iface" / "tc_abi_check.h").read_text())
    (hdr / "tc_x.h").write_text(header_text)
    return subprocess.run([sys.executable, str(GEN_ABI), "--headers",
                           str(hdr), "--out", str(tmp_path / "x.py")],
                          capture_output=True, text=True, timeout=60)


def test_generator_rejects_a_wrong_offset_assert(tmp_path):
    # The generator computes layouts itself: a header whose static assert
    # disagrees with the natural layout must not produce a module.
    res = _run_generator(tmp_path, """
#include "tc_abi_check.h"
struct tc_x { uint8_t a; uint32_t b; };
TC_CHECK_SIZE(struct tc_x, 8);
TC_CHECK_OFFSET(struct tc_x, a, 0);
TC_CHECK_OFFSET(struct tc_x, b, 1);
""")
    assert res.returncode == 1
    assert "tc_x.b: computed offset 4, header says 1" in res.stderr


def test_generator_rejects_an_unchecked_field(tmp_path):
    res = _run_generator(tmp_path, """
struct tc_x { uint32_t a; uint32_t b; };
TC_CHECK_SIZE(struct tc_x, 8);
TC_CHECK_OFFSET(struct tc_x, a, 0);
""")
    assert res.returncode == 1
    assert "tc_x.b has no TC_CHECK_OFFSET" in res.stderr


def test_generator_rejects_an_unparsable_define(tmp_path):
    res = _run_generator(tmp_path, "#define TC_FOO (sizeof(int))\n")
    assert res.returncode == 1
    assert "cannot evaluate #define TC_FOO" in res.stderr


def test_no_hand_copied_constants_in_python_tests():
    # Register offsets come from tcabi, never from literals next to a
    # TC_ name in the tests.
    pat = re.compile(r"^\s*TC_[A-Z0-9_]+\s*=\s*(0x[0-9a-fA-F]+|\d+)", re.M)
    for path in (ROOT / "tests" / "system").glob("*.py"):
        assert not pat.search(path.read_text()), path
