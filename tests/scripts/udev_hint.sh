#!/bin/sh
# A probe that cannot be opened for lack of permission (what a system
# without udev rules gives): the hint names swdflash's rules file and how to
# reload udev, in text and in JSON, and `list` points at the rules too.
# Usage: udev_hint.sh SWDSIM SWDFLASH
. "$(dirname "$0")/lib.sh"
sim=$1
cli=$2
need_simulator "$sim"

denied() {
  "$sim" run --fault usb-access@1 -- "$cli" "$@"
}

out=$(denied info 2>"$tmp/err")
rc=$?
err=$(cat "$tmp/err")
if [ "$rc" -eq 0 ]; then fail "info succeeded without permission to open the probe"; else pass; fi
expect_match "$err" "Access denied|permission" "the error says permission is missing"
expect_match "$err" "60-swdflash\.rules" "the hint names swdflash's udev rules"
expect_match "$err" "udevadm control --reload-rules" "the hint says how to reload udev"
case $err in
  *stlink-tools*) fail "the hint still sends people to stlink-tools: $err" ;;
  *) pass ;;
esac

out=$(denied --json info 2>/dev/null)
expect_match "$out" '"hint": *"[^"]*60-swdflash\.rules' "the JSON error carries the hint"

out=$(denied list 2>&1)
expect_match "$out" "no permission.*60-swdflash\.rules" "list points a busy probe at the rules"
finish
