/* Writing a command's output to the file the user named (see output_file.h). */
#include "output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool failed(char *msg, size_t msg_len, const char *what, const char *path) {
  snprintf(msg, msg_len, "%s %s: %s", what, path, strerror(errno));
  return false;
}

/* /dev/stdout, /dev/fd/N and /proc/self/fd/N name open descriptors: a
 * regular file behind them belongs to whoever opened it, so it is written
 * in place, never replaced. */
static bool names_descriptor(const char *path) {
  return strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0;
}

static bool fill_and_close(FILE *f, cli_output_fill fill, void *user, bool sync) {
  errno = 0;
  fill(f, user);
  bool ok = fflush(f) == 0 && !ferror(f);
  if (ok && sync && fsync(fileno(f)) != 0) {
    ok = false;
  }
  int saved = errno;
  if (fclose(f) != 0 && ok) {
    ok = false;
    saved = errno;
  }
  errno = saved != 0 ? saved : EIO;
  return ok;
}

/* Open and write through: devices, FIFOs, descriptors, dangling links. */
static bool write_in_place(const char *path, int flags, cli_output_fill fill, void *user,
                           char *msg, size_t msg_len) {
  int fd = open(path, O_WRONLY | O_NOCTTY | flags, 0666);
  if (fd < 0) {
    return failed(msg, msg_len, "cannot open", path);
  }
  FILE *f = fdopen(fd, "wb");
  if (f == NULL) {
    close(fd);
    return failed(msg, msg_len, "cannot write", path);
  }
  return fill_and_close(f, fill, user, false) || failed(msg, msg_len, "cannot write", path);
}

static mode_t new_file_mode(void) {
  mode_t mask = umask(0);
  umask(mask);
  return 0666 & ~mask;
}

/* A temporary file next to `real`, renamed over it once complete. `old` is
 * the file being replaced (its mode and owner are kept), NULL for a new one. */
static bool replace_atomically(const char *real, const struct stat *old, cli_output_fill fill,
                               void *user, const char *shown, char *msg, size_t msg_len) {
  char tmp[PATH_MAX + 16];
  if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", real) >= sizeof(tmp)) {
    errno = ENAMETOOLONG;
    return failed(msg, msg_len, "cannot write", shown);
  }
  int fd = mkstemp(tmp);
  if (fd < 0) {
    return failed(msg, msg_len, "cannot create a file next to", shown);
  }
  bool ok = fchmod(fd, old != NULL ? old->st_mode & 07777 : new_file_mode()) == 0;
  if (ok && old != NULL && (old->st_uid != geteuid() || old->st_gid != getegid())) {
    /* Only root can give the file back to its owner; others keep their own. */
    if (fchown(fd, old->st_uid, old->st_gid) != 0 && errno != EPERM) {
      ok = false;
    }
  }
  FILE *f = ok ? fdopen(fd, "wb") : NULL;
  if (f == NULL) {
    int saved = errno;
    close(fd);
    unlink(tmp);
    errno = saved;
    return failed(msg, msg_len, "cannot write", shown);
  }
  if (!fill_and_close(f, fill, user, true) || rename(tmp, real) != 0) {
    int saved = errno;
    unlink(tmp);
    errno = saved;
    return failed(msg, msg_len, "cannot write", shown);
  }
  return true;
}

bool cli_output_write(const char *path, cli_output_fill fill, void *user, char *msg,
                      size_t msg_len) {
  struct stat st;
  if (stat(path, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      errno = EISDIR;
      return failed(msg, msg_len, "cannot write", path);
    }
    if (!S_ISREG(st.st_mode)) {
      return write_in_place(path, 0, fill, user, msg, msg_len);
    }
    if (names_descriptor(path)) {
      return write_in_place(path, O_TRUNC, fill, user, msg, msg_len);
    }
    /* Through symbolic links to the real file; the links stay. */
    char *real = realpath(path, NULL);
    if (real == NULL) {
      return failed(msg, msg_len, "cannot resolve", path);
    }
    bool ok = replace_atomically(real, &st, fill, user, path, msg, msg_len);
    free(real);
    return ok;
  }
  if (errno != ENOENT) {
    return failed(msg, msg_len, "cannot write", path);
  }
  struct stat link;
  if (lstat(path, &link) == 0 && S_ISLNK(link.st_mode)) {
    /* A link to a file yet to be made: make it where the link points. */
    return write_in_place(path, O_CREAT | O_TRUNC, fill, user, msg, msg_len);
  }
  return replace_atomically(path, NULL, fill, user, path, msg, msg_len);
}

bool cli_output_check(const char *path, char *msg, size_t msg_len) {
  struct stat st;
  if (names_descriptor(path)) {
    return true;
  }
  if (stat(path, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      errno = EISDIR;
      return failed(msg, msg_len, "cannot write", path);
    }
    if (!S_ISREG(st.st_mode)) {
      return true;
    }
  }
  /* The directory of the file the name leads to (links resolved). */
  char real[PATH_MAX];
  char dir[PATH_MAX];
  if (realpath(path, real) != NULL) {
    snprintf(dir, sizeof(dir), "%s", real);
  } else {
    snprintf(dir, sizeof(dir), "%s", path);
  }
  char *slash = strrchr(dir, '/');
  if (slash == NULL) {
    snprintf(dir, sizeof(dir), ".");
  } else if (slash == dir) {
    dir[1] = '\0';
  } else {
    *slash = '\0';
  }
  if (access(dir, W_OK | X_OK) != 0) {
    return failed(msg, msg_len, "cannot create a file next to", path);
  }
  return true;
}
