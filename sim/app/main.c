/* chainsim: the command. Dispatches to the subcommands of cli.h. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

#define CLI_ENTRY(name, fn, summary) {name, fn, summary},
static const struct command commands[] = {CLI_COMMAND_MAP(CLI_ENTRY)};
#undef CLI_ENTRY

static void usage(FILE *out)
{
    fprintf(out, "usage: chainsim <command> [options]\n"
                 "       chainsim --help | --version\n\n"
                 "A deterministic peer-to-peer blockchain network simulator.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'chainsim <command> --help' describes a command.\n"
                 "Exit status: 0 success, 1 the work failed, 2 bad usage or bad input.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_BAD_INPUT;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("chainsim %s\n", CHAINSIM_VERSION);
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    cli_error("unknown command '%s' (see 'chainsim --help')", argv[1]);
    return CLI_BAD_INPUT;
}
