/* Where 'write' keeps its journal of the bytes kept around an image. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* mkdir -p, private to the user (the journal holds flash contents). */
static bool make_dirs(char *path) {
  for (char *p = path + 1; *p != '\0'; p++) {
    if (*p == '/') {
      *p = '\0';
      bool ok = mkdir(path, 0700) == 0 || errno == EEXIST;
      *p = '/';
      if (!ok) {
        return false;
      }
    }
  }
  return mkdir(path, 0700) == 0 || errno == EEXIST;
}

bool cli_journal_dir(char *out, size_t len, const char *chosen) {
  const char *state = getenv("XDG_STATE_HOME");
  const char *home = getenv("HOME");
  int n;
  if (chosen != NULL) {
    n = snprintf(out, len, "%s", chosen);
  } else if (state != NULL && state[0] == '/') {
    n = snprintf(out, len, "%s/swdflash", state);
  } else if (home != NULL && home[0] != '\0') {
    n = snprintf(out, len, "%s/.local/state/swdflash", home);
  } else {
    return false;
  }
  if (n <= 0 || (size_t)n >= len) {
    return false;
  }
  /* A directory that cannot be made is reported by the write itself,
   * before it erases anything. */
  (void)make_dirs(out);
  return true;
}
