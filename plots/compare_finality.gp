# Several BFT runs overlaid: finality latency per committed height
# (finality.csv column latency_median: proposal to commit at the median
# node), one line per run, on a logarithmic axis.
# Run by `chainsim plot RUN RUN...` when a run is BFT, which sets: out,
# compare_title (the scenarios and seeds), n (runs), dir_1..dir_n and
# label_1..label_n (each run named by the scenario parameters in which it
# differs from the others; only runs with finality.csv and data).
term = strstrt(GPVAL_TERMINALS, "pngcairo") > 0 ? "pngcairo" : "png"
set terminal @term size 1000,600
set output out
set termoption noenhanced
set datafile separator ","
set title "Finality latency per height (proposal to median commit)\n" . compare_title
set xlabel "height"
set ylabel "latency (s)"
set key top left
set grid
set logscale y
plot for [i=1:n] value(sprintf("dir_%d", i))."/finality.csv" skip 1 using 1:11 \
         with lines lw 2 title value(sprintf("label_%d", i))
