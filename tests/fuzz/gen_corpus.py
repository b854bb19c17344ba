#!/usr/bin/env python3
"""Write the seed corpus of the fuzz harnesses (tests/fuzz/corpus/NAME/).

Valid examples of each format, made here from first principles, plus edge
cases; the option and chip files are the project's own. Run from anywhere:

    python3 tests/fuzz/gen_corpus.py [--stlink-seeds BUILD/tests/fuzz/fuzz_stlink_seeds]

The optional tool (built with the tests) records the probe replies of the
unit tests' scripted sessions as seeds for the ST-Link harness.
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def put(harness, name, data):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def program(base=0x08000000, sp=0x20005000, words=16, code=64):
    """A small Cortex-M image: a vector table and some Thumb code."""
    reset = base + 4 * words + 1
    vec = [sp, reset] + [reset] * (words - 2)
    body = struct.pack("<%dI" % words, *vec)
    body += bytes([0x00, 0xBF] * (code // 2))  # NOPs
    return body


# ---- Intel HEX -----------------------------------------------------------

def ihex_record(rtype, addr, data):
    rec = bytes([len(data), addr >> 8 & 0xFF, addr & 0xFF, rtype]) + data
    return ":" + (rec + bytes([-sum(rec) & 0xFF])).hex().upper()


def ihex(image, base=0x08000000, width=16, start=None, segment=False):
    lines = []
    upper = None
    for off in range(0, len(image), width):
        addr = base + off
        if segment:
            seg = (addr >> 4) & 0xF000
            if seg != upper:
                lines.append(ihex_record(2, 0, struct.pack(">H", seg)))
                upper = seg
            lines.append(ihex_record(0, addr - (seg << 4), image[off:off + width]))
        else:
            if addr >> 16 != upper:
                upper = addr >> 16
                lines.append(ihex_record(4, 0, struct.pack(">H", upper)))
            lines.append(ihex_record(0, addr & 0xFFFF, image[off:off + width]))
    if start is not None:
        lines.append(ihex_record(5, 0, struct.pack(">I", start)))
    lines.append(ihex_record(1, 0, b""))
    return "\n".join(lines) + "\n"


# ---- S-record ------------------------------------------------------------

def srec_record(rtype, addr, data, addr_len):
    body = (addr % (1 << (8 * addr_len))).to_bytes(addr_len, "big") + data
    rec = bytes([len(body) + 1]) + body
    return "S%d" % rtype + (rec + bytes([~sum(rec) & 0xFF])).hex().upper()


def srec(image, base=0x08000000, rtype=3, width=16, count=True):
    addr_len = {1: 2, 2: 3, 3: 4}[rtype]
    end = {1: 9, 2: 8, 3: 7}[rtype]
    lines = [srec_record(0, 0, b"swdflash", 2)]
    n = 0
    for off in range(0, len(image), width):
        lines.append(srec_record(rtype, base + off, image[off:off + width], addr_len))
        n += 1
    if count:
        lines.append(srec_record(5, n, b"", 2))
    start_len = 4 - {9: 2, 8: 1, 7: 0}[end]
    lines.append(srec_record(end, (base + 0x41) % (1 << (8 * start_len)), b"", start_len))
    return "\n".join(lines) + "\n"


# ---- ELF -----------------------------------------------------------------

def elf(segments, entry, machine=40, etype=2, cls=1, data=1):
    """ELF32 with one program header per (paddr, vaddr, bytes, memsz)."""
    phoff = 52
    offset = phoff + 32 * len(segments)
    phdrs = b""
    blobs = b""
    for paddr, vaddr, blob, memsz in segments:
        phdrs += struct.pack("<8I", 1, offset + len(blobs), vaddr, paddr, len(blob),
                             max(memsz, len(blob)), 5, 4)
        blobs += blob
    ident = b"\x7fELF" + bytes([cls, data, 1, 0]) + bytes(8)
    header = ident + struct.pack("<HHIIIIIHHHHHH", etype, machine, 1, entry, phoff, 0, 0x5000200,
                                 52, 32, len(segments), 40, 0, 0)
    return header + phdrs + blobs


def make_ihex():
    img = program()
    put("ihex", "program.hex", ihex(img, start=0x08000041))
    put("ihex", "two-ranges.hex", ihex(img, 0x08000000) .replace(":00000001FF\n", "")
        + ihex(b"\x01\x02\x03\x04", 0x1FFFC000))
    put("ihex", "segment-wrap.hex",
        ihex_record(2, 0, b"\x10\x00") + "\n" + ihex_record(0, 0xFFF8, bytes(range(16))) + "\n"
        + ihex_record(3, 0, b"\x00\x00\x01\x00") + "\n" + ihex_record(1, 0, b"") + "\n")
    put("ihex", "crlf-lowercase.hex", ihex(img[:32]).lower().replace("\n", "\r\n"))
    put("ihex", "top-of-memory.hex",
        ihex_record(4, 0, b"\xff\xff") + "\n" + ihex_record(0, 0xFFF0, bytes(16)) + "\n"
        + ihex_record(1, 0, b"") + "\n")
    put("ihex", "no-eof.hex", ihex_record(0, 0, b"\x01\x02") + "\n")
    put("ihex", "bad-checksum.hex", ":0400000001020304F0\n:00000001FF\n")
    put("ihex", "overlap.hex", ihex(img[:16]).replace(":00000001FF\n", "") + ihex(img[8:24], 0x08000008))
    put("ihex", "empty-lines.hex", "\n\n  \t\n" + ihex(img[:16]) + "\n\n")


def make_srec():
    img = program()
    put("srec", "s3.s37", srec(img, 0x08000000, 3))
    put("srec", "s2.s28", srec(img, 0x080000, 2, count=False))
    put("srec", "s1.s19", srec(img[:48], 0x1000, 1))
    put("srec", "top.s37", srec(bytes(16), 0xFFFFFFF0, 3))
    put("srec", "no-end.s19", srec_record(1, 0, b"\x01\x02", 2) + "\n")
    put("srec", "s6-count.s28", srec_record(2, 0x10, b"\xAA", 3) + "\n"
        + srec_record(6, 1, b"", 3) + "\n" + srec_record(8, 0x10, b"", 3) + "\n")
    put("srec", "bad-count.s19", "S10500000102F7\nS9030000FC\n")


def make_elf():
    img = program()
    data = bytes(range(32))
    put("elf", "program.elf", elf([(0x08000000, 0x08000000, img, len(img)),
                                   (0x08000000 + len(img), 0x20000000, data, 64)], 0x08000041))
    put("elf", "paddr-zero.elf", elf([(0, 0x08000000, img, len(img))], 0x08000041))
    put("elf", "bss-only.elf", elf([(0x20000000, 0x20000000, b"", 256),
                                    (0x08000000, 0x08000000, img[:16], 16)], 0x08000041))
    put("elf", "overlap.elf", elf([(0x08000000, 0x08000000, img, 0),
                                   (0x08000010, 0x08000010, data, 0)], 0))
    put("elf", "top.elf", elf([(0xFFFFFFF0, 0xFFFFFFF0, bytes(16), 16)], 0))
    put("elf", "wrong-machine.elf", elf([(0x08000000, 0x08000000, img, 0)], 0, machine=62))
    put("elf", "elf64.elf", elf([(0x08000000, 0x08000000, img, 0)], 0, cls=2))
    put("elf", "truncated.elf", elf([(0x08000000, 0x08000000, img, 0)], 0)[:80])


def make_image():
    """Selector byte (bit 3: force raw binary, bit 4: base given, bits 0-2: name),
    base (LE32), then the file."""
    img = program()
    def sel(name_idx, force_bin=False, has_base=False):
        return bytes([name_idx | (8 if force_bin else 0) | (16 if has_base else 0)])
    put("image", "bin-default", sel(1) + struct.pack("<I", 0) + img)
    put("image", "bin-at-base", sel(1, True, True) + struct.pack("<I", 0x08002000) + img)
    put("image", "bin-top", sel(0, True, True) + struct.pack("<I", 0xFFFFFF00) + bytes(256))
    put("image", "bin-wraps", sel(0, True, True) + struct.pack("<I", 0xFFFFFFF0) + bytes(32))
    put("image", "hex-auto", sel(0) + struct.pack("<I", 0) + ihex(img).encode())
    put("image", "hex-named-bin", sel(1) + struct.pack("<I", 0) + ihex(img).encode())
    put("image", "srec-auto", sel(6) + struct.pack("<I", 0) + srec(img).encode())
    put("image", "elf-named-hex", sel(2) + struct.pack("<I", 0)
        + elf([(0x08000000, 0x08000000, img, 0)], 0x08000041))
    put("image", "hex-with-base", sel(2, False, True) + struct.pack("<I", 0x08000000)
        + ihex(img[:16]).encode())


def make_chipdb():
    for name in ("f1.chip", "f4.chip", "g0.chip", "h7.chip"):
        shutil.copy(os.path.join(ROOT, "chipdb", name), os.path.join(HERE, "corpus", "chipdb", name))
    put("chipdb", "inherit.chip", """# a new part of a known family
[stm32f4-fuzzpart]
inherit = stm32f4-446
name = STM32F4 fuzz part
dev_id = 0x4AB
flash_max = 256K
ram = 0x20000000 64K
""")
    put("chipdb", "defaults-dual.chip", """[defaults]
family = x1
driver = stm32f4
core = Cortex-M4

[x1-dual]
name = dual-bank part
dev_id = 0x419
idcode_addr = 0xE0042000
flash_max = 2M
flash_size_reg = 0x1FFF7A22
flash_size_map = 0=2048 0xFFFF=1024
sectors = 4x16K 1x64K 7x128K
banks = 2
bank_split = fixed 1M
bank2_first_index = 12
dual_bank_option = 0x40023C14 !30
dual_sectors = 4x16K 1x64K 7x128K
dual_banks = 2
dual_bank_split = half
program_unit = 4
ram = 0x20000000 192K
""")


def make_optdesc():
    for name in ("stm32f1.opt", "stm32f4.opt", "stm32g0.opt", "stm32h7.opt"):
        shutil.copy(os.path.join(ROOT, "chipdb", "options", name),
                    os.path.join(HERE, "corpus", "optdesc", name))


def make_bootscan():
    """Memory selector byte (0: 64K/20K, 1: 512K/128K, ...), then the flash."""
    f103, f446 = b"\x00", b"\x01"
    app = program(0x08002000)
    put("bootscan", "erased", f103 + b"\xff" * 64)
    put("bootscan", "program-at-base", f103 + program())
    put("bootscan", "minimal-program", f103 + struct.pack("<II", 0x20005000, 0x08000009)
        + b"\x00\xbf\xfe\xe7")
    put("bootscan", "bootloader-and-app", f103 + program(code=0x2000 - 128).ljust(0x2000, b"\xff")
        + app)
    # Katapult: "CanBoot!" right before the reset handler, and its NACK frame.
    kat = bytearray(program(code=256))
    reset = struct.unpack_from("<I", kat, 4)[0] & ~1
    off = reset - 0x08000000
    kat[off - 8:off] = b"CanBoot!"
    kat += bytes([0x01, 0x88, 0xF1, 0x00, 0x68, 0x95, 0x99, 0x03])
    kat += "katapult".encode("utf-16-le")
    put("bootscan", "katapult", f446 + bytes(kat))
    # Klipper: the compressed data dictionary.
    dictionary = b'{"app": "Klipper", "version": "v0.12.0-1-gabcdef", "config": {"MCU": "stm32f446xx"}}'
    klip = program(0x08008000, code=64) + zlib.compress(dictionary) + "Klipper".encode("utf-16-le")
    put("bootscan", "klipper-at-32k", f446 + bytes(kat).ljust(0x8000, b"\xff") + klip)
    put("bootscan", "usb-descriptor", f103 + program()
        + bytes([0x12, 0x01, 0x00, 0x02, 0, 0, 0, 64, 0x50, 0x1D, 0x4E, 0x61, 0, 1, 1, 2, 3, 1]))


def make_inflate():
    """Output-size byte (bits 0-6: size / 512; bit 7 clear adds 1), then the stream."""
    text = b'{"app": "Klipper", "version": "v0.12.0", "commands": {"get_uptime": 1}}' * 4
    put("inflate", "level9", b"\x10" + zlib.compress(text, 9))
    put("inflate", "level1", b"\x10" + zlib.compress(bytes(range(256)) * 8, 1))
    put("inflate", "stored", b"\x10" + zlib.compress(text, 0))
    put("inflate", "empty", b"\x01" + zlib.compress(b""))
    put("inflate", "too-big", b"\x80" + zlib.compress(text))
    put("inflate", "bad-adler", b"\x10" + zlib.compress(text)[:-1] + b"\x00")
    # Fixed Huffman codes only (a short input).
    put("inflate", "fixed", b"\x01" + zlib.compress(b"abcabcabcabc"))
    put("inflate", "truncated", b"\x10" + zlib.compress(text)[:20])


def make_stlink(tool):
    if tool is None:
        return
    out = os.path.join(HERE, "corpus", "stlink")
    subprocess.run([tool, out], check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stlink-seeds", help="path of the fuzz_stlink_seeds tool")
    args = ap.parse_args()
    make_ihex()
    make_srec()
    make_elf()
    make_image()
    make_chipdb()
    make_optdesc()
    make_bootscan()
    make_inflate()
    make_stlink(args.stlink_seeds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
