#!/usr/bin/env bash
# snmp_fastwalk.sh - the embedded agent's fast path for table walks
# (snmp-agent/fastwalk.c) answers exactly what net-snmp's own path answers.
#
# Two embedded agents over the same synthetic core (tests/tools/
# snmp_fakecore -L: 3 networks, 6 routers, 90 links; counters that do not
# move), one with the fast path and one without (VNMD_SNMP_NO_FASTWALK=1),
# on 127.0.0.1:
#   - the same request bytes get the same answer bytes from both
#     (snmp_fastwalk.py): GETNEXT and GETBULK walks of all of VNMD-MIB and
#     of each table with several max-repetitions, the many-column requests
#     of snmptable, non-repeaters, odd OIDs around and past the tables,
#     many varbinds, SNMPv1, a wrong community (no answer);
#   - SNMPv3 (SHA/AES) walks and snmptable read the same through both; the
#     user without privacy, a wrong passphrase and a wrong community read
#     nothing.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/snmp_env.bash"
sn_require
cd "$SN_ROOT"
make -s build/tools/snmp_fakecore >/dev/null 2>&1 || { echo "FAIL - cannot build snmp_fakecore"; exit 1; }
FAST=$SN_PORT
SLOW=$((SN_PORT + 2))
R=.1.3.6.1.4.1.8072.9999.9999.7 # VNMD-MIB
LT=$R.1.4.2                       # vnmLinkTable
USER_V3=(-v3 -l authPriv -u nms -a SHA -A authpass1 -x AES -X privpass1)

# agent PORT NAME [ENV...]: an embedded agent on 127.0.0.1:PORT; AGENT_PID
agent() {
	local port=$1 name=$2 pid
	shift 2
	mkfifo "$SN_TMP/$name.in"
	sleep 100000 >"$SN_TMP/$name.in" &
	t_cleanup "kill $!"
	env "$@" build/tools/snmp_fakecore -L "udp:127.0.0.1:$port" -K public \
		-u nms:authpass1:privpass1 -n 3 -l 30 -r 3600000 \
		<"$SN_TMP/$name.in" >"$SN_TMP/$name.out" 2>"$SN_TMP/$name.err" &
	pid=$!
	AGENT_PID=$pid
	t_cleanup "kill $pid; wait $pid"
	sn_wait_for 10 grep -q ready "$SN_TMP/$name.out" ||
		{ echo "FAIL - the $name agent did not start"; cat "$SN_TMP/$name.err"; exit 1; }
}
agent "$FAST" fast
FAST_PID=$AGENT_PID
agent "$SLOW" slow VNMD_SNMP_NO_FASTWALK=1
answers() { snmpget -v2c -c public -t 1 -r 0 "127.0.0.1:$1" $R.1.1.1.0; }
t_ok "both agents answer" sn_wait_for 5 eval "answers $FAST && answers $SLOW"

# --- the same bytes -----------------------------------------------------------
out=$(/usr/bin/python3 tests/integration/snmp_fastwalk.py "$FAST" "$SLOW" 2>&1)
echo "$out" | sed 's/^/# /'
all_same() { ! grep -q '^FAIL' <<<"$1" && grep -q 'wrong community: no answer' <<<"$1"; }
t_ok "every request answered byte for byte the same with and without the fast path" \
	all_same "$out"
t_check "the link table's bulk walk has every cell (90 links x 24 columns)" \
	"$(snmpbulkwalk -v2c -c public -On -Cr25 "127.0.0.1:$FAST" $LT | grep -vc 'No more variables')" 2160

# --- SNMPv3: the same values through both ---------------------------------
v3() { # PORT TOOL ARGS...: a tool with the USM user
	local port=$1 tool=$2
	shift 2
	"$tool" "${USER_V3[@]}" -t 2 -r 1 "${SN_MIBS[@]}" "127.0.0.1:$port" "$@" 2>/dev/null
}
for args in "-Cr25 $R" "-Cr7 $R.1.3.2"; do
	# shellcheck disable=SC2086
	f=$(v3 "$FAST" snmpbulkwalk -On $args)
	# shellcheck disable=SC2086
	s=$(v3 "$SLOW" snmpbulkwalk -On $args)
	t_check "SNMPv3 snmpbulkwalk $args: the same $(grep -c = <<<"$f") values" "$f" "$s"
done
f=$(v3 "$FAST" snmpwalk -On $R.1.2)
s=$(v3 "$SLOW" snmpwalk -On $R.1.2)
t_check "SNMPv3 snmpwalk (GETNEXT) of the networks: the same $(grep -c = <<<"$f") values" "$f" "$s"
f=$(v3 "$FAST" snmptable -Cr 25 -Cf '|' VNMD-MIB::vnmLinkTable)
s=$(v3 "$SLOW" snmptable -Cr 25 -Cf '|' VNMD-MIB::vnmLinkTable)
t_check "SNMPv3 snmptable vnmLinkTable: the same $(grep -c '|' <<<"$f") lines" "$f" "$s"
t_check "...which are the 90 links" "$(grep -c '|vr1|eth' <<<"$f")" 90

# --- access holds on the fast path ------------------------------------------
no_rows() { ! grep -q 'STRING\|Counter64' <<<"$1"; }
out=$(snmpbulkwalk -v3 -l authNoPriv -u nms -a SHA -A authpass1 -t 1 -r 0 -Cr25 \
	"127.0.0.1:$FAST" $LT 2>&1)
t_ok "the user without privacy gets no row of the link table" no_rows "$out"
out=$(snmpbulkwalk -v3 -l authPriv -u nms -a SHA -A wrongpass1 -x AES -X privpass1 -t 1 -r 0 \
	-Cr25 "127.0.0.1:$FAST" $LT 2>&1)
t_ok "a wrong passphrase gets no row of the link table" no_rows "$out"
out=$(snmpbulkwalk -v2c -c wrong -t 1 -r 0 -Cr25 "127.0.0.1:$FAST" $LT 2>&1)
t_ok "a wrong community gets no row of the link table" no_rows "$out"
t_ok "the fast agent still runs" kill -0 "$FAST_PID"

t_done
