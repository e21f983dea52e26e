# Block propagation: cumulative distribution, over blocks, of the delay from a
# block's production until 50% and until 90% of the nodes had seen it
# (blocks.csv columns delay_50pct and delay_90pct), on a logarithmic time
# axis: a run's usual delays (a fraction of a second) and those of blocks
# held back by a partition (minutes) both stay readable. Blocks that never
# reached 50% (90%) of the nodes are not counted; delays below 1 ms are drawn
# at 1 ms.
# Run by `chainsim plot`, which sets: dir, out, run_title, has_data.
term = strstrt(GPVAL_TERMINALS, "pngcairo") > 0 ? "pngcairo" : "png"
set terminal @term size 1000,600
set output out
set termoption noenhanced
set datafile separator ","
set title "Block propagation (CDF over the blocks that reached 50% / 90% of the nodes)\n" . run_title
set xlabel "delay since production (s, logarithmic)"
set ylabel "fraction of blocks"
set key bottom right
set grid
set logscale x
set format x "%g"
set yrange [0:1.05]
floor_s = 0.001
at_least(d) = d > floor_s ? d : floor_s
if (has_data) {
    plot dir."/blocks.csv" skip 1 using (at_least($10)):(1) smooth cnormal with steps lw 2 \
             title "reached 50% of nodes", \
         dir."/blocks.csv" skip 1 using (at_least($11)):(1) smooth cnormal with steps lw 2 \
             title "reached 90% of nodes"
} else {
    set label 1 "no block reached half of the nodes" at graph 0.5, 0.5 center
    unset logscale x
    set xrange [0:1]
    plot NaN notitle
}
