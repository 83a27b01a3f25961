/* bench.c: interim placeholder for `dptune bench`; the load engine replaces this file. */
#include "cmd.h"
#include "../core/log.h"

int cmd_bench(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	err_msg("not built yet");
	return EXIT_NOFEATURE;
}
