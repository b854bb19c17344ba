#!/usr/bin/env python3
"""Test images and expected flash contents for the flash end-to-end tests.

Written independently of libswdflash's readers, so that a reader bug cannot
hide behind the same bug in the test.

  flashimg.py random SEED SIZE OUT        deterministic pseudo-random bytes
  flashimg.py ihex IN ADDR OUT            Intel HEX (extended linear records)
  flashimg.py srec IN ADDR OUT            Motorola S-record (S0, S3, S5, S7)
  flashimg.py expect OLD BASE OUT PART... OLD with each PART laid over it;
        PART is FILE@ADDR (raw bytes) or elf:FILE (PT_LOAD segments at p_paddr)
  flashimg.py same A B BASE [ADDR LEN]    exit 0 when A and B are equal (in the
        range), else print the first differing address and exit 1
  flashimg.py blank FILE BASE ADDR LEN    exit 0 when the range is all 0xFF
  flashimg.py partial WANT GOT BASE UNIT  exit 0 when every UNIT-byte word of
        GOT is either as in WANT or all 0xFF (a write stopped part way)
"""
import random
import struct
import sys


def cmd_random(seed, size, out):
    rng = random.Random(int(seed, 0))
    with open(out, "wb") as f:
        f.write(bytes(rng.getrandbits(8) for _ in range(int(size, 0))))


def read(path):
    with open(path, "rb") as f:
        return f.read()


def cmd_ihex(src, addr, out):
    data, addr = read(src), int(addr, 0)
    lines, upper = [], None

    def record(rtype, offset, payload):
        body = bytes([len(payload), offset >> 8 & 0xFF, offset & 0xFF, rtype]) + payload
        return ":" + (body + bytes([-sum(body) & 0xFF])).hex().upper()

    i = 0
    while i < len(data):
        a = addr + i
        n = min(32, len(data) - i, 0x10000 - (a & 0xFFFF))  # records stay in one 64 KiB page
        if a >> 16 != upper:
            upper = a >> 16
            lines.append(record(4, 0, struct.pack(">H", upper)))
        lines.append(record(0, a & 0xFFFF, data[i:i + n]))
        i += n
    lines.append(record(5, 0, struct.pack(">I", addr | 1)))
    lines.append(record(1, 0, b""))
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


def cmd_srec(src, addr, out):
    data, addr = read(src), int(addr, 0)

    def record(rtype, address, alen, payload):
        body = bytes([alen + len(payload) + 1]) + address.to_bytes(alen, "big") + payload
        return "S%d" % rtype + (body + bytes([~sum(body) & 0xFF])).hex().upper()

    lines = [record(0, 0, 2, b"test")]
    count = 0
    for i in range(0, len(data), 32):
        lines.append(record(3, addr + i, 4, data[i:i + 32]))
        count += 1
    if count < 0x10000:
        lines.append(record(5, count, 2, b""))
    lines.append(record(7, addr, 4, b""))
    with open(out, "w") as f:
        f.write("\r\n".join(lines) + "\r\n")


def elf_segments(path):
    data = read(path)
    if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1:
        sys.exit(f"{path}: not a little-endian ELF32 file")
    phoff, = struct.unpack_from("<I", data, 28)
    phentsize, phnum = struct.unpack_from("<HH", data, 42)
    for i in range(phnum):
        ptype, off, _vaddr, paddr, filesz = struct.unpack_from("<5I", data, phoff + i * phentsize)
        if ptype == 1 and filesz > 0:
            yield paddr, data[off:off + filesz]


def cmd_expect(old, base, out, *parts):
    flash, base = bytearray(read(old)), int(base, 0)
    for part in parts:
        if part.startswith("elf:"):
            pieces = list(elf_segments(part[4:]))
        else:
            path, at = part.rsplit("@", 1)
            pieces = [(int(at, 0), read(path))]
        for at, payload in pieces:
            off = at - base
            if off < 0 or off + len(payload) > len(flash):
                sys.exit(f"{part}: 0x{at:08x} + {len(payload)} is outside the flash")
            flash[off:off + len(payload)] = payload
    with open(out, "wb") as f:
        f.write(flash)


def cmd_same(a, b, base, addr=None, length=None):
    x, y, base = read(a), read(b), int(base, 0)
    start = int(addr, 0) - base if addr else 0
    end = start + int(length, 0) if length else max(len(x), len(y))
    if len(x) < end or len(y) < end:
        print(f"short file: {len(x)} / {len(y)} bytes, need {end}")
        sys.exit(1)
    for i in range(start, end):
        if x[i] != y[i]:
            print(f"first difference at 0x{base + i:08x}: {x[i]:02x} != {y[i]:02x}")
            sys.exit(1)


def cmd_blank(path, base, addr, length):
    data, start = read(path), int(addr, 0) - int(base, 0)
    for i in range(start, start + int(length, 0)):
        if data[i] != 0xFF:
            print(f"0x{int(base, 0) + i:08x} is 0x{data[i]:02x}, not erased")
            sys.exit(1)


def cmd_partial(want, got, base, unit):
    x, y, base, unit = read(want), read(got), int(base, 0), int(unit, 0)
    for i in range(0, min(len(x), len(y)), unit):
        if y[i:i + unit] != x[i:i + unit] and y[i:i + unit] != b"\xff" * unit:
            print(f"the word at 0x{base + i:08x} holds data that were never asked for")
            sys.exit(1)


def main():
    commands = {"random": cmd_random, "ihex": cmd_ihex, "srec": cmd_srec,
                "expect": cmd_expect, "same": cmd_same, "blank": cmd_blank,
                "partial": cmd_partial}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
