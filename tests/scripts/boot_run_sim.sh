#!/bin/sh
# The simulated board runs its firmware (issue 12), judged by
# `swdsim state boot` for one chip: a bootloader hands over to an
# application through its vector table, the application's clock setup gets
# through (RCC, PWR, flash ready bits), PRIMASK and BASEPRI hold pending
# exceptions off until they drop, an enabled UsageFault is taken and
# returned from, its SysTick, TIM2, PendSV and SVC handlers run and their counters advance with virtual time while it
# sleeps in WFI; a misplaced application (linked for another address) ends
# in a HardFault or lockup; a bootloader alone waits in it; an erased chip,
# an image with no valid vector table and BOOT0 high give the outcome the
# reference manual says.
#
# usage: boot_run_sim.sh SWDSIM CHIP FIRMWARE_DIR
sim=$1
chip=$2
fw=$3
. "$(dirname "$0")/lib.sh"
need_simulator "$sim"

case $chip in
  stm32f103*|stm32g0*) app=0x08002000 ;;
  stm32f4*) app=0x08008000 ;;
  stm32h7*) app=0x08020000 ;;
  *) echo "unknown chip $chip"; exit 2 ;;
esac
for f in bootloader app app_far; do
  if [ ! -f "$fw/run_${f}_$chip.bin" ]; then
    echo "test firmware $fw/run_${f}_$chip.bin missing (arm-none-eabi-gcc not installed?): skipping"
    exit 77
  fi
done
app_off=$((app - 0x08000000))

state() { # state NAME [init options...]: a fresh state file
  f="$tmp/$1.state"
  shift
  "$sim" state init "$f" --chip "$chip" "$@" >/dev/null || fail "state init $*"
  echo "$f"
}

boot() { # boot STATE [options...]: the JSON of `swdsim state boot`
  "$sim" state boot "$@" --json --read 0x20000000 --read 0x20000004 --read 0x20000008 \
    --read 0x2000000c --read 0x20000010 --read 0x20000014 --read 0x20000018 2>"$tmp/stderr" ||
    fail "state boot $*: $(cat "$tmp/stderr")"
}

json() { # json TEXT EXPR: a Python expression on the JSON `j`
  printf '%s' "$1" | python3 -c "import json,sys; j=json.load(sys.stdin); r=j['reads']
print($2)" 2>/dev/null
}

expect_eq() { # expect_eq GOT WANT WHAT
  if [ "$1" = "$2" ]; then pass; else fail "$3: got '$1', want '$2'"; fi
}

# ---- bootloader and application ------------------------------------------------
st=$(state good --load "$fw/run_bootloader_$chip.bin@0x08000000" \
  --load "$fw/run_app_$chip.bin@$app")
j=$(boot "$st" --ms 200)
expect_eq "$(json "$j" 'j["boot"]["area"]')" flash "boot source"
expect_eq "$(json "$j" 'j["state"]')" sleeping "the application sleeps in WFI"
expect_eq "$(json "$j" 'j["exception_name"]')" thread "between interrupts, in Thread mode"
expect_eq "$(json "$j" 'j["vtor"] == '"$app")" True "VTOR is the application's vector table"
expect_eq "$(json "$j" 'j["pc_region"]["memory"] == "flash" and j["pc_region"]["offset"] >= '"$app_off")" \
  True "the PC is in the application"
expect_eq "$(json "$j" 'r[0]["value"] == 0xC0FFEE01')" True "the application started"
expect_eq "$(json "$j" 'r[5]["value"]')" 1 "its clock setup saw every ready bit"
expect_eq "$(json "$j" 'r[4]["value"]')" 1 "one SVCall"
case $chip in
  stm32g0*) all=1 ;; # PRIMASK (ARMv6-M has no BASEPRI and no UsageFault)
  *) all=7 ;;        # PRIMASK, BASEPRI, UsageFault taken and returned from
esac
expect_eq "$(json "$j" 'r[6]["value"]')" "$all" "PRIMASK/BASEPRI hold off, UsageFault handled"
expect_eq "$(json "$j" '150 <= r[1]["value"] <= 200')" True "SysTick at 1 kHz ($(json "$j" 'r[1]["value"]'))"
expect_eq "$(json "$j" '70 <= r[2]["value"] <= 100')" True "TIM2 at 500 Hz ($(json "$j" 'r[2]["value"]'))"
expect_eq "$(json "$j" 'r[3]["value"] == r[1]["value"] // 10')" True "PendSV every 10 ticks"
ticks200=$(json "$j" 'r[1]["value"]')
j=$(boot "$st" --ms 400)
expect_eq "$(json "$j" 'r[1]["value"] > '"$ticks200"' + 150')" True \
  "the counter advances with virtual time ($ticks200, then $(json "$j" 'r[1]["value"]'))"
j=$(boot "$st" --ms 100 --reset)
expect_eq "$(json "$j" 'j["power_on"]')" False "--reset: a system reset"
expect_eq "$(json "$j" 'j["state"]')" sleeping "after a system reset the application runs again"

# ---- a misplaced application: HardFault or lockup -------------------------------
st=$(state far --load "$fw/run_bootloader_$chip.bin@0x08000000" \
  --load "$fw/run_app_far_$chip.bin@$app")
j=$(boot "$st" --ms 100)
s=$(json "$j" 'j["state"]')
case $s in
  locked-up|fault-handler) pass ;;
  *) fail "misplaced application: state $s, want locked-up or fault-handler ($j)" ;;
esac
case $chip in
  stm32g0*) ;; # ARMv6-M: no fault status registers
  *) expect_eq "$(json "$j" 'j["hfsr"] & 0x40000000 != 0 or j["cfsr"] != 0')" True \
       "the fault status registers say why" ;;
esac

# ---- the bootloader alone waits in it -----------------------------------------
st=$(state alone --load "$fw/run_bootloader_$chip.bin@0x08000000")
j=$(boot "$st" --ms 100)
expect_eq "$(json "$j" 'j["state"]')" sleeping "no application: the bootloader waits"
expect_eq "$(json "$j" 'j["pc_region"]["offset"] < '"$app_off")" True "in the bootloader"

# ---- an erased chip ------------------------------------------------------------
st=$(state erased)
j=$(boot "$st" --ms 10)
case $chip in
  stm32g0*) # RM0444 §2.5: the empty check sends an erased chip to the ROM bootloader
    expect_eq "$(json "$j" 'j["boot"]["area"]')" system-memory "erased G0 boots the ROM"
    expect_eq "$(json "$j" 'j["pc_region"]["memory"]')" system-memory "and runs there" ;;
  *) # the reset vector reads 0xFFFFFFFF: a fault on the first fetch, lockup
    expect_eq "$(json "$j" 'j["state"]')" locked-up "erased chip locks up"
    expect_eq "$(json "$j" 'j["pc"]')" 4294967294 "at the lockup address" ;;
esac

# ---- no valid vector table: a reset handler without the Thumb bit ----------------
python3 -c "import struct,sys; sys.stdout.buffer.write(struct.pack('<8I', 0x20004000, 0x08000100, *[0x08000100]*6))" \
  >"$tmp/arm.bin"
st=$(state arm --load "$tmp/arm.bin@0x08000000")
j=$(boot "$st" --ms 10)
expect_eq "$(json "$j" 'j["state"]')" locked-up \
  "a vector table of ARM-state addresses: INVSTATE, HardFault, lockup"

# ---- BOOT0 high ------------------------------------------------------------------
case $chip in
  stm32g0*) boot0="--option boot0=1 --option nboot_sel=0" ;;
  *) boot0="--option boot0=1" ;;
esac
# shellcheck disable=SC2086
st=$(state boot0 --load "$fw/run_bootloader_$chip.bin@0x08000000" \
  --load "$fw/run_app_$chip.bin@$app" $boot0)
j=$(boot "$st" --ms 50)
expect_eq "$(json "$j" 'j["boot"]["area"]')" system-memory "BOOT0 high selects the system memory"
expect_eq "$(json "$j" 'j["pc_region"]["memory"]')" system-memory "the core runs the ROM bootloader"

finish
