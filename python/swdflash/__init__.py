"""Program STM32 microcontrollers over SWD through ST-Link probes.

A binding of libswdflash's C API (include/swdflash/*.h) through ctypes,
with nothing beyond Python's standard library. It loads libswdflash.so.0
(set SWDFLASH_LIBRARY to load another copy, e.g. from a build tree).

    import swdflash

    with swdflash.Context() as ctx:
        for p in ctx.probes():
            print(p.serial, p.product)
        with ctx.open_probe() as probe, probe.connect() as target:
            print(target.chip_info().name)
            image = ctx.load_image("katapult.bin")          # raw binary at 0x08000000
            stats = target.write(image, progress=lambda phase, done, total: ...)
            data = target.read(0x08000000, 4096)
            report = target.check_bootloader()
            print(report.verdict)

Every failure raises swdflash.Error (or the subclass for its code, such as
swdflash.ReadProtectedError) carrying the library's `code`, `name`,
`message` and `hint`. Results are plain objects whose attributes are the C
structs' fields as Python values (str, int, bool, lists, enums).

Handles (Context, Probe, Target, Image, Options, Plan) are closed by
close(), by `with`, or when garbage collected; closing a Context first
closes what was made from it. As in C, one context and its handles are for
one thread at a time.
"""

import builtins
import ctypes
import enum
import logging
import os
import weakref
from ctypes import byref, c_int, c_size_t, c_uint32, c_void_p

from . import _native as N

__all__ = [
    "Context", "Probe", "Target", "Image", "Options", "Plan", "Record", "Error",
    "ErrorCode", "LogLevel", "Phase", "ProbeKind", "ConnectMode", "ResetKind", "CoreState",
    "VerifyMode", "FlashMethod", "ImageFormat", "UnitAction", "OptGroup", "BootSource",
    "version", "DEFAULT_BASE",
]

DEFAULT_BASE = 0x08000000  # SWDF_IMAGE_DEFAULT_BASE: where every STM32 maps its flash

_LIB = None


def _lib():
    global _LIB  # the loaded library is a cache, not state of any operation
    if _LIB is None:
        _LIB = N.bind(N.load_library())
    return _LIB


def _text(b):
    return b.decode("utf-8", "replace") if b is not None else ""


def version():
    """Version of the loaded libswdflash, e.g. "0.1.0"."""
    return _text(_lib().swdf_version())


# ---- enums (the values of the C enums) -----------------------------------------

class _Named(enum.IntEnum):
    """An enum that also parses the names the CLI and library use."""

    @property
    def text(self):
        """The library's own name for the value (swdf_verify_mode_name and
        the like: "crc", "main flash", ...), as the tool prints it."""
        fn = _C_NAME_FNS.get(type(self).__name__)
        if fn is None:
            return self.name.lower().replace("_", "-")
        return _text(getattr(_lib(), fn)(int(self)))

    @classmethod
    def parse(cls, value):
        if isinstance(value, cls):
            return value
        if isinstance(value, int):
            return cls(value)
        key = str(value).strip().upper().replace("-", "_").replace(" ", "_")
        key = cls._aliases().get(key, key)
        try:
            return cls[key]
        except KeyError:
            names = ", ".join(m.name.lower().replace("_", "-") for m in cls)
            raise ValueError(f"{value!r} is not a {cls.__name__} ({names})") from None

    @classmethod
    def _aliases(cls):
        return {}


class ErrorCode(_Named):
    OK = 0
    INVALID_ARG = -1
    NO_MEMORY = -2
    IO = -3
    USB = -4
    TIMEOUT = -5
    NO_PROBE = -6
    PROBE_AMBIGUOUS = -7
    PROBE_ACCESS = -8
    PROBE_FIRMWARE = -9
    NO_TARGET = -10
    TARGET_POWER = -11
    SWD = -12
    WAIT = -13
    MEM_FAULT = -14
    UNKNOWN_CHIP = -15
    READ_PROTECTED = -16
    WRITE_PROTECTED = -17
    FLASH = -18
    VERIFY = -19
    UNSUPPORTED = -20
    IMAGE = -21
    RANGE = -22
    HALT = -23
    CANCELLED = -24
    PERMANENT = -25
    INTERNAL = -26
    NRST = -27


class LogLevel(_Named):
    ERROR = 0
    WARN = 1
    INFO = 2
    DEBUG = 3
    TRACE = 4


class Phase(_Named):
    READ = 0
    ERASE = 1
    PROGRAM = 2
    VERIFY = 3
    CHECK = 4


class ProbeKind(_Named):
    V2 = 0
    V2_1 = 1
    V3 = 2


class ConnectMode(_Named):
    AUTO = 0
    NORMAL = 1
    HOT_PLUG = 2
    UNDER_RESET = 3


class ResetKind(_Named):
    HARD = 0
    SOFT = 1
    HALT = 2


class CoreState(_Named):
    UNKNOWN = 0
    RUNNING = 1
    SLEEPING = 2
    HALTED = 3
    LOCKED_UP = 4
    FAULT = 5
    IN_RESET = 6
    STALLED = 7


class VerifyMode(_Named):
    CRC = 0
    READBACK = 1
    NONE = 2


class FlashMethod(_Named):
    AUTO = 0
    LOADER = 1
    REGISTERS = 2


class ImageFormat(_Named):
    AUTO = 0
    BIN = 1
    IHEX = 2
    SREC = 3
    ELF = 4

    @classmethod
    def parse(cls, value):
        """A member from itself, its number, or a name as the library reads
        it (swdf_image_format_from_name: "bin", "ihex" or "hex", "srec",
        "s19"..., "elf", "auto")."""
        if not isinstance(value, str):
            return super().parse(value)
        out = c_int()
        if _lib().swdf_image_format_from_name(value.strip().lower().encode(), byref(out)) != 0:
            names = ", ".join(m.name.lower() for m in cls)
            raise ValueError(f"{value!r} is not an ImageFormat ({names})")
        return cls(out.value)


class UnitAction(_Named):
    UNCHANGED = 0
    PROGRAM = 1
    ERASE = 2


class OptGroup(_Named):
    RDP = 0
    WRP = 1
    WATCHDOG = 2
    RESET = 3
    BOR = 4
    BOOT = 5
    USER = 6
    STATUS = 7
    OTHER = 8


class BootSource(_Named):
    UNKNOWN = 0
    FLASH = 1
    SYSTEM = 2
    SRAM = 3


# ---- errors ------------------------------------------------------------------------

# The library's swdf_*_name function of each enum that has one (_Named.text).
_C_NAME_FNS = {
    "ProbeKind": "swdf_probe_kind_name",
    "ConnectMode": "swdf_connect_mode_name",
    "CoreState": "swdf_core_state_name",
    "VerifyMode": "swdf_verify_mode_name",
    "ImageFormat": "swdf_image_format_name",
    "UnitAction": "swdf_unit_action_name",
    "OptGroup": "swdf_opt_group_name",
    "BootSource": "swdf_boot_source_name",
}


class Error(Exception):
    """A libswdflash failure: `code` (ErrorCode), `name` ("SWDF_ERR_USB"),
    `message` (what went wrong) and `hint` (what to do about it, or "")."""

    def __init__(self, code, message, hint=""):
        self.code = ErrorCode(code) if code in ErrorCode._value2member_map_ else code
        self.name = _text(_lib().swdf_err_name(int(code)))
        self.message = message or _text(_lib().swdf_strerror(int(code)))
        self.hint = hint or ""
        super().__init__(self.message)

    def __str__(self):
        return self.message + (f"\nhint: {self.hint}" if self.hint else "")


def _camel(name):
    return "".join(part.capitalize() for part in name.split("_"))


# One subclass per code, e.g. ReadProtectedError for SWDF_ERR_READ_PROTECTED.
# TimeoutError is also the built-in TimeoutError.
_ERROR_CLASSES = {}
for _code in ErrorCode:
    if _code is ErrorCode.OK:
        continue
    _bases = (Error, builtins.TimeoutError) if _code is ErrorCode.TIMEOUT else (Error,)
    _cls = type(_camel(_code.name) + "Error", _bases,
                {"__doc__": f"SWDF_ERR_{_code.name}", "__module__": __name__})
    _ERROR_CLASSES[_code] = _cls
    globals()[_cls.__name__] = _cls
    __all__.append(_cls.__name__)
del _code, _bases, _cls


def _error(code, message, hint=""):
    cls = _ERROR_CLASSES.get(code, Error) if code in ErrorCode._value2member_map_ else Error
    return cls(code, message, hint)


# ---- results -----------------------------------------------------------------------

class Record:
    """A result: the fields of a C struct as Python attributes."""

    def __init__(self, typename, fields):
        self._typename = typename
        self.__dict__.update(fields)

    def as_dict(self):
        def plain(v):
            if isinstance(v, Record):
                return v.as_dict()
            if isinstance(v, list):
                return [plain(x) for x in v]
            return v
        return {k: plain(v) for k, v in self.__dict__.items() if not k.startswith("_")}

    def __eq__(self, other):
        return isinstance(other, Record) and self.as_dict() == other.as_dict()

    def __repr__(self):
        inner = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items() if not k.startswith("_"))
        return f"{self._typename}({inner})"


# Fields that hold one of the enums above.
_ENUM_FIELDS = {
    ("ProbeInfo", "kind"): ProbeKind,
    ("ChipInfo", "connected_with"): ConnectMode,
    ("ResetResult", "requested"): ResetKind,
    ("ResetResult", "done"): ResetKind,
    ("ResetResult", "core"): CoreState,
    ("WriteStats", "verify"): VerifyMode,
    ("PlanUnit", "action"): UnitAction,
    ("OptField", "group"): OptGroup,
    ("BootReport", "source"): BootSource,
}
# Flags (C int 0/1) given as bool.
_BOOL_FIELDS = {
    "busy", "has_unique_id", "fell_back", "mass_erase", "verified", "kept_restored",
    "journal_left", "write_protected", "has_default", "read_only", "any_value", "changed",
    "permanent", "erases_flash", "consistent", "code_protection", "plausible", "is_bootloader",
    "base_ok", "runs", "pin_honoured", "rom_reachable", "rom_has_dfu", "starts_flash",
}
# Arrays of which only the first N entries are filled: field -> the field giving N.
_COUNT_FIELDS = {
    ("FlashInfo", "groups"): "group_count",
    ("ProtectionInfo", "words"): "word_count",
    ("BootReport", "images"): "image_count",
    ("BootReport", "details"): "image_count",
    ("BootConfig", "repairs"): "repair_count",
}


def _value(owner, name, v):
    if isinstance(v, bytes):
        return _text(v)
    if isinstance(v, ctypes.Structure):
        return _record(v)
    if isinstance(v, ctypes.Array):
        return [_value(owner, name, x) for x in v]
    kind = _ENUM_FIELDS.get((owner, name))
    if kind is not None:
        return kind(v) if v in kind._value2member_map_ else v
    if name in _BOOL_FIELDS:
        return bool(v)
    if name in ("mcu_match", "empty_check"):  # -1: does not apply
        return None if v < 0 else bool(v)
    return v


def _record(struct):
    owner = type(struct).__name__
    fields = {}
    for name, _ in struct._fields_:
        if name == "size" and isinstance(struct, N.Versioned):
            continue
        fields[name] = _value(owner, name, getattr(struct, name))
    for (cls, name), count in _COUNT_FIELDS.items():
        if cls == owner:
            fields[name] = fields[name][:getattr(struct, count)]
    return Record(owner, fields)


# ---- handles ---------------------------------------------------------------------

class _Handle:
    """Owns one C handle; freed once, by close() or when collected. A handle
    made from another (a target from its probe) keeps that one alive, and
    closing a handle first closes those made from it."""

    _free = None  # name of the C function that frees the handle

    def __init__(self, ctx, handle, parent=None):
        self._h = None
        self._children = []
        # A Context is its own root: no reference to itself, so that it is in
        # no cycle and is collected only after every handle made from it.
        self._ctx = ctx if ctx is not self else None
        self._parent = parent if parent is not None else self._ctx
        if self._parent is not None:
            self._parent._adopt(self)
        self._h = handle

    def _adopt(self, child):
        self._children = [r for r in self._children if r() is not None and not r().closed]
        self._children.append(weakref.ref(child))

    def _handle(self):
        if self._h is None:
            raise ValueError(f"{type(self).__name__} is closed")
        return self._h

    @property
    def closed(self):
        return self._h is None

    def close(self):
        if self._h is None:
            return
        for ref in reversed(self._children):
            child = ref()
            if child is not None:
                child.close()
        self._children = []
        h, self._h = self._h, None
        getattr(_lib(), self._free)(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class _Callbacks:
    """What the C callbacks call. Kept apart from the Context so that the
    context is in no reference cycle and is freed after its handles."""

    def __init__(self, log, progress):
        self.log = log
        self.progress = progress
        self.progress_error = None

    def on_log(self, _user, level, msg):
        try:
            text = _text(msg)
            lvl = LogLevel(level) if level in LogLevel._value2member_map_ else LogLevel.DEBUG
            if self.log is None:
                py_level = {LogLevel.ERROR: logging.ERROR, LogLevel.WARN: logging.WARNING,
                            LogLevel.INFO: logging.INFO}.get(lvl, logging.DEBUG)
                logging.getLogger("swdflash").log(py_level, "%s", text)
            else:
                self.log(lvl, text)
        except Exception:  # a log line is not worth stopping the job for
            pass

    def on_progress(self, _user, phase, done, total):
        if self.progress_error is not None:
            return 1
        if self.progress is None:
            return 0
        try:
            self.progress(Phase(phase) if phase in Phase._value2member_map_ else phase,
                          done, total)
        except BaseException as e:  # noqa: B036 - re-raised by the call that reported
            self.progress_error = e
            return 1
        return 0


class Context(_Handle):
    """A libswdflash context: the root of every other handle.

    log: a callable (LogLevel, str) receiving the library's messages; by
         default they go to the `logging` logger "swdflash".
    log_level: messages above this level are not produced.
    progress: a callable (Phase, done, total) for every operation; a write
         can name its own. Raising an exception in it cancels the operation
         at its next safe point, and the exception is raised again from the
         call (with the library's SWDF_ERR_CANCELLED as its cause).
    chipdb_dir: a directory of extra chip database files (*.chip).
    """

    _free = "swdf_ctx_free"

    def __init__(self, log=None, log_level=LogLevel.INFO, progress=None, chipdb_dir=None):
        self._h = None
        self._cb = _Callbacks(log, progress)
        cb = self._cb
        self._log_fn = N.LOG_FN(cb.on_log)
        self._progress_fn = N.PROGRESS_FN(cb.on_progress)
        opts = N.CtxOpts.new()
        opts.log = self._log_fn
        opts.log_level = int(LogLevel.parse(log_level))
        opts.progress = self._progress_fn
        self._chipdb = os.fsencode(chipdb_dir) if chipdb_dir is not None else None
        opts.chipdb_dir = self._chipdb
        h = c_void_p()
        err = _lib().swdf_ctx_new(byref(h), byref(opts))
        if err != 0:
            raise _error(err, _text(_lib().swdf_strerror(err)))
        super().__init__(self, h.value)

    # -- errors --

    @property
    def last_error(self):
        """The code of the last failure on this context (swdf_ctx_last_error);
        ErrorCode.OK when none."""
        return ErrorCode(_lib().swdf_ctx_last_error(self._handle()))

    def _check(self, err):
        if err == 0:
            self._cb.progress_error = None
            return
        h = self._handle()
        lib = _lib()
        exc = _error(err, _text(lib.swdf_ctx_errmsg(h)), _text(lib.swdf_ctx_hint(h)))
        pending, self._cb.progress_error = self._cb.progress_error, None
        if pending is not None and err == ErrorCode.CANCELLED:
            raise pending from exc
        raise exc

    def _with_progress(self, progress):
        return _ProgressScope(self._cb, progress)

    def set_log_level(self, level):
        """Change which messages the library produces (a LogLevel or its name)."""
        _lib().swdf_ctx_set_log_level(self._handle(), int(LogLevel.parse(level)))

    @property
    def progress(self):
        return self._cb.progress

    @progress.setter
    def progress(self, fn):
        self._cb.progress = fn

    # -- probes --

    def probes(self):
        """The connected probes (an empty list when there are none)."""
        lib = _lib()
        arr = c_void_p()
        count = c_size_t()
        self._check(lib.swdf_probe_list(byref(arr), byref(count), self._handle()))
        try:
            result = []
            for i in range(count.value):
                info = N.ProbeInfo.new()
                self._check(lib.swdf_probe_list_get(byref(info), arr, count, i))
                result.append(_record(info))
            return result
        finally:
            lib.swdf_probe_list_free(arr)

    def open_probe(self, serial=None):
        """Open the probe with this serial number, or the only one."""
        h = c_void_p()
        s = serial.encode() if serial is not None else None
        self._check(_lib().swdf_probe_open(byref(h), self._handle(), s))
        return Probe(self, h.value)

    def chips(self):
        """The chip database: what each known chip is (id, name, family,
        core, dev_id, flash and RAM), without connecting to one."""
        lib = _lib()
        count = c_size_t()
        self._check(lib.swdf_chipdb_count(byref(count), self._handle()))
        result = []
        for i in range(count.value):
            info = N.ChipInfo.new()
            self._check(lib.swdf_chipdb_get(byref(info), self._handle(), i))
            result.append(_record(info))
        return result

    # -- images --

    @staticmethod
    def _image_opts(format, base):
        o = N.ImageOpts.new()
        o.format = int(ImageFormat.parse(format))
        if base is not None:
            o.has_base = 1
            o.base = base
        return o

    def load_image(self, path, format=ImageFormat.AUTO, base=None):
        """Read an image file (bin, Intel HEX, S-record or ELF). A raw binary
        goes to `base` (default 0x08000000)."""
        h = c_void_p()
        o = self._image_opts(format, base)
        self._check(_lib().swdf_image_load(byref(h), self._handle(), os.fsencode(path),
                                           byref(o)))
        return Image(self, h.value)

    def parse_image(self, data, name=None, format=ImageFormat.AUTO, base=None):
        """An image from bytes in memory (the format detected unless given)."""
        h = c_void_p()
        o = self._image_opts(format, base)
        buf = ctypes.create_string_buffer(bytes(data), len(data))
        self._check(_lib().swdf_image_parse(byref(h), self._handle(), buf, len(data),
                                            name.encode() if name else None, byref(o)))
        return Image(self, h.value)

    def image_from_segments(self, segments, name=None):
        """An image from (address, bytes) pairs, in any order."""
        segments = list(segments)
        arr = (N.ImageSegment * max(len(segments), 1))()
        keep = []
        for i, (addr, data) in enumerate(segments):
            buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(bytes(data))
            keep.append(buf)
            arr[i].addr = addr
            arr[i].size = len(data)
            arr[i].data = ctypes.cast(buf, ctypes.POINTER(ctypes.c_uint8))
        h = c_void_p()
        self._check(_lib().swdf_image_from_segments(byref(h), self._handle(),
                                                    name.encode() if name else None, arr,
                                                    len(segments)))
        return Image(self, h.value)

    # -- boot checks without a chip --

    @staticmethod
    def _boot_memory(flash_size, ram_size, flash_base, ram_base, chip_name):
        m = N.BootMemory.new()
        m.flash_base, m.flash_size = flash_base, flash_size
        m.ram_base, m.ram_size = ram_base, ram_size
        m.chip_name = chip_name.encode() if chip_name else None
        return m

    def check_buffer_boot(self, data, flash_size, ram_size, flash_base=DEFAULT_BASE,
                          ram_base=0x20000000, chip_name=None):
        """What a chip whose flash held `data` from its base (the rest
        erased) would boot (swdf_boot_check_buffer; boot source unknown)."""
        report = N.BootReport.new()
        mem = self._boot_memory(flash_size, ram_size, flash_base, ram_base, chip_name)
        buf = ctypes.create_string_buffer(bytes(data), len(data))
        self._check(_lib().swdf_boot_check_buffer(byref(report), self._handle(), buf, len(data),
                                                  byref(mem)))
        return _record(report)

    def check_image_boot(self, image, flash_size, ram_size, flash_base=DEFAULT_BASE,
                         ram_base=0x20000000, chip_name=None, base=None):
        """What a chip whose flash held only `image` would boot (a report like
        Target.check_bootloader's, with the boot source unknown)."""
        report = N.BootReport.new()
        mem = self._boot_memory(flash_size, ram_size, flash_base, ram_base, chip_name)
        opts = N.BootCheckOpts.new()
        if base is not None:
            opts.has_base, opts.base = 1, base
        self._check(_lib().swdf_boot_check_image(byref(report), self._handle(),
                                                 image._handle(), byref(mem), byref(opts)))
        return _record(report)


class _ProgressScope:
    def __init__(self, cb, progress):
        self.cb, self.progress = cb, progress

    def __enter__(self):
        self.saved = self.cb.progress
        if self.progress is not None:
            self.cb.progress = self.progress
        self.cb.progress_error = None

    def __exit__(self, *exc):
        self.cb.progress = self.saved
        self.cb.progress_error = None


class Probe(_Handle):
    """An open ST-Link probe (Context.open_probe)."""

    _free = "swdf_probe_close"

    def info(self):
        """Kind, serial, firmware and the target voltage measured now."""
        info = N.ProbeInfo.new()
        self._ctx._check(_lib().swdf_probe_get_info(byref(info), self._handle()))
        return _record(info)

    def set_nrst(self, asserted):
        """Drive NRST low (True) or release it (False)."""
        self._ctx._check(_lib().swdf_probe_set_nrst(self._handle(), 1 if asserted else 0))

    def connect(self, mode=ConnectMode.AUTO, freq_khz=0):
        """Attach to the target over SWD and identify the chip. `mode`:
        "auto", "normal", "hot-plug" or "under-reset"; `freq_khz` 0 for the
        probe's default clock."""
        o = N.ConnectOpts.new()
        o.mode = int(ConnectMode.parse(mode))
        o.freq_khz = freq_khz
        h = c_void_p()
        self._ctx._check(_lib().swdf_target_connect(byref(h), self._handle(), byref(o)))
        return Target(self._ctx, h.value, parent=self)  # the target borrows the probe


class Image(_Handle):
    """A firmware image: sorted, non-overlapping (address, bytes) segments."""

    _free = "swdf_image_free"

    @property
    def segments(self):
        lib = _lib()
        h = self._handle()
        out = []
        for i in range(lib.swdf_image_segment_count(h)):
            s = lib.swdf_image_segment_at(h, i).contents
            out.append((s.addr, ctypes.string_at(s.data, s.size)))
        return out

    @property
    def size(self):
        """Data bytes over all segments."""
        return _lib().swdf_image_size(self._handle())

    @property
    def format(self):
        return ImageFormat(_lib().swdf_image_get_format(self._handle()))

    @property
    def name(self):
        return _text(_lib().swdf_image_name(self._handle()))

    @property
    def entry(self):
        """The start address the file names, or None."""
        e = c_uint32()
        return e.value if _lib().swdf_image_entry(self._handle(), byref(e)) else None

    def origin(self, addr):
        """Where the byte at `addr` came from, for messages: "line 12" or
        "offset 0x1F4" (outside the image: the nearest record before it)."""
        buf = ctypes.create_string_buffer(64)
        _lib().swdf_image_origin(self._handle(), addr, buf, len(buf))
        return _text(buf.value)

    def check_regions(self, regions):
        """Check that every byte lies inside the (base, size[, name]) regions
        (adjacent ones together may hold a segment); raises RangeError naming
        the file, the line or offset and the range outside."""
        regions = list(regions)
        names = [os.fsencode(r[2]) if len(r) > 2 and r[2] is not None else None
                 for r in regions]
        arr = (N.MemRegion * max(len(regions), 1))()
        for i, r in enumerate(regions):
            arr[i].base, arr[i].size, arr[i].name = r[0], r[1], names[i]
        self._ctx._check(_lib().swdf_image_check_regions(self._handle(), self._ctx._handle(),
                                                         arr, len(regions)))


def _write_opts(verify, mass_erase, skip_unchanged, method, run_after, journal_dir):
    o = N.WriteOpts.new()
    o.verify = int(VerifyMode.parse(verify))
    o.mass_erase = 1 if mass_erase else 0
    o.skip_unchanged = 1 if skip_unchanged else 0
    o.method = int(FlashMethod.parse(method))
    o.run_after = 1 if run_after else 0
    o.journal_dir = os.fsencode(journal_dir) if journal_dir is not None else None
    return o


class Target(_Handle):
    """A connected chip (Probe.connect). Disconnect before closing the probe."""

    _free = "swdf_target_disconnect"

    def disconnect(self):
        self.close()

    def _call(self, fn, *args):
        self._ctx._check(getattr(_lib(), fn)(*args))

    def _get(self, struct_cls, fn, *args):
        s = struct_cls.new()
        self._call(fn, byref(s), self._handle(), *args)
        return _record(s)

    # -- identity --

    def chip_info(self):
        """IDs, names, memory, and how the connection was made."""
        return self._get(N.ChipInfo, "swdf_target_chip_info")

    def flash_info(self):
        """Banks and erase units of the flash."""
        return self._get(N.FlashInfo, "swdf_target_flash_info")

    def protection(self):
        """Read-protection level and the raw option words."""
        return self._get(N.ProtectionInfo, "swdf_target_protection")

    # -- memory --

    def read(self, addr, length):
        """`length` bytes of any memory from `addr`, as bytes."""
        buf = ctypes.create_string_buffer(max(length, 1))
        self._call("swdf_mem_read", buf, self._handle(), addr, length)
        return buf.raw[:length]

    def write_memory(self, addr, data):
        """Write RAM or peripheral memory (not flash: see write())."""
        data = bytes(data)
        buf = ctypes.create_string_buffer(data, max(len(data), 1))
        self._call("swdf_mem_write", self._handle(), addr, buf, len(data))

    def read32(self, addr):
        v = c_uint32()
        self._call("swdf_mem_read32", byref(v), self._handle(), addr)
        return v.value

    def write32(self, addr, value):
        self._call("swdf_mem_write32", self._handle(), addr, value)

    # -- core --

    def halt(self):
        self._call("swdf_core_halt", self._handle())

    def run(self):
        self._call("swdf_core_run", self._handle())

    def step(self):
        self._call("swdf_core_step", self._handle())

    def is_halted(self):
        v = c_int()
        self._call("swdf_core_is_halted", byref(v), self._handle())
        return bool(v.value)

    def reg_read(self, reg):
        v = c_uint32()
        self._call("swdf_core_reg_read", byref(v), self._handle(), reg)
        return v.value

    def reg_write(self, reg, value):
        self._call("swdf_core_reg_write", self._handle(), reg, value)

    def reset(self, kind=ResetKind.HARD):
        """Reset ("hard", "soft" or "halt"); says which reset was done and
        what the core did afterwards."""
        return self._get(N.ResetResult, "swdf_target_reset_ext", int(ResetKind.parse(kind)))

    # -- flash --

    def write(self, image, verify=VerifyMode.CRC, mass_erase=False, skip_unchanged=True,
              method=FlashMethod.AUTO, run_after=False, journal_dir=None, progress=None):
        """Write `image` (an Image) and verify it; returns what was done
        (erase units left alone, erased, programmed; kept bytes; verified).
        Nothing is erased before every check that could refuse has passed."""
        opts = _write_opts(verify, mass_erase, skip_unchanged, method, run_after, journal_dir)
        stats = N.WriteStats.new()
        with self._ctx._with_progress(progress):
            self._call("swdf_flash_write_image", byref(stats), self._handle(),
                       image._handle(), byref(opts))
        return _record(stats)

    def write_file(self, path, base=None, format=ImageFormat.AUTO, **write_args):
        """Load an image file and write it (see write())."""
        with self._ctx.load_image(path, format=format, base=base) as image:
            return self.write(image, **write_args)

    def plan(self, image, verify=VerifyMode.CRC, mass_erase=False, skip_unchanged=True,
             method=FlashMethod.AUTO, run_after=False, journal_dir=None):
        """What writing `image` takes, found without changing the flash."""
        opts = _write_opts(verify, mass_erase, skip_unchanged, method, run_after, journal_dir)
        h = c_void_p()
        self._call("swdf_flash_plan_new", byref(h), self._handle(), image._handle(),
                   byref(opts))
        plan = Plan(self._ctx, h.value, parent=self)  # freed before the target disconnects
        plan._image = image
        return plan

    def verify(self, image, mode=VerifyMode.CRC, progress=None):
        """Compare the flash with `image`; raises VerifyError naming where it differs."""
        with self._ctx._with_progress(progress):
            self._call("swdf_flash_verify", self._handle(), image._handle(),
                       int(VerifyMode.parse(mode)))

    def erase(self, addr, length, progress=None):
        """Erase the units in [addr, addr + length); both ends on unit boundaries."""
        with self._ctx._with_progress(progress):
            self._call("swdf_flash_erase", self._handle(), addr, length)

    def mass_erase(self, progress=None):
        """Erase the whole flash and check that it reads blank."""
        with self._ctx._with_progress(progress):
            self._call("swdf_flash_mass_erase", self._handle())

    # -- option bytes --

    def options(self):
        """Read and decode the option bytes (works under read protection)."""
        h = c_void_p()
        self._call("swdf_options_read", byref(h), self._handle())
        return Options(self._ctx, h.value, self)

    def unlock(self):
        """Remove read and write protection (level 1 to 0 erases the whole
        flash); returns the options as they are afterwards."""
        h = c_void_p()
        o = N.UnlockOpts.new()
        err = _lib().swdf_unlock(byref(h), self._handle(), byref(o))
        result = Options(self._ctx, h.value, self) if h.value else None
        if err != 0 and result is not None:
            result.close()
        self._ctx._check(err)
        return result

    # -- boot --

    def check_bootloader(self, base=None):
        """What the chip will boot: boot source, the programs and bootloaders
        found (Katapult, Klipper, ...), whether they will run, and a verdict."""
        opts = N.BootCheckOpts.new()
        if base is not None:
            opts.has_base, opts.base = 1, base
        return self._get(N.BootReport, "swdf_boot_check", byref(opts))

    def boot_config(self):
        """How the chip chooses where to start, from its option bytes: whether
        the BOOT0 pin counts (pin_honoured), the address started with BOOT0
        low and high, whether the ROM bootloader is reachable and offers DFU,
        the empty check (None where the family has none), an explanation,
        what DFU needs, and the option changes (repairs: field, value, why,
        starts_flash) that make the ROM bootloader reachable. Raises
        UnsupportedError for a family without known boot rules."""
        return self._get(N.BootConfig, "swdf_boot_config_read")

    def boot_source(self):
        """(BootSource, how that was found out) for the last reset."""
        src = c_int()
        why = ctypes.create_string_buffer(512)
        self._call("swdf_boot_source_detect", byref(src), why, len(why), self._handle())
        return BootSource(src.value), _text(why.value)


class Plan(_Handle):
    """A write worked out before anything changes (Target.plan)."""

    _free = "swdf_flash_plan_free"

    @property
    def units(self):
        lib = _lib()
        h = self._handle()
        return [_record(lib.swdf_flash_plan_unit_at(h, i).contents)
                for i in range(lib.swdf_flash_plan_unit_count(h))]

    def stats(self):
        s = N.WriteStats.new()
        self._ctx._check(_lib().swdf_flash_plan_stats(byref(s), self._handle()))
        return _record(s)

    def refusal(self):
        """None when the plan may be executed, else the Error its execution
        would raise before touching the flash."""
        try:
            self._ctx._check(_lib().swdf_flash_plan_refusal(self._handle()))
        except Error as e:
            return e
        return None

    def execute(self, progress=None):
        """Erase and program (and verify) as planned; at most once."""
        s = N.WriteStats.new()
        with self._ctx._with_progress(progress):
            self._ctx._check(_lib().swdf_flash_plan_execute(byref(s), self._handle()))
        return _record(s)


class Options(_Handle):
    """The decoded option bytes of a chip (Target.options). Change fields
    with set(), then write() them to the chip."""

    _free = "swdf_options_free"

    def __init__(self, ctx, handle, target):
        super().__init__(ctx, handle)  # stays valid after the target disconnects
        self._target = target

    @property
    def description(self):
        return _text(_lib().swdf_options_description(self._handle()))

    @property
    def source(self):
        """The reference manual sections the description follows."""
        return _text(_lib().swdf_options_source(self._handle()))

    @property
    def writable(self):
        return bool(_lib().swdf_options_writable(self._handle()))

    @property
    def rdp_level(self):
        """Read protection level 0, 1 or 2; None when it cannot be told."""
        v = _lib().swdf_options_rdp_level(self._handle())
        return None if v < 0 else v

    @property
    def fields(self):
        lib = _lib()
        h = self._handle()
        out = []
        for i in range(lib.swdf_options_field_count(h)):
            f = N.OptField.new()
            self._ctx._check(lib.swdf_options_field(byref(f), h, i))
            out.append(_record(f))
        return out

    def _index(self, name):
        i = _lib().swdf_options_find(self._handle(), name.encode())
        if i < 0:
            names = ", ".join(f.name for f in self.fields)
            raise KeyError(f"no option field {name!r} (fields: {names})")
        return i

    def field(self, name):
        f = N.OptField.new()
        self._ctx._check(_lib().swdf_options_field(byref(f), self._handle(), self._index(name)))
        return _record(f)

    def __getitem__(self, name):
        """The current value of a field by name ("software"), or its number."""
        return self.field(name).value

    def values(self, name):
        """The listed values of a field."""
        lib = _lib()
        h = self._handle()
        i = self._index(name)
        out = []
        for k in range(lib.swdf_options_value_count(h, i)):
            v = N.OptValue.new()
            self._ctx._check(lib.swdf_options_value(byref(v), h, i, k))
            out.append(_record(v))
        return out

    @property
    def words(self):
        lib = _lib()
        h = self._handle()
        out = []
        for i in range(lib.swdf_options_word_count(h)):
            w = N.OptWord.new()
            self._ctx._check(lib.swdf_options_word(byref(w), h, i))
            out.append(_record(w))
        return out

    def ranges(self, staged=False):
        """Protected flash ranges as read, or with the changes set so far."""
        lib = _lib()
        h = self._handle()
        n = lib.swdf_options_ranges(None, 0, h, 1 if staged else 0)
        arr = (N.OptRange * max(n, 1))()
        n = lib.swdf_options_ranges(arr, n, h, 1 if staged else 0)
        return [_record(arr[i]) for i in range(n)]

    def set(self, name, value, allow_permanent=False):
        """Give field `name` a new value (a listed name or a number), to be
        written by write(). Read protection level 2 needs allow_permanent."""
        flags = N.OPT_ALLOW_PERMANENT if allow_permanent else 0
        self._ctx._check(_lib().swdf_options_set(self._handle(), name.encode(),
                                                 str(value).encode(), flags))

    def set_unlocked(self):
        self._ctx._check(_lib().swdf_options_set_unlocked(self._handle()))

    def set_unprotected(self):
        self._ctx._check(_lib().swdf_options_set_unprotected(self._handle()))

    def discard(self):
        _lib().swdf_options_discard(self._handle())

    @property
    def change_count(self):
        return _lib().swdf_options_change_count(self._handle())

    @property
    def change_erases(self):
        """True when writing the changes erases the whole flash (RDP 1 to 0)."""
        return bool(_lib().swdf_options_change_erases(self._handle()))

    def write(self, allow_permanent=False):
        """Write the changes to the chip the options were read from, make it
        load them, read them back and compare."""
        o = N.OptionsWriteOpts.new()
        o.flags = N.OPT_ALLOW_PERMANENT if allow_permanent else 0
        self._ctx._check(_lib().swdf_options_write(self._handle(), self._target._handle(),
                                                   byref(o)))
