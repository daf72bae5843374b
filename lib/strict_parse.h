/*
 * Strict value parsers for host-supplied text (TCLO arguments).
 *
 * Private to the library. The host is untrusted: every input is a byte
 * range (it may contain NULs and need not be NUL-terminated), and a value is
 * accepted only if the whole range is exactly the expected form. No libc
 * number parsing (strtol accepts signs, spaces, hex and octal, and needs a
 * NUL-terminated string), so these also build freestanding.
 */
#ifndef VMBD_STRICT_PARSE_H
#define VMBD_STRICT_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* Exactly "0" or "1". Returns 0 and sets *out, or VMBD_ESYNTAX. */
int vmbd__parse_bool(const char *s, size_t len, uint32_t *out);

/* One to ten decimal digits, no sign, no spaces, no prefix, value
 * <= UINT32_MAX. Leading zeros are allowed ("007" is 7). Returns 0 and sets
 * *out, VMBD_ESYNTAX for a non-number, VMBD_ERANGE for overflow; *out is
 * untouched on failure. */
int vmbd__parse_u32(const char *s, size_t len, uint32_t *out);

#endif
