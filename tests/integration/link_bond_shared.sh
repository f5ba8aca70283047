#!/bin/bash
# link_bond_shared.sh - link_bond.sh with the shared datapath
# (VNMT_DATAPATH=shared: linktool sets it as vnmd --link-datapath shared
# does): the bond's multipath route spreads the VL's flows over both
# links, one link down keeps the VL up at half the rate, back up restores
# it, with the VL's packets made by the taps' BPF program (the TOS in each
# packet's tunnel key) instead of a VXLAN device of the VL.
VNMT_DATAPATH=shared exec bash "$(dirname "$0")/link_bond.sh"
