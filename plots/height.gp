# Chain height over virtual time. Up to 8 nodes: one line per node. More:
# the median node's height with a band from the lowest to the highest node
# (32 lines in recycled colours cannot be told apart). Partitions shaded,
# only when the run had one.
# Run by `chainsim plot`, which sets: dir (the run folder), out (the PNG),
# run_title (scenario and seed), n_nodes (nodes in the run), has_data
# (timeline.csv has rows), has_partitions (partitions.csv has rows),
# by_node (1: a line per node from timeline.csv; 0: the datablock $heights,
# one row per sample: time, lowest, median and highest height over nodes).
# By hand, for a run of a few nodes:
#   gnuplot -e "dir='RUN'; out='h.png'; run_title='RUN'; n_nodes=4; has_data=1; has_partitions=1; by_node=1" plots/height.gp
term = strstrt(GPVAL_TERMINALS, "pngcairo") > 0 ? "pngcairo" : "png"
set terminal @term size 1000,600
set output out
set termoption noenhanced
set datafile separator ","
set title (has_partitions ? "Chain height per node (grey: network partitioned)" : "Chain height per node") . "\n" . run_title
set xlabel "virtual time (s)"
set ylabel "height (blocks)"
set key outside right top
set grid
set style fill transparent solid 0.25 noborder
# The partitions' band, only when there was a partition. A macro (@band),
# expanded when the block below is read, so it is set before the block; an
# empty partitions.csv in the plot would be a warned-about empty element.
band = has_partitions ? 'dir."/partitions.csv" skip 1 using (($1+$2)/2):(ymax):($2-$1) with boxes lc rgb "gray" title "partition", ' : ''
if (has_data) {
    if (by_node) {
        stats dir."/timeline.csv" skip 1 using 3 nooutput
    } else {
        stats $heights using 4 nooutput
    }
    ymax = STATS_max + 1
    set yrange [0:ymax]
    # Heights are counts: whole-number ticks only.
    if (ymax <= 10) { set ytics 1 }
    if (by_node) {
        plot @band for [n=1:n_nodes] dir."/timeline.csv" skip 1 every n_nodes::(n-1) using 1:3 \
                 with steps lw 2 title sprintf("node %d", n)
    } else {
        set key inside left top
        plot @band $heights using 1:2:4 with filledcurves lc rgb "#4060c0" \
                 title sprintf("lowest to highest of %d nodes", n_nodes), \
             $heights using 1:3 with steps lw 2 lc rgb "#203080" title "median node"
    }
} else {
    set label 1 "no timeline samples in this run" at graph 0.5, 0.5 center
    set xrange [0:1]
    set yrange [0:1]
    plot NaN notitle
}
