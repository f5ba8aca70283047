#!/usr/bin/env bash
# demo_multi_fast.sh - `make demo-multi` (fast variant) end to end with short
# phases (issue 17): the paper's Figure 5 on two RMs, each realised by its
# own vnmd (--host), through the NMS's edits at a coordinator vnmd; the
# Figure 6 phases measured with iperf3 and SNMP (>= 28 / <= 4 Mbit/s under
# the 30 Mbit/s guarantee, made by one NETCONF edit).  demo_fast.sh's
# checks, and those of one vnmd per RM.
VNMD_DEMO_MULTI=1 VNMD_DEMO_PHASE=${VNMD_DEMO_PHASE:-10} exec bash "$(dirname "$0")/demo_fast.sh"
