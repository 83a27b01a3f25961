/* lab.c: interim placeholder for `dptune lab`; the lab replaces this file. */
#include "cmd.h"
#include "../core/log.h"

int cmd_lab(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	err_msg("not built yet");
	return EXIT_NOFEATURE;
}
