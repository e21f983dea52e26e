# Reorganisation depths: how many reorganisations (all nodes) disconnected
# 1, 2, 3 ... blocks (reorgs.csv column depth).
# Run by `chainsim plot`, which sets: dir, out, has_data.
term = strstrt(GPVAL_TERMINALS, "pngcairo") > 0 ? "pngcairo" : "png"
set terminal @term size 1000,600
set output out
set termoption noenhanced
set datafile separator ","
set title "Reorganisation depths"
set xlabel "depth (blocks disconnected)"
set ylabel "reorganisations"
set grid ytics
set boxwidth 0.8
set style fill solid 0.6 border -1
set yrange [0:*]
if (has_data) {
    stats dir."/reorgs.csv" skip 1 using 5 nooutput
    set xrange [0:STATS_max + 1]
    set xtics 1
    plot dir."/reorgs.csv" skip 1 using 5:(1) smooth frequency with boxes lc rgb "#4060c0" \
             notitle
} else {
    set label 1 "no reorganisations in this run" at graph 0.5, 0.5 center
    set xrange [0:1]
    set yrange [0:1]
    plot NaN notitle
}
