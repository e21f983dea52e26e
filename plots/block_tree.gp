# The block tree: every produced block at its production time (x) and
# height (y), joined to its parent. The main chain is blue; blocks that lost
# a fork are red, so forks show as red spurs and a partition's losing branch
# as a red staircase beside the blue one. Partitions shaded, only when the
# run had one.
# Run by `chainsim plot`, which sets: dir, out, run_title, has_data,
# has_partitions and, when has_data, the datablock $tree (one row per block:
# parent time, parent height, time, height, main_chain 1 or 0; genesis, not
# a produced block, at time 0 and height 0) and max_height.
term = strstrt(GPVAL_TERMINALS, "pngcairo") > 0 ? "pngcairo" : "png"
set terminal @term size 1000,600
set output out
set termoption noenhanced
set datafile separator ","
set title "Block tree: main chain (blue) and stale blocks (red)" . (has_partitions ? ", grey: network partitioned" : "") . "\n" . run_title
set xlabel "virtual time produced (s)"
set ylabel "height (blocks)"
set key inside left top opaque box
set grid
set style fill transparent solid 0.25 noborder
# The partitions' band, only when there was a partition (a macro, set
# before the block that expands it; see height.gp).
band = has_partitions ? 'dir."/partitions.csv" skip 1 using (($1+$2)/2):(ymax):($2-$1) with boxes lc rgb "gray" title "partition", ' : ''
if (has_data) {
    ymax = max_height + 1
    set yrange [0:ymax]
    if (ymax <= 10) { set ytics 1 }
    main(m, v) = m == 1 ? v : NaN
    stale(m, v) = m == 0 ? v : NaN
    plot @band $tree using (main($5, $1)):2:($3-$1):($4-$2) with vectors nohead lw 2 \
             lc rgb "#2050c0" notitle, \
         $tree using (stale($5, $1)):2:($3-$1):($4-$2) with vectors nohead lw 1.5 \
             lc rgb "#d03020" notitle, \
         $tree using (main($5, $3)):4 with points pt 7 ps 0.7 lc rgb "#2050c0" \
             title "main chain", \
         $tree using (stale($5, $3)):4 with points pt 7 ps 0.9 lc rgb "#d03020" \
             title "stale (lost a fork)"
} else {
    set label 1 "no blocks in this run" at graph 0.5, 0.5 center
    set xrange [0:1]
    set yrange [0:1]
    plot NaN notitle
}
