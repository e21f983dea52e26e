/* Fuzzes the loader of `chainsim serve RUN_DIR`. The input is a run folder
 * in one byte string: the bytes before the first form feed (0x0C, never
 * part of a JSON text outside a string, nor of chainsim's CSV files) are
 * summary.json, the bytes after it node1_chain.json, then, after a second
 * and a third form feed, events.csv and reorgs.csv (absent without them);
 * without a form feed, the whole input is node1_chain.json beside the
 * summary.json of the seed corpus's real run.
 * Each input is written to a scratch folder and loaded: through
 * serve_load (the loader's public function) when this tree has it, else
 * through the command itself, `chainsim serve DIR --listen :` (it loads
 * the run, then refuses the listen address: nothing is served). A refusal
 * must come with a message. */
#include "cli.h"
#include "fuzz_check.h"

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#if __has_include("serve_load.h")
#include "serve_load.h"
#define HAVE_SERVE_LOAD 1
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], summary_path[128], chain_path[128], events_path[128], reorgs_path[128];
static char *real_summary;
static size_t real_summary_len;

static void remove_scratch(void)
{
    unlink(summary_path);
    unlink(chain_path);
    unlink(events_path);
    unlink(reorgs_path);
    rmdir(dir);
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(len == 0 || fwrite(data, 1, len, f) == len);
    FUZZ_CHECK(fclose(f) == 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "/tmp/chainsim-fuzz-serve-XXXXXX");
    FUZZ_CHECK(mkdtemp(dir) != NULL);
    snprintf(summary_path, sizeof summary_path, "%s/summary.json", dir);
    snprintf(chain_path, sizeof chain_path, "%s/node1_chain.json", dir);
    snprintf(events_path, sizeof events_path, "%s/events.csv", dir);
    snprintf(reorgs_path, sizeof reorgs_path, "%s/reorgs.csv", dir);
    atexit(remove_scratch);
    FILE *f = fopen(FUZZ_SOURCE_DIR "/tests/fuzz/data/serve_summary.json", "rb");
    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(fseek(f, 0, SEEK_END) == 0);
    long n = ftell(f);
    FUZZ_CHECK(n > 0 && fseek(f, 0, SEEK_SET) == 0);
    real_summary = malloc((size_t)n);
    FUZZ_CHECK(real_summary != NULL && fread(real_summary, 1, (size_t)n, f) == (size_t)n);
    real_summary_len = (size_t)n;
    fclose(f);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *ff = memchr(data, '\f', size);
    unlink(events_path);
    unlink(reorgs_path);
    if (ff != NULL) {
        /* Up to four parts: summary, chain file, events.csv, reorgs.csv. */
        const char *paths[4] = {summary_path, chain_path, events_path, reorgs_path};
        const uint8_t *part = data, *end = data + size;
        for (int k = 0; k < 4 && part != NULL; k++) {
            const uint8_t *next = k < 3 ? memchr(part, '\f', (size_t)(end - part)) : NULL;
            write_file(paths[k], part, (size_t)((next ? next : end) - part));
            part = next ? next + 1 : NULL;
        }
    } else {
        write_file(summary_path, (const uint8_t *)real_summary, real_summary_len);
        write_file(chain_path, data, size);
    }
#ifdef HAVE_SERVE_LOAD
    char err[1024];
    cJSON *doc = NULL;
    int rc = serve_load(&doc, NULL, err, sizeof err, dir);
    FUZZ_CHECK(rc == 0 || rc == 1 || rc == 2);
    if (rc != 0)
        FUZZ_CHECK(doc == NULL && err[0] != '\0');
    else
        FUZZ_CHECK(doc != NULL);
    cJSON_Delete(doc);
#else
    /* The command loads, then refuses ":" as a listen address (exit 2);
     * a run it cannot load is also exit 2, with its message on stderr. */
    char name[] = "serve", opt[] = "--listen", addr[] = ":";
    char *argv[] = {name, dir, opt, addr, NULL};
    sigset_t mask;
    pthread_sigmask(SIG_SETMASK, NULL, &mask); /* the command blocks SIGINT and SIGTERM */
    int rc = cmd_serve(4, argv);
    pthread_sigmask(SIG_SETMASK, &mask, NULL);
    FUZZ_CHECK(rc == CLI_BAD_INPUT || rc == CLI_FAILED);
#endif
    return 0;
}
