/*
 * The contract between the host and the on-target flash loaders.
 * Shared by the loader sources (built with arm-none-eabi-gcc) and the host.
 *
 * Memory layout in the target's SRAM, chosen by the host:
 *
 *   blob | control block | results | CRC tables | stack | slot 0 | slot 1 | ...
 *
 * The host streams work through a ring of fixed-size slots. A slot is
 * `slot_size` data bytes followed by a 24-byte trailer {op, arg0, arg1,
 * data_crc, reserved, seq}.
 * The host writes a slot's data and trailer in one ascending memory write,
 * so the trailer's `seq` word is the last word to land: the loader starts on
 * slot N only once its trailer carries the expected sequence number, and
 * then all its data is there. The loader handles slots strictly in ring
 * order and publishes the sequence number of each finished slot in
 * `done_seq`; the host reuses a slot once `done_seq` has passed it. So the
 * flash programs one slot while the probe fills the next ones.
 *
 * Where the link is slower than the flash, the host may send slots without
 * reading the probe's status after each memory write (the status command
 * would hold back the next write: see loader_backend.c). A write that
 * failed on the wire then goes unnoticed by the host, so such a slot
 * carries SWDF_LOADER_OP_DATA_CRC and the CRC-32 of its data: the loader
 * compares it before touching the flash and stops with
 * SWDF_LOADER_FAIL_DATA when the data did not arrive intact. A trailer that
 * did not arrive leaves the loader waiting; the host notices by reading the
 * trailer back once the slot is overdue.
 *
 * The IWDG key register named in the control block gets its reload key
 * before each slot, so that a watchdog the firmware started does not reset
 * the chip during a long job (the write does nothing when it is not running).
 *
 * On any failure the loader records what failed and where, sets `state` to
 * SWDF_LOADER_FAILED and halts on a breakpoint; the host's deadline halts it
 * if it ever stops making progress.
 */
#ifndef SWDF_LOADER_ABI_H
#define SWDF_LOADER_ABI_H

#include <stdint.h>

#define SWDF_LOADER_MAGIC 0x46445753u /* "SWDF" */
#define SWDF_LOADER_ABI_VERSION 4u

enum {
  SWDF_LOADER_TRAILER_SIZE = 24, /* keeps every slot 8-byte aligned */
  SWDF_LOADER_CRC_TABLES_SIZE = 4 * 256 * 4, /* slice-by-4 CRC-32 tables */
};

/* Slot operations: the low byte of `op`; bits 8-15 select the register
 * bank; bit 16 (SWDF_LOADER_OP_DATA_CRC) asks for the data check. */
enum swdf_loader_op {
  /* arg0 = flash address (unit-aligned), arg1 = byte count (data in the slot): whole
   * units, or ending in a partial unit (whole accesses) written out with cr_force. */
  SWDF_LOADER_OP_PROGRAM = 1,
  SWDF_LOADER_OP_ERASE = 2,   /* arg0 = FLASH_CR value without STRT, arg1 = address (AR) */
  SWDF_LOADER_OP_CRC = 3,     /* arg0 = number of swdf_loader_check entries in the slot, */
  SWDF_LOADER_OP_BLANK = 4,   /* arg1 = 0 or a repeat (SWDF_LOADER_REPEAT) of one entry */
  SWDF_LOADER_OP_END = 5,     /* stop: state becomes DONE and the core halts */
};

#define SWDF_LOADER_OP(code, bank) ((uint32_t)(code) | (uint32_t)(bank) << 8)
#define SWDF_LOADER_OP_CODE(op) ((op)&0xffu)
#define SWDF_LOADER_OP_BANK(op) (((op) >> 8) & 0xffu)
/* PROGRAM only: `data_crc` is the CRC-32 (as zlib's) of the arg1 data bytes. */
#define SWDF_LOADER_OP_DATA_CRC 0x10000u

typedef struct swdf_loader_trailer {
  uint32_t op;
  uint32_t arg0;
  uint32_t arg1;
  uint32_t data_crc; /* with SWDF_LOADER_OP_DATA_CRC, else unused */
  uint32_t reserved;
  uint32_t seq; /* written last */
} swdf_loader_trailer;

/*
 * One range to check. Consecutive entries with the same `result` index are
 * taken as one byte stream: CRC-32 (IEEE 802.3, as zlib) of the stream, or
 * for BLANK the address of its first byte that is not 0xFF (0xFFFFFFFF when
 * every byte is 0xFF).
 */
typedef struct swdf_loader_check {
  uint32_t addr;
  uint32_t len;
  uint32_t result; /* index, | SWDF_LOADER_CHECK_CONTINUE */
} swdf_loader_check;

/* On the first entry of a stream: carry on from the value already stored
 * under this index (a stream split over two slots). */
#define SWDF_LOADER_CHECK_CONTINUE 0x80000000u

/*
 * arg1 of a check whose slot holds one entry standing for `count` equal
 * ranges back to back (the next starts where the last ends), each its own
 * stream, results `stride` apart: a long run of whole units in 12 bytes.
 */
#define SWDF_LOADER_REPEAT(count, stride) ((uint32_t)(count) | (uint32_t)(stride) << 16)
#define SWDF_LOADER_REPEAT_COUNT(arg1) ((arg1)&0xffffu)
#define SWDF_LOADER_REPEAT_STRIDE(arg1) ((arg1) >> 16)

enum swdf_loader_state {
  SWDF_LOADER_STARTING = 0, /* the host's value before the start */
  SWDF_LOADER_RUNNING = 1,  /* ready for slots */
  SWDF_LOADER_DONE = 2,     /* reached an END slot and halted */
  SWDF_LOADER_FAILED = 3,   /* see fail_*; halted */
};

enum swdf_loader_fail {
  SWDF_LOADER_FAIL_NONE = 0,
  SWDF_LOADER_FAIL_FLASH = 1,     /* the flash controller set an error bit (fail_sr) */
  SWDF_LOADER_FAIL_BAD_OP = 2,    /* unknown operation code */
  SWDF_LOADER_FAIL_BAD_ARG = 3,   /* misaligned or oversized request, bad result index */
  SWDF_LOADER_FAIL_BAD_SETUP = 4, /* wrong magic or ABI version in the control block */
  SWDF_LOADER_FAIL_DATA = 5,      /* a slot's data do not match its data_crc (fail_addr: arg0) */
};

/*
 * Everything the loader knows about the flash controller comes from the
 * host: one loader binary per core (ARMv7-M, ARMv6-M) drives every family.
 */
typedef struct swdf_loader_ctl {
  /* Written by the host before the start. */
  uint32_t magic;
  uint32_t abi_version;
  uint32_t slot_base;
  uint32_t slot_size; /* data bytes per slot, a multiple of 32 */
  uint32_t slot_count;
  uint32_t results; /* address of result_count words */
  uint32_t result_count;
  uint32_t crc_tables; /* address of SWDF_LOADER_CRC_TABLES_SIZE bytes */
  uint32_t regs[2];    /* flash interface register block of each bank */
  uint32_t cr_program; /* FLASH_CR while programming (PG, and PSIZE where there is one) */
  uint32_t unit;       /* bytes per program operation: 1, 2, 4, 8, 16 or 32 */
  uint32_t sr_off;     /* status register offset in the bank's block */
  uint32_t cr_off;     /* control register offset */
  uint32_t ar_off;     /* address register offset for erases, 0 = none */
  uint32_t ccr_off;    /* error-clear register offset, 0 = clear by writing SR */
  uint32_t sr_busy;    /* SR bits set while an erase runs */
  uint32_t sr_wait;    /* SR bits to wait on after each program unit */
  uint32_t sr_errors;  /* SR bits that mean the operation failed */
  uint32_t sr_clear;   /* written to CCR (or SR) before each operation */
  uint32_t cr_start;   /* CR bit that starts an erase */
  uint32_t cr_force;   /* CR bit that writes out a partial unit, 0 = none */
  uint32_t access;     /* width of each store into the flash: 1, 2 or 4 */
  uint32_t iwdg_kr;    /* IWDG key register reloaded before each slot, 0 = none */
  /* Written by the loader. */
  uint32_t state;
  uint32_t done_seq; /* sequence number of the last finished slot */
  uint32_t fail_code;
  uint32_t fail_seq;
  uint32_t fail_addr;
  uint32_t fail_sr;
} swdf_loader_ctl;

/* Offsets the host reads as one block. */
#define SWDF_LOADER_STATUS_OFFSET 96u
#define SWDF_LOADER_STATUS_WORDS 6u

/* The blob starts with this header; the loader's entry takes the control
 * block's address in r0 and never returns. */
typedef struct swdf_loader_header {
  uint32_t magic;       /* SWDF_LOADER_MAGIC */
  uint32_t abi_version; /* SWDF_LOADER_ABI_VERSION */
  uint32_t entry;       /* offset of the entry point from the blob start */
  uint32_t reserved;
} swdf_loader_header;

#endif
