/*
 * A stand-in for libFuzzer's driver, so that the normal test suite (any
 * compiler) runs every harness over its corpus and past crash inputs:
 *
 *   fuzz_replay_NAME DIR_OR_FILE...
 *
 * Each file is passed once to LLVMFuzzerTestOneInput; directories are read
 * one level deep, in name order. A finding aborts (the sanitizers report
 * it); otherwise prints how many inputs ran and exits 0. An argument that
 * names nothing readable is an error, so a misplaced corpus cannot pass as
 * an empty one.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "cannot open %s\n", path);
    return -1;
  }
  size_t cap = 4096, len = 0;
  uint8_t *buf = malloc(cap);
  size_t n;
  while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      uint8_t *grown = realloc(buf, cap * 2);
      if (grown == NULL) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = grown;
      cap *= 2;
    }
  }
  int failed = buf == NULL || ferror(f);
  fclose(f);
  if (failed) {
    free(buf);
    fprintf(stderr, "cannot read %s\n", path);
    return -1;
  }
  /* An exact-size copy, so that reads past the end are caught. */
  uint8_t *exact = malloc(len > 0 ? len : 1);
  if (exact == NULL) {
    free(buf);
    return -1;
  }
  memcpy(exact, buf, len);
  free(buf);
  fprintf(stderr, "%s\n", path);
  LLVMFuzzerTestOneInput(exact, len);
  free(exact);
  return 0;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, size_t *count) {
  DIR *d = opendir(dir);
  if (d == NULL) {
    fprintf(stderr, "cannot open directory %s\n", dir);
    return -1;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') {
      continue; /* ".", "..", and hidden files such as .gitkeep */
    }
    if (n == cap) {
      cap = cap != 0 ? cap * 2 : 64;
      char **grown = realloc(names, cap * sizeof(*names));
      if (grown == NULL) {
        break;
      }
      names = grown;
    }
    size_t len = strlen(dir) + strlen(e->d_name) + 2;
    names[n] = malloc(len);
    if (names[n] == NULL) {
      break;
    }
    snprintf(names[n], len, "%s/%s", dir, e->d_name);
    n++;
  }
  closedir(d);
  if (n > 1) {
    qsort(names, n, sizeof(*names), by_name);
  }
  int rc = 0;
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
      rc = run_file(names[i]);
      *count += rc == 0;
    }
    free(names[i]);
  }
  free(names);
  return rc;
}

int main(int argc, char **argv) {
  size_t count = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "%s: no such file or directory\n", argv[i]);
      return 1;
    }
    int rc;
    if (S_ISDIR(st.st_mode)) {
      rc = run_dir(argv[i], &count);
    } else {
      rc = run_file(argv[i]);
      count += rc == 0;
    }
    if (rc != 0) {
      return 1;
    }
  }
  printf("%zu inputs ran without a finding\n", count);
  return 0;
}
