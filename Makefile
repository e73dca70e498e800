# SPDX-License-Identifier: GPL-2.0
#
# e1000-csb: build the driver, the patched QEMU, the test guests; run the
# demo and the tests. See README.md; "make help" lists the targets.

PYTHON ?= /usr/bin/python3
BUILD := $(CURDIR)/build

# Guest kernels we support: Debian bookworm 6.1 (the default) and
# bookworm-backports 6.12, the newest of each whose headers are installed.
GUEST_KVERS := $(shell scripts/guest-kernels.sh list 2>/dev/null)
DEFAULT_KVER := $(firstword $(GUEST_KVERS))

# Build for the running kernel when its headers are there (a user inside
# a guest), else for the default guest kernel (this build host).
RUNNING_KVER := $(shell uname -r)
ifneq ($(wildcard /lib/modules/$(RUNNING_KVER)/build),)
KVER ?= $(RUNNING_KVER)
else
KVER ?= $(DEFAULT_KVER)
endif
KDIR ?= /lib/modules/$(KVER)/build

# Sources of the module, copied into per-kernel trees for modules-all.
MODULE_SRCS := $(wildcard Kbuild Makefile dkms.conf driver include)
MODULE_EXCLUDES := $(addprefix --exclude=,'*.o' '*.ko' '*.mod' '*.mod.c' '.*.cmd' \
	modules.order Module.symvers '.*.d' '*.a')
INSTALL_MOD_DIR ?= updates

.PHONY: all modules install uninstall clean distclean modules-all deps qemu \
	qemu-asan qemu-tsan qemu-vanilla guest tools qtest fuzz tsan check check-static models demo bench \
	bench-quick bench-ab profile soak help deb

all: modules

help:
	@echo "make deps          install build and test dependencies (apt-get)"
	@echo "make [modules]     build driver/e1000_csb.ko for KVER (default: running kernel, else $(DEFAULT_KVER))"
	@echo "make install       modules_install + depmod for KVER (INSTALL_MOD_PATH honoured)"
	@echo "make modules-all   build the module for every guest kernel into build/modules/"
	@echo "make qemu          fetch Debian's QEMU 10.0, apply qemu-csb/, build build/qemu/"
	@echo "make qemu-vanilla  the same QEMU without qemu-csb/ (migration tests), build/qemu-vanilla/"
	@echo "make qemu-tsan     the same QEMU built with ThreadSanitizer, build/qemu-tsan/"
	@echo "make tsan          csb-qtest's TX thread tests against build/qemu-tsan (reports in build/tsan/;"
	@echo "                   TSAN_TESTS=\"TEST...\" for others); fails if TSan reported a race"
	@echo "make guest         guest kernels and initramfs images into build/guest/"
	@echo "make check         static checks and all VM scenarios"
	@echo "make models        model-check the CSB handshakes (spin; also part of check)"
	@echo "make soak          long or not yet dependable VM scenarios (tests/run.py --soak)"
	@echo "make demo          two guests on the patched QEMU, traffic both ways, a report"
	@echo "make bench         stock e1000, e1000_csb plain and CSB mode, virtio-net side by side"
	@echo "                   (5 interleaved runs; BENCH_ARGS=... for tests/bench.py options)"
	@echo "make bench-quick   the same, one run of the 60-byte workloads (a few minutes)"
	@echo "make profile       where one bench workload's host CPU goes, guest functions included"
	@echo "                   (perf; PROFILE_ARGS=\"--config plain --workload tx ...\")"
	@echo "make bench-ab      ethtool settings compared within one boot"
	@echo "                   (BENCH_AB_ARGS=\"--setting '-G {ifname} tx 256' --setting ...\")"
	@echo "make deb           the Debian package e1000-csb-dkms (dh-dkms) into build/deb/"

modules:
	@test -d "$(KDIR)" || { echo "no kernel headers at $(KDIR): run 'make deps' or set KVER/KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KVER)

uninstall:
	rm -f $(INSTALL_MOD_PATH)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)/driver/e1000_csb.ko*
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KVER)

# One private copy of the module sources per kernel, so that builds for
# different kernels do not overwrite each other's objects.
$(BUILD)/modules/%/driver/e1000_csb.ko: FORCE
	@mkdir -p $(BUILD)/modules/$*
	@tar -c $(MODULE_EXCLUDES) $(MODULE_SRCS) | tar -x -C $(BUILD)/modules/$*
	$(MAKE) -s -C $(BUILD)/modules/$* modules KVER=$*

modules-all: $(foreach k,$(GUEST_KVERS),$(BUILD)/modules/$(k)/driver/e1000_csb.ko)

deps:
	@scripts/deps.sh

qemu:
	@scripts/build-qemu.sh

qemu-asan:
	@SANITIZE=1 scripts/build-qemu.sh

# ThreadSanitizer (gcc's -fsanitize=thread): not part of make check.
qemu-tsan:
	@TSAN=1 scripts/build-qemu.sh

# The same QEMU source and options without qemu-csb/'s code: the unmodified
# QEMU that scenarios/csb_migration_compat.py migrates to and from.
qemu-vanilla:
	@VANILLA=1 scripts/build-qemu.sh

tools:
	@$(MAKE) -s -C tests/tools O=$(BUILD)/tools

# Device-level tests through QEMU's qtest protocol (tests/qtest/).
qtest:
	@$(MAKE) -s -C tests/qtest O=$(BUILD)/qtest

# A long seeded random campaign against the ASan+UBSan QEMU.
FUZZ_SEED ?= $(shell date +%s)
FUZZ_ITERATIONS ?= 1000000
fuzz: qtest qemu-asan
	$(BUILD)/qtest/csb-qtest --qemu $(BUILD)/qemu-asan/qemu-system-x86_64 --csb auto \
		fuzz --seed $(FUZZ_SEED) --iterations $(FUZZ_ITERATIONS)

# The tests that run the TX thread e1000-csb-tx, and a short fuzz campaign,
# against the TSan QEMU: reports in build/tsan/<test>.<pid>, a summary on
# stdout, exit status 1 if TSan reported anything (scripts/tsan-qtest.sh).
tsan: qtest qemu-tsan
	@scripts/tsan-qtest.sh $(TSAN_TESTS)

# Guest images: Debian's vmlinuz plus our initramfs, one per kernel.
# Rebuilt only when the module, a tool or the guest scripts changed.
GUEST_INPUTS := scripts/mkguest.sh $(wildcard tests/guest/*)
$(BUILD)/guest/%/initramfs.gz: $(BUILD)/modules/%/driver/e1000_csb.ko $(BUILD)/tools/.built $(GUEST_INPUTS)
	@echo "  GUEST   $*"
	@scripts/guest-kernels.sh fetch $* $(BUILD)/kernels
	@mkdir -p $(dir $@)
	@ln -sf ../../kernels/$*/vmlinuz $(dir $@)vmlinuz
	@scripts/mkguest.sh $* $(BUILD)/kernels $(BUILD)/tools $@ $(BUILD)/modules/$*

$(BUILD)/tools/.built: FORCE
	@$(MAKE) -s -C tests/tools O=$(BUILD)/tools
	@test -e $@ || touch $@
	@if [ -n "$$(find $(BUILD)/tools -maxdepth 1 -type f -newer $@)" ]; then touch $@; fi

guest: $(foreach k,$(GUEST_KVERS),$(BUILD)/guest/$(k)/initramfs.gz)

check: deps
	@$(MAKE) -s qemu qemu-asan qemu-vanilla guest qtest
	@$(PYTHON) tests/run.py --all

check-static:
	@$(PYTHON) tests/run.py --static

models:
	@$(PYTHON) Documentation/model/run-models.py

demo: deps
	@$(MAKE) -s qemu guest
	@$(PYTHON) tests/demo.py

# Scenarios too long, or not yet dependable enough, for make check.
soak: deps
	@$(MAKE) -s qemu guest tools
	@$(PYTHON) tests/run.py --soak

# Side-by-side figures into build/bench/ (results.md, .json, .png); they
# are reported, never asserted (Documentation/performance.md).
bench: deps
	@$(MAKE) -s qemu guest tools
	@$(PYTHON) tests/bench.py $(BENCH_ARGS)

bench-quick: deps
	@$(MAKE) -s qemu guest tools
	@$(PYTHON) tests/bench.py --quick $(BENCH_ARGS)

profile: deps
	@$(MAKE) -s qemu guest tools
	@$(PYTHON) tests/bench_profile.py $(PROFILE_ARGS)

# ethtool settings compared within one boot (tests/bench_ab.py --help)
bench-ab: deps
	@$(MAKE) -s qemu guest tools
	@$(PYTHON) tests/bench_ab.py $(BENCH_AB_ARGS)

# The Debian package e1000-csb-dkms (debian/, built by dpkg-buildpackage
# with dh-dkms) from a copy of the tracked files, into build/deb/.
DEB_FILES = $(shell git ls-files --cached --others --exclude-standard 2>/dev/null || find . -path ./build -prune -o -type f -print)
deb:
	@rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/src
	@tar -c $(DEB_FILES) | tar -x -C $(BUILD)/deb/src
	@cd $(BUILD)/deb/src && dpkg-buildpackage -b -us -uc >../build.log 2>&1 || \
		{ tail -n 30 ../build.log >&2; exit 1; }
	@cd $(BUILD)/deb && rm -rf src && ls *.deb

# Not kbuild's "M=... clean": it deletes every *.ko below this directory,
# including the fetched guest kernels' modules in $(BUILD)/kernels.
clean:
	rm -f driver/*.o driver/*.ko driver/*.mod driver/*.mod.c driver/.*.cmd \
		driver/modules.order .*.cmd *.o modules.order Module.symvers
	rm -rf $(BUILD)/modules $(BUILD)/guest $(BUILD)/tools $(BUILD)/test-logs

distclean: clean
	rm -rf $(BUILD)

FORCE:
