"""The Python binding (python/swdflash) against swdsim.

Run under the simulator with SWDFLASH_LIBRARY naming the built library:

    swdsim run --chip stm32f446re [--state S] -- python3 test_binding.py CASE [ARGS]

CASE write IMAGE_OUT: on a fresh F446, write a Katapult-like image with
    progress, read it back, verify it (and see a changed image fail), check
    what the chip boots and how it chooses (boot_config), erase a sector, change an option byte, cancel a
    write from the progress callback; IMAGE_OUT receives the image so that
    the caller can compare it with the chip's state file.
CASE rdp1: on an F446 at read protection level 1, reading the flash and
    checking the bootloader raise ReadProtectedError with the library's
    message and hint, while the option bytes stay readable.
CASE g0: on a factory-fresh G0B1, the boot configuration (BOOT0 ignored,
    the empty check) and the repair it proposes, staged as an option change.
CASE errors: failures found before any probe is used (bad image, image
    outside the flash, no such probe) raise the right exceptions; format
    names, where a byte came from, an image checked against memory regions,
    the library's names of enum values, a flash image in memory judged.
"""

import os
import struct
import sys

import swdflash

FLASH = 0x08000000
RAM_END = 0x20020000  # F446: 128 KiB SRAM
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}", file=sys.stderr)


def raises(exc_type, fn, what):
    try:
        fn()
    except exc_type as e:
        check(True, what)
        return e
    except Exception as e:  # noqa: BLE001 - a wrong exception is a failure to report
        check(False, f"{what}: raised {type(e).__name__}: {e}")
        return None
    check(False, f"{what}: no exception")
    return None


def katapult_like(size=8192, app=0x08008000):
    """A bootloader image with Katapult's signatures: a vector table whose
    handlers point into the image, "CanBoot!" right before the reset
    handler, the NACK frame of its protocol, the request code, and the
    application address it starts."""
    img = bytearray(b"\xff" * size)
    reset = 0x200
    handler = 0x240
    vectors = [RAM_END, FLASH + reset + 1] + [FLASH + handler + 1] * 14
    img[0:64] = struct.pack("<16I", *vectors)
    img[reset - 8:reset] = b"CanBoot!"
    img[reset:reset + 4] = bytes([0xfe, 0xe7, 0x00, 0xbf])  # b . ; nop
    img[handler:handler + 2] = bytes([0xfe, 0xe7])
    img[0x300:0x308] = bytes([0x01, 0x88, 0xF1, 0x00, 0x68, 0x95, 0x99, 0x03])
    img[0x310:0x318] = struct.pack("<Q", 0x5984E3FA6CA1589B)
    img[0x320:0x330] = "katapult".encode("utf-16-le")
    img[0x340:0x344] = struct.pack("<I", app)
    img[0x400:size - 256] = bytes((i * 7 + 3) & 0xFF for i in range(size - 256 - 0x400))
    return bytes(img)


def case_write(image_out):
    logs = []
    with swdflash.Context(log=lambda level, msg: logs.append((level, msg))) as ctx:
        ctx.set_log_level("debug")
        check(swdflash.version().count(".") == 2, "version() gives x.y.z")
        probes = ctx.probes()
        check(len(probes) == 1 and probes[0].serial != "", f"one probe listed: {probes}")
        check(isinstance(probes[0].kind, swdflash.ProbeKind), "the probe kind is an enum")
        with ctx.open_probe(probes[0].serial) as probe, probe.connect("auto") as target:
            chip = target.chip_info()
            check("F446" in chip.name, f"the chip is an F446: {chip.name}")
            check(chip.flash_base == FLASH and chip.flash_size == 512 * 1024,
                  f"flash at 0x08000000, 512 KiB: {chip.flash_base:#x} {chip.flash_size}")
            check(chip.connected_with in (swdflash.ConnectMode.NORMAL,
                                          swdflash.ConnectMode.UNDER_RESET),
                  f"the connect mode that worked: {chip.connected_with!r}")
            flash = target.flash_info()
            check(flash.groups[0].size == 16 * 1024, f"F446 sector 0 is 16 KiB: {flash.groups}")

            data = katapult_like()
            with open(image_out, "wb") as f:
                f.write(data)
            image = ctx.load_image(image_out)
            check(image.format == swdflash.ImageFormat.BIN and image.size == len(data),
                  f"image loaded as {image.format!r}, {image.size} bytes")
            check(image.segments == [(FLASH, data)], "a raw binary sits at 0x08000000")

            seen = []
            stats = target.write(image, progress=lambda ph, done, total: seen.append(
                (ph, done, total)))
            check(stats.verified and stats.verify == swdflash.VerifyMode.CRC,
                  f"the write is verified: {stats}")
            check(stats.image_bytes == len(data), f"image bytes: {stats.image_bytes}")
            phases = [p for p, _, _ in seen]
            check(swdflash.Phase.PROGRAM in phases and swdflash.Phase.VERIFY in phases,
                  f"progress reports program and verify phases: {sorted(set(phases))}")
            for ph in set(phases):
                dones = [d for p, d, t in seen if p == ph]
                check(dones == sorted(dones), f"progress of {ph.name} never goes backwards")
                last = [(d, t) for p, d, t in seen if p == ph][-1]
                # (The engine's PROGRAM count can pass its total by the bytes it
                # pads to the program width: reported, not this binding's to fix.)
                check(last[0] >= last[1] > 0, f"{ph.name} progress reaches its total: {last}")
            check(any(level == swdflash.LogLevel.DEBUG for level, _ in logs),
                  f"debug log messages arrive with their level: {logs[:3]}")

            back = target.read(FLASH, len(data))
            check(back == data, "the chip reads back the image")
            target.verify(image)
            target.verify(image, mode="readback")
            check(True, "verify passes (crc and readback)")
            changed = bytearray(data)
            changed[0x1000] ^= 0xFF
            with ctx.parse_image(bytes(changed), name="changed.bin", format="bin") as other:
                e = raises(swdflash.VerifyError, lambda: target.verify(other),
                           "verify of a different image raises VerifyError")
                if e is not None:
                    check(e.code == swdflash.ErrorCode.VERIFY and e.name == "SWDF_ERR_VERIFY",
                          f"the error carries its code and name: {e.code!r} {e.name}")
                    check(e.message != "", "the error carries the library's message")

            plan = target.plan(image)
            check(plan.refusal() is None, "the plan of the same image may run")
            units = plan.units
            check(len(units) == 1 and units[0].action == swdflash.UnitAction.UNCHANGED,
                  f"rewriting the same image changes nothing: {units}")
            check(plan.stats().units_unchanged == 1, "the plan's totals say so")
            plan.close()
            judged = ctx.check_image_boot(image, flash_size=chip.flash_size,
                                          ram_size=chip.ram_size, chip_name=chip.name)
            check(judged.images[0].kind == "katapult" and
                  judged.source == swdflash.BootSource.UNKNOWN,
                  f"the image is judged before writing: {judged.images[0].kind}")

            # How the F446 chooses where to start: the BOOT0 and BOOT1 pins.
            cfg = target.boot_config()
            check(cfg.pin_honoured and cfg.rom_reachable and cfg.rom_has_dfu,
                  f"F446: BOOT0 decides and reaches the ROM DFU: {cfg}")
            check((cfg.boot_pin_low, cfg.boot_pin_high) == (0x08000000, 0x1FFF0000),
                  f"F446: flash with BOOT0 low, system memory with BOOT0 high: "
                  f"{cfg.boot_pin_low:#x} {cfg.boot_pin_high:#x}")
            check(cfg.empty_check is None and cfg.repairs == [] and cfg.explain != "",
                  f"F446: no empty check, nothing to repair: {cfg.empty_check} {cfg.repairs}")

            report = target.check_bootloader()
            first = report.images[0]
            check(first.kind == "katapult" and first.is_bootloader,
                  f"check-bootloader recognises the Katapult-like image: {first.kind} "
                  f"({first.evidence})")
            check(report.base_ok and first.plausible, f"it would start: {report.verdict}")
            check(report.verdict != "", "the report has a verdict")
            check(report.details[0].app_addr == 0x08008000,
                  f"the application address it starts: {report.details[0].app_addr:#x}")

            # A second image behind it, then that sector erased alone.
            extra = bytes(range(256)) * 4
            with ctx.image_from_segments([(0x08004000, extra)], name="extra") as img2:
                s2 = target.write(img2)
                check(s2.verified, "a second image is written and verified")
            check(target.read(0x08004000, len(extra)) == extra, "the second image reads back")
            target.erase(0x08004000, 0x4000)
            check(target.read(0x08004000, 0x4000) == b"\xff" * 0x4000, "sector 1 is erased")
            check(target.read(FLASH, len(data)) == data, "sector 0 kept the bootloader")
            e = raises(swdflash.RangeError, lambda: target.erase(0x08004100, 0x100),
                       "an erase not on sector boundaries is refused")
            if e is not None:
                check("0x08004000 0x4000" in e.hint, f"the hint gives the range: {e.hint!r}")

            # Option bytes: read, change one field, write, read again.
            with target.options() as opts:
                check(opts.rdp_level == 0, f"read protection level 0: {opts.rdp_level}")
                names = [f.name for f in opts.fields]
                check("rdp" in names and "wdg_sw" in names, f"F4 option fields: {names}")
                check(opts["wdg_sw"] == "software", f"watchdog: {opts['wdg_sw']}")
                values = [v.name for v in opts.values("wdg_sw")]
                check("hardware" in values, f"wdg_sw values: {values}")
                raises(swdflash.InvalidArgError, lambda: opts.set("wdg_sw", "sometimes"),
                       "an unknown value is refused")
                raises(KeyError, lambda: opts.field("no_such_field"), "an unknown field")
                raises(swdflash.PermanentError, lambda: opts.set("rdp", "2"),
                       "RDP level 2 needs allow_permanent")
                opts.set("wdg_sw", "hardware")
                check(opts.change_count == 1 and not opts.change_erases,
                      "one change staged, no erase")
                opts.write()
                check(opts["wdg_sw"] == "hardware", "written and read back")
            with target.options() as opts:
                check(opts["wdg_sw"] == "hardware", "a new read shows the change")

            # Cancelling from the progress callback raises the callback's exception.
            class Stop(Exception):
                pass

            def stop(phase, done, total):
                if phase == swdflash.Phase.PROGRAM and done > 0:
                    raise Stop()
            big = bytes((i * 13) & 0xFF for i in range(64 * 1024))
            with ctx.image_from_segments([(0x08020000, big)]) as img3:
                e = raises(Stop, lambda: target.write(img3, progress=stop),
                           "an exception in the progress callback cancels the write")
                if e is not None:
                    check(isinstance(e.__cause__, swdflash.CancelledError),
                          f"it is chained to the library's CANCELLED: {e.__cause__!r}")
            check(target.read(FLASH, len(data)) == data, "the bootloader is still there")
        check(probe.closed and target.closed, "with-blocks close the probe and the target")


def case_rdp1():
    with swdflash.Context() as ctx, ctx.open_probe() as probe:
        target = probe.connect()
        prot = target.protection()
        check(prot.rdp_level == 1, f"the chip reports read protection level 1: {prot.rdp_level}")
        e = raises(swdflash.ReadProtectedError, lambda: target.read(FLASH, 256),
                   "reading flash at RDP 1 raises ReadProtectedError")
        if e is not None:
            check(isinstance(e, swdflash.Error), "ReadProtectedError is a swdflash.Error")
            check(e.code == swdflash.ErrorCode.READ_PROTECTED, f"code: {e.code!r}")
            check("protection" in e.message, f"the library's message: {e.message}")
            check("unlock" in e.hint, f"the hint says what to do: {e.hint!r}")
            check(e.hint in str(e), "str() of the error shows the hint")
        e = raises(swdflash.ReadProtectedError, target.check_bootloader,
                   "check_bootloader at RDP 1 raises ReadProtectedError")
        if e is not None:
            check(e.hint != "", f"with a hint: {e.hint!r}")
        with target.options() as opts:
            check(opts.rdp_level == 1, "the option bytes stay readable")
        # unlock: back to level 0, which erases the flash (the chip does it).
        with target.unlock() as opts:
            check(opts.rdp_level == 0, f"unlock reaches level 0: {opts.rdp_level}")
        check(target.read(FLASH, 256) == b"\xff" * 256, "the flash is erased and readable")
        ctx.close()
        check(target.closed and probe.closed, "closing the context closes its handles")


def case_g0():
    """A factory-fresh G0B1: the BOOT0 pin is ignored (nBOOT_SEL=1) and the
    ROM bootloader starts only while the flash is empty; the repair the
    library proposes is a field Options.set takes."""
    with swdflash.Context() as ctx, ctx.open_probe() as probe, probe.connect() as target:
        cfg = target.boot_config()
        check(not cfg.pin_honoured and cfg.empty_check is True and cfg.rom_reachable,
              f"G0: pin ignored, empty check: {cfg}")
        check(len(cfg.repairs) >= 1 and cfg.repairs[0].field.lower() == "nboot_sel",
              f"G0: the repair is nBOOT_SEL: {cfg.repairs}")
        check(isinstance(cfg.repairs[0].starts_flash, bool) and cfg.repairs[0].why != "",
              f"G0: the repair says why: {cfg.repairs[0]}")
        with target.options() as opts:
            opts.set(cfg.repairs[0].field, cfg.repairs[0].value)
            check(opts.change_count == 1, "the proposed repair stages as an option change")
            opts.discard()


def case_errors(tmpdir):
    with swdflash.Context() as ctx:
        chips = {c.id: c for c in ctx.chips()}
        f446 = chips.get("stm32f4-446")
        check(f446 is not None and f446.flash_size == 512 * 1024 and f446.dev_id == 0x421,
              f"the chip database lists the F446: {f446}")
        bad = os.path.join(tmpdir, "bad.hex")
        with open(bad, "w") as f:
            f.write(":10000000FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00\n")  # bad checksum
        e = raises(swdflash.ImageError, lambda: ctx.load_image(bad),
                   "a HEX file with a bad checksum raises ImageError")
        if e is not None:
            check("bad.hex" in e.message, f"the message names the file: {e.message}")
        raises(swdflash.IoError, lambda: ctx.load_image(os.path.join(tmpdir, "missing.bin")),
               "a missing file raises IoError")
        raises(ValueError, lambda: ctx.load_image(bad, format="zip"),
               "an unknown format name raises ValueError")
        # Format names as the library reads them (swdf_image_format_from_name).
        check(swdflash.ImageFormat.parse("hex") == swdflash.ImageFormat.IHEX and
              swdflash.ImageFormat.parse("s19") == swdflash.ImageFormat.SREC and
              swdflash.ImageFormat.parse("ELF") == swdflash.ImageFormat.ELF,
              "format names and their aliases")

        # The library's names of enum values (swdf_*_name), as the tool prints them.
        check((swdflash.VerifyMode.CRC.text, swdflash.ImageFormat.IHEX.text,
               swdflash.BootSource.FLASH.text, swdflash.UnitAction.PROGRAM.text) ==
              ("crc", "ihex", "main flash", "program"),
              f"library names: {swdflash.VerifyMode.CRC.text} {swdflash.ImageFormat.IHEX.text} "
              f"{swdflash.BootSource.FLASH.text} {swdflash.UnitAction.PROGRAM.text}")
        check(ctx.last_error == swdflash.ErrorCode.IO,  # the missing file above
              f"the context keeps the code of its last failure: {ctx.last_error!r}")

        # A flash image in memory judged for a chip (swdf_boot_check_buffer):
        # a vector table whose stack is in RAM and reset handler in flash.
        table = struct.pack("<16I", 0x20020000, *[0x08000041] * 15) + b"\xfe\xe7" * 32
        judged = ctx.check_buffer_boot(table, flash_size=512 * 1024, ram_size=128 * 1024)
        check(judged.base_ok and judged.images[0].plausible,
              f"a program in a buffer is judged plausible: {judged.verdict}")
        judged = ctx.check_buffer_boot(b"\x00" * 64, flash_size=512 * 1024, ram_size=128 * 1024)
        check(not judged.base_ok, f"zeros are not a program: {judged.verdict}")

        # Where a byte came from (swdf_image_origin) and a check against a
        # memory map (swdf_image_check_regions).
        def record(kind, addr, data):
            body = bytes([len(data), addr >> 8, addr & 0xFF, kind]) + data
            return ":" + (body + bytes([-sum(body) & 0xFF])).hex().upper() + "\n"
        text = (record(4, 0, b"\x08\x00") + record(0, 0, bytes(16)) + record(0, 16, bytes(16)) +
                record(1, 0, b""))
        with ctx.parse_image(text.encode(), name="two.hex") as img:
            check(img.format == swdflash.ImageFormat.IHEX, f"parsed as HEX: {img.format!r}")
            check(img.origin(0x08000014) == "line 3", f"origin: {img.origin(0x08000014)!r}")
            img.check_regions([(0x08000000, 0x100, "flash")])
            check(True, "an image inside the regions passes")
            img.check_regions([(0x08000000, 0x10, "flash"), (0x08000010, 0x10)])
            check(True, "adjacent regions together hold a segment")
            e = raises(swdflash.RangeError,
                       lambda: img.check_regions([(0x08000000, 0x18, "flash")]),
                       "an image past the regions raises RangeError")
            if e is not None:
                check("two.hex" in e.message and "flash" in e.message,
                      f"the message names the file and the region: {e.message}")
        e = raises(swdflash.NoProbeError, lambda: ctx.open_probe("NOSUCHSERIAL"),
                   "an unknown serial raises NoProbeError")
        with ctx.open_probe() as probe, probe.connect() as target:
            outside = ctx.image_from_segments([(0x08080000 - 16, b"\x00" * 32)])
            e = raises(swdflash.RangeError, lambda: target.write(outside),
                       "an image running past the flash raises RangeError")
            if e is not None:
                check("0x08080000" in e.message.lower() or "outside" in e.message,
                      f"the message names the range: {e.message}")
        check(target.closed, "the target is closed")
        raises(ValueError, lambda: target.read(FLASH, 4), "a closed target refuses calls")


def main(argv):
    case = argv[1] if len(argv) > 1 else ""
    if case == "write":
        case_write(argv[2])
    elif case == "rdp1":
        case_rdp1()
    elif case == "g0":
        case_g0()
    elif case == "errors":
        case_errors(argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(f"{case}: {checks} checks, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
