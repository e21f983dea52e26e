/* plot: one figure drawn by gnuplot. A figure is a built-in script
 * (plots/NAME.gp, see plot_scripts.h) run after a preamble that sets its
 * variables and, where the numbers need computing first, holds its data as
 * gnuplot datablocks. gnuplot draws into a temporary file beside the PNG,
 * renamed over it once complete, so a failed plot never leaves a torn
 * figure; the PNG gets the mode every output file gets (0666 less the
 * umask). With keep_script, the whole text fed to gnuplot (preamble and
 * script) is also written beside the PNG as NAME.gp, so `gnuplot NAME.gp`
 * redraws the figure and a reader (or a test) sees exactly what was drawn. */
#ifndef CHAINSIM_PLOT_H
#define CHAINSIM_PLOT_H

#include <stddef.h>
#include <stdio.h>

/* What every figure of one `chainsim plot` shares. */
typedef struct plot_opts {
    int keep_script; /* --gp: write NAME.gp beside NAME.png */
    int theory;      /* --theory: overlay the stale-rate theory on sweep figures */
} plot_opts;

/* One figure being prepared: the PNG's path and the preamble stream. */
typedef struct plot_figure {
    char *png;  /* DIR/NAME.png */
    char *gp;   /* DIR/NAME.gp */
    char *text; /* the preamble (memory stream buffer) */
    size_t len; /* its length */
    FILE *vars; /* the stream: write variables and datablocks here */
} plot_figure;

/* The built-in script called name (plots/NAME.gp), or NULL. Static. */
const char *plot_script_text(const char *name);

/* True when an executable gnuplot is on PATH. */
int plot_gnuplot_found(void);

/* Starts the figure NAME.png in dir: fills *fig and opens fig->vars, in
 * which the preamble already sets `out` to the PNG's path. Returns 0, or
 * -1 when out of memory (said on stderr; *fig then needs no cleanup). */
int plot_figure_begin(plot_figure *fig, const char *dir, const char *name)
    __attribute__((warn_unused_result));

/* Writes `name = 'value'` (a gnuplot string, quotes doubled) to f. */
void plot_var_string(FILE *f, const char *name, const char *value);

/* Writes a gnuplot string expression for value: single-quoted, quotes
 * doubled, a line break joined in as "\n". */
void plot_quote(FILE *f, const char *value);

/* Closes the preamble and draws the figure with the built-in script: runs
 * gnuplot on the preamble and the script, moves the PNG into place, writes
 * NAME.gp when opts->keep_script, prints the PNG's path on stdout and frees
 * what fig holds. Returns 0, or -1 when gnuplot failed or a file could not
 * be written (said on stderr; an earlier PNG stays as it was). */
int plot_figure_draw(plot_figure *fig, const char *script, const plot_opts *opts)
    __attribute__((warn_unused_result));

/* Frees what fig holds without drawing. */
void plot_figure_drop(plot_figure *fig);

#endif
