/*
 * The chip state file: what a real chip keeps without power (flash, option
 * bytes, protection) plus the board around it (boot pins, supply).
 *
 * Format, version 2, all integers little endian:
 *   0   magic "SWDSIMST"
 *   8   u32 version (2)
 *   12  u32 header size (512)
 *   16  char[32] chip name, NUL padded
 *   48  u32 flags: 1 powered, 2 RDP level 2 latched, 4 debugger latched,
 *                  8 BOOT0 high, 16 BOOT1 high, 32 flash empty (G0 EMPTY flag),
 *                  64 BOOT0 was high when the debugger was first seen
 *   52  u32 flash size in bytes
 *   56  u8[128] option bytes as programmed (family format, see flash_*.c)
 *   184 u8[128] option bytes latched at the last option load
 *   312 u8[12] unique device ID
 *   324 reserved (zero) up to the header size
 *   512 flash contents
 *   ... H7 only: one byte per 32-byte flash word, the state of its ECC
 *       (0 good, 1 single-bit error, 2 double-bit error: a word programmed
 *       twice, see flash_h7.c)
 *   ... u32 CRC-32 (IEEE) of everything before it
 * Version 1 (header 128 bytes, 16 option bytes at 56 and 72, UID at 88) is
 * still read.
 * Writes go to a temporary file in the same directory that is then renamed
 * over the old one, so a reader never sees a half-written state.
 */
#include "target.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
  STATE_VERSION = 2,
  HEADER_SIZE = 512,
  HEADER_SIZE_V1 = 128,
  OPTIONS_V1 = 16,
  FLAG_POWERED = 1,
  FLAG_RDP2 = 2,
  FLAG_DEBUGGER = 4,
  FLAG_BOOT0 = 8,
  FLAG_BOOT1 = 16,
  FLAG_FLASH_EMPTY = 32,
  FLAG_BOOT0_AT_DEBUG = 64,
};

_Static_assert(56 + 2 * SIM_OPTIONS_SIZE + 12 <= HEADER_SIZE, "the state header holds the options");

static const char magic[8] = {'S', 'W', 'D', 'S', 'I', 'M', 'S', 'T'};

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
  static const uint32_t nibble[16] = {
      0x00000000, 0x1DB71064, 0x3B6E20C8, 0x26D930AC, 0x76DC4190, 0x6B6B51F4,
      0x4DB26158, 0x5005713C, 0xEDB88320, 0xF00F9344, 0xD6D6A3E8, 0xCB61B38C,
      0x9B64C2B0, 0x86D3D2D4, 0xA00AE278, 0xBDBDF21C,
  };
  crc = ~crc;
  for (size_t i = 0; i < n; i++) {
    crc ^= p[i];
    crc = (crc >> 4) ^ nibble[crc & 0xF];
    crc = (crc >> 4) ^ nibble[crc & 0xF];
  }
  return ~crc;
}

static void put32(uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint8_t *alloc_flash(uint32_t size)
{
  uint8_t *p = aligned_alloc(4096, (size + 4095u) & ~(size_t)4095u);
  if (p)
    memset(p, 0xFF, size);
  return p;
}

bool sim_state_init_fresh(sim_chip_state *st, const sim_chip *chip)
{
  *st = (sim_chip_state){0};
  st->flash = alloc_flash(chip->flash_size);
  uint32_t ecc = sim_ecc_bytes(chip);
  st->ecc = ecc ? calloc(1, ecc) : NULL;
  if (!st->flash || (ecc && !st->ecc)) {
    sim_state_release(st);
    return false;
  }
  chip->family->flash->factory_options(st->options);
  memcpy(st->loaded, st->options, SIM_OPTIONS_SIZE);
  /* a unique ID that is the same for every fresh chip of a kind */
  uint32_t h = crc32_update(0, (const uint8_t *)chip->name, strlen(chip->name));
  for (int i = 0; i < 12; i++) {
    h = h * 1103515245u + 12345u;
    st->uid[i] = (uint8_t)(h >> 16);
  }
  return true;
}

void sim_state_release(sim_chip_state *st)
{
  free(st->flash);
  free(st->ecc);
  st->flash = NULL;
  st->ecc = NULL;
}

bool sim_state_load(const char *path, sim_chip_state *st, const sim_chip **chip_out, char *err,
                    size_t err_len)
{
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, err_len, "cannot open state file %s: %s", path, strerror(errno));
    return false;
  }
  uint8_t h[HEADER_SIZE] = {0};
  const sim_chip *chip = NULL;
  uint8_t *flash = NULL, *ecc = NULL;
  if (fread(h, 1, HEADER_SIZE_V1, f) != HEADER_SIZE_V1 || memcmp(h, magic, 8) != 0) {
    snprintf(err, err_len, "%s is not a swdsim state file (create one with `swdsim state init`)",
             path);
    goto fail;
  }
  uint32_t version = get32(h + 8), header = get32(h + 12);
  bool v1 = version == 1 && header == HEADER_SIZE_V1;
  if (!v1 && (version != STATE_VERSION || header != HEADER_SIZE)) {
    snprintf(err, err_len, "%s has state format version %u; this swdsim reads versions 1 and %u",
             path, version, STATE_VERSION);
    goto fail;
  }
  if (!v1 && fread(h + HEADER_SIZE_V1, 1, HEADER_SIZE - HEADER_SIZE_V1, f) !=
                 HEADER_SIZE - HEADER_SIZE_V1) {
    snprintf(err, err_len, "%s is truncated: the state file is damaged", path);
    goto fail;
  }
  char name[33];
  memcpy(name, h + 16, 32);
  name[32] = 0;
  chip = sim_chip_find(name);
  if (!chip || get32(h + 52) != chip->flash_size) {
    snprintf(err, err_len, "%s describes an unknown chip '%s'", path, name);
    goto fail;
  }
  flash = alloc_flash(chip->flash_size);
  uint32_t ecc_size = sim_ecc_bytes(chip);
  ecc = ecc_size ? calloc(1, ecc_size) : NULL;
  uint8_t crc_bytes[4];
  if (!flash || (ecc_size && !ecc)) {
    snprintf(err, err_len, "out of memory reading %s", path);
    goto fail;
  }
  if (fread(flash, 1, chip->flash_size, f) != chip->flash_size ||
      (!v1 && ecc_size && fread(ecc, 1, ecc_size, f) != ecc_size) ||
      fread(crc_bytes, 1, 4, f) != 4 || fgetc(f) != EOF) {
    snprintf(err, err_len, "%s is truncated or has trailing data: the state file is damaged", path);
    goto fail;
  }
  uint32_t crc = crc32_update(crc32_update(0, h, header), flash, chip->flash_size);
  if (!v1 && ecc_size)
    crc = crc32_update(crc, ecc, ecc_size);
  if (crc != get32(crc_bytes)) {
    snprintf(err, err_len, "%s is corrupt (checksum mismatch)", path);
    goto fail;
  }
  fclose(f);
  uint32_t flags = get32(h + 48);
  *st = (sim_chip_state){
      .flash = flash,
      .ecc = ecc,
      .powered = flags & FLAG_POWERED,
      .rdp2_locked = flags & FLAG_RDP2,
      .debugger_latched = flags & FLAG_DEBUGGER,
      .boot0 = flags & FLAG_BOOT0,
      .boot1 = flags & FLAG_BOOT1,
      .flash_empty = flags & FLAG_FLASH_EMPTY,
      .boot0_at_debug = flags & FLAG_BOOT0_AT_DEBUG,
  };
  if (v1) {
    memcpy(st->options, h + 56, OPTIONS_V1);
    memcpy(st->loaded, h + 72, OPTIONS_V1);
    memcpy(st->uid, h + 88, 12);
  } else {
    memcpy(st->options, h + 56, SIM_OPTIONS_SIZE);
    memcpy(st->loaded, h + 56 + SIM_OPTIONS_SIZE, SIM_OPTIONS_SIZE);
    memcpy(st->uid, h + 56 + 2 * SIM_OPTIONS_SIZE, 12);
  }
  *chip_out = chip;
  return true;

fail:
  free(flash);
  free(ecc);
  fclose(f);
  return false;
}

static bool write_all(FILE *f, const void *p, size_t n)
{
  return fwrite(p, 1, n, f) == n;
}

bool sim_state_store(const char *path, const sim_chip_state *st, const sim_chip *chip, char *err,
                     size_t err_len)
{
  uint8_t h[HEADER_SIZE] = {0};
  memcpy(h, magic, 8);
  put32(h + 8, STATE_VERSION);
  put32(h + 12, HEADER_SIZE);
  strncpy((char *)h + 16, chip->name, 31);
  uint32_t flags = (st->powered ? FLAG_POWERED : 0) | (st->rdp2_locked ? FLAG_RDP2 : 0) |
                   (st->debugger_latched ? FLAG_DEBUGGER : 0) | (st->boot0 ? FLAG_BOOT0 : 0) |
                   (st->boot1 ? FLAG_BOOT1 : 0) | (st->flash_empty ? FLAG_FLASH_EMPTY : 0) |
                   (st->boot0_at_debug ? FLAG_BOOT0_AT_DEBUG : 0);
  put32(h + 48, flags);
  put32(h + 52, chip->flash_size);
  memcpy(h + 56, st->options, SIM_OPTIONS_SIZE);
  memcpy(h + 56 + SIM_OPTIONS_SIZE, st->loaded, SIM_OPTIONS_SIZE);
  memcpy(h + 56 + 2 * SIM_OPTIONS_SIZE, st->uid, 12);
  uint32_t ecc_size = st->ecc ? sim_ecc_bytes(chip) : 0;
  uint8_t crc[4];
  uint32_t sum = crc32_update(crc32_update(0, h, sizeof h), st->flash, chip->flash_size);
  put32(crc, ecc_size ? crc32_update(sum, st->ecc, ecc_size) : sum);

  size_t len = strlen(path) + 32;
  char *tmp = malloc(len);
  if (!tmp) {
    snprintf(err, err_len, "out of memory saving %s", path);
    return false;
  }
  snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  bool ok = f && write_all(f, h, sizeof h) && write_all(f, st->flash, chip->flash_size) &&
            (!ecc_size || write_all(f, st->ecc, ecc_size)) && write_all(f, crc, 4);
  int saved_errno = errno;
  if (f && fclose(f) != 0 && ok) {
    ok = false;
    saved_errno = errno;
  }
  if (ok && rename(tmp, path) != 0) {
    ok = false;
    saved_errno = errno;
  }
  if (!ok) {
    snprintf(err, err_len, "cannot write state file %s: %s", path, strerror(saved_errno));
    remove(tmp);
  }
  free(tmp);
  return ok;
}

bool sim_state_read_flash(const char *path, uint8_t **flash, uint32_t *size, const char **chip,
                          char *err, size_t err_len)
{
  sim_chip_state st;
  const sim_chip *c;
  if (!sim_state_load(path, &st, &c, err, err_len))
    return false;
  *flash = malloc(c->flash_size);
  if (!*flash) {
    sim_state_release(&st);
    snprintf(err, err_len, "out of memory reading %s", path);
    return false;
  }
  memcpy(*flash, st.flash, c->flash_size);
  *size = c->flash_size;
  *chip = c->name;
  sim_state_release(&st);
  return true;
}
