#!/usr/bin/python3
"""ABI surface check for libntopcore (DESIGN.md section 3).

Usage: check_symbols.py LIBNTOPCORE_SO INCLUDE_DIR BUILD_ROOT PROJECT_VERSION

Checks that
  - every dynamic symbol the shared library defines starts with ntc_ (and not ntc__),
    and is bound to a version node of lib/libntopcore.map;
  - every exported symbol is declared in include/ntopcore/*.h;
  - every function declared in the public headers is exported;
  - the soname is libntopcore.so.0;
  - the public headers define only NTC_ macros and enumerators and ntc_ types and tags, and include
    nothing but <stddef.h>, <stdint.h>, <stdbool.h> and each other (no pcap/nDPI/system types);
  - the generated ntopcore.pc exists in the build tree and describes this library (warnings, not
    failures, for what a consumer of it would also need).
Prints every problem found, then exits 1 if there was any.
"""
import glob
import os
import re
import subprocess
import sys

EXPECTED_SONAME = "libntopcore.so.0"

problems = []


def problem(msg):
    problems.append(msg)
    print("FAIL: " + msg)


def run(cmd):
    try:
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit("error: cannot run %s: %s" % (" ".join(cmd), e))


def exported_symbols(lib):
    """name -> version node, for every defined dynamic symbol (version definitions skipped)."""
    syms = {}
    for line in run(["nm", "-D", "--defined-only", lib]).splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        kind, name = parts[-2], parts[-1]
        version = ""
        if "@" in name:
            name, _, version = name.partition("@")
            version = version.lstrip("@")
        if kind == "A" and not version:
            continue  # the version node itself (NTOPCORE_0), not a symbol
        syms[name] = version
    return syms


def strip_c(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    # preprocessor lines, including continuations
    text = re.sub(r"(?m)^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", " ", text)
    return text


def declared(include_dir):
    """(functions, other identifiers) declared by the public headers: name -> header."""
    funcs, objs = {}, {}
    headers = sorted(glob.glob(os.path.join(include_dir, "*.h")))
    if not headers:
        sys.exit("error: no headers in " + include_dir)
    for h in headers:
        with open(h, encoding="utf-8") as f:
            text = strip_c(f.read())
        base = os.path.basename(h)
        # Top-level declarations start at column 0; struct members and parameters are indented.
        # The function name is the first ntc_ identifier directly followed by '('.
        for m in re.finditer(r"(?m)^(?!typedef\b)[A-Za-z_][\w \t\*]*?\b(ntc_\w+)\s*\(", text):
            funcs.setdefault(m.group(1), base)
        for m in re.finditer(r"(?m)^extern\b[^;(){}\"]*?\b(ntc_\w+)\s*(?:\[[^\]]*\])?\s*;", text):
            objs.setdefault(m.group(1), base)
    return funcs, objs


ALLOWED_SYSTEM_HEADERS = {"stddef.h", "stdint.h", "stdbool.h"}


def check_header_names(include_dir):
    """Macros NTC_ (or the NTOPCORE_ include guards), enumerators NTC_, types and tags ntc_, and
    no system, pcap or nDPI types: only <stddef.h>/<stdint.h>/<stdbool.h> and sibling headers."""
    for h in sorted(glob.glob(os.path.join(include_dir, "*.h"))):
        base = os.path.basename(h)
        with open(h, encoding="utf-8") as f:
            raw = f.read()
        nocomment = re.sub(r"/\*.*?\*/", " ", raw, flags=re.S)
        for m in re.finditer(r"(?m)^[ \t]*#[ \t]*include[ \t]*([<\"])([^>\"]+)[>\"]", nocomment):
            kind, name = m.groups()
            if kind == "<" and name not in ALLOWED_SYSTEM_HEADERS:
                problem("%s includes <%s>: public headers use only %s and each other"
                        % (base, name, ", ".join("<%s>" % x for x in sorted(ALLOWED_SYSTEM_HEADERS))))
            elif kind == '"' and not os.path.isfile(os.path.join(include_dir, name)):
                problem('%s includes "%s", which is not a public header' % (base, name))
        for m in re.finditer(r"(?m)^[ \t]*#[ \t]*define[ \t]+(\w+)", nocomment):
            if not m.group(1).startswith(("NTC_", "NTOPCORE_")) or m.group(1).startswith("NTC__"):
                problem("%s defines macro %s without the NTC_ prefix" % (base, m.group(1)))
        text = strip_c(raw)
        for m in re.finditer(r"\benum\b\s*(\w*)\s*\{([^}]*)\}", text):
            if m.group(1) and not m.group(1).startswith("ntc_"):
                problem("%s: enum tag %s without the ntc_ prefix" % (base, m.group(1)))
            for item in m.group(2).split(","):
                name = item.split("=")[0].strip()
                if name and (not name.startswith("NTC_") or name.startswith("NTC__")):
                    problem("%s: enumerator %s without the NTC_ prefix" % (base, name))
        for m in re.finditer(r"\b(?:struct|union)\s+(\w+)", text):
            if not m.group(1).startswith("ntc_"):
                problem("%s: struct/union tag %s without the ntc_ prefix" % (base, m.group(1)))
        for m in re.finditer(r"\btypedef\b[^;{]*(?:\{[^}]*\}[^;]*)?;", text):
            stmt = re.sub(r"\{[^}]*\}", " ", m.group(0))  # the body's members are not typedefs
            fp = re.search(r"\(\s*\*\s*(\w+)\s*\)", stmt)
            name = fp.group(1) if fp else re.findall(r"(\w+)\s*(?:\[[^\]]*\])?\s*;$", stmt)[-1]
            if not name.startswith("ntc_") or name.startswith("ntc__"):
                problem("%s: typedef %s without the ntc_ prefix" % (base, name))


def check_soname(lib):
    out = run(["readelf", "-d", lib])
    m = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", out)
    if not m:
        problem("%s has no SONAME" % lib)
    elif m.group(1) != EXPECTED_SONAME:
        problem("soname is %s, expected %s" % (m.group(1), EXPECTED_SONAME))
    else:
        print("ok: soname %s" % m.group(1))


def check_pc(build_root, version):
    candidates = [os.path.join(build_root, "meson-private", "ntopcore.pc"),
                  os.path.join(build_root, "meson-uninstalled", "ntopcore-uninstalled.pc")]
    found = [p for p in candidates if os.path.isfile(p)]
    if not found:
        for root, _dirs, files in os.walk(build_root):
            found += [os.path.join(root, f) for f in files
                      if f in ("ntopcore.pc", "ntopcore-uninstalled.pc")]
    if not found:
        problem("no ntopcore.pc generated under %s" % build_root)
        return
    for pc in found:
        before = len(problems)
        with open(pc, encoding="utf-8") as f:
            text = f.read()
        fields = dict(re.findall(r"(?m)^([A-Za-z.]+):[ \t]*(.*)$", text))
        if fields.get("Name") != "ntopcore":
            problem("%s: Name is %r, expected 'ntopcore'" % (pc, fields.get("Name")))
        if fields.get("Version") != version:
            problem("%s: Version is %r, expected %r" % (pc, fields.get("Version"), version))
        if "-lntopcore" not in fields.get("Libs", "").split():
            problem("%s: Libs does not link -lntopcore" % pc)
        # Not fatal (yet): what a consumer of the .pc also needs.
        if pc.endswith("-uninstalled.pc") and "/include" not in fields.get("Cflags", ""):
            print("WARN: %s: Cflags %r do not point at include/ (<ntopcore/...> not found)"
                  % (pc, fields.get("Cflags")))
        if not fields.get("Requires.private") and not fields.get("Libs.private"):
            print("WARN: %s: no Requires.private/Libs.private: static linking "
                  "(pkg-config --static) misses libpcap, nDPI, -lm, -pthread" % pc)
        if len(problems) == before:
            print("ok: %s" % pc)


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    lib, include_dir, build_root, version = sys.argv[1:]

    syms = exported_symbols(lib)
    funcs, objs = declared(include_dir)
    if not syms:
        problem("%s exports no symbols" % lib)

    for name in sorted(syms):
        if not name.startswith("ntc_") or name.startswith("ntc__"):
            problem("exported symbol %s does not use the public ntc_ prefix" % name)
        elif name not in funcs and name not in objs:
            problem("exported symbol %s is not declared in any public header" % name)
        if not syms[name]:
            problem("exported symbol %s has no version node (libntopcore.map)" % name)

    for name in sorted(funcs):
        if name not in syms:
            problem("%s (declared in %s) is not exported" % (name, funcs[name]))
    for name in sorted(objs):
        if name not in syms:
            problem("%s (declared in %s) is not exported" % (name, objs[name]))

    print("ok: %d exported symbols, %d public functions" % (len(syms), len(funcs)))
    before = len(problems)
    check_header_names(include_dir)
    if len(problems) == before:
        print("ok: public header names (macros, enumerators, types, includes)")
    check_soname(lib)
    check_pc(build_root, version)

    if problems:
        print("%d problem(s)" % len(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
