/* The kept-bytes journal on the host (see journal.h). */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flash/loaders/loader_crc.h"

#define JOURNAL_MAGIC "SWDFJRNL"
enum { JOURNAL_VERSION = 1, MAX_FILE = 64 * 1024 * 1024 };

bool swdf__journal_path(char *out, size_t len, const char *dir, const uint32_t uid[3]) {
  int n = snprintf(out, len, "%s/%08x%08x%08x.journal", dir, (unsigned)uid[0], (unsigned)uid[1],
                   (unsigned)uid[2]);
  return n > 0 && (size_t)n < len;
}

swdf__journal_unit *swdf__journal_add_unit(swdf__journal *j, uint32_t addr, uint32_t size,
                                           uint32_t index, uint32_t bank) {
  swdf__journal_unit *units = realloc(j->units, (j->unit_count + 1) * sizeof(*units));
  if (units == NULL) {
    return NULL;
  }
  j->units = units;
  swdf__journal_unit *u = &units[j->unit_count++];
  *u = (swdf__journal_unit){.addr = addr, .size = size, .index = index, .bank = bank};
  return u;
}

bool swdf__journal_add_range(swdf__journal_unit *u, uint32_t addr, const uint8_t *data,
                             uint32_t len) {
  swdf__journal_range *ranges = realloc(u->ranges, (u->range_count + 1) * sizeof(*ranges));
  if (ranges == NULL) {
    return false;
  }
  u->ranges = ranges;
  uint8_t *copy = malloc(len > 0 ? len : 1);
  if (copy == NULL) {
    return false;
  }
  memcpy(copy, data, len);
  ranges[u->range_count++] = (swdf__journal_range){addr, len, copy};
  return true;
}

void swdf__journal_free(swdf__journal *j) {
  for (size_t i = 0; i < j->unit_count; i++) {
    for (size_t r = 0; r < j->units[i].range_count; r++) {
      free(j->units[i].ranges[r].data);
    }
    free(j->units[i].ranges);
  }
  free(j->units);
  memset(j, 0, sizeof(*j));
}

/* ---- encoding ---------------------------------------------------------- */

typedef struct buf {
  uint8_t *p;
  size_t len, cap;
  bool failed;
} buf;

static void put(buf *b, const void *data, size_t len) {
  if (b->failed) {
    return;
  }
  if (b->len + len > b->cap) {
    size_t cap = b->cap != 0 ? b->cap : 4096;
    while (cap < b->len + len) {
      cap *= 2;
    }
    uint8_t *p = realloc(b->p, cap);
    if (p == NULL) {
      b->failed = true;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, data, len);
  b->len += len;
}

static void put32(buf *b, uint32_t v) {
  uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  put(b, le, 4);
}

static uint32_t crc_of(const uint8_t *p, size_t len) {
  uint32_t tables[4][256];
  swdf_crc32_tables_init(tables);
  return ~swdf_crc32_run((const uint32_t(*)[256])tables, 0xffffffffu, p, len);
}

static void encode(buf *b, const swdf__journal *j) {
  put(b, JOURNAL_MAGIC, 8);
  put32(b, JOURNAL_VERSION);
  for (int i = 0; i < 3; i++) {
    put32(b, j->uid[i]);
  }
  put32(b, (uint32_t)j->unit_count);
  for (size_t i = 0; i < j->unit_count; i++) {
    const swdf__journal_unit *u = &j->units[i];
    put32(b, u->addr);
    put32(b, u->size);
    put32(b, u->index);
    put32(b, u->bank);
    put32(b, (uint32_t)u->range_count);
    for (size_t r = 0; r < u->range_count; r++) {
      put32(b, u->ranges[r].addr);
      put32(b, u->ranges[r].len);
      put(b, u->ranges[r].data, u->ranges[r].len);
    }
  }
  if (!b->failed) {
    put32(b, crc_of(b->p, b->len));
  }
}

/* ---- decoding ---------------------------------------------------------- */

typedef struct reader {
  const uint8_t *p;
  size_t len, at;
} reader;

static bool get32(reader *r, uint32_t *v) {
  if (r->len - r->at < 4) {
    return false;
  }
  const uint8_t *p = r->p + r->at;
  *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  r->at += 4;
  return true;
}

static bool decode_unit(reader *r, swdf__journal *j) {
  uint32_t addr, size, index, bank, ranges;
  if (!get32(r, &addr) || !get32(r, &size) || !get32(r, &index) || !get32(r, &bank) ||
      !get32(r, &ranges)) {
    return false;
  }
  swdf__journal_unit *u = swdf__journal_add_unit(j, addr, size, index, bank);
  if (u == NULL) {
    return false;
  }
  for (uint32_t i = 0; i < ranges; i++) {
    uint32_t at, len;
    if (!get32(r, &at) || !get32(r, &len) || r->len - r->at < len ||
        (uint64_t)at + len > (uint64_t)addr + size || at < addr) {
      return false;
    }
    if (!swdf__journal_add_range(u, at, r->p + r->at, len)) {
      return false;
    }
    r->at += len;
  }
  return true;
}

static bool decode(swdf__journal *j, const uint8_t *p, size_t len) {
  if (len < 8 + 4 * 6 || memcmp(p, JOURNAL_MAGIC, 8) != 0) {
    return false;
  }
  reader crc_r = {p, len, len - 4};
  uint32_t stored = 0;
  if (!get32(&crc_r, &stored) || stored != crc_of(p, len - 4)) {
    return false;
  }
  reader r = {p, len - 4, 8};
  uint32_t version, units;
  if (!get32(&r, &version) || version != JOURNAL_VERSION || !get32(&r, &j->uid[0]) ||
      !get32(&r, &j->uid[1]) || !get32(&r, &j->uid[2]) || !get32(&r, &units)) {
    return false;
  }
  for (uint32_t i = 0; i < units; i++) {
    if (!decode_unit(&r, j)) {
      return false;
    }
  }
  return r.at == r.len;
}

swdf_err swdf__journal_load(swdf__journal *out, bool *found, swdf_ctx *ctx, const char *path) {
  memset(out, 0, sizeof(*out));
  *found = false;
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    if (errno == ENOENT) {
      return SWDF_OK;
    }
    return swdf__fail(ctx, SWDF_ERR_IO, "check the permissions of the journal directory",
                      "cannot read the kept-bytes journal %s: %s", path, strerror(errno));
  }
  buf b = {0};
  uint8_t chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < MAX_FILE) {
    put(&b, chunk, n);
  }
  bool read_error = ferror(f) != 0;
  fclose(f);
  if (read_error || b.failed) {
    free(b.p);
    return swdf__fail(ctx, SWDF_ERR_IO, NULL, "cannot read the kept-bytes journal %s", path);
  }
  if (!decode(out, b.p, b.len)) {
    swdf__journal_free(out);
    swdf__log(ctx, SWDF_LOG_WARN,
              "ignoring the damaged kept-bytes journal %s: it was cut short while being "
              "written, before anything was erased",
              path);
  } else {
    *found = true;
  }
  free(b.p);
  return SWDF_OK;
}

/* The directory part of `path` ("." when none). */
static void dir_of(char *out, size_t len, const char *path) {
  const char *slash = strrchr(path, '/');
  if (slash == NULL) {
    snprintf(out, len, ".");
  } else if (slash == path) {
    snprintf(out, len, "/");
  } else {
    snprintf(out, len, "%.*s", (int)(slash - path), path);
  }
}

static void sync_dir(const char *path) {
  char dir[4096];
  dir_of(dir, sizeof(dir), path);
  int fd = open(dir, O_RDONLY);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
}

static bool write_all(int fd, const uint8_t *p, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    p += n;
    len -= (size_t)n;
  }
  return true;
}

swdf_err swdf__journal_save(const swdf__journal *j, swdf_ctx *ctx, const char *path) {
  buf b = {0};
  encode(&b, j);
  if (b.failed) {
    free(b.p);
    return swdf__fail(ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
  }
  char tmp[4200];
  snprintf(tmp, sizeof(tmp), "%s.new", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && write_all(fd, b.p, b.len) && fsync(fd) == 0;
  int saved = errno;
  if (fd >= 0 && close(fd) != 0 && ok) {
    ok = false;
    saved = errno;
  }
  if (ok && rename(tmp, path) != 0) {
    ok = false;
    saved = errno;
  }
  free(b.p);
  if (!ok) {
    (void)unlink(tmp);
    return swdf__fail(ctx, SWDF_ERR_IO,
                      "nothing was erased; make the journal directory writable or choose "
                      "another one",
                      "cannot write the kept-bytes journal %s: %s", path, strerror(saved));
  }
  sync_dir(path);
  return SWDF_OK;
}

swdf_err swdf__journal_remove(swdf_ctx *ctx, const char *path) {
  if (unlink(path) != 0 && errno != ENOENT) {
    return swdf__fail(ctx, SWDF_ERR_IO, NULL, "cannot remove the kept-bytes journal %s: %s", path,
                      strerror(errno));
  }
  sync_dir(path);
  return SWDF_OK;
}
