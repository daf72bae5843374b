/* Loaded by trap_guest with dlopen: its cpuid is in a shared object mapped
 * after exec, which the harness must find and patch when it appears. */
#include <cpuid.h>
#include <string.h>

/* Exported although the project builds with -fvisibility=hidden. */
__attribute__((visibility("default"))) int trap_guest_lib_vendor(char out[13]);

int trap_guest_lib_vendor(char out[13])
{
	unsigned a, b, c, d;

	__cpuid(0x40000000, a, b, c, d);
	memcpy(out, &b, 4);
	memcpy(out + 4, &c, 4);
	memcpy(out + 8, &d, 4);
	out[12] = '\0';
	return (int)a;
}
