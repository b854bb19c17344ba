#!/bin/sh
# Debian's pyOCD 0.13 through pyusb: it lists the simulated probes and
# writes and reads an STM32F103 (target stm32f103rc) and the first sectors
# of an STM32F446 (target stm32f439xi, whose flash layout starts alike;
# pyOCD 0.13 has no F446 target and buffers a whole sector in RAM, so the
# 128 KiB sectors do not fit in the F446's SRAM).
swdsim=$1
. "$(dirname "$0")/../../scripts/lib.sh"
. "$(dirname "$0")/peer.sh"
py=/usr/bin/python3
if ! [ -x /usr/bin/pyocd-flashtool ] || ! $py -c 'import pyocd, usb' 2>/dev/null; then
  echo "SKIP: pyOCD is not installed (Debian package python3-pyocd); CI installs it"
  exit 77
fi

expect_exit 0 "pyocd-flashtool --list" -- "$swdsim" run --probe v2-1 --probe v3:002F00283438510B34313939 -- \
  $py /usr/bin/pyocd-flashtool --list
expect_match "$out" "STM32 STLinkV2-1 \| 066DFF485457725187212429" "lists the V2-1"
expect_match "$out" "STLINK-V3V3 \| 002F00283438510B34313939" "lists the V3"

# pyocd_round_trip CHIP PYOCD-TARGET BYTES: write with pyocd-flashtool, check
# the state file, read back with pyocd-tool.
pyocd_round_trip() {
  random_image "$tmp/$1.bin" "$3"
  expect_exit 0 "pyocd-flashtool writes the $1" -- "$swdsim" run --chip "$1" --state "$tmp/$1.state" \
    -- $py /usr/bin/pyocd-flashtool -t "$2" -a 0x08000000 "$tmp/$1.bin"
  "$swdsim" state dump "$tmp/$1.state" 0x08000000 "$3" "$tmp/$1_dump.bin"
  expect_same "$tmp/$1_dump.bin" "$tmp/$1.bin" "the $1 holds the image"
  expect_exit 0 "pyocd-tool reads the $1" -- "$swdsim" run --state "$tmp/$1.state" -- \
    $py /usr/bin/pyocd-tool -t "$2" savemem 0x08000000 "$3" "$tmp/$1_read.bin"
  expect_same "$tmp/$1_read.bin" "$tmp/$1.bin" "pyOCD reads the $1 back"
}

pyocd_round_trip stm32f103re stm32f103rc 32768
pyocd_round_trip stm32f446re stm32f439xi 16384

finish
