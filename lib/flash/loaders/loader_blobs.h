/* The on-target flash loaders, as generated sources (see mkblob.py). */
#ifndef SWDF_LOADER_BLOBS_H
#define SWDF_LOADER_BLOBS_H

#include <stdint.h>

typedef struct swdf__loader_blob {
  const char *name;
  const uint8_t *code; /* starts with a swdf_loader_header */
  uint32_t size;
} swdf__loader_blob;

/* One loader per core architecture (see loader.c). */
extern const swdf__loader_blob swdf__loader_v7m;
extern const swdf__loader_blob swdf__loader_v6m;

#endif
