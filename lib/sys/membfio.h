/*
 * membfio.h: a read-only libbfio handle over bytes in memory, bounded by their length.
 *
 * libbfio's own memory range (20170123) copies the requested size without clamping it to
 * the range, so libregf reading a 4096-byte header from a shorter buffer reads past its end
 * (found by ASan). This handle clamps every read and seek; libregf and libevtx read hives
 * and logs through it without anything being written to disk.
 */
#ifndef UPDX_SYS_MEMBFIO_H
#define UPDX_SYS_MEMBFIO_H

#include <libbfio.h>
#include <stddef.h>
#include <stdint.h>

/* A new handle over [data, data+len) (data must outlive it); 1 on success, -1 on failure.
 * Free with libbfio_handle_free. */
int updx_membfio_open(libbfio_handle_t **handle, const uint8_t *data, size_t len);

#endif
