# Chain height over virtual time, one line per node, partitions shaded.
# Run by `chainsim plot`, which sets: dir (the run folder), out (the PNG),
# n_nodes (nodes in the run), nodes (how many to draw), has_data (timeline.csv
# has rows), has_partitions (partitions.csv has rows). By hand:
#   gnuplot -e "dir='RUN'; out='h.png'; n_nodes=4; nodes=4; has_data=1; has_partitions=1" plots/height.gp
term = strstrt(GPVAL_TERMINALS, "pngcairo") > 0 ? "pngcairo" : "png"
set terminal @term size 1000,600
set output out
set termoption noenhanced
set datafile separator ","
set title "Chain height per node (grey: network partitioned)"
set xlabel "virtual time (s)"
set ylabel "height (blocks)"
set key outside right top
set grid
set style fill transparent solid 0.25 noborder
if (has_data) {
    stats dir."/timeline.csv" skip 1 using 3 nooutput
    ymax = STATS_max + 1
    set yrange [0:ymax]
    if (has_partitions) {
        plot dir."/partitions.csv" skip 1 using (($1+$2)/2):(ymax):($2-$1) with boxes \
                 lc rgb "gray" title "partition", \
             for [n=1:nodes] dir."/timeline.csv" skip 1 every n_nodes::(n-1) using 1:3 \
                 with steps lw 2 title sprintf("node %d", n)
    } else {
        plot for [n=1:nodes] dir."/timeline.csv" skip 1 every n_nodes::(n-1) using 1:3 \
                 with steps lw 2 title sprintf("node %d", n)
    }
} else {
    set label 1 "no timeline samples in this run" at graph 0.5, 0.5 center
    set xrange [0:1]
    set yrange [0:1]
    plot NaN notitle
}
