# Several runs overlaid: CDF over blocks of the delay until 90% of the nodes
# had a block (blocks.csv column delay_90pct), one line per run, on a
# logarithmic time axis as in propagation.gp (delays below 1 ms at 1 ms).
# Run by `chainsim plot RUN RUN...`, which sets: out, compare_title (the
# scenarios and seeds), n (runs), dir_1..dir_n and label_1..label_n (each
# run named by the scenario parameters in which it differs from the others;
# only runs with data).
term = strstrt(GPVAL_TERMINALS, "pngcairo") > 0 ? "pngcairo" : "png"
set terminal @term size 1000,600
set output out
set termoption noenhanced
set datafile separator ","
set title "Block propagation to 90% of nodes (CDF over the blocks that got there)\n" . compare_title
set xlabel "delay since production (s, logarithmic)"
set ylabel "fraction of blocks"
set key bottom right
set grid
set logscale x
set format x "%g"
set yrange [0:1.05]
floor_s = 0.001
at_least(d) = d > floor_s ? d : floor_s
plot for [i=1:n] value(sprintf("dir_%d", i))."/blocks.csv" skip 1 using (at_least($11)):(1) \
         smooth cnormal with steps lw 2 title value(sprintf("label_%d", i))
