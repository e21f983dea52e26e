/* `chainsim verify`: not built yet; it lands with the ledger. */
#include "cli.h"

#include <stdio.h>

int cmd_verify(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        printf("usage: chainsim verify FILE...\n");
        return CLI_OK;
    }
    cli_error("verify: chain files cannot be checked by this build yet");
    return CLI_FAILED;
}
