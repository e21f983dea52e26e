/* plot_scripts: the gnuplot scripts plots/NAME.gp, compiled into chainsim so
 * `chainsim plot` needs no file beside the binary. The table is generated at
 * build time by plots/embed.cmake from the files themselves, byte for byte. */
#ifndef CHAINSIM_PLOT_SCRIPTS_H
#define CHAINSIM_PLOT_SCRIPTS_H

#include <stddef.h>

/* One script: name is the file name without ".gp" (plots/height.gp is
 * "height"); text is the file's bytes followed by a NUL, size_bytes its length
 * without the NUL. Static, read-only data: safe from any thread. */
typedef struct {
    const char *name;
    const char *text;
    size_t size_bytes;
} plot_script;

/* Every .gp file in plots/, sorted by file name. */
extern const plot_script plot_scripts[];
/* Number of entries in plot_scripts[] (at least one: the build fails without). */
extern const size_t plot_script_count;

#endif
