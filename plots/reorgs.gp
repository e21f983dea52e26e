# Reorganisation depths: how many reorganisations (all nodes) disconnected
# 1, 2, 3 ... blocks (reorgs.csv column depth), with whole-number ticks on
# both axes (both are counts).
# Run by `chainsim plot`, which sets: dir, out, run_title, has_data and,
# when has_data, the datablock $depths (depth, reorganisations: one row per
# depth from 1 to the deepest), max_depth and max_count.
term = strstrt(GPVAL_TERMINALS, "pngcairo") > 0 ? "pngcairo" : "png"
set terminal @term size 1000,600
set output out
set termoption noenhanced
set datafile separator ","
set title "Reorganisation depths\n" . run_title
set xlabel "depth (blocks disconnected)"
set ylabel "reorganisations"
set grid ytics
set boxwidth 0.8
set style fill solid 0.6 border -1
if (has_data) {
    set xrange [0:max_depth + 1]
    set yrange [0:max_count * 1.1 + 0.5]
    # Counts: a tick on every whole number while there are few, else the
    # default ticks (multiples of 2, 5, 10 ... beyond ten).
    if (max_depth <= 20) { set xtics 1 }
    if (max_count <= 10) { set ytics 1 }
    plot $depths using 1:2 with boxes lc rgb "#4060c0" notitle
} else {
    set label 1 "no reorganisations in this run" at graph 0.5, 0.5 center
    set xrange [0:1]
    set yrange [0:1]
    plot NaN notitle
}
