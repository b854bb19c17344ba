/*
 * ELF32 reader for ARM executables (System V ABI, "ELF for the Arm
 * Architecture"). What a flash tool loads is each PT_LOAD segment's file
 * bytes at its physical (load) address p_paddr: for initialised data that
 * is the copy in flash which the start-up code moves to its run address
 * (p_vaddr) in RAM. The p_memsz - p_filesz tail (.bss) is not loaded.
 */
#include <string.h>

#include "image_internal.h"

enum {
  ELF_HEADER_SIZE = 52,
  ELF_PHDR_SIZE = 32,
  ELFCLASS32 = 1,
  ELFCLASS64 = 2,
  ELFDATA2LSB = 1,
  ELFDATA2MSB = 2,
  ET_EXEC = 2,
  EM_ARM = 40,
  PT_LOAD = 1,
};

typedef struct elf_phdr {
  uint32_t type, offset, vaddr, paddr, filesz, memsz;
} elf_phdr;

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16; }

static const char *machine_name(uint16_t machine) {
  static const struct {
    uint16_t id;
    const char *name;
  } names[] = {
      {3, "x86"},  {8, "MIPS"},    {20, "PowerPC"},  {40, "ARM"},     {62, "x86-64"},
      {83, "AVR"}, {94, "Xtensa"}, {183, "AArch64"}, {243, "RISC-V"},
  };
  for (size_t i = 0; i < SWDF_ARRAY_LEN(names); i++) {
    if (names[i].id == machine) {
      return names[i].name;
    }
  }
  return "unknown";
}

static const char *type_problem(uint16_t type) {
  static const char *const problems[] = {
      [0] = "has no file type",
      [1] = "is a relocatable object file, not a linked executable: link it first",
      [3] = "is a shared object, not a firmware executable",
      [4] = "is a core dump, not an executable",
  };
  if (type < SWDF_ARRAY_LEN(problems) && problems[type] != NULL) {
    return problems[type];
  }
  return "has an unknown file type";
}

static swdf_err check_header(swdf__image_builder *b, const uint8_t *bytes, size_t len) {
  if (len < ELF_HEADER_SIZE) {
    return swdf__image_fail(b, len, "ELF header truncated (the file has only %zu bytes)", len);
  }
  if (memcmp(bytes,
             "\x7f"
             "ELF",
             4) != 0) {
    return swdf__image_fail(b, 0, "no ELF magic number (7f 45 4c 46)");
  }
  if (bytes[4] == ELFCLASS64) {
    return swdf__image_fail(b, 4,
                            "ELF64 file: only 32-bit ARM (Cortex-M) executables can be "
                            "written");
  }
  if (bytes[4] != ELFCLASS32) {
    return swdf__image_fail(b, 4, "unknown ELF class %u", bytes[4]);
  }
  if (bytes[5] == ELFDATA2MSB) {
    return swdf__image_fail(b, 5, "big-endian ELF file: Cortex-M executables are little-endian");
  }
  if (bytes[5] != ELFDATA2LSB) {
    return swdf__image_fail(b, 5, "unknown ELF byte order %u", bytes[5]);
  }
  uint16_t type = le16(bytes + 16);
  if (type != ET_EXEC) {
    return swdf__image_fail(b, 16, "the ELF file %s", type_problem(type));
  }
  uint16_t machine = le16(bytes + 18);
  if (machine != EM_ARM) {
    return swdf__image_fail(b, 18, "machine type %u (%s) is not ARM (40): built for another CPU?",
                            machine, machine_name(machine));
  }
  return SWDF_OK;
}

static void read_phdr(const uint8_t *p, elf_phdr *out) {
  out->type = le32(p);
  out->offset = le32(p + 4);
  out->vaddr = le32(p + 8);
  out->paddr = le32(p + 12);
  out->filesz = le32(p + 16);
  out->memsz = le32(p + 20);
}

static int is_loaded(const elf_phdr *ph) { return ph->type == PT_LOAD && ph->filesz > 0; }

/*
 * Old linkers left p_paddr at 0 everywhere; then the virtual addresses are
 * the only placement the file gives (as other flash tools also assume).
 */
static int paddr_missing(const uint8_t *table, uint16_t count) {
  int any_vaddr = 0;
  for (uint16_t i = 0; i < count; i++) {
    elf_phdr ph;
    read_phdr(table + (size_t)i * ELF_PHDR_SIZE, &ph);
    if (!is_loaded(&ph)) {
      continue;
    }
    if (ph.paddr != 0) {
      return 0;
    }
    any_vaddr |= ph.vaddr != 0;
  }
  return any_vaddr;
}

swdf_err swdf__read_elf(swdf__image_builder *b, const uint8_t *bytes, size_t len) {
  swdf_err err = check_header(b, bytes, len);
  if (err != SWDF_OK) {
    return err;
  }
  uint32_t phoff = le32(bytes + 28);
  uint16_t phentsize = le16(bytes + 42);
  uint16_t phnum = le16(bytes + 44);
  if (phnum == 0) {
    return swdf__image_fail(b, 44, "no program headers: nothing to load");
  }
  if (phentsize != ELF_PHDR_SIZE) {
    return swdf__image_fail(b, 42, "program header size %u, expected %d", phentsize, ELF_PHDR_SIZE);
  }
  if ((uint64_t)phoff + (uint64_t)phnum * ELF_PHDR_SIZE > len) {
    return swdf__image_fail(
        b, phoff, "%u program headers pass the end of the file (%zu bytes): truncated", phnum, len);
  }
  const uint8_t *table = bytes + phoff;
  int use_vaddr = paddr_missing(table, phnum);
  if (use_vaddr) {
    swdf__log(b->ctx, SWDF_LOG_WARN,
              "%s: every load address (p_paddr) is 0; placing segments at their virtual "
              "addresses",
              b->name);
  }
  for (uint16_t i = 0; i < phnum; i++) {
    uint64_t at = (uint64_t)phoff + (uint64_t)i * ELF_PHDR_SIZE;
    elf_phdr ph;
    read_phdr(bytes + at, &ph);
    if (!is_loaded(&ph)) {
      continue;
    }
    if (ph.filesz > ph.memsz) {
      return swdf__image_fail(b, at, "segment %u has more file bytes (%u) than memory (%u)", i,
                              (unsigned)ph.filesz, (unsigned)ph.memsz);
    }
    if ((uint64_t)ph.offset + ph.filesz > len) {
      return swdf__image_fail(b, ph.offset,
                              "segment %u data (%u bytes) passes the end of the file "
                              "(%zu bytes): truncated",
                              i, (unsigned)ph.filesz, len);
    }
    err = swdf__builder_add(b, use_vaddr ? ph.vaddr : ph.paddr, bytes + ph.offset, ph.filesz,
                            ph.offset);
    if (err != SWDF_OK) {
      return err;
    }
  }
  if (b->chunk_count == 0) {
    return swdf__image_fail(b, phoff, "no loadable segment with data (PT_LOAD, p_filesz > 0)");
  }
  b->has_entry = 1;
  b->entry = le32(bytes + 24);
  return SWDF_OK;
}
