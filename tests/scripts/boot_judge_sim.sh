#!/bin/sh
# The simulator judges swdflash's boot verdicts (issue 12): for the stuck
# boards of each family (a valid image, an erased chip, BOOT0 held high, an
# application written at the flash base that was linked behind its
# bootloader, and the family's own traps: G0 g0-boot0-ignored and
# g0-empty-check, H7 h7-boot-add), `swdflash check-bootloader --json` and
# the diagnosis of `swdflash rescue --json` (no terminal, no --yes: nothing
# changes) must name the boot source that `swdsim state boot --reset --json`
# finds the chip starting from, and must say what is there runs (the
# firmware, or the ROM bootloader) exactly when the simulated core is then
# running or sleeping rather than locked up or in a fault handler.
#
# usage: boot_judge_sim.sh SWDSIM SWDFLASH FIRMWARE_DIR
sim=$1
cli=$2
fw=$3
. "$(dirname "$0")/lib.sh"
need_simulator "$sim"

# chip  application address
chips="stm32f103c8:0x08002000 stm32f446re:0x08008000 stm32g0b1re:0x08002000 stm32h723zg:0x08020000"
for c in $chips; do
  chip=${c%%:*}
  for f in bootloader app; do
    if [ ! -f "$fw/run_${f}_$chip.bin" ]; then
      echo "test firmware missing (arm-none-eabi-gcc not installed?): skipping"
      exit 77
    fi
  done
done

# judge NAME CHIP STATE [SCENARIO]: the three opinions, compared
judge() {
  name=$1 chip=$2 st=$3 scen=${4:-}
  set --
  [ -n "$scen" ] && set -- --scenario "$scen"
  "$sim" run --chip "$chip" --state "$st" "$@" -- "$cli" check-bootloader --json \
    >"$tmp/check.json" 2>/dev/null
  "$sim" run --chip "$chip" --state "$st" -- "$cli" rescue --json </dev/null \
    >"$tmp/rescue.json" 2>/dev/null
  "$sim" state boot "$st" --reset --ms 500 --json >"$tmp/boot.json" ||
    { fail "$name: swdsim state boot"; return; }
  verdict=$(python3 - "$tmp/check.json" "$tmp/rescue.json" "$tmp/boot.json" <<'EOF'
import json, sys
areas = {"main flash": "flash", "system memory (ST ROM bootloader)": "system-memory",
         "SRAM": "sram"}
def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        return {"unreadable": str(e)}
check, rescue, boot = (load(p) for p in sys.argv[1:4])
area = boot["boot"]["area"]
runs = boot["state"] in ("running", "sleeping")
problems = []
for who, j in (("check-bootloader", check), ("rescue", rescue.get("boot") or {})):
    src = j.get("boot_source")
    if areas.get(src) != area:
        problems.append("%s says %r, the simulator %s (%s)" % (who, src, area,
                                                            boot["boot"]["reason"]))
    if j.get("runs") != runs:
        problems.append("%s says runs=%r, the simulated core is %s at 0x%08X" %
                        (who, j.get("runs"), boot["state"], boot["pc"]))
print("; ".join(problems) if problems else "agree")
EOF
)
  if [ "$verdict" = agree ]; then pass; else fail "$name: $verdict"; fi
}

for c in $chips; do
  chip=${c%%:*} app=${c#*:}
  boot="$fw/run_bootloader_$chip.bin@0x08000000"
  application="$fw/run_app_$chip.bin@$app"

  st=$tmp/$chip-valid.state
  "$sim" state init "$st" --chip "$chip" --load "$boot" --load "$application" >/dev/null
  judge "$chip valid image" "$chip" "$st"

  st=$tmp/$chip-erased.state
  "$sim" state init "$st" --chip "$chip" >/dev/null
  judge "$chip erased" "$chip" "$st"

  st=$tmp/$chip-boot0.state
  "$sim" state init "$st" --chip "$chip" --load "$boot" --load "$application" >/dev/null
  judge "$chip BOOT0 high" "$chip" "$st" boot0=1

  st=$tmp/$chip-misplaced.state
  "$sim" state init "$st" --chip "$chip" --load "$fw/run_app_$chip.bin@0x08000000" >/dev/null
  judge "$chip application at the base" "$chip" "$st"

  case $chip in
  stm32g0*)
    st=$tmp/$chip-ignored.state
    "$sim" state init "$st" --chip "$chip" --load "$boot" --load "$application" >/dev/null
    judge "$chip g0-boot0-ignored" "$chip" "$st" g0-boot0-ignored
    st=$tmp/$chip-empty.state
    "$sim" state init "$st" --chip "$chip" --load "$boot" --load "$application" >/dev/null
    judge "$chip g0-empty-check" "$chip" "$st" g0-empty-check
    ;;
  stm32h7*)
    st=$tmp/$chip-bootadd.state
    "$sim" state init "$st" --chip "$chip" --load "$boot" --load "$application" >/dev/null
    judge "$chip h7-boot-add (system memory)" "$chip" "$st" h7-boot-add
    st=$tmp/$chip-bootadd-sram.state
    "$sim" state init "$st" --chip "$chip" --load "$boot" --load "$application" >/dev/null
    judge "$chip h7-boot-add=0x2400 (AXI SRAM)" "$chip" "$st" h7-boot-add=0x2400
    ;;
  esac
done

finish
