#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Generate build/py/tcabi.py from the card ABI headers (firmware-iface/*.h).

The Python tests never hand-copy a register offset or a struct layout: they
import this generated module.  It holds

  * every numeric ``#define TC_*`` (object-like) as a module constant, and
    every arithmetic function-like macro (``TC_QP_REG(q, r)``) as a function;
  * every enum member as a constant, plus ``ENUMS[name] = {member: value}``;
  * every wire struct's layout, computed here from the field types with C's
    natural alignment and checked against the header's own TC_CHECK_SIZE /
    TC_CHECK_OFFSET assertions (a mismatch fails the generator), with
    ``pack()`` / ``unpack()`` helpers for little-endian bytes.

tests/system/test_abi.py then compares all of it with what the C compiler
says (``tlscardctl abi --json``).

usage: gen_abi_py.py [--headers DIR] [--out FILE]
"""

import argparse
import ast
import os
import re
import sys

TYPE_SIZES = {"uint8_t": 1, "uint16_t": 2, "uint32_t": 4, "uint64_t": 8}
TYPE_FMT = {"uint8_t": "B", "uint16_t": "H", "uint32_t": "I", "uint64_t": "Q"}


class AbiError(Exception):
    pass


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return text.replace("\\\n", " ")


_NUM = re.compile(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b")
_ALLOWED_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant,
                  ast.Name, ast.Load, ast.Add, ast.Sub, ast.Mult,
                  ast.FloorDiv, ast.Mod, ast.LShift, ast.RShift, ast.BitOr,
                  ast.BitAnd, ast.BitXor, ast.Invert, ast.USub, ast.UAdd)


def c_expr_to_py(expr):
    """A C integer constant expression as Python source, or None."""
    expr = expr.strip()
    if not expr:
        return None
    py = _NUM.sub(lambda m: str(int(m.group(1), 0)), expr)
    py = py.replace("/", "//")
    try:
        tree = ast.parse(py, mode="eval")
    except SyntaxError:
        return None
    if not all(isinstance(n, _ALLOWED_NODES) for n in ast.walk(tree)):
        return None
    return py


def eval_expr(py, names):
    tree = ast.parse(py, mode="eval")
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and n.id not in names:
            raise AbiError("unknown name %s in %r" % (n.id, py))
    return eval(compile(tree, "<abi>", "eval"), {"__builtins__": {}},
                dict(names))


class Abi:
    def __init__(self):
        self.constants = {}      # name -> int, in header order
        self.functions = {}      # name -> (params, python body)
        self.enums = {}          # enum name -> {member: value}
        self.structs = {}        # name -> layout dict
        self.checks_size = {}    # struct -> size asserted in the header
        self.checks_off = {}     # (struct, field) -> offset asserted
        self.sources = []

    # ---- #define ------------------------------------------------------
    def parse_defines(self, text):
        for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+(\w+)(\([^)]*\))?"
                             r"[ \t]*(.*)$", text, flags=re.M):
            name, params, body = m.group(1), m.group(2), m.group(3).strip()
            if not name.startswith("TC_") or not body:
                continue
            if params is None:
                py = c_expr_to_py(body)
                if py is None:
                    raise AbiError("cannot evaluate #define %s %s" %
                                   (name, body))
                self.constants[name] = eval_expr(py, self.constants)
                continue
            plist = [p.strip() for p in params[1:-1].split(",") if p.strip()]
            py = c_expr_to_py(body)
            if py is None:
                continue        # not arithmetic (TC_CHECK_SIZE and friends)
            eval_expr(py, dict(self.constants, **{p: 1 for p in plist}))
            self.functions[name] = (plist, py)

    # ---- enum -----------------------------------------------------------
    def parse_enums(self, text):
        for m in re.finditer(r"\benum\s+(\w+)\s*\{([^}]*)\}", text):
            members, value = {}, -1
            for item in m.group(2).split(","):
                item = item.strip()
                if not item:
                    continue
                if "=" in item:
                    key, expr = (s.strip() for s in item.split("=", 1))
                    py = c_expr_to_py(expr)
                    if py is None:
                        raise AbiError("enum %s: cannot evaluate %s" %
                                       (m.group(1), item))
                    value = eval_expr(py, dict(self.constants, **members))
                else:
                    key, value = item, value + 1
                members[key] = value
                self.constants[key] = value
            self.enums[m.group(1)] = members

    # ---- struct ---------------------------------------------------------
    @staticmethod
    def _body(text, start):
        """Text between the brace at text[start] and its match."""
        depth = 0
        for i in range(start, len(text)):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    return text[start + 1:i], i
        raise AbiError("unbalanced braces")

    def _members(self, body):
        """Split a struct/union body into declarations (nested unions whole)."""
        decls, i = [], 0
        while i < len(body):
            m = re.compile(r"\s*union\s*\{").match(body, i)
            if m:
                inner, end = self._body(body, m.end() - 1)
                tail = re.compile(r"\s*(\w+)\s*;").match(body, end + 1)
                if not tail:
                    raise AbiError("anonymous union not supported")
                decls.append(("union", inner, tail.group(1)))
                i = tail.end()
                continue
            semi = body.find(";", i)
            if semi < 0:
                if body[i:].strip():
                    raise AbiError("trailing text in struct: %r" % body[i:])
                break
            decls.append(("field", body[i:semi].strip(), None))
            i = semi + 1
        return decls

    def _field(self, decl):
        m = re.fullmatch(r"(struct\s+\w+|\w+)\s+(\w+)\s*(?:\[\s*([^\]]+)\])?",
                         decl)
        if not m:
            raise AbiError("cannot parse field %r" % decl)
        ctype, name, dim = m.group(1), m.group(2), m.group(3)
        count = 1
        if dim is not None:
            count = eval_expr(c_expr_to_py(dim), self.constants)
        if ctype in TYPE_SIZES:
            size = align = TYPE_SIZES[ctype]
        elif ctype.startswith("struct "):
            sub = self.structs[ctype.split()[1]]
            size, align = sub["size"], sub["align"]
        else:
            raise AbiError("unknown type %s" % ctype)
        return {"name": name, "ctype": ctype, "count": count,
                "elem_size": size, "size": size * count, "align": align}

    def _layout(self, decls, is_union):
        fields, off, align = [], 0, 1
        for kind, text, uname in decls:
            if kind == "union":
                members = self._layout(self._members(text), True)
                f = {"name": uname, "ctype": "union", "count": 1,
                     "size": members["size"], "elem_size": members["size"],
                     "align": members["align"],
                     "members": [m["name"] for m in members["fields"]]}
            else:
                f = self._field(text)
            align = max(align, f["align"])
            if is_union:
                f["offset"] = 0
                off = max(off, f["size"])
            else:
                off = (off + f["align"] - 1) // f["align"] * f["align"]
                f["offset"] = off
                off += f["size"]
            fields.append(f)
        size = (off + align - 1) // align * align
        return {"size": size, "align": align, "fields": fields}

    def parse_structs(self, text):
        for m in re.finditer(r"\bstruct\s+(\w+)\s*\{", text):
            body, _ = self._body(text, m.end() - 1)
            self.structs[m.group(1)] = self._layout(self._members(body),
                                                    False)

    def parse_checks(self, text):
        for m in re.finditer(r"TC_CHECK_SIZE\(\s*struct\s+(\w+)\s*,\s*"
                             r"([^)]+)\)", text):
            self.checks_size[m.group(1)] = eval_expr(
                c_expr_to_py(m.group(2)), self.constants)
        for m in re.finditer(r"TC_CHECK_OFFSET\(\s*struct\s+(\w+)\s*,\s*"
                             r"(\w+)\s*,\s*([^)]+)\)", text):
            self.checks_off[(m.group(1), m.group(2))] = eval_expr(
                c_expr_to_py(m.group(3)), self.constants)

    def verify(self):
        for name, size in self.checks_size.items():
            if name not in self.structs:
                raise AbiError("TC_CHECK_SIZE of unknown struct %s" % name)
            if self.structs[name]["size"] != size:
                raise AbiError("struct %s: computed size %d, header says %d"
                               % (name, self.structs[name]["size"], size))
        for (name, field), off in self.checks_off.items():
            got = {f["name"]: f["offset"]
                   for f in self.structs[name]["fields"]}
            if got.get(field) != off:
                raise AbiError("%s.%s: computed offset %s, header says %d"
                               % (name, field, got.get(field), off))
        for name, st in self.structs.items():
            if name not in self.checks_size:
                raise AbiError("struct %s has no TC_CHECK_SIZE" % name)
            for f in st["fields"]:
                if (name, f["name"]) not in self.checks_off:
                    raise AbiError("%s.%s has no TC_CHECK_OFFSET" %
                                   (name, f["name"]))

    def load(self, headers_dir):
        names = sorted(n for n in os.listdir(headers_dir) if n.endswith(".h"))
        # tc_regs.h first: tc_desc.h uses nothing from it, but later headers
        # may use both; order by dependency is the include order of the
        # umbrella header, which lists regs before desc.
        texts = {}
        for n in names:
            with open(os.path.join(headers_dir, n)) as f:
                texts[n] = strip_comments(f.read())
            self.sources.append(n)
        order = sorted(names, key=lambda n: (n != "tc_abi_check.h",
                                             n != "tc_regs.h", n))
        for n in order:
            self.parse_defines(texts[n])
            self.parse_enums(texts[n])
        for n in order:
            self.parse_structs(texts[n])
            self.parse_checks(texts[n])
        self.verify()


def struct_format(st, structs):
    """struct-module format (little-endian, explicit padding) and the names
    of the values it yields, nested structs flattened by prefix."""
    fmt, names, off = "", [], 0

    def emit(layout, prefix, base):
        nonlocal fmt, off
        for f in layout["fields"]:
            start = base + f["offset"]
            if start > off:
                fmt += "%dx" % (start - off)
                off = start
            if f["ctype"] in TYPE_FMT:
                if f["ctype"] == "uint8_t" and f["count"] > 1:
                    fmt += "%ds" % f["count"]
                    names.append(prefix + f["name"])
                else:
                    for i in range(f["count"]):
                        fmt += TYPE_FMT[f["ctype"]]
                        names.append(prefix + f["name"] +
                                     ("[%d]" % i if f["count"] > 1 else ""))
                off = start + f["size"]
            elif f["ctype"] == "union":
                fmt += "%ds" % f["size"]     # raw bytes; decode per opcode
                names.append(prefix + f["name"])
                off = start + f["size"]
            else:
                sub = structs[f["ctype"].split()[1]]
                for i in range(f["count"]):
                    emit(sub, prefix + f["name"] + ("[%d]." % i if f["count"]
                                                    > 1 else "."),
                         start + i * sub["size"])
        end = base + layout["size"]
        if end > off:
            fmt += "%dx" % (end - off)
            off = end

    emit(st, "", 0)
    return "<" + fmt, names


def render(abi):
    out = ['# SPDX-License-Identifier: MIT',
           '# Generated by tools/gen_abi_py.py from firmware-iface/%s.' %
           ", ".join(abi.sources),
           '# Do not edit: regenerate (tests/system/conftest.py does).',
           '"""tlscard card ABI constants and wire-struct layouts."""',
           '', 'import struct as _struct', '']
    out.append("# ---- constants (#define and enum members) ----")
    for name, value in abi.constants.items():
        out.append("%s = %s" % (name, hex(value) if value > 9 else value))
    out.append("")
    out.append("CONSTANTS = {")
    for name in abi.constants:
        out.append("    %r: %s," % (name, name))
    out.append("}")
    out.append("")
    out.append("# ---- function-like macros ----")
    for name, (params, body) in abi.functions.items():
        out.append("")
        out.append("def %s(%s):" % (name, ", ".join(params)))
        out.append("    return %s" % body)
    out.append("")
    out.append("")
    out.append("FUNCTIONS = {%s}" % ", ".join("%r: %s" % (n, n)
                                              for n in abi.functions))
    out.append("")
    out.append("ENUMS = {")
    for ename, members in abi.enums.items():
        out.append("    %r: {%s}," % (ename, ", ".join(
            "%r: %d" % kv for kv in members.items())))
    out.append("}")
    out.append("")
    out.append("# ---- wire structs: computed layout, checked against the")
    out.append("# header's TC_CHECK_SIZE/TC_CHECK_OFFSET by the generator ----")
    out.append("STRUCTS = {")
    for name, st in abi.structs.items():
        fmt, names = struct_format(st, abi.structs)
        out.append("    %r: {" % name)
        out.append("        'size': %d," % st["size"])
        out.append("        'fields': {")
        for f in st["fields"]:
            extra = ""
            if "members" in f:
                extra = ", 'members': %r" % (f["members"],)
            out.append("            %r: {'offset': %d, 'size': %d, "
                       "'ctype': %r, 'count': %d%s}," %
                       (f["name"], f["offset"], f["size"], f["ctype"],
                        f["count"], extra))
        out.append("        },")
        out.append("        'format': %r," % fmt)
        out.append("        'names': %r," % (names,))
        out.append("    },")
    out.append("}")
    out.append('''

def unpack(name, data, offset=0):
    """Decode struct `name` from little-endian bytes into a dict."""
    st = STRUCTS[name]
    values = _struct.unpack_from(st['format'], data, offset)
    return dict(zip(st['names'], values))


def pack(name, **values):
    """Encode struct `name`; fields not given are zero."""
    st = STRUCTS[name]
    args = []
    for key, code in zip(st['names'], _codes(st['format'])):
        default = b'' if code.endswith('s') else 0
        args.append(values.pop(key, default))
    if values:
        raise KeyError('unknown fields: %s' % ', '.join(sorted(values)))
    return _struct.pack(st['format'], *args)


def _codes(fmt):
    import re
    return [c for c in re.findall(r'\\d*[BHIQsx]', fmt[1:])
            if not c.endswith('x')]
''')
    return "\n".join(out)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--headers", default=os.path.join(root, "firmware-iface"))
    ap.add_argument("--out", default=os.path.join(root, "build", "py",
                                                  "tcabi.py"))
    args = ap.parse_args()
    abi = Abi()
    try:
        abi.load(args.headers)
    except AbiError as e:
        print("gen_abi_py: %s" % e, file=sys.stderr)
        return 1
    text = render(abi)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
