#!/usr/bin/env python3
"""Check the udev rules: syntax as udev(7) describes it, and that every
ST-Link product id the library knows (lib/stlink/stlink_ids.c) gets the
uaccess tag. Runs `udevadm verify` too where the system's udev has it.

usage: udev_rules.py RULES STLINK_IDS_C
"""

import re
import shutil
import subprocess
import sys

# udev(7): match keys (==, !=) and assignment keys (=, +=, -=, :=).
MATCH_KEYS = {"ACTION", "DEVPATH", "KERNEL", "KERNELS", "NAME", "SYMLINK", "SUBSYSTEM",
              "SUBSYSTEMS", "DRIVER", "DRIVERS", "ATTR", "ATTRS", "SYSCTL", "ENV", "CONST",
              "TAG", "TAGS", "TEST", "PROGRAM", "RESULT"}
ASSIGN_KEYS = {"NAME", "SYMLINK", "OWNER", "GROUP", "MODE", "SECLABEL", "ATTR", "SYSCTL",
               "ENV", "TAG", "RUN", "LABEL", "GOTO", "IMPORT", "OPTIONS"}
KEYS_WITH_ARG = {"ATTR", "ATTRS", "SYSCTL", "ENV", "CONST", "TEST", "IMPORT", "RUN",
                 "SECLABEL"}
TOKEN = re.compile(r'\s*(?P<key>[A-Z]+)(?:\{(?P<arg>[^}]*)\})?\s*(?P<op>==|!=|\+=|-=|:=|=)\s*'
                   r'"(?P<value>[^"]*)"\s*(?:,|$)')

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg, file=sys.stderr)


def parse(path):
    rules = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"\\\n", " ", text)
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        tokens = []
        pos = 0
        while pos < len(line):
            m = TOKEN.match(line, pos)
            if not m or m.end() == pos:
                fail(f"line {number}: cannot parse from {line[pos:]!r}")
                break
            key, op = m.group("key"), m.group("op")
            is_match = op in ("==", "!=")
            if key not in (MATCH_KEYS if is_match else ASSIGN_KEYS):
                fail(f"line {number}: {key} cannot be used with {op}")
            if (m.group("arg") is not None) != (key in KEYS_WITH_ARG):
                fail(f"line {number}: {key} {'needs' if key in KEYS_WITH_ARG else 'takes no'}"
                     " {argument}")
            if key in ("MODE",) and not re.fullmatch(r"0?[0-7]{3}", m.group("value")):
                fail(f"line {number}: MODE {m.group('value')!r} is not an octal mode")
            tokens.append((key, m.group("arg"), op, m.group("value")))
            pos = m.end()
        rules.append((number, tokens))
    return rules


def main(argv):
    rules_path, ids_path = argv[1], argv[2]
    rules = parse(rules_path)
    labels = {v for _, toks in rules for k, _, _, v in toks if k == "LABEL"}
    for number, toks in rules:
        for k, _, _, v in toks:
            if k == "GOTO" and v not in labels:
                fail(f"line {number}: GOTO {v} has no LABEL")
    granted = set()
    for number, toks in rules:
        pids = [v.lower() for k, a, op, v in toks if k == "ATTR" and a == "idProduct" and op == "=="]
        if pids and ("TAG", None, "+=", "uaccess") in toks:
            granted.update(pids)
    with open(ids_path, encoding="utf-8") as f:
        known = {m.lower() for m in re.findall(r"\{0x([0-9A-Fa-f]{4}), SWDF_PROBE_", f.read())}
    if len(known) < 10:
        fail(f"found only {len(known)} product ids in {ids_path}")
    for pid in sorted(known - granted):
        fail(f"product id 0483:{pid} has no rule with TAG+=\"uaccess\"")
    for pid in sorted(granted - known):
        fail(f"the rules name 0483:{pid}, which the library does not know")
    vendor = [t for _, toks in rules for t in toks
              if t[0] == "ATTR" and t[1] == "idVendor"]
    if ("ATTR", "idVendor", "!=", "0483") not in vendor:
        fail("the rules do not restrict themselves to vendor 0483")
    udevadm = shutil.which("udevadm")
    if udevadm and subprocess.run([udevadm, "verify", "--help"], capture_output=True).returncode == 0:
        r = subprocess.run([udevadm, "verify", rules_path], capture_output=True, text=True)
        if r.returncode != 0:
            fail("udevadm verify: " + r.stdout + r.stderr)
    else:
        print("udevadm verify is not available: checked the syntax against udev(7) only")
    print(f"{len(known)} product ids, {len(rules)} rules, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
