#!/usr/bin/python3
"""Compile every public header alone, as C11 or as C++.

Usage: check_headers.py c11|cxx COMPILER INCLUDE_ROOT

For each include/ntopcore/*.h a translation unit is generated that includes only that header
(twice, which also checks its include guard) and is compiled with the strictest warnings:
  c11: COMPILER -std=c11   -Wall -Wextra -Werror -pedantic
  cxx: COMPILER -std=c++11 -Wall -Wextra -Werror -pedantic
Every header is tried; the ones that fail are named with the compiler's output. Exit 1 if any
failed, 77 (meson: skipped) when the compiler cannot be run.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

FLAGS = {
    "c11": (["-x", "c", "-std=c11"], ".c"),
    "cxx": (["-x", "c++", "-std=c++11"], ".cpp"),
}
COMMON = ["-Wall", "-Wextra", "-Werror", "-pedantic", "-fsyntax-only"]


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in FLAGS:
        sys.exit(__doc__)
    mode, compiler, include_root = sys.argv[1:]
    if not shutil.which(compiler):
        print("SKIP: compiler %s not found" % compiler)
        return 77
    headers = sorted(glob.glob(os.path.join(include_root, "ntopcore", "*.h")))
    if not headers:
        sys.exit("error: no headers under %s/ntopcore" % include_root)
    lang_flags, ext = FLAGS[mode]
    failed = []
    with tempfile.TemporaryDirectory(prefix="ntc-hdr-") as tmp:
        for h in headers:
            name = os.path.basename(h)
            tu = os.path.join(tmp, "tu_" + name[:-2] + ext)
            with open(tu, "w", encoding="utf-8") as f:
                f.write("#include <ntopcore/%s>\n#include <ntopcore/%s>\n" % (name, name))
            cmd = [compiler] + lang_flags + COMMON + ["-I", include_root, tu]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                failed.append(name)
                print("FAIL: %s (%s)\n  %s\n%s" % (name, mode, " ".join(cmd), r.stdout + r.stderr))
            else:
                print("ok: %s (%s)" % (name, mode))
    if failed:
        print("%d of %d headers do not compile alone as %s: %s"
              % (len(failed), len(headers), mode, ", ".join(failed)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
