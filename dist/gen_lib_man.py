#!/usr/bin/env python3
"""Generate libswdflash(3) from its template and the public headers.

The overview is prose in the template; the list of headers, what each is
for (the first line of its leading comment) and the functions it declares
(every SWDF_API declaration) are read from the headers themselves, so the
page names exactly the API that is installed.

usage: gen_lib_man.py TEMPLATE OUT VERSION HEADER...
"""

import os
import re
import sys


def roff(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text.startswith((".", "'")) else text


def header_summary(text):
    """The first sentence of the header's leading comment."""
    m = re.match(r"\s*/\*(.*?)\*/", text, re.S)
    if not m:
        return ""
    words = []
    for line in m.group(1).splitlines():
        line = line.strip().lstrip("*").strip()
        if not line and words:
            break
        words.append(line)
    para = " ".join(w for w in words if w)
    sentence = re.split(r"(?<=\.)\s", para, maxsplit=1)[0]
    return sentence if sentence.endswith(".") else sentence + "."


def functions(text):
    names = []
    for m in re.finditer(r"^SWDF_API\b[^;(]*?\b(swdf_\w+)\s*\(", text, re.M):
        names.append(m.group(1))
    return names


def main(argv):
    if len(argv) < 5:
        raise SystemExit(__doc__)
    template, out, version, headers = argv[1], argv[2], argv[3], argv[4:]
    parts = []
    total = 0
    for path in headers:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        names = functions(text)
        total += len(names)
        if not names:
            continue
        parts.append(f".SS <swdflash/{os.path.basename(path)}>\n"
                     f"{roff(header_summary(text))}\n.PP\n"
                     + ",\n".join(f".BR {n} ()" for n in names) + "\n")
    if total == 0:
        raise SystemExit("no SWDF_API declarations found in the headers")
    with open(template, encoding="utf-8") as f:
        page = f.read()
    page = page.replace("@VERSION@", version).replace("@HEADERS@", "".join(parts).rstrip("\n"))
    with open(out, "w", encoding="utf-8") as f:
        f.write(page)


if __name__ == "__main__":
    main(sys.argv)
