/*
 * Firmware signatures: what each common 3D-printer / hobby bootloader and
 * firmware leaves in flash, with where that is documented. Only facts are
 * taken from those projects (constants, strings, layouts); the matching is
 * ours. A signature's weight says how much it proves alone: 3 or 2 is
 * enough to name the firmware, 1 only supports another clue.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootcheck/bootscan.h"
#include "bootcheck/inflate.h"

typedef enum sig_match {
  SIG_BYTES,         /* these bytes anywhere */
  SIG_U64,           /* a 64-bit constant: its 8 little-endian bytes, or both 32-bit halves */
  SIG_UTF16,         /* a string as UTF-16LE, as in USB string descriptors */
  SIG_USB_DEVICE,    /* a USB device descriptor (0x12 0x01 ...) with this VID:PID */
  SIG_BEFORE_RESET,  /* these 8 bytes right before the reset handler */
  SIG_KLIPPER_DICT,  /* Klipper's zlib-compressed data dictionary naming the app */
} sig_match;

typedef struct signature {
  const char *kind;
  sig_match match;
  const char *text;    /* SIG_UTF16, SIG_BEFORE_RESET, SIG_KLIPPER_DICT: the string */
  const uint8_t *bytes; /* SIG_BYTES */
  size_t len;
  uint64_t u64;        /* SIG_U64 */
  uint16_t vid, pid;   /* SIG_USB_DEVICE */
  uint8_t weight;
  const char *clue;    /* for the evidence text */
  const char *source;  /* where the fact is documented */
} signature;

/* Katapult's NACK frame: header 01 88, command F1, length 0, CRC16 68 95,
 * trailer 99 03. */
static const uint8_t katapult_nack[] = {0x01, 0x88, 0xF1, 0x00, 0x68, 0x95, 0x99, 0x03};

static const signature signatures[] = {
    {"katapult", SIG_BEFORE_RESET, "CanBoot!", NULL, 0, 0, 0, 0, 3,
     "the 8-byte signature \"CanBoot!\" right before the reset handler",
     "Arksine/katapult src/generic/armcm_boot.c (CANBOOT_SIGNATURE emitted before ResetHandler); "
     "Klipper src/generic/armcm_reset.c reads it at reset vector - 9"},
    {"katapult", SIG_BYTES, NULL, katapult_nack, sizeof(katapult_nack), 0, 0, 0, 2,
     "the NACK frame of the Katapult flashing protocol",
     "Arksine/katapult protocol.md (\"NACK: 0xf1\"); src/canboot_main.c nack[]"},
    {"katapult", SIG_U64, NULL, NULL, 0, 0x5984E3FA6CA1589Bull, 0, 0, 1,
     "the Katapult bootloader-request code 0x5984E3FA6CA1589B",
     "Arksine/katapult src/canboot_main.c REQUEST_SIG; Klipper src/generic/armcm_reset.c "
     "CANBOOT_REQUEST (Klipper carries it to start Katapult)"},
    {"katapult", SIG_UTF16, "katapult", NULL, 0, 0, 0, 0, 2,
     "the USB name \"katapult\"",
     "USB manufacturer string of Katapult builds (devices appear as "
     "/dev/serial/by-id/usb-katapult_*); Arksine/katapult src/generic/usb_cdc.c"},
    {"katapult", SIG_USB_DEVICE, NULL, NULL, 0, 0, 0x1D50, 0x6177, 1,
     "a USB device descriptor with Katapult's ID 1d50:6177",
     "lsusb output in Katapult install guides (\"1d50:6177 OpenMoko, Inc.\")"},
    {"canboot", SIG_UTF16, "CanBoot", NULL, 0, 0, 0, 0, 2,
     "the USB name \"CanBoot\" (Katapult's former name)",
     "Arksine/katapult (CanBoot era) src/generic/usb_cdc.c USB_STR_MANUFACTURER u\"CanBoot\""},
    {"klipper", SIG_KLIPPER_DICT, "Klipper", NULL, 0, 0, 0, 0, 3,
     "Klipper's compressed data dictionary",
     "Klipper3d/klipper scripts/buildcommands.py (HandleIdentify: zlib-compressed JSON "
     "command_identify_data; HandleVersions: \"app\": \"Klipper\", \"version\")"},
    {"klipper", SIG_UTF16, "Klipper", NULL, 0, 0, 0, 0, 2,
     "the USB name \"Klipper\"",
     "Klipper3d/klipper src/generic/usb_cdc.c USB_STR_MANUFACTURER u\"Klipper\""},
    {"klipper", SIG_USB_DEVICE, NULL, NULL, 0, 0, 0x1D50, 0x614E, 1,
     "a USB device descriptor with Klipper's ID 1d50:614e",
     "Klipper3d/klipper src/Kconfig USB_DEVICE_ID default 0x614e (old CanBoot used it too)"},
    {"stm32duino", SIG_UTF16, "STM32duino bootloader", NULL, 0, 0, 0, 0, 2,
     "the DFU interface name \"STM32duino bootloader\"",
     "rogerclarkmelbourne/STM32duino-bootloader STM32F1/config.h ALT0/1/2_MSG_STR"},
    {"maple", SIG_UTF16, "LeafLabs", NULL, 0, 0, 0, 0, 1,
     "the USB name \"LeafLabs\"",
     "leaflabs maple-bootloader and STM32duino-bootloader usb_descriptor.c u8_usbStringVendor"},
    {"maple", SIG_UTF16, "Maple 003", NULL, 0, 0, 0, 0, 1,
     "the USB product name \"Maple 003\"",
     "leaflabs maple-bootloader and STM32duino-bootloader usb_descriptor.c "
     "u8_usbStringProduct"},
    {"maple", SIG_USB_DEVICE, NULL, NULL, 0, 0, 0x1EAF, 0x0003, 1,
     "a USB device descriptor with the Maple DFU ID 1eaf:0003",
     "STM32duino-bootloader STM32F1/config.h VEND_ID/PROD_ID"},
};

/* What each kind is called; a child kind refines its parent (CanBoot is
 * Katapult's old name; the STM32duino bootloader is a Maple bootloader). */
typedef struct firmware {
  const char *kind;
  const char *parent;
  const char *name;
  bool bootloader;
} firmware;

static const firmware firmwares[] = {
    {"katapult", NULL, "Katapult bootloader (formerly CanBoot)", true},
    {"canboot", "katapult", "CanBoot bootloader (now called Katapult)", true},
    {"klipper", NULL, "Klipper firmware", false},
    {"maple", NULL, "Maple (LeafLabs) DFU bootloader", true},
    {"stm32duino", "maple", "STM32duino bootloader", true},
};

enum { FIRMWARE_COUNT = sizeof(firmwares) / sizeof(firmwares[0]) };

/* ---- matching -------------------------------------------------------------- */

static const uint8_t *find_bytes(const uint8_t *hay, size_t len, const uint8_t *needle, size_t n,
                                 size_t align) {
  if (n == 0 || len < n) {
    return NULL;
  }
  for (size_t i = 0; i + n <= len; i += align) {
    if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0) {
      return hay + i;
    }
  }
  return NULL;
}

static void le32(uint8_t *out, uint32_t v) {
  for (int i = 0; i < 4; i++) {
    out[i] = (uint8_t)(v >> (8 * i));
  }
}

/* Offset of the match, or -1. */
static long match_u64(const uint8_t *data, size_t len, uint64_t v) {
  uint8_t b[8];
  le32(b, (uint32_t)v);
  le32(b + 4, (uint32_t)(v >> 32));
  const uint8_t *p = find_bytes(data, len, b, 8, 1);
  if (p != NULL) {
    return (long)(p - data);
  }
  /* Compilers may keep the two halves as separate literal-pool words. */
  const uint8_t *lo = find_bytes(data, len, b, 4, 4);
  const uint8_t *hi = find_bytes(data, len, b + 4, 4, 4);
  return lo != NULL && hi != NULL ? (long)(lo - data) : -1;
}

static long match_utf16(const uint8_t *data, size_t len, const char *text) {
  uint8_t buf[64];
  size_t n = strlen(text);
  if (n * 2 > sizeof(buf)) {
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    buf[2 * i] = (uint8_t)text[i];
    buf[2 * i + 1] = 0;
  }
  const uint8_t *p = find_bytes(data, len, buf, n * 2, 1);
  return p != NULL ? (long)(p - data) : -1;
}

static long match_usb_device(const uint8_t *data, size_t len, uint16_t vid, uint16_t pid) {
  const uint8_t ids[4] = {(uint8_t)vid, (uint8_t)(vid >> 8), (uint8_t)pid, (uint8_t)(pid >> 8)};
  for (size_t i = 0; i + 18 <= len; i++) {
    if (data[i] == 0x12 && data[i + 1] == 0x01 && memcmp(data + i + 8, ids, 4) == 0) {
      return (long)i;
    }
  }
  return -1;
}

static long match_before_reset(const uint8_t *data, size_t len, uint32_t addr, uint32_t reset,
                               const char *text) {
  uint32_t handler = reset & ~1u;
  if (handler < addr + 8 || handler - addr > len) {
    return -1;
  }
  size_t off = handler - addr - 8;
  return memcmp(data + off, text, 8) == 0 ? (long)off : -1;
}

/* Copy the JSON string value of "key" from `json` (compact form). */
static void json_string(char *out, size_t out_len, const char *json, size_t json_len,
                        const char *key) {
  char pattern[48];
  snprintf(pattern, sizeof(pattern), "\"%s\":\"", key);
  size_t plen = strlen(pattern);
  out[0] = '\0';
  for (size_t i = 0; i + plen <= json_len; i++) {
    if (memcmp(json + i, pattern, plen) == 0) {
      size_t k = 0;
      for (size_t j = i + plen; j < json_len && json[j] != '"' && k + 1 < out_len; j++) {
        out[k++] = json[j];
      }
      out[k] = '\0';
      return;
    }
  }
}

enum { DICT_MAX = 256 * 1024, DICT_TRIES = 64 };

/* Find Klipper's data dictionary: a zlib stream that inflates to JSON whose
 * "app" is `app`. Fills version and mcu from it. */
static long match_klipper_dict(const uint8_t *data, size_t len, const char *app,
                               swdf_boot_image *img) {
  uint8_t *json = malloc(DICT_MAX);
  if (json == NULL) {
    return -1;
  }
  char pattern[40];
  snprintf(pattern, sizeof(pattern), "\"app\":\"%s\"", app);
  long found = -1;
  int tries = 0;
  for (size_t i = 0; i + 2 <= len && found < 0 && tries < DICT_TRIES; i++) {
    if (data[i] != 0x78 || !swdf__zlib_header_ok(data + i)) {
      continue;
    }
    tries++;
    size_t out_len = 0;
    if (swdf__zlib_inflate(json, DICT_MAX, &out_len, data + i, len - i, NULL) !=
            SWDF_INFLATE_OK ||
        out_len == 0 || json[0] != '{') {
      continue;
    }
    if (find_bytes(json, out_len, (const uint8_t *)pattern, strlen(pattern), 1) != NULL) {
      found = (long)i;
      json_string(img->version, sizeof(img->version), (const char *)json, out_len, "version");
      json_string(img->mcu, sizeof(img->mcu), (const char *)json, out_len, "MCU");
    }
  }
  free(json);
  return found;
}

static long match(const signature *s, const uint8_t *data, size_t len, uint32_t addr,
                  swdf_boot_image *img) {
  switch (s->match) {
  case SIG_BYTES: {
    const uint8_t *p = find_bytes(data, len, s->bytes, s->len, 1);
    return p != NULL ? (long)(p - data) : -1;
  }
  case SIG_U64:
    return match_u64(data, len, s->u64);
  case SIG_UTF16:
    return match_utf16(data, len, s->text);
  case SIG_USB_DEVICE:
    return match_usb_device(data, len, s->vid, s->pid);
  case SIG_BEFORE_RESET:
    return match_before_reset(data, len, addr, img->reset_vector, s->text);
  case SIG_KLIPPER_DICT:
    return match_klipper_dict(data, len, s->text, img);
  }
  return -1;
}

/* ---- version and chip strings ------------------------------------------------ */

static bool is_word_char(uint8_t c) { return isalnum(c) || c == '_' || c == '.' || c == '-'; }

/* An ASCII string of `data` at i: printable run ending in NUL. */
static size_t ascii_run(const uint8_t *data, size_t len, size_t i) {
  size_t n = 0;
  while (i + n < len && data[i + n] >= 0x20 && data[i + n] < 0x7F) {
    n++;
  }
  return i + n < len && data[i + n] == 0 ? n : 0;
}

/* "v0.12.0-45-gabcdef1" style version from `git describe`, as Katapult
 * reports in its connect answer (protocol.md "software_version_string"). */
static bool looks_like_version(const char *s, size_t n) {
  if (n < 6 || n >= 48 || s[0] != 'v' || !isdigit((unsigned char)s[1])) {
    return false;
  }
  int dots = 0;
  for (size_t i = 1; i < n; i++) {
    if (s[i] == '.') {
      dots++;
    } else if (!is_word_char((uint8_t)s[i])) {
      return false;
    }
  }
  return dots >= 2;
}

/* "stm32f446xx": the MCU name Klipper and Katapult build in (CONFIG_MCU). */
static bool looks_like_mcu(const char *s, size_t n) {
  if (n < 9 || n > 16 || strncmp(s, "stm32", 5) != 0) {
    return false;
  }
  for (size_t i = 5; i < n; i++) {
    if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i])) {
      return false;
    }
  }
  return s[n - 1] == 'x' || s[n - 2] == 'x';
}

static void find_strings(swdf_boot_image *img, const uint8_t *data, size_t len) {
  for (size_t i = 0; i < len && (img->version[0] == '\0' || img->mcu[0] == '\0'); i++) {
    if (i > 0 && data[i - 1] != 0) {
      continue; /* strings start after a NUL (or at the start) */
    }
    size_t n = ascii_run(data, len, i);
    if (n == 0) {
      continue;
    }
    const char *s = (const char *)data + i;
    if (img->version[0] == '\0' && looks_like_version(s, n)) {
      snprintf(img->version, sizeof(img->version), "%.*s", (int)n, s);
    } else if (img->mcu[0] == '\0' && looks_like_mcu(s, n)) {
      snprintf(img->mcu, sizeof(img->mcu), "%.*s", (int)n, s);
    }
    i += n;
  }
}

/* ---- identification ------------------------------------------------------------ */

static int firmware_index(const char *kind) {
  for (int i = 0; i < FIRMWARE_COUNT; i++) {
    if (strcmp(firmwares[i].kind, kind) == 0) {
      return i;
    }
  }
  return -1;
}

/* Add "CLUE at 0xADDR" to a "; "-separated list. */
static void append_clue(char *buf, size_t len, const char *clue, uint32_t addr) {
  size_t used = strlen(buf);
  if (used + 1 < len) {
    snprintf(buf + used, len - used, "%s%s at 0x%08X", used > 0 ? "; " : "", clue, addr);
  }
}

void swdf__bootscan_identify(swdf_boot_image *img, const uint8_t *data, size_t len, uint32_t addr) {
  int own[FIRMWARE_COUNT] = {0};
  img->evidence[0] = '\0';
  for (size_t s = 0; s < sizeof(signatures) / sizeof(signatures[0]); s++) {
    long at = match(&signatures[s], data, len, addr, img);
    if (at < 0) {
      continue;
    }
    int f = firmware_index(signatures[s].kind);
    own[f] += signatures[s].weight;
    append_clue(img->evidence, sizeof(img->evidence), signatures[s].clue, addr + (uint32_t)at);
  }
  /* A child counts its parent's clues; it wins over the parent only with
   * enough clues of its own. */
  int best = -1, best_score = 0;
  for (int f = 0; f < FIRMWARE_COUNT; f++) {
    int score = own[f];
    int parent = firmwares[f].parent != NULL ? firmware_index(firmwares[f].parent) : -1;
    if (parent >= 0) {
      if (own[f] < 2) {
        continue;
      }
      score += own[parent];
    }
    if (score > best_score) {
      best = f;
      best_score = score;
    }
  }
  if (best >= 0 && best_score >= 2) {
    snprintf(img->kind, sizeof(img->kind), "%s", firmwares[best].kind);
    snprintf(img->name, sizeof(img->name), "%s", firmwares[best].name);
    img->is_bootloader = firmwares[best].bootloader;
  } else {
    snprintf(img->kind, sizeof(img->kind), "unknown");
    snprintf(img->name, sizeof(img->name), "a program not recognised");
    img->is_bootloader = 0;
  }
  find_strings(img, data, len);
}
