/* Shared by the io_trap guest and driver: the register patterns of the
 * backend round-trip checks (values chosen so that any swapped, truncated
 * or dropped register shows). */
#ifndef VMBD_IO_TRAP_H
#define VMBD_IO_TRAP_H

/* LB: an unused command number the driver's host answers itself. */
#define IOT_CMD 0x7Eu
#define IOT_IN_BX 0x1BADB002u
#define IOT_IN_SI 0x5151515151ull   /* full 64-bit rsi reaches the host */
#define IOT_IN_DI 0x6262626262ull
#define IOT_OUT_AX 0xA0A0A0A0u
#define IOT_OUT_BX 0xB1B1B1B1u
#define IOT_OUT_CX 0xC2C2C2C2u
#define IOT_OUT_DX 0xD3D3D3D3u
#define IOT_OUT_SI 0xE4E4E4E4u
#define IOT_OUT_DI 0xF5F5F5F5u

/* HB: channel 3, cookies as the message channel passes them. */
#define IOT_CHANNEL 3u
#define IOT_HB_BX 0x00010000u         /* status SUCCESS << 16 | HB cmd 0 */
#define IOT_COOKIE_HIGH 0x9ABCDEF0u
#define IOT_COOKIE_LOW 0x12345678u
#define IOT_HB_LEN 333u
#define IOT_HB_REPLY_BX 0x00010000u
#define IOT_HB_REPLY_BP 0x0BADF00Du

static inline unsigned char iot_byte(unsigned i, unsigned salt)
{
	return (unsigned char)(i * 7u + salt);
}

#endif
