/* The kept-bytes journal: what is saved comes back, and a file cut short
 * or meant for another format is taken as no journal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "flash/journal.h"

typedef struct fixture {
  swdf_ctx *ctx;
  char dir[64];
  char path[160];
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof(*f));
  snprintf(f->dir, sizeof(f->dir), "/tmp/swdf_journal_XXXXXX");
  if (f == NULL || mkdtemp(f->dir) == NULL || swdf_ctx_new(&f->ctx, NULL) != SWDF_OK) {
    return -1;
  }
  const uint32_t uid[3] = {0x00360027u, 0x3236510du, 0x35383831u};
  assert_true(swdf__journal_path(f->path, sizeof(f->path), f->dir, uid));
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  unlink(f->path);
  rmdir(f->dir);
  swdf_ctx_free(f->ctx);
  free(f);
  return 0;
}

static void fill_journal(swdf__journal *j) {
  memset(j, 0, sizeof(*j));
  j->uid[0] = 0x00360027u;
  j->uid[1] = 0x3236510du;
  j->uid[2] = 0x35383831u;
  uint8_t before[0x300], after[0x100];
  for (size_t i = 0; i < sizeof(before); i++) {
    before[i] = (uint8_t)(i * 7);
  }
  memset(after, 0x5a, sizeof(after));
  swdf__journal_unit *u = swdf__journal_add_unit(j, 0x08004000u, 0x4000, 1, 0);
  assert_non_null(u);
  assert_true(swdf__journal_add_range(u, 0x08004000u, before, sizeof(before)));
  assert_true(swdf__journal_add_range(u, 0x08007f00u, after, sizeof(after)));
  assert_non_null(swdf__journal_add_unit(j, 0x08010000u, 0x10000, 4, 0));
}

static void named_after_the_unique_id(void **state) {
  fixture *f = *state;
  const char *name = strrchr(f->path, '/');
  assert_string_equal(name, "/003600273236510d35383831.journal");
}

static void saved_journal_comes_back(void **state) {
  fixture *f = *state;
  swdf__journal j;
  fill_journal(&j);
  assert_int_equal(swdf__journal_save(&j, f->ctx, f->path), SWDF_OK);
  swdf__journal back;
  bool found = false;
  assert_int_equal(swdf__journal_load(&back, &found, f->ctx, f->path), SWDF_OK);
  assert_true(found);
  assert_memory_equal(back.uid, j.uid, sizeof(j.uid));
  assert_int_equal(back.unit_count, 2);
  assert_int_equal(back.units[0].addr, 0x08004000u);
  assert_int_equal(back.units[0].index, 1);
  assert_int_equal(back.units[0].range_count, 2);
  assert_int_equal(back.units[0].ranges[1].addr, 0x08007f00u);
  assert_memory_equal(back.units[0].ranges[0].data, j.units[0].ranges[0].data, 0x300);
  assert_int_equal(back.units[1].size, 0x10000);
  assert_int_equal(back.units[1].range_count, 0);
  swdf__journal_free(&back);
  swdf__journal_free(&j);
  assert_int_equal(swdf__journal_remove(f->ctx, f->path), SWDF_OK);
  assert_int_equal(swdf__journal_load(&back, &found, f->ctx, f->path), SWDF_OK);
  assert_false(found);
}

/* Power lost while the journal was written (before any erase): ignored. */
static void cut_short_is_no_journal(void **state) {
  fixture *f = *state;
  swdf__journal j;
  fill_journal(&j);
  assert_int_equal(swdf__journal_save(&j, f->ctx, f->path), SWDF_OK);
  swdf__journal_free(&j);
  FILE *file = fopen(f->path, "rb");
  assert_non_null(file);
  uint8_t buf[4096];
  size_t n = fread(buf, 1, sizeof(buf), file);
  fclose(file);
  for (size_t keep = 0; keep < n; keep += 37) {
    file = fopen(f->path, "wb");
    fwrite(buf, 1, keep, file);
    fclose(file);
    swdf__journal back;
    bool found = true;
    assert_int_equal(swdf__journal_load(&back, &found, f->ctx, f->path), SWDF_OK);
    assert_false(found);
    assert_int_equal(back.unit_count, 0);
  }
  /* One flipped bit anywhere: the CRC refuses it. */
  buf[n / 2] ^= 0x10;
  file = fopen(f->path, "wb");
  fwrite(buf, 1, n, file);
  fclose(file);
  swdf__journal back;
  bool found = true;
  assert_int_equal(swdf__journal_load(&back, &found, f->ctx, f->path), SWDF_OK);
  assert_false(found);
}

/* A directory that cannot take the journal fails the save (before any
 * erase), saying where. */
static void unwritable_directory_fails(void **state) {
  fixture *f = *state;
  swdf__journal j;
  fill_journal(&j);
  char path[200];
  snprintf(path, sizeof(path), "%s/missing/dir/x.journal", f->dir);
  assert_int_equal(swdf__journal_save(&j, f->ctx, path), SWDF_ERR_IO);
  assert_non_null(strstr(swdf_ctx_errmsg(f->ctx), "missing/dir/x.journal"));
  swdf__journal_free(&j);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(named_after_the_unique_id, setup, teardown),
      cmocka_unit_test_setup_teardown(saved_journal_comes_back, setup, teardown),
      cmocka_unit_test_setup_teardown(cut_short_is_no_journal, setup, teardown),
      cmocka_unit_test_setup_teardown(unwritable_directory_fails, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
