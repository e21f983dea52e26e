/* `chainsim run`: not built yet; the engine and protocol land separately. */
#include "cli.h"

#include <stdio.h>

int cmd_run(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        printf("usage: chainsim run [SCENARIO] [options]\n");
        return CLI_OK;
    }
    cli_error("run: the simulation engine is not part of this build yet");
    return CLI_FAILED;
}
