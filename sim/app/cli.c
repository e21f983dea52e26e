/* Shared command-line helpers: one error format for every subcommand. */
#include "cli.h"
#include "http.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("chainsim: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return 0;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    }
    return 0;
}

int cli_allow_host(const char *cmd, const char **hosts, size_t *n, const char *val)
{
    char err[400];
    if (val == NULL) {
        cli_error("%s: --allow-host expects a host name", cmd);
        return -1;
    }
    if (http_check_host_name(err, sizeof err, val) != HTTP_OK) {
        cli_error("%s: --allow-host: %s", cmd, err);
        return -1;
    }
    if (*n == HTTP_MAX_ALLOWED_HOSTS) {
        cli_error("%s: --allow-host: at most %d names, '%s' is one more", cmd,
                  HTTP_MAX_ALLOWED_HOSTS, val);
        return -1;
    }
    hosts[(*n)++] = val;
    return 0;
}
