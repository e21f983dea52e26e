/* `chainsim pow-check`: not built yet; it lands with the block header code. */
#include "cli.h"

#include <stdio.h>

int cmd_pow_check(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        printf("usage: chainsim pow-check HEADER_HEX\n");
        return CLI_OK;
    }
    cli_error("pow-check: block headers cannot be checked by this build yet");
    return CLI_FAILED;
}
