# Several runs, one panel each, stacked on one time axis: every node's chain
# height over virtual time (up to 16 nodes a line per node, else the median
# node with a band from the lowest to the highest), the run's partitions
# shaded grey, and each reorganisation an impulse of its depth (right axis,
# red). Made for runs of the same network and partitions under different
# consensus protocols: a side that forks grows its own line and drops back
# at the heal (a red impulse), a side that halts stays flat.
# Run by `chainsim plot RUN RUN...`, which sets: out, compare_title, n (runs)
# and for each run i: dir_i, label_i (the parameters in which it differs),
# xmax (the longest run's duration, s: one time axis for every panel),
# stats_i (its summary's stale rate, reorganisations, confirmation latency),
# nodes_i, by_node_i, has_data_i, parts_i (partitions.csv has rows),
# reorgs_i (reorgs.csv has rows) and, when by_node_i is 0, the datablock
# $heights_i (time, lowest, median, highest height).
term = strstrt(GPVAL_TERMINALS, "pngcairo") > 0 ? "pngcairo" : "png"
panel_px = 300
set terminal @term size 1100, (n * panel_px + 60)
set output out
set termoption noenhanced
set datafile separator ","
v(name, i) = value(sprintf("%s_%d", name, i))
set multiplot layout n, 1 title "Chain height per node (grey: partitioned; red: reorganisations, depth on the right)\n" . compare_title
set grid
set key off
set style fill transparent solid 0.25 noborder
set ytics nomirror
set y2tics nomirror textcolor rgb "#c02020"
set y2label "reorganisation depth" textcolor rgb "#c02020"
set ylabel "height (blocks)"
do for [i=1:n] {
    dir = v("dir", i)
    set title v("label", i) . "\n" . v("stats", i)
    if (i == n) { set xlabel "virtual time (s)" } else { unset xlabel }
    if (v("has_data", i)) {
        # stats counts only the points inside the ranges set for the last panel
        set autoscale xy
        stats dir."/timeline.csv" skip 1 using 1:3 nooutput
        ymax = STATS_max_y + 1
        set xrange [0:xmax]
        set yrange [0:ymax]
        if (ymax <= 10) { set ytics 1 } else { set ytics autofreq }
        dmax = 1
        if (v("reorgs", i)) {
            stats dir."/reorgs.csv" skip 1 using 5 nooutput
            dmax = STATS_max
        }
        set y2range [0:dmax * 3]
        if (dmax <= 10) { set y2tics 0, 1, dmax } else { set y2tics 0, ceil(dmax / 5.0), dmax }
        # The plot command is built as a string and run with eval: macros
        # (@name) are expanded when the loop is read, before these are set.
        band = v("parts", i) ? 'dir."/partitions.csv" skip 1 using (($1+$2)/2):(ymax):($2-$1) with boxes lc rgb "gray", ' : ''
        imp = v("reorgs", i) ? ', dir."/reorgs.csv" skip 1 using 1:5 axes x1y2 with impulses lw 3 lc rgb "#c02020"' : ''
        nn = v("nodes", i)
        if (v("by_node", i)) {
            lines = 'for [k=1:nn] dir."/timeline.csv" skip 1 every nn::(k-1) using 1:3 with steps lw 1.5'
        } else {
            hb = sprintf("$heights_%d", i)
            lines = hb . ' using 1:2:4 with filledcurves lc rgb "#4060c0", ' . hb . ' using 1:3 with steps lw 2 lc rgb "#203080"'
        }
        eval "plot " . band . lines . imp
    } else {
        set xrange [0:1]
        set yrange [0:1]
        set label 1 "no timeline samples in this run" at graph 0.5, 0.5 center
        plot NaN
        unset label 1
    }
}
unset multiplot
