# Finality latency per committed height of a BFT run (finality.csv): from
# the committed block's proposal to its commit at the first node and at
# the median node (columns latency_first, latency_median), on a
# logarithmic axis, and on the right axis the rounds of each height that
# took more than one. The latency runs from the committed block's own
# proposal: a height halted for minutes commits a block proposed after the
# halt (summary.json's time_halted_s counts the halt).
# Run by `chainsim plot` for a run with finality.csv, which sets: dir, out,
# run_title, has_data.
term = strstrt(GPVAL_TERMINALS, "pngcairo") > 0 ? "pngcairo" : "png"
set terminal @term size 1000,600
set output out
set termoption noenhanced
set datafile separator ","
set title "Finality latency per height (proposal to commit)\n" . run_title
set xlabel "height"
set ylabel "latency (s)"
set y2label "rounds"
set key top left
set grid
if (has_data) {
    set logscale y
    set y2range [0:*]
    set y2tics 1
    set ytics nomirror
    plot dir."/finality.csv" skip 1 using 1:11 with lines lw 2 title "proposal to median commit", \
         dir."/finality.csv" skip 1 using 1:10 with lines lw 1 dt 2 title "proposal to first commit", \
         dir."/finality.csv" skip 1 using 1:($9 > 1 ? $9 : 1/0) axes x1y2 with impulses lw 2 \
             title "rounds (when more than one)"
} else {
    set label 1 "no committed height in this run" at graph 0.5, 0.5 center
    set xrange [0:1]
    plot NaN notitle
}
