# plot.gp - the demo's Figure 6: throughput per VL over time, phases marked.
#
#   gnuplot -e "csv='throughput.csv'; ipf='iperf3.csv'; png='figure6.png'; \
#               variant='...'; tend=120; nph=4; pt1=0; pn1='equal share'; ..." tools/plot.gp
#
# csv: t_s,phase,vl-a_snmp_mbps,vl-b_snmp_mbps (SNMP, one row a second)
# ipf: t_s,vl-a_iperf3_mbps,vl-b_iperf3_mbps  (iperf3's own intervals)
# ptN/pnN: start (s) and name of phase N.  tools/demo_nms.py report calls it.
set terminal pngcairo size 1000,520 font "Helvetica,11"
set output png
set datafile separator ","
set key outside bottom center horizontal
set title "vnmd: two VLs sharing one 32 Mbit/s physical link (the paper's Figure 6)\n{/*0.8 ".variant."}"
set xlabel "time (s)   {/*0.8 (SNMP: 3 s average of fresh counters; a gap in its line: no fresh counter from vnmd)}"
set ylabel "throughput (Mbit/s)"
set xrange [0:tend]
set yrange [0:40]
set ytics 4
set grid ytics lc rgb "#dddddd"
do for [i=1:nph] {
	t = value(sprintf("pt%d", i))
	set arrow from t, graph 0 to t, graph 1 nohead dt 2 lc rgb "#888888"
	set label value(sprintf("pn%d", i)) at t + 1, graph 0.97 left font ",9" tc rgb "#444444"
}
# In equal-share phases the two VLs carry the same rate: vl-a is drawn
# solid and wide, vl-b dashed and narrower on top, and the iperf3 points
# differ in shape (circles, triangles), so that both stay visible.
plot csv using 1:3 with lines lw 4 lc rgb "#1f77b4" title "vl-a (vn-a), SNMP", \
     csv using 1:4 with lines lw 2 dt (6,4) lc rgb "#d62728" title "vl-b (vn-b), SNMP (dashed)", \
     ipf using 1:2 with points pt 7 ps 0.9 lc rgb "#1f77b4" title "vl-a, iperf3 goodput", \
     ipf using 1:3 with points pt 9 ps 0.9 lc rgb "#d62728" title "vl-b, iperf3 goodput"
