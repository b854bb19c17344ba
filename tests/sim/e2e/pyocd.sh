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

random_image "$tmp/f1.bin" 32768
expect_exit 0 "pyocd-flashtool writes an F103" -- "$swdsim" run --chip stm32f103re \
  --state "$tmp/f1.state" -- $py /usr/bin/pyocd-flashtool -t stm32f103rc -a 0x08000000 "$tmp/f1.bin"
"$swdsim" state dump "$tmp/f1.state" 0x08000000 32768 "$tmp/f1_dump.bin"
expect_same "$tmp/f1_dump.bin" "$tmp/f1.bin" "the F103 holds the image"
expect_exit 0 "pyocd-tool reads the F103" -- "$swdsim" run --state "$tmp/f1.state" -- \
  $py /usr/bin/pyocd-tool -t stm32f103rc savemem 0x08000000 32768 "$tmp/f1_read.bin"
expect_same "$tmp/f1_read.bin" "$tmp/f1.bin" "pyOCD reads the image back"

random_image "$tmp/f4.bin" 16384
expect_exit 0 "pyocd-flashtool writes an F446" -- "$swdsim" run --chip stm32f446re \
  --state "$tmp/f4.state" -- $py /usr/bin/pyocd-flashtool -t stm32f439xi -a 0x08000000 "$tmp/f4.bin"
"$swdsim" state dump "$tmp/f4.state" 0x08000000 16384 "$tmp/f4_dump.bin"
expect_same "$tmp/f4_dump.bin" "$tmp/f4.bin" "the F446 holds the image"
expect_exit 0 "pyocd-tool reads the F446" -- "$swdsim" run --state "$tmp/f4.state" -- \
  $py /usr/bin/pyocd-tool -t stm32f439xi savemem 0x08000000 16384 "$tmp/f4_read.bin"
expect_same "$tmp/f4_read.bin" "$tmp/f4.bin" "pyOCD reads the F446 back"

finish
