# vnmd - build, tests, demo, benchmarks.
#
#   make deps    install every Debian package the project needs (no-op when present)
#   make         build build/vnmd
#   make check   all tests: unit (cmocka), unit under ASan+UBSan, integration
#   make image   the tiny router guest (kernel + busybox initramfs)
#   make demo    the paper's experiment end to end
#   make demo-multi  the same with one vnmd per RM and a coordinator
#   make bench   benchmarks, rewrites BENCHMARKS.md
#   make soak    long reliability runs (500 SIGKILLs of vnmd during edits,
#                5 minutes of 32 NETCONF sessions and SNMP polling, the driver's
#                own live/offline moves between two libvirtds, live migration of a
#                QEMU router through vnmd, one vnmd or one per RM)
#   make install      vnmd, its YANG module, VNMD-MIB, unit, man page, default
#                     configuration (PREFIX=/usr/local, DESTDIR; tools/install.sh)
#   make uninstall    removes exactly what make install put (its manifest)
#   make install-mib  VNMD-MIB where net-snmp looks for MIBs (MIBDIR)
#
# Sources are found by wildcard: a new file in core/, drivers/*/,
# netconf-server/ or snmp-agent/ is part of the daemon; daemon/ holds main;
# tests/unit/test_*.c is a unit suite,
# linked with every other tests/unit/*.c (fakes, helpers).  A suite may add
# linker flags (for -Wl,--wrap=) in tests/unit/test_NAME.ldflags.

CC      ?= gcc
BUILD   ?= build
PKGS    := libyang libnetconf2 libvirt libnl-route-3.0 libnl-3.0 libxml-2.0

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
SNMP_LIBS  := -lnetsnmpagent -lnetsnmp

WARN    := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 $(WARN) -D_GNU_SOURCE -DVNM_YANG_DIR=\"$(CURDIR)/yang\" -DVNM_IETF_DIR=\"/usr/share/yuma/modules/ietf\" $(PKG_CFLAGS)

# Include paths per folder: a folder sees only the parts below it in the
# architecture, so an upward #include does not compile (tests/layout.sh
# proves it).  core/api/: what the fronts may use (core.h and the shared
# types); core/driver-api/: the contract with the drivers (driver.h, the
# model they are handed).  A file's own folder is always searched first.
INC_API  := -Icore/api
INC_DRV  := $(INC_API) -Icore/driver-api
INC_ALL  := -Idaemon -Inetconf-server -Isnmp-agent -Icore $(INC_DRV) \
	    -Idrivers/hypervisor -Idrivers/link -Idrivers/peer -Itools/dot
INC_core               := -Icore $(INC_DRV)
INC_drivers/hypervisor := $(INC_DRV)
INC_drivers/link       := $(INC_DRV)
INC_drivers/peer       := $(INC_DRV)
INC_netconf-server     := $(INC_API)
INC_snmp-agent         := $(INC_API)
# everything else (daemon/, tests/, tools/, fuzz/) sees all
incs = $(if $(filter undefined,$(origin INC_$(patsubst %/,%,$(dir $(1))))),$(INC_ALL),$(INC_$(patsubst %/,%,$(dir $(1)))))
LDLIBS  := $(PKG_LIBS) $(SNMP_LIBS) -lssh -lssl -lcrypto -lcrypt -lpthread -lm

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

LIB_SRC  := $(wildcard core/*.c drivers/*/*.c netconf-server/*.c snmp-agent/*.c)
UT_SRC   := $(wildcard tests/unit/test_*.c)
UT_SUP   := $(filter-out $(UT_SRC),$(wildcard tests/unit/*.c))
UT_BIN   := $(UT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(wildcard tests/tools/*.c) tools/dot/vnm_dot.c
TOOL_BIN := $(patsubst %.c,$(BUILD)/tools/%,$(notdir $(TOOL_SRC)))
DOT_OBJ  := $(BUILD)/obj/tools/dot/dot.o
UT_ASAN  := $(UT_SRC:tests/unit/%.c=$(BUILD)/asan/tests/%)
# daemon/: main.c plus the parts unit suites may link (options, file, notify)
DMN_SRC  := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
DMN_OBJ      := $(DMN_SRC:%.c=$(BUILD)/obj/%.o)
DMN_OBJ_ASAN := $(DMN_SRC:%.c=$(BUILD)/asan/obj/%.o)

LIB_OBJ      := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB_OBJ_ASAN := $(LIB_SRC:%.c=$(BUILD)/asan/obj/%.o)
UT_SUP_OBJ      := $(UT_SUP:%.c=$(BUILD)/obj/%.o)
UT_SUP_OBJ_ASAN := $(UT_SUP:%.c=$(BUILD)/asan/obj/%.o)

.PHONY: tools all deps check unit asan integration image demo demo-fast demo-multi demo-shared bench clean lint install-mib fuzz fuzz-build soak install uninstall
# make demo after make check: the tool programs' objects are kept, not rebuilt
.SECONDARY:
.DEFAULT_GOAL := all

all: $(BUILD)/vnmd $(TOOL_BIN)

deps:
	@bash tools/deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(call incs,$<) -MMD -MP -c -o $@ $<

$(BUILD)/asan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(call incs,$<) $(SAN_FLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libvnm.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/asan/libvnm.a: $(LIB_OBJ_ASAN)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/vnmd: $(BUILD)/obj/daemon/main.o $(DMN_OBJ) $(BUILD)/libvnm.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# vnmd under ASan+UBSan: make check runs the NETCONF and SNMP suites with it too
$(BUILD)/asan/vnmd: $(BUILD)/asan/obj/daemon/main.o $(DMN_OBJ_ASAN) $(BUILD)/asan/libvnm.a
	$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(UT_SUP_OBJ) $(BUILD)/libvnm.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(shell cat tests/unit/$*.ldflags 2>/dev/null) -lcmocka $(LDLIBS)

$(BUILD)/asan/tests/%: $(BUILD)/asan/obj/tests/unit/%.o $(UT_SUP_OBJ_ASAN) $(BUILD)/asan/libvnm.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(shell cat tests/unit/$*.ldflags 2>/dev/null) -lcmocka $(LDLIBS)

# Small programs for integration tests and benchmarks: tests/tools/NAME.c
# (TOOL_SRC/TOOL_BIN are defined above, before `all` uses them).
$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(BUILD)/libvnm.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tools/vnm_dot: $(BUILD)/obj/tools/dot/vnm_dot.o $(DOT_OBJ) $(BUILD)/libvnm.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
# the DOT renderer's unit suite links the renderer
$(BUILD)/tests/test_dot: $(DOT_OBJ)
$(BUILD)/asan/tests/test_dot: $(BUILD)/asan/obj/tools/dot/dot.o
# the option and configuration-file suite links daemon/'s parts
$(BUILD)/tests/test_conf: $(DMN_OBJ)
$(BUILD)/asan/tests/test_conf: $(DMN_OBJ_ASAN)
tools: $(TOOL_BIN)

unit: $(UT_BIN)
asan: $(UT_ASAN) $(BUILD)/asan/vnmd

# Everything make check runs is listed and counted by tests/run.sh.
# The router image (2 s) is built too: the QEMU suites need it.
check: deps
	$(MAKE) -j$$(nproc) all unit asan
	bash image/build.sh
	bash tests/run.sh

integration: deps all
	bash tests/run.sh --integration-only

image: deps
	bash image/build.sh

demo: deps
	$(MAKE) all
	bash tools/demo.sh

demo-fast: deps
	$(MAKE) all
	VNMD_DEMO_FAST=1 bash tools/demo.sh

# the same with one vnmd per RM and a coordinator (issue 17)
demo-multi: deps
	$(MAKE) all
	VNMD_DEMO_MULTI=1 bash tools/demo.sh

# the same with the shared datapath (--link-datapath shared; issue 16)
demo-shared: deps
	$(MAKE) all
	VNMD_DEMO_SHARED=1 bash tools/demo.sh

# The topology pictures of the README, rendered from the examples
# (docs/figure6.png is the plot of a `make demo` run: demo-out/figure6.png).
.PHONY: pictures
pictures: $(BUILD)/tools/vnm_dot
	$(BUILD)/tools/vnm_dot examples/figure4.xml | dot -Tpng -o docs/figure4.png
	$(BUILD)/tools/vnm_dot examples/figure5.xml | dot -Tpng -o docs/figure5.png
	$(BUILD)/tools/vnm_dot examples/demo.xml | dot -Tpng -o docs/demo-topology.png

bench: deps
	$(MAKE) all
	bash bench/run.sh

# Longer runs than make check's: 500 SIGKILLs of vnmd in a loop of edits
# (make check runs 50 of them in tests/integration/crash_kill.sh), and
# 5 minutes of 32 NETCONF sessions plus 100 SNMP GETs/s (make check: 30 s
# of 8 sessions in tests/integration/load_short.sh).
soak: deps
	$(MAKE) all
	/usr/bin/python3 tests/soak/crash.py $${VNMD_SOAK_KILLS:-500}
	/usr/bin/python3 tests/soak/load.py $${VNMD_SOAK_LOAD_SECONDS:-300} 32 100
	bash tests/soak/hv_migrate.sh
	bash tests/soak/vr_migrate_qemu.sh

# libFuzzer targets: fuzz/fuzz_NAME.c is a target, with seeds in
# fuzz/seeds-NAME/ and (optional) dictionary fuzz/NAME.dict; fuzz/run.sh
# says how each is run.  A target links only the sources of its line below
# (libyang, libxml2: no libvirt, libnl or net-snmp in a fuzzer), so adding
# a target is its .c file and one FUZZ_SRC_NAME line.
FUZZ_SRC_check  := core/model.c core/model_str.c core/uri_policy.c core/validate.c core/shape.c core/yctx.c core/file.c core/err.c core/driver.c
FUZZ_SRC_edit   := $(wildcard netconf-server/edit*.c) netconf-server/nsguard.c core/yctx.c core/file.c core/err.c
FUZZ_SRC_filter := netconf-server/filter.c core/yctx.c core/file.c core/err.c
FUZZ_SRC_rows   := snmp-agent/rows.c core/snapshot.c core/err.c
FUZZ_SRC_frame  := netconf-server/frame.c netconf-server/nsguard.c netconf-server/nsfix.c netconf-server/dupguard.c netconf-server/stash.c
FUZZ_TARGETS := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_BIN     := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_CFLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-std=gnu11 -Wall -Werror -Wno-unused-parameter -D_GNU_SOURCE \
	-DVNM_YANG_DIR=\"$(CURDIR)/yang\" -DVNM_IETF_DIR=\"/usr/share/yuma/modules/ietf\" \
	$(INC_ALL) $(shell pkg-config --cflags libyang libxml-2.0 2>/dev/null)
FUZZ_LIBS    := $(shell pkg-config --libs libyang libxml-2.0 2>/dev/null)
.PHONY: fuzz-build
fuzz-build: $(FUZZ_BIN)
# Each target for FUZZ_SECONDS (300 here; make check's fuzz_smoke.sh: 10).
fuzz: fuzz-build
	FUZZ_SECONDS=$${FUZZ_SECONDS:-300} bash fuzz/run.sh $(FUZZ_TARGETS)
.SECONDEXPANSION:
$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $$(FUZZ_SRC_$$*) $(wildcard core/*.h core/*/*.h netconf-server/*.h snmp-agent/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRC_$*) $(FUZZ_LIBS)

# VNMD-MIB into net-snmp's default MIB directory; the base MIBs it imports
# are in /usr/local/share/vnmd/base-mibs (tools/deps.sh), so a manager uses
#   snmpwalk -M +/usr/local/share/vnmd/base-mibs -m +VNMD-MIB ...
MIBDIR ?= /usr/share/snmp/mibs
install-mib:
	install -D -m 0644 snmp-agent/VNMD-MIB.txt $(DESTDIR)$(MIBDIR)/VNMD-MIB.txt

# make install: the installed vnmd reads its YANG module and configuration
# file where they are installed (the build's vnmd: from yang/ and /etc), so
# the three files that name them are compiled again for it, every time
# (PREFIX may differ from the last install).
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
SYSCONFDIR ?= /etc
YANGDIR    ?= $(DATADIR)/yang/modules/vnmd
YUMADIR    ?= /usr/share/yuma/modules/vnmd
VMIBDIR    ?= $(DATADIR)/vnmd/mibs
SNMPCONFDIR ?= /usr/share/snmp
UNITDIR    ?= /lib/systemd/system
STATEDIR   ?= /var/lib/vnmd
INST_DEFS  := -UVNM_YANG_DIR -DVNM_YANG_DIR=\"$(YANGDIR)\" -DVNM_CONF_FILE=\"$(SYSCONFDIR)/vnmd/vnmd.conf\"
INST_SRC   := daemon/main.c daemon/opts.c core/yctx.c
INST_OBJ   := $(INST_SRC:%.c=$(BUILD)/inst/obj/%.o)
.PHONY: FORCE
$(BUILD)/inst/obj/%.o: %.c FORCE
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INST_DEFS) $(call incs,$<) -c -o $@ $<
$(BUILD)/inst/vnmd: $(INST_OBJ) $(filter-out $(BUILD)/obj/daemon/opts.o,$(DMN_OBJ)) $(BUILD)/libvnm.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
# the directories reach tools/install.sh by its environment, for it alone
# (exported to every recipe they would also reach the tests make check runs)
INST_ENV := PREFIX='$(PREFIX)' SBINDIR='$(SBINDIR)' DATADIR='$(DATADIR)' MANDIR='$(MANDIR)' \
	SYSCONFDIR='$(SYSCONFDIR)' YANGDIR='$(YANGDIR)' YUMADIR='$(YUMADIR)' VMIBDIR='$(VMIBDIR)' \
	SNMPCONFDIR='$(SNMPCONFDIR)' UNITDIR='$(UNITDIR)' DESTDIR='$(DESTDIR)' BUILD='$(BUILD)'
install: $(BUILD)/inst/vnmd
	$(INST_ENV) bash tools/install.sh install
uninstall:
	$(INST_ENV) bash tools/install.sh uninstall

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# The include paths a folder is compiled with (tests/integration/layout.sh):
#   make -s print-incs DIR=core
.PHONY: print-incs
print-incs:
	@echo $(call incs,$(DIR)/x.c) $(PKG_CFLAGS)
