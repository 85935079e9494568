# gnuplot: energy, norm drift and the Madelung/Schrodinger divergence of a run, from the CSV
# that `nnq info --csv` prints. Usage:
#   nnq info run.h5 --csv > diag.csv && gnuplot -e "csv='diag.csv'; out='diag.png'" examples/diagnostics.gp
if (!exists("csv")) csv = 'diag.csv'
if (!exists("out")) out = 'diagnostics.png'
set datafile separator ','
set key autotitle columnhead
set terminal pngcairo size 900,900
set output out
set multiplot layout 3,1
set xlabel 't'
set ylabel 'energy'
plot csv using 't':'energy' with lines
set ylabel '|norm - 1|'
set logscale y
plot csv using 't':(abs(column('norm') - 1) + 1e-17) with lines title 'norm drift'
set ylabel 'divergence'
plot for [k in 'div_p_l1 div_F div_j_l1 infidelity'] csv using 't':(column(k) > 0 ? column(k) : NaN) with lines title k
unset multiplot
