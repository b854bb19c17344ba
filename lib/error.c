#include "internal.h"

struct err_entry {
  swdf_err code;
  const char *name;
  const char *text;
};

/* One row per code; the tests check that every code in the enum has one. */
static const struct err_entry err_table[] = {
    {SWDF_OK, "SWDF_OK", "success"},
    {SWDF_ERR_INVALID_ARG, "SWDF_ERR_INVALID_ARG", "invalid argument"},
    {SWDF_ERR_NO_MEMORY, "SWDF_ERR_NO_MEMORY", "out of memory"},
    {SWDF_ERR_IO, "SWDF_ERR_IO", "file input/output error"},
    {SWDF_ERR_USB, "SWDF_ERR_USB", "USB communication with the probe failed"},
    {SWDF_ERR_TIMEOUT, "SWDF_ERR_TIMEOUT", "operation timed out"},
    {SWDF_ERR_NO_PROBE, "SWDF_ERR_NO_PROBE", "no ST-Link probe found"},
    {SWDF_ERR_PROBE_AMBIGUOUS, "SWDF_ERR_PROBE_AMBIGUOUS",
     "several probes connected; choose one by serial number"},
    {SWDF_ERR_PROBE_ACCESS, "SWDF_ERR_PROBE_ACCESS", "probe is busy or access was denied"},
    {SWDF_ERR_PROBE_FIRMWARE, "SWDF_ERR_PROBE_FIRMWARE",
     "probe firmware does not support this operation"},
    {SWDF_ERR_NO_TARGET, "SWDF_ERR_NO_TARGET", "no target answers on SWD"},
    {SWDF_ERR_TARGET_POWER, "SWDF_ERR_TARGET_POWER", "target voltage is too low"},
    {SWDF_ERR_SWD, "SWDF_ERR_SWD", "SWD protocol error"},
    {SWDF_ERR_WAIT, "SWDF_ERR_WAIT", "target kept the debug port busy"},
    {SWDF_ERR_MEM_FAULT, "SWDF_ERR_MEM_FAULT", "memory access fault"},
    {SWDF_ERR_UNKNOWN_CHIP, "SWDF_ERR_UNKNOWN_CHIP", "chip not in the chip database"},
    {SWDF_ERR_READ_PROTECTED, "SWDF_ERR_READ_PROTECTED", "flash read protection is active"},
    {SWDF_ERR_WRITE_PROTECTED, "SWDF_ERR_WRITE_PROTECTED", "flash area is write protected"},
    {SWDF_ERR_FLASH, "SWDF_ERR_FLASH", "flash programming error"},
    {SWDF_ERR_VERIFY, "SWDF_ERR_VERIFY", "verification failed"},
    {SWDF_ERR_UNSUPPORTED, "SWDF_ERR_UNSUPPORTED", "not supported"},
    {SWDF_ERR_IMAGE, "SWDF_ERR_IMAGE", "invalid image file"},
    {SWDF_ERR_RANGE, "SWDF_ERR_RANGE", "address range outside the device"},
    {SWDF_ERR_HALT, "SWDF_ERR_HALT", "core could not be halted"},
    {SWDF_ERR_CANCELLED, "SWDF_ERR_CANCELLED", "operation cancelled"},
    {SWDF_ERR_PERMANENT, "SWDF_ERR_PERMANENT", "refused: the change would be irreversible"},
    {SWDF_ERR_INTERNAL, "SWDF_ERR_INTERNAL", "internal error in libswdflash"},
    {SWDF_ERR_NRST, "SWDF_ERR_NRST", "NRST seems not to be connected"},
};

static const struct err_entry *find(swdf_err err) {
  for (size_t i = 0; i < SWDF_ARRAY_LEN(err_table); i++) {
    if (err_table[i].code == err) {
      return &err_table[i];
    }
  }
  return NULL;
}

const char *swdf_strerror(swdf_err err) {
  const struct err_entry *e = find(err);
  return e != NULL ? e->text : "unknown error code";
}

const char *swdf_err_name(swdf_err err) {
  const struct err_entry *e = find(err);
  return e != NULL ? e->name : "SWDF_ERR_UNKNOWN";
}

const char *swdf_version(void) { return SWDF_VERSION_STRING; }
