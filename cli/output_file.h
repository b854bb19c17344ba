/* Writing a command's output to the file the user named. */
#ifndef SWDFLASH_CLI_OUTPUT_FILE_H
#define SWDFLASH_CLI_OUTPUT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Writes the whole output to `f`; the caller checks ferror(). */
typedef void (*cli_output_fill)(FILE *f, void *user);

/*
 * Write to `path` what `fill` produces, the way the user means it:
 *  - a regular file (also one reached through symbolic links, which stay as
 *    they are) is replaced atomically: a temporary file next to the real
 *    file, given the old file's mode, renamed over it. On failure the old
 *    file is left untouched.
 *  - a new file is made the same way with mode 0666 minus the umask.
 *  - anything else (a character device, a FIFO, a socket, /dev/stdout and
 *    the other names of open descriptors under /dev and /proc) is opened
 *    and written through, never replaced.
 * Returns false with `msg` set ("cannot write FILE: reason") on failure.
 */
bool cli_output_write(const char *path, cli_output_fill fill, void *user, char *msg,
                      size_t msg_len);

/*
 * Check, before any work, that `path` can take the output: not a
 * directory, and for a regular or new file a directory that exists and
 * that we may create files in (the temporary file goes there). Devices,
 * FIFOs and names of descriptors are left to cli_output_write. Returns
 * false with `msg` set ("cannot write FILE: reason").
 */
bool cli_output_check(const char *path, char *msg, size_t msg_len);

#endif
