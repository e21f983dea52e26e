/* Figures drawn by gnuplot: the preamble and script go to gnuplot's
 * standard input; `out` is pointed at a temporary file after the preamble,
 * so the figure appears under its name only once gnuplot succeeded. */
#include "plot.h"

#include "cli.h"
#include "fileout.h"
#include "plot_scripts.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *plot_script_text(const char *name)
{
    for (size_t i = 0; i < plot_script_count; i++)
        if (strcmp(plot_scripts[i].name, name) == 0)
            return plot_scripts[i].text;
    return NULL;
}

int plot_gnuplot_found(void)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char buf[4096];
    while (*path) {
        size_t len = strcspn(path, ":");
        if (len > 0 && len + strlen("gnuplot") + 2 < sizeof buf) {
            snprintf(buf, sizeof buf, "%.*s/gnuplot", (int)len, path);
            if (access(buf, X_OK) == 0)
                return 1;
        }
        path += len + (path[len] == ':');
    }
    return 0;
}

void plot_quote(FILE *f, const char *value)
{
    /* Single quotes take everything literally but a newline, which ends the
     * command: a line break is joined in as the double-quoted "\n". */
    fputc('\'', f);
    for (; *value; value++) {
        if (*value == '\'')
            fputc('\'', f);
        if (*value == '\n')
            fputs("'.\"\\n\".'", f);
        else
            fputc(*value, f);
    }
    fputc('\'', f);
}

void plot_var_string(FILE *f, const char *name, const char *value)
{
    fprintf(f, "%s = ", name);
    plot_quote(f, value);
    fputc('\n', f);
}

void plot_figure_drop(plot_figure *fig)
{
    if (fig->vars)
        fclose(fig->vars);
    free(fig->text);
    free(fig->png);
    free(fig->gp);
    memset(fig, 0, sizeof *fig);
}

int plot_figure_begin(plot_figure *fig, const char *dir, const char *name)
{
    char file[128];
    memset(fig, 0, sizeof *fig);
    snprintf(file, sizeof file, "%s.png", name);
    fig->png = fileout_join(dir, file);
    snprintf(file, sizeof file, "%s.gp", name);
    fig->gp = fileout_join(dir, file);
    fig->vars = fig->png && fig->gp ? open_memstream(&fig->text, &fig->len) : NULL;
    if (!fig->vars) {
        plot_figure_drop(fig);
        cli_error("plot: out of memory");
        return -1;
    }
    fputs("# chainsim plot: the variables and data of this figure, then its script\n", fig->vars);
    plot_var_string(fig->vars, "out", fig->png);
    return 0;
}

/* gnuplot draws text (preamble, then `out` set to tmp, then the script)
 * into tmp. Returns 0 or -1 (reported). */
static int run_gnuplot(const char *png, const char *script, const char *preamble, const char *text,
                       const char *tmp)
{
    int fds[2];
    if (pipe(fds) != 0) {
        cli_error("plot: pipe: %s", strerror(errno));
        return -1;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        cli_error("plot: fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fds[0], STDIN_FILENO);
        close(fds[0]);
        close(fds[1]);
        execlp("gnuplot", "gnuplot", (char *)NULL);
        fprintf(stderr, "chainsim: plot: cannot run gnuplot: %s\n", strerror(errno));
        _exit(127);
    }
    close(fds[0]);
    void (*old)(int) = signal(SIGPIPE, SIG_IGN); /* gnuplot may exit early */
    FILE *w = fdopen(fds[1], "w");
    if (w) {
        fputs(preamble, w);
        plot_var_string(w, "out", tmp);
        fputs(text, w);
        fclose(w);
    } else {
        close(fds[1]);
    }
    signal(SIGPIPE, old);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    struct stat sb;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || stat(tmp, &sb) != 0 || sb.st_size == 0) {
        cli_error("plot: gnuplot failed to draw %s (script %s)", png, script);
        return -1;
    }
    return 0;
}

int plot_figure_draw(plot_figure *fig, const char *script, const plot_opts *opts)
{
    const char *text = plot_script_text(script);
    int bad = fclose(fig->vars) != 0;
    fig->vars = NULL;
    if (bad || !fig->text) {
        cli_error("plot: out of memory");
        plot_figure_drop(fig);
        return -1;
    }
    if (!text) {
        cli_error("plot: no built-in script %s (plots/%s.gp was missing at build time)", script,
                  script);
        plot_figure_drop(fig);
        return -1;
    }
    size_t n = strlen(fig->png) + sizeof ".tmp.XXXXXX";
    char *tmp = malloc(n);
    int fd = -1;
    if (tmp) {
        snprintf(tmp, n, "%s.tmp.XXXXXX", fig->png);
        fd = mkstemp(tmp);
    }
    if (fd < 0) {
        cli_error("plot: cannot create a file beside %s: %s", fig->png,
                  tmp ? strerror(errno) : "out of memory");
        free(tmp);
        plot_figure_drop(fig);
        return -1;
    }
    /* mkstemp makes 0600; a figure gets the mode of every other output. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    close(fd);
    int rc = run_gnuplot(fig->png, script, fig->text, text, tmp);
    if (rc == 0 && rename(tmp, fig->png) != 0) {
        cli_error("plot: cannot rename %s to %s: %s", tmp, fig->png, strerror(errno));
        rc = -1;
    }
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    if (rc == 0 && opts->keep_script) {
        char err[1024];
        size_t tlen = strlen(text);
        char *all = malloc(fig->len + tlen + 1);
        if (all) {
            memcpy(all, fig->text, fig->len);
            memcpy(all + fig->len, text, tlen + 1);
        }
        if (!all) {
            cli_error("plot: out of memory");
            rc = -1;
        } else if (fileout_write(err, sizeof err, fig->gp, all, fig->len + tlen) != FILEOUT_OK) {
            cli_error("plot: %s", err);
            rc = -1;
        }
        free(all);
    }
    if (rc == 0)
        printf("%s\n", fig->png);
    plot_figure_drop(fig);
    return rc;
}
