/*
 * Corpus replay: feeds every file named on the command line (directories
 * are walked one level) to the fuzz target's entry point, in any build,
 * with any compiler. This is how the committed corpus, crash reproducers
 * included, runs as an ordinary CTest test: a reproducer that crashes or
 * trips a check again fails the test without libFuzzer.
 *
 *   fuzz_replay_NAME FILE_OR_DIR...
 *
 * Exits 0 after at least one input ran (and none aborted), 1 when no input
 * was found or one could not be read: a replay of nothing proves nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_target.h"

/* Largest input replayed: libFuzzer's corpora here are far smaller. */
#define REPLAY_MAX (1u << 20)

static int replay_file(const char *path, unsigned long *count)
{
	unsigned char *buf;
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (fp == NULL) {
		perror(path);
		return -1;
	}
	buf = malloc(REPLAY_MAX);
	if (buf == NULL) {
		fclose(fp);
		return -1;
	}
	n = fread(buf, 1, REPLAY_MAX, fp);
	if (ferror(fp) || !feof(fp)) {
		fprintf(stderr, "%s: read error or larger than %u bytes\n",
			path, REPLAY_MAX);
		free(buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	/* An exact-size copy: a read past the input is a sanitizer or
	 * valgrind error here too, as under libFuzzer. */
	{
		unsigned char *exact = malloc(n ? n : 1);

		if (exact == NULL) {
			free(buf);
			return -1;
		}
		memcpy(exact, buf, n);
		free(buf);
		(void)LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	(*count)++;
	return 0;
}

static int replay_path(const char *path, unsigned long *count)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (stat(path, &st) != 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path, count);
	d = opendir(path);
	if (d == NULL) {
		perror(path);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char sub[4096];

		if (e->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) >=
		    (int)sizeof(sub)) {
			rc = -1;
			continue;
		}
		if (stat(sub, &st) == 0 && S_ISREG(st.st_mode) &&
		    replay_file(sub, count) != 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned long count = 0;
	int i, rc = 0;

	for (i = 1; i < argc; i++)
		if (replay_path(argv[i], &count) != 0)
			rc = 1;
	printf("replayed %lu inputs\n", count);
	if (count == 0) {
		fprintf(stderr, "no input found: nothing was checked\n");
		return 1;
	}
	return rc;
}
