# Several runs overlaid: CDF of transaction confirmation latency
# (transactions.csv column latency), one line per run.
# Run by `chainsim plot RUN RUN...`, which sets: out, compare_title (the
# scenarios and seeds), n (runs), dir_1..dir_n and label_1..label_n (each
# run named by the scenario parameters in which it differs from the others;
# only runs with data).
term = strstrt(GPVAL_TERMINALS, "pngcairo") > 0 ? "pngcairo" : "png"
set terminal @term size 1000,600
set output out
set termoption noenhanced
set datafile separator ","
set title "Transaction confirmation latency (CDF over confirmed transactions)\n" . compare_title
set xlabel "latency (s)"
set ylabel "fraction of confirmed transactions"
set key bottom right
set grid
set xrange [0:*]
set yrange [0:1.05]
plot for [i=1:n] value(sprintf("dir_%d", i))."/transactions.csv" skip 1 using 7:(1) \
         smooth cnormal with steps lw 2 title value(sprintf("label_%d", i))
