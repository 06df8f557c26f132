/*
 * bytes.h: little/big-endian decoding from byte arrays and the one bounds-check idiom.
 *
 * On-disk layouts are decoded field by field from byte arrays, never by casting structs
 * over mapped memory. updx_span_fits is the check every reader uses before touching a
 * range taken from a file: it cannot overflow.
 */
#ifndef UPDX_UTIL_BYTES_H
#define UPDX_UTIL_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline uint16_t updx_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}
static inline uint32_t updx_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t updx_le64(const uint8_t *p)
{
    return (uint64_t)updx_le32(p) | (uint64_t)updx_le32(p + 4) << 32;
}
static inline uint16_t updx_be16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

/* True when [offset, offset+len) lies inside a buffer of `size` bytes. */
static inline bool updx_span_fits(uint64_t size, uint64_t offset, uint64_t len)
{
    return offset <= size && len <= size - offset;
}

#endif
