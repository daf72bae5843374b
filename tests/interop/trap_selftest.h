/* What the self-test's stub host answers, shared by the guest program
 * (which checks the answers it gets) and the driver (which checks what the
 * guest sent). */
#ifndef VMBD_INTEROP_TRAP_SELFTEST_H
#define VMBD_INTEROP_TRAP_SELFTEST_H

#include <stdint.h>

#define ST_MAGIC 0x564D5868u
#define ST_CMD_GETVERSION 10u
#define ST_CMD_ECHO 0x7001u       /* ax = bx ^ ST_ECHO_XOR, bx = si + di, dx = ~dx */
#define ST_ECHO_XOR 0xA5A5A5A5u
#define ST_HB_OUT_LEN 300u
#define ST_HB_IN_LEN 200u
#define ST_STEP_FWD_S 5           /* clock_settime(now + 5 s) */
#define ST_STEP_BACK_S 3          /* settimeofday(now - 3 s) */
#define ST_TICK 10499
#define ST_ADJTIME_US 250000

static inline uint8_t st_out_byte(uint32_t i)
{
	return (uint8_t)(i * 13u + 1u);
}

static inline uint8_t st_in_byte(uint32_t i)
{
	return (uint8_t)(i * 7u + 3u);
}

#endif
