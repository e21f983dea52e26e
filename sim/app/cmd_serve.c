/* `chainsim serve RUN_DIR`: the dashboard for a finished run, read-only.
 * serve_load reads the run's summary.json and every nodeK_chain.json once
 * (through the chain-file reader, each distinct file and block once) into
 * one dash snapshot, which is served until SIGINT or SIGTERM; every POST is
 * refused as read-only. The options are checked before the run is read (a
 * large run takes seconds), so a mistake in them is reported at once. */
#include "cli.h"
#include "dash.h"
#include "http.h"
#include "serve_load.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: chainsim serve RUN_DIR [--listen HOST:PORT] [--allow-host NAME]...\n\n"
            "Serves the dashboard for a finished run (read-only) until Ctrl-C: its nodes,\n"
            "blocks with their producers and times, the best chain's transactions and\n"
            "the wallets' balances. RUN_DIR is the output folder of 'chainsim run': its\n"
            "summary.json and node1_chain.json ... nodeN_chain.json (a node whose file\n"
            "was not written shows no chain).\n"
            "  --listen HOST:PORT   address to listen on (default %s; port 0 picks one)\n"
            "  --allow-host NAME    also answer requests for NAME (a DNS name or an address by\n"
            "                       which the dashboard is reached; localhost, 127.0.0.1, [::1]\n"
            "                       and the --listen address always are); repeatable, at most %d\n",
            HTTP_DEFAULT_LISTEN, HTTP_MAX_ALLOWED_HOSTS);
}

int cmd_serve(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_OK;
    }
    const char *dir = NULL, *listen = HTTP_DEFAULT_LISTEN;
    const char *hosts[HTTP_MAX_ALLOWED_HOSTS];
    size_t n_hosts = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--listen") == 0) {
            if (i + 1 == argc) {
                cli_error("serve: --listen needs HOST:PORT");
                return CLI_BAD_INPUT;
            }
            listen = argv[++i];
        } else if (strcmp(argv[i], "--allow-host") == 0) {
            if (cli_allow_host("serve", hosts, &n_hosts, i + 1 < argc ? argv[++i] : NULL) != 0)
                return CLI_BAD_INPUT;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_error("serve: unknown option '%s' (see 'chainsim serve --help')", argv[i]);
            return CLI_BAD_INPUT;
        } else if (dir) {
            cli_error("serve: one RUN_DIR expected, got '%s' and '%s'", dir, argv[i]);
            return CLI_BAD_INPUT;
        } else {
            dir = argv[i];
        }
    }
    if (!dir) {
        cli_error("serve: missing RUN_DIR (see 'chainsim serve --help')");
        return CLI_BAD_INPUT;
    }
    char msg[8192];
    http_reason r = http_check_listen(msg, sizeof msg, listen);
    if (r != HTTP_OK) {
        cli_error("serve: %s", msg);
        return r == HTTP_ERR_BAD_ADDRESS ? CLI_BAD_INPUT : CLI_FAILED;
    }
    cJSON *doc = NULL;
    serve_load_stats st;
    int rc = serve_load(&doc, &st, msg, sizeof msg, dir);
    if (rc != CLI_OK) {
        cli_error("serve: %s", msg);
        return rc;
    }
    printf("read %zu chain files of %zu nodes: %zu distinct files, %zu blocks, %zu distinct\n",
           st.chain_files, st.nodes, st.files_parsed, st.blocks_read, st.blocks_distinct);
    dash *d = NULL;
    http_server *srv = NULL;
    int status = CLI_FAILED;
    if (dash_new(&d) != DASH_OK) {
        cJSON_Delete(doc);
        cli_error("serve: out of memory");
        return CLI_FAILED;
    }
    dash_set_read_only(d, 1);
    if (dash_publish(d, msg, sizeof msg, doc) != DASH_OK) {
        cli_error("serve: %s", msg);
        goto out;
    }
    /* Block the stop signals before the server's threads exist, so they
     * inherit the mask and only sigwait below receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    r = http_start(&srv, msg, sizeof msg, d, listen);
    if (r != HTTP_OK) {
        /* A taken port is a mistake in the options, as for run --serve. */
        cli_error("serve: %s", msg);
        status = r == HTTP_ERR_BAD_ADDRESS || r == HTTP_ERR_LISTEN ? CLI_BAD_INPUT : CLI_FAILED;
        goto out;
    }
    for (size_t i = 0; i < n_hosts; i++)
        if (http_allow_host(srv, msg, sizeof msg, hosts[i]) != HTTP_OK) {
            cli_error("serve: --allow-host: %s", msg); /* checked above: a bug's */
            status = CLI_FAILED;
            goto out;
        }
    const char *host = strncmp(listen, "[", 1) == 0 ? "[::1]" : "127.0.0.1";
    if (strncmp(listen, "localhost:", 10) != 0 && strncmp(listen, ":", 1) != 0) {
        static char given[300];
        snprintf(given, sizeof given, "%.*s", (int)(strrchr(listen, ':') - listen), listen);
        host = given;
    }
    printf("serving %s (read-only) at http://%s:%u/ - Ctrl-C stops\n", dir, host,
           (unsigned)http_port(srv));
    fflush(stdout);
    int sig;
    sigwait(&stop, &sig);
    status = CLI_OK;
out:
    http_stop(srv);
    dash_free(d);
    return status;
}
