#!/usr/bin/env python3
"""Generate swdsim(1) from the built launcher's own help texts.

`swdsim help` and `swdsim help COMMAND` are shown as they are, so the page
says exactly what the program does.

usage: gen_man.py SWDSIM VERSION OUT
"""

import re
import subprocess
import sys


def roff_verbatim(text):
    lines = []
    for line in text.rstrip("\n").splitlines():
        line = line.replace("\\", "\\e").replace("-", "\\-")
        lines.append("\\&" + line if line.startswith((".", "'")) else line)
    return ".nf\n" + "\n".join(lines) + "\n.fi\n"


def main(argv):
    if len(argv) != 4:
        raise SystemExit(__doc__)
    swdsim, version, out = argv[1:]

    def helptext(*args):
        return subprocess.run([swdsim, "help", *args], check=True, capture_output=True,
                              text=True).stdout

    main_help = helptext()
    commands = re.findall(r"^  ([a-z]+) ", main_help.split("commands:", 1)[-1], re.M)
    page = [".\\\" swdsim(1), generated from `swdsim help` by tests/sim/gen_man.py.",
            f'.TH SWDSIM 1 "" "swdsim {version}" "User Commands"',
            ".SH NAME",
            "swdsim \\- simulated ST\\-Link probes and STM32 chips for testing flash tools",
            ".SH SYNOPSIS",
            ".B swdsim",
            "\\fICOMMAND\\fR [\\fIARGS\\fR]",
            ".SH DESCRIPTION",
            roff_verbatim(main_help).rstrip("\n"),
            ".SH COMMANDS"]
    for name in commands:
        if name == "help":
            continue
        page.append(f".SS {name}")
        page.append(roff_verbatim(helptext(name)).rstrip("\n"))
    page += [".SH SEE ALSO", ".BR swdflash (1)", ""]
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(page))


if __name__ == "__main__":
    main(sys.argv)
