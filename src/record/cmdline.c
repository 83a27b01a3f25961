/* cmdline.c: the command `dptune record -- COMMAND` runs, made to print JSON. */
#include <string.h>
#include "record.h"

char **rec_command_argv(char **argv, int argc)
{
	char **out = xcalloc((size_t)argc + 2, sizeof(char *));
	int at = -1, n = 0;

	for (int i = 0; i < argc && at < 0; i++) {
		const char *b = strrchr(argv[i], '/');

		b = b ? b + 1 : argv[i];
		if (strcmp(b, "dptune") || i + 1 >= argc)
			continue;
		/* `dptune lab exec NODE -- CMD` only runs CMD in a node: look further */
		if (!strcmp(argv[i + 1], "lab") && i + 2 < argc && !strcmp(argv[i + 2], "exec"))
			continue;
		at = i + 2;
		if ((!strcmp(argv[i + 1], "lab") || !strcmp(argv[i + 1], "tune")) && i + 2 < argc &&
		    argv[i + 2][0] != '-')
			at = i + 3;
		for (int k = i + 1; k < argc && strcmp(argv[k], "--"); k++)
			if (!strcmp(argv[k], "--json") || !strcmp(argv[k], "-j"))
				at = -2;
		if (at == -2)
			break;
	}
	for (int i = 0; i < argc; i++) {
		if (i == at)
			out[n++] = "--json";
		out[n++] = argv[i];
	}
	if (at == argc)
		out[n++] = "--json";
	out[n] = NULL;
	return out;
}

