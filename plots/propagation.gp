# Block propagation: cumulative distribution, over blocks, of the delay from a
# block's production until 50% and until 90% of the nodes had seen it
# (blocks.csv columns delay_50pct and delay_90pct).
# Run by `chainsim plot`, which sets: dir, out, has_data.
term = strstrt(GPVAL_TERMINALS, "pngcairo") > 0 ? "pngcairo" : "png"
set terminal @term size 1000,600
set output out
set termoption noenhanced
set datafile separator ","
set title "Block propagation (CDF over blocks)"
set xlabel "delay since production (s)"
set ylabel "fraction of blocks"
set key bottom right
set grid
set xrange [0:*]
set yrange [0:1.05]
if (has_data) {
    plot dir."/blocks.csv" skip 1 using 10:(1) smooth cnormal with steps lw 2 \
             title "reached 50% of nodes", \
         dir."/blocks.csv" skip 1 using 11:(1) smooth cnormal with steps lw 2 \
             title "reached 90% of nodes"
} else {
    set label 1 "no block reached half of the nodes" at graph 0.5, 0.5 center
    set xrange [0:1]
    plot NaN notitle
}
