#!/usr/bin/env python3
"""Write SIZE bytes of pseudo-random data (fixed seed) that cannot pass for
a program: the first word is no RAM address.

usage: random_image.py SIZE OUT
"""
import random
import sys

size, out = int(sys.argv[1], 0), sys.argv[2]
rng = random.Random(0x5EED)
data = bytearray(rng.getrandbits(8) for _ in range(size))
data[0:4] = (0xDEADBEEF).to_bytes(4, "little")
with open(out, "wb") as f:
    f.write(data)
