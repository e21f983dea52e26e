# Several runs overlaid: CDF over blocks of the delay until 90% of the nodes
# had a block (blocks.csv column delay_90pct), one line per run.
# Run by `chainsim plot RUN RUN...`, which sets: out, n (runs), dir_1..dir_n
# and label_1..label_n (only runs with data).
term = strstrt(GPVAL_TERMINALS, "pngcairo") > 0 ? "pngcairo" : "png"
set terminal @term size 1000,600
set output out
set termoption noenhanced
set datafile separator ","
set title "Block propagation to 90% of nodes (CDF over blocks)"
set xlabel "delay since production (s)"
set ylabel "fraction of blocks"
set key bottom right
set grid
set xrange [0:*]
set yrange [0:1.05]
plot for [i=1:n] value(sprintf("dir_%d", i))."/blocks.csv" skip 1 using 11:(1) \
         smooth cnormal with steps lw 2 title value(sprintf("label_%d", i))
