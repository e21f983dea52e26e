# One headline figure of a sweep against the swept parameter: the mean over
# each grid point's repetitions with its 95% confidence interval (Student's
# t), one line per combination of the other swept parameters; for the stale
# rate, optionally the theory 1 - exp(-lambda D), lambda the runs' block
# rate and D their mean propagation delay (dashed, in its line's colour).
# Run by `chainsim plot SWEEP_DIR`, which sets: out, figure (its column in
# sweep.csv), sweep_title, xlabel, ylabel, categorical (1: the x values are
# names, placed 1, 2, ... in the order given), n_x, x_min and x_max (the
# smallest and largest x), n_series and
# series_1..series_n, has_theory, and the datablocks $stats (and $theory):
# one index per series, rows x, mean, ci95_low, ci95_high, the x value as
# given; sweep_stats.csv holds the same numbers.
term = strstrt(GPVAL_TERMINALS, "pngcairo") > 0 ? "pngcairo" : "png"
set terminal @term size 1000,600
set output out
set termoption noenhanced
set datafile separator ","
set title sweep_title
set xlabel xlabel
set ylabel ylabel
set key inside left top opaque box
set grid
# Every headline figure is a count, a rate, a delay or a size: never below 0
# (an interval that reaches below is cut at the axis).
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
# The theory's lines, only when asked for. A macro (@theory), expanded when
# the block below is read, so set before it; an empty element would be
# warned about.
theory = has_theory ? ', for [i=1:n_series] $theory index (i-1) using 1:2 with linespoints lc i dt 2 lw 2 pt 6 title (i == 1 ? "theory: 1 - exp(-lambda D)" : "")' : ''
if (categorical) {
    set xrange [0.5:n_x + 0.5]
    plot for [i=1:n_series] $stats index (i-1) using 1:2:3:4:xticlabels(5) with yerrorlines \
             lc i lw 2 pt 7 title value(sprintf("series_%d", i)) @theory
} else {
    # A little room either side; from 0 when the values start near it.
    span = x_max > x_min ? x_max - x_min : (x_max != 0 ? abs(x_max) : 1)
    x_lo = (x_min >= 0 && x_min <= 0.25 * x_max) ? 0 : x_min - 0.05 * span
    set xrange [x_lo : x_max + 0.05 * span]
    plot for [i=1:n_series] $stats index (i-1) using 1:2:3:4 with yerrorlines lc i lw 2 pt 7 \
             title value(sprintf("series_%d", i)) @theory
}
