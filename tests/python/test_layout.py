"""Every struct of the Python binding has the C layout: the same size and
the same offset for each field as the compiler gives (tests/python/layout.c).

usage: test_layout.py LAYOUT_PROGRAM  (with python/ on PYTHONPATH)
"""

import ctypes
import subprocess
import sys

from swdflash import _native as N


def main(argv):
    out = subprocess.run([argv[1]], check=True, capture_output=True, text=True).stdout
    c_layout = {}
    for line in out.splitlines():
        struct, field, value = line.split()
        c_layout.setdefault(struct, {})[field] = int(value)
    failures = 0
    checks = 0
    for cls, cname in N.C_NAMES.items():
        c = c_layout.get(cname)
        if c is None:
            print(f"FAIL: {cname} is not in the C layout listing")
            failures += 1
            continue
        checks += 1
        if ctypes.sizeof(cls) != c["sizeof"]:
            print(f"FAIL: sizeof({cname}): C {c['sizeof']}, Python {ctypes.sizeof(cls)}")
            failures += 1
        names = [name for name, _ in cls._fields_]
        if sorted(names) != sorted(k for k in c if k != "sizeof"):
            print(f"FAIL: {cname}: the fields differ: C {sorted(c)}, Python {sorted(names)}")
            failures += 1
        for name in names:
            checks += 1
            if getattr(cls, name).offset != c.get(name):
                print(f"FAIL: {cname}.{name}: C offset {c.get(name)}, "
                      f"Python {getattr(cls, name).offset}")
                failures += 1
    # Versioned structs get their size from new(), as the C _INIT macros do.
    for cls in N.C_NAMES:
        if issubclass(cls, N.Versioned):
            checks += 1
            if cls.new().size != ctypes.sizeof(cls):
                print(f"FAIL: {cls.__name__}.new() does not set size")
                failures += 1
    print(f"{checks} checks, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
