"""The C API of libswdflash as ctypes declarations.

Every struct here mirrors one in include/swdflash/*.h field for field, in
the same order and with the same C types; tests/python/layout.c prints the
C layout and tests/python/test_layout.py compares. Versioned structs (those
starting with `size`) are made through `new()`, which sets `size` to this
module's sizeof, as the C *_INIT macros do: the library reads and writes
only that many bytes and refuses a struct whose size was not set.

The library is found, in this order, at the path in SWDFLASH_LIBRARY, under
its ABI name libswdflash.so.0 through the dynamic loader's search, or where
ctypes.util.find_library() says it is (when that is the same ABI).
"""

import ctypes
import ctypes.util
import os
from ctypes import (POINTER, Structure, c_char, c_char_p, c_int, c_size_t, c_uint,
                    c_uint8, c_uint16, c_uint32, c_uint64, c_void_p)

SONAME = "libswdflash.so.0"
ENV_LIBRARY = "SWDFLASH_LIBRARY"


class LibraryNotFound(OSError):
    """libswdflash.so.0 could not be loaded."""


def load_library():
    path = os.environ.get(ENV_LIBRARY)
    if path:
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            raise LibraryNotFound(f"cannot load {path} (from {ENV_LIBRARY}): {e}") from e
    try:
        return ctypes.CDLL(SONAME)
    except OSError as first:
        found = ctypes.util.find_library("swdflash")
        if found and os.path.basename(found).startswith(SONAME):
            return ctypes.CDLL(found)
        raise LibraryNotFound(
            f"cannot load {SONAME}: {first}; install libswdflash0 (or set {ENV_LIBRARY} "
            "to the library's path)") from first


# ---- structs ----------------------------------------------------------------

class Versioned(Structure):
    """A struct whose first field is its size."""

    @classmethod
    def new(cls):
        s = cls()
        s.size = ctypes.sizeof(cls)
        return s


LOG_FN = ctypes.CFUNCTYPE(None, c_void_p, c_int, c_char_p)
PROGRESS_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_int, c_uint64, c_uint64)


class CtxOpts(Versioned):
    _fields_ = [("size", c_size_t), ("log", LOG_FN), ("log_level", c_int),
                ("progress", PROGRESS_FN), ("user", c_void_p), ("chipdb_dir", c_char_p)]


class ProbeInfo(Versioned):
    _fields_ = [("size", c_size_t), ("kind", c_int), ("vid", c_uint16), ("pid", c_uint16),
                ("serial", c_char * 64), ("product", c_char * 64), ("firmware", c_char * 32),
                ("hw_version", c_uint8), ("jtag_version", c_uint8),
                ("target_voltage_mv", c_uint32), ("usb_bus", c_int), ("usb_address", c_int),
                ("busy", c_int)]


class ConnectOpts(Versioned):
    _fields_ = [("size", c_size_t), ("mode", c_int), ("freq_khz", c_uint32)]


class ChipInfo(Versioned):
    _fields_ = [("size", c_size_t), ("id", c_char * 32), ("name", c_char * 64),
                ("family", c_char * 16), ("driver", c_char * 16), ("core", c_char * 24),
                ("connected_with", c_int), ("connect_note", c_char * 160),
                ("freq_khz", c_uint32), ("dp_idcode", c_uint32), ("cpuid", c_uint32),
                ("dbgmcu_idcode", c_uint32), ("dev_id", c_uint16), ("rev_id", c_uint16),
                ("revision", c_char * 8), ("flash_base", c_uint32), ("flash_size", c_uint32),
                ("ram_base", c_uint32), ("ram_size", c_uint32), ("unique_id", c_uint32 * 3),
                ("has_unique_id", c_int), ("note", c_char * 192)]


class SectorGroup(Structure):
    _fields_ = [("addr", c_uint32), ("count", c_uint32), ("size", c_uint32),
                ("first_index", c_uint32), ("bank", c_uint8)]


class FlashInfo(Versioned):
    _fields_ = [("size", c_size_t), ("base", c_uint32), ("total", c_uint32),
                ("program_unit", c_uint32), ("bank_count", c_uint32), ("group_count", c_uint32),
                ("groups", SectorGroup * 16), ("summary", c_char * 96)]


class OptionWord(Structure):
    _fields_ = [("name", c_char * 16), ("addr", c_uint32), ("value", c_uint32)]


class ProtectionInfo(Versioned):
    _fields_ = [("size", c_size_t), ("rdp_level", c_int), ("rdp_raw", c_uint32),
                ("rdp_text", c_char * 160), ("word_count", c_uint32),
                ("words", OptionWord * 40)]


class ResetResult(Versioned):
    _fields_ = [("size", c_size_t), ("requested", c_int), ("done", c_int), ("fell_back", c_int),
                ("why", c_char * 200), ("core", c_int), ("dhcsr", c_uint32),
                ("exception", c_uint32), ("core_text", c_char * 200)]


class WriteOpts(Versioned):
    _fields_ = [("size", c_size_t), ("verify", c_int), ("mass_erase", c_int),
                ("skip_unchanged", c_int), ("method", c_int), ("run_after", c_int),
                ("journal_dir", c_char_p)]


class WriteStats(Versioned):
    _fields_ = [("size", c_size_t), ("image_bytes", c_uint64), ("units", c_uint32),
                ("units_unchanged", c_uint32), ("units_blank", c_uint32),
                ("units_erased", c_uint32), ("erase_bytes", c_uint32),
                ("program_bytes", c_uint64), ("kept_bytes", c_uint64), ("mass_erase", c_int),
                ("verify", c_int), ("verified", c_int), ("method", c_char * 16),
                ("program_width", c_uint32), ("estimated_us", c_uint64),
                ("units_programmed", c_uint32), ("units_protected", c_uint32),
                ("units_restored", c_uint32), ("kept_restored", c_int), ("journal_left", c_int)]


class PlanUnit(Structure):
    _fields_ = [("addr", c_uint32), ("size", c_uint32), ("index", c_uint32), ("bank", c_uint32),
                ("action", c_int), ("image_bytes", c_uint32), ("program_bytes", c_uint32),
                ("kept_bytes", c_uint32), ("write_protected", c_int)]


class ImageOpts(Versioned):
    _fields_ = [("size", c_size_t), ("format", c_int), ("has_base", c_int), ("base", c_uint32)]


class ImageSegment(Structure):
    _fields_ = [("addr", c_uint32), ("size", c_uint32), ("data", POINTER(c_uint8))]


class OptField(Versioned):
    _fields_ = [("size", c_size_t), ("name", c_char * 24), ("group", c_int),
                ("text", c_char * 200), ("warning", c_char * 200), ("word", c_char * 24),
                ("addr", c_uint32), ("shift", c_uint), ("width", c_uint), ("raw", c_uint32),
                ("value", c_char * 24), ("value_text", c_char * 200), ("has_default", c_int),
                ("default_raw", c_uint32), ("read_only", c_int), ("any_value", c_int),
                ("changed", c_int), ("new_raw", c_uint32), ("new_value", c_char * 24),
                ("new_value_text", c_char * 200)]


class OptValue(Versioned):
    _fields_ = [("size", c_size_t), ("raw", c_uint32), ("name", c_char * 16),
                ("text", c_char * 200), ("permanent", c_int), ("erases_flash", c_int)]


class OptWord(Versioned):
    _fields_ = [("size", c_size_t), ("name", c_char * 24), ("addr", c_uint32), ("bits", c_uint),
                ("value", c_uint32), ("new_value", c_uint32), ("read_only", c_int),
                ("consistent", c_int)]


class OptRange(Structure):
    _fields_ = [("addr", c_uint32), ("size", c_uint32), ("code_protection", c_int),
                ("field", c_char * 24)]


class OptionsWriteOpts(Versioned):
    _fields_ = [("size", c_size_t), ("flags", c_uint)]


class UnlockOpts(Versioned):
    _fields_ = [("size", c_size_t)]


BOOT_MAX_IMAGES = 8


class BootImage(Structure):
    _fields_ = [("addr", c_uint32), ("size", c_uint32), ("initial_sp", c_uint32),
                ("reset_vector", c_uint32), ("plausible", c_int), ("problem", c_char * 160),
                ("kind", c_char * 16), ("name", c_char * 48), ("is_bootloader", c_int),
                ("version", c_char * 48), ("mcu", c_char * 24), ("evidence", c_char * 320)]


class BootDetail(Structure):
    _fields_ = [("linked_for", c_uint32), ("app_addr", c_uint32),
                ("app_addr_how", c_char * 160), ("mcu_match", c_int), ("vectors", c_int),
                ("warning", c_char * 200)]


class BootReport(Versioned):
    _fields_ = [("size", c_size_t), ("base", c_uint32), ("flash_end", c_uint32),
                ("source", c_int), ("source_text", c_char * 240), ("base_ok", c_int),
                ("image_count", c_size_t), ("images", BootImage * BOOT_MAX_IMAGES),
                ("verdict", c_char * 400), ("runs", c_int),
                ("details", BootDetail * BOOT_MAX_IMAGES)]


class BootCheckOpts(Versioned):
    _fields_ = [("size", c_size_t), ("has_base", c_int), ("base", c_uint32)]


class BootMemory(Versioned):
    _fields_ = [("size", c_size_t), ("flash_base", c_uint32), ("flash_size", c_uint32),
                ("ram_base", c_uint32), ("ram_size", c_uint32), ("chip_name", c_char_p)]


class BootRepair(Structure):
    _fields_ = [("field", c_char * 16), ("value", c_char * 24), ("why", c_char * 160),
                ("starts_flash", c_int)]


BOOT_MAX_REPAIRS = 4


class BootConfig(Versioned):
    _fields_ = [("size", c_size_t), ("pin_honoured", c_int), ("boot_pin_low", c_uint32),
                ("boot_pin_high", c_uint32), ("rom_reachable", c_int), ("rom_has_dfu", c_int),
                ("empty_check", c_int), ("explain", c_char * 480), ("repair_count", c_size_t),
                ("repairs", BootRepair * BOOT_MAX_REPAIRS), ("dfu_needs", c_char * 240)]


class MemRegion(Structure):
    _fields_ = [("base", c_uint32), ("size", c_uint32), ("name", c_char_p)]


# Every struct above with its C name, for the layout test.
C_NAMES = {
    CtxOpts: "swdf_ctx_opts", ProbeInfo: "swdf_probe_info", ConnectOpts: "swdf_connect_opts",
    ChipInfo: "swdf_chip_info", SectorGroup: "swdf_sector_group", FlashInfo: "swdf_flash_info",
    OptionWord: "swdf_option_word", ProtectionInfo: "swdf_protection_info",
    ResetResult: "swdf_reset_result", WriteOpts: "swdf_write_opts",
    WriteStats: "swdf_write_stats", PlanUnit: "swdf_plan_unit", ImageOpts: "swdf_image_opts",
    ImageSegment: "swdf_image_segment", OptField: "swdf_opt_field", OptValue: "swdf_opt_value",
    OptWord: "swdf_opt_word", OptRange: "swdf_opt_range",
    OptionsWriteOpts: "swdf_options_write_opts", UnlockOpts: "swdf_unlock_opts",
    BootImage: "swdf_boot_image", BootDetail: "swdf_boot_detail", BootReport: "swdf_boot_report",
    BootCheckOpts: "swdf_boot_check_opts", BootMemory: "swdf_boot_memory",
    BootConfig: "swdf_boot_config", MemRegion: "swdf_mem_region",
}


# ---- functions ----------------------------------------------------------------

H = c_void_p  # every opaque handle
ERR = c_int
P = POINTER
U32 = c_uint32

PROTOTYPES = {
    # swdflash.h
    "swdf_strerror": (c_char_p, [ERR]),
    "swdf_err_name": (c_char_p, [ERR]),
    "swdf_version": (c_char_p, []),
    "swdf_ctx_new": (ERR, [P(H), P(CtxOpts)]),
    "swdf_ctx_free": (None, [H]),
    "swdf_ctx_set_log_level": (None, [H, c_int]),
    "swdf_ctx_errmsg": (c_char_p, [H]),
    "swdf_ctx_hint": (c_char_p, [H]),
    "swdf_ctx_last_error": (ERR, [H]),
    # probe.h
    "swdf_probe_kind_name": (c_char_p, [c_int]),
    "swdf_probe_list": (ERR, [P(c_void_p), P(c_size_t), H]),
    "swdf_probe_list_free": (None, [c_void_p]),
    "swdf_probe_list_get": (ERR, [P(ProbeInfo), c_void_p, c_size_t, c_size_t]),
    "swdf_probe_open": (ERR, [P(H), H, c_char_p]),
    "swdf_probe_close": (None, [H]),
    "swdf_probe_get_info": (ERR, [P(ProbeInfo), H]),
    "swdf_probe_set_nrst": (ERR, [H, c_int]),
    "swdf_connect_mode_name": (c_char_p, [c_int]),
    "swdf_target_connect": (ERR, [P(H), H, P(ConnectOpts)]),
    "swdf_target_disconnect": (None, [H]),
    "swdf_target_chip_info": (ERR, [P(ChipInfo), H]),
    "swdf_chipdb_count": (ERR, [P(c_size_t), H]),
    "swdf_chipdb_get": (ERR, [P(ChipInfo), H, c_size_t]),
    "swdf_target_flash_info": (ERR, [P(FlashInfo), H]),
    "swdf_target_protection": (ERR, [P(ProtectionInfo), H]),
    "swdf_mem_read": (ERR, [c_void_p, H, U32, c_size_t]),
    "swdf_mem_write": (ERR, [H, U32, c_void_p, c_size_t]),
    "swdf_mem_read32": (ERR, [P(U32), H, U32]),
    "swdf_mem_write32": (ERR, [H, U32, U32]),
    "swdf_core_halt": (ERR, [H]),
    "swdf_core_run": (ERR, [H]),
    "swdf_core_step": (ERR, [H]),
    "swdf_core_is_halted": (ERR, [P(c_int), H]),
    "swdf_core_reg_read": (ERR, [P(U32), H, c_uint]),
    "swdf_core_reg_write": (ERR, [H, c_uint, U32]),
    "swdf_target_reset": (ERR, [H, c_int]),
    "swdf_core_state_name": (c_char_p, [c_int]),
    "swdf_target_reset_ext": (ERR, [P(ResetResult), H, c_int]),
    # image.h
    "swdf_image_load": (ERR, [P(H), H, c_char_p, P(ImageOpts)]),
    "swdf_image_parse": (ERR, [P(H), H, c_void_p, c_size_t, c_char_p, P(ImageOpts)]),
    "swdf_image_from_segments": (ERR, [P(H), H, c_char_p, P(ImageSegment), c_size_t]),
    "swdf_image_free": (None, [H]),
    "swdf_image_segment_count": (c_size_t, [H]),
    "swdf_image_segment_at": (P(ImageSegment), [H, c_size_t]),
    "swdf_image_size": (c_uint64, [H]),
    "swdf_image_get_format": (c_int, [H]),
    "swdf_image_format_name": (c_char_p, [c_int]),
    "swdf_image_name": (c_char_p, [H]),
    "swdf_image_entry": (c_int, [H, P(U32)]),
    "swdf_image_format_from_name": (c_int, [c_char_p, P(c_int)]),
    "swdf_image_origin": (None, [H, U32, c_char_p, c_size_t]),
    "swdf_image_check_regions": (ERR, [H, H, P(MemRegion), c_size_t]),
    # flash.h
    "swdf_verify_mode_name": (c_char_p, [c_int]),
    "swdf_flash_write_image": (ERR, [P(WriteStats), H, H, P(WriteOpts)]),
    "swdf_unit_action_name": (c_char_p, [c_int]),
    "swdf_flash_plan_new": (ERR, [P(H), H, H, P(WriteOpts)]),
    "swdf_flash_plan_free": (None, [H]),
    "swdf_flash_plan_unit_count": (c_size_t, [H]),
    "swdf_flash_plan_unit_at": (P(PlanUnit), [H, c_size_t]),
    "swdf_flash_plan_stats": (ERR, [P(WriteStats), H]),
    "swdf_flash_plan_refusal": (ERR, [H]),
    "swdf_flash_plan_execute": (ERR, [P(WriteStats), H]),
    "swdf_flash_verify": (ERR, [H, H, c_int]),
    "swdf_flash_erase": (ERR, [H, U32, U32]),
    "swdf_flash_mass_erase": (ERR, [H]),
    # options.h
    "swdf_opt_group_name": (c_char_p, [c_int]),
    "swdf_options_read": (ERR, [P(H), H]),
    "swdf_options_free": (None, [H]),
    "swdf_options_description": (c_char_p, [H]),
    "swdf_options_source": (c_char_p, [H]),
    "swdf_options_writable": (c_int, [H]),
    "swdf_options_field_count": (c_size_t, [H]),
    "swdf_options_field": (ERR, [P(OptField), H, c_size_t]),
    "swdf_options_find": (c_int, [H, c_char_p]),
    "swdf_options_value_count": (c_size_t, [H, c_size_t]),
    "swdf_options_value": (ERR, [P(OptValue), H, c_size_t, c_size_t]),
    "swdf_options_word_count": (c_size_t, [H]),
    "swdf_options_word": (ERR, [P(OptWord), H, c_size_t]),
    "swdf_options_rdp_level": (c_int, [H]),
    "swdf_options_ranges": (c_size_t, [P(OptRange), c_size_t, H, c_int]),
    "swdf_options_set": (ERR, [H, c_char_p, c_char_p, c_uint]),
    "swdf_options_set_unlocked": (ERR, [H]),
    "swdf_options_set_unprotected": (ERR, [H]),
    "swdf_options_discard": (None, [H]),
    "swdf_options_change_count": (c_size_t, [H]),
    "swdf_options_change_erases": (c_int, [H]),
    "swdf_options_write": (ERR, [H, H, P(OptionsWriteOpts)]),
    "swdf_unlock": (ERR, [P(H), H, P(UnlockOpts)]),
    # boot.h
    "swdf_boot_source_name": (c_char_p, [c_int]),
    "swdf_boot_check": (ERR, [P(BootReport), H, P(BootCheckOpts)]),
    "swdf_boot_source_detect": (ERR, [P(c_int), c_char_p, c_size_t, H]),
    "swdf_boot_check_buffer": (ERR, [P(BootReport), H, c_void_p, c_size_t, P(BootMemory)]),
    "swdf_boot_check_image": (ERR, [P(BootReport), H, H, P(BootMemory), P(BootCheckOpts)]),
    "swdf_boot_config_read": (ERR, [P(BootConfig), H]),
}

OPT_ALLOW_PERMANENT = 0x1


def bind(lib):
    """Give every function its prototype; returns `lib`."""
    for name, (restype, argtypes) in PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib
