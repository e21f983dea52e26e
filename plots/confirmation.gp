# Transaction confirmation latency: cumulative distribution, over confirmed
# transactions, of the time from submission to confirmation at the run's
# depth (transactions.csv column latency).
# Run by `chainsim plot`, which sets: dir, out, run_title, has_data.
term = strstrt(GPVAL_TERMINALS, "pngcairo") > 0 ? "pngcairo" : "png"
set terminal @term size 1000,600
set output out
set termoption noenhanced
set datafile separator ","
set title "Transaction confirmation latency (CDF over confirmed transactions)\n" . run_title
set xlabel "latency (s)"
set ylabel "fraction of confirmed transactions"
set key bottom right
set grid
set xrange [0:*]
set yrange [0:1.05]
if (has_data) {
    plot dir."/transactions.csv" skip 1 using 7:(1) smooth cnormal with steps lw 2 \
             title "submitted to confirmed"
} else {
    set label 1 "no confirmed transactions in this run" at graph 0.5, 0.5 center
    set xrange [0:1]
    plot NaN notitle
}
