/*
 * The one entry point every fuzz target defines. libFuzzer calls it in the
 * fuzzing build; tests/fuzz/replay.c calls it for every corpus file in the
 * normal build, so the corpus is a regression suite without libFuzzer.
 * A target reports a broken property with check() below.
 */
#ifndef VMBD_FUZZ_TARGET_H
#define VMBD_FUZZ_TARGET_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* A broken property: say which, then abort() (libFuzzer saves the input
 * as a crash reproducer; the replay test fails). */
#define check(cond)                                                         \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "%s:%d: property violated: %s\n",  \
				__FILE__, __LINE__, #cond);                 \
			abort();                                            \
		}                                                           \
	} while (0)

#endif
