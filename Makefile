# dartmk — make · make check · make stress · make demo · make asan · make install PREFIX=...
PREFIX   ?= /usr/local
BUILD    ?= build
CC       ?= cc
PKGS     := libisofs-1 libburn-1 libudfread wimlib json-c libxml-2.0 inih libmspack libcrypto blkid fdisk efiboot efivar libmsi-1.0 libnewt
# One query per package: wimlib's .pc names private dependencies (ntfs-3g, fuse) whose .pc files
# Debian does not install, which would fail a combined query.
PKG_CFLAGS := $(foreach p,$(PKGS),$(shell pkg-config --cflags $(p) 2>/dev/null))
PKG_LIBS   := $(foreach p,$(PKGS),$(shell pkg-config --libs $(p) 2>/dev/null || echo -l$(p:lib%=%)))
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.1.0)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS   ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -DDARTMK_VERSION='"$(VERSION)"' $(WARN) $(CPPFLAGS) $(CFLAGS) \
              $(PKG_CFLAGS) -I. -Isrc -MMD -MP
ALL_LDFLAGS := $(LDFLAGS) -pthread
LIBS     := $(PKG_LIBS)

# Library part of the program (everything but main.c), shared by the binary and the unit tests.
# The stages, bottom to top (docs/architecture.md): each may include only the ones before it.
STAGES   := src/util src/fat src/source src/image src/recovery partition src/device boot src/target
LIB_SRCS := $(foreach d,$(STAGES),$(wildcard $(d)/*.c)) $(filter-out src/cli/main.c src/cli/tables_main.c,$(wildcard src/cli/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/src/cli/main.o

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)

# Test tools (tests/tools/*.c): small programs on the library that tests and benchmarks drive.
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/tools/%)

.SECONDEXPANSION:
.PHONY: all check demo asan install deps unit tools fixtures fuzz fuzz-build bench clean stress docs \
        package-check
# `make` builds ./dartmk; a build in another directory (make asan) keeps its binary there.
BIN := $(if $(filter build,$(BUILD)),dartmk,$(BUILD)/dartmk)
all: $(BIN)

$(BIN): $(MAIN_OBJ) $(BUILD)/libdartmk.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(LIBS)

# The man pages and the bash completion, generated from the command and option tables (the ones
# --help is made from: dartmk-tables prints them as JSON) and the README's section of each command
# (scripts/gen-docs): build/man/dartmk.1, build/man/dartmk-CMD.1, build/completion/dartmk.
# A command added to dm_commands[] or an option added to a table needs no change here.
TABLES_BIN := $(BUILD)/dartmk-tables
DOCS_STAMP := $(BUILD)/man/.generated
$(TABLES_BIN): $(BUILD)/src/cli/tables_main.o $(BUILD)/libdartmk.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(LIBS)

$(DOCS_STAMP): $(TABLES_BIN) README.md scripts/gen-docs
	@mkdir -p $(BUILD)/man $(BUILD)/completion
	$(TABLES_BIN) > $(BUILD)/tables.json
	scripts/gen-docs --tables $(BUILD)/tables.json --readme README.md \
	    --man $(BUILD)/man --completion $(BUILD)/completion/dartmk
	@touch $@

docs: $(DOCS_STAMP)
all install: $(DOCS_STAMP)

$(BUILD)/libdartmk.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libdartmk.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags cmocka) -o $@ $< $(BUILD)/libdartmk.a \
	    $(ALL_LDFLAGS) $(LIBS) $(shell pkg-config --libs cmocka)

unit: $(UNIT_BINS)

$(BUILD)/tests/tools/%: tests/tools/%.c $(BUILD)/libdartmk.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libdartmk.a $(ALL_LDFLAGS) $(LIBS)

tools: $(TOOL_BINS) $(BUILD)/tests/tools/failwrite.so $(BUILD)/tests/tools/slowwrite.so

# LD_PRELOAD shim that makes writes under a folder fail with ENOSPC after a number of bytes
# (tests of a full disk). Plain flags on purpose, even in sanitizer builds.
$(BUILD)/tests/tools/failwrite.so: tests/tools/preload/failwrite.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl

# LD_PRELOAD shim that slows writes under a folder (progress redrawn in tests/cli/progress.t).
$(BUILD)/tests/tools/slowwrite.so: tests/tools/preload/slowwrite.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl

# Programs that run inside Windows PE (winpe/), cross-compiled with mingw-w64 for both kinds of
# media: dartexpire checks the image's time limit at start-up (src/image/expiry.c is shared with
# dartmk). dartmk finds them at run time in $DARTMK_LIBDIR, else build/winpe beside its
# executable, else ../lib/dartmk from it: keep these names. Own flags, never $(CFLAGS) or
# $(LDFLAGS): `make asan` puts sanitizer flags there that mingw-w64 has no runtime for.
# -static-libgcc: the .exe may import only DLLs Windows PE has, KERNEL32 and msvcrt; -s: no
# debugger runs there, and the symbols would make it five times larger; no link timestamp: the
# same source gives the same bytes (reproducible images).
WINPE_CC_x86   ?= i686-w64-mingw32-gcc
WINPE_CC_amd64 ?= x86_64-w64-mingw32-gcc
WINPE_CFLAGS   := -std=c11 -O2 $(WARN) -Isrc -static-libgcc -s -Wl,--no-insert-timestamp
WINPE_BINS     := $(BUILD)/winpe/dartexpire-x86.exe $(BUILD)/winpe/dartexpire-amd64.exe

$(BUILD)/winpe/dartexpire-%.exe: winpe/dartexpire.c src/image/expiry.c src/image/expiry.h
	@mkdir -p $(dir $@)
	$(WINPE_CC_$*) $(WINPE_CFLAGS) -o $@ winpe/dartexpire.c src/image/expiry.c

# `make` and `make install` build them too (added here: WINPE_BINS is not defined above).
all install: $(WINPE_BINS)

# libFuzzer targets (tests/fuzz/fuzz_NAME.c), each built with clang, ASan and UBSan from the
# few sources it needs, in build-fuzz/: the FAT writer's names and directories (fat), the FAT
# reader on hostile volumes (fatread), the recipe reader (recipe), the manifest `dartmk verify`
# reads (manifest), the saved partition table --restore-table reads (restore), the ISO 9660 and
# UDF directory walks (iso). Seeds: tests/fuzz/corpus-NAME (scripts/fuzz-seeds). `make fuzz`
# runs each for FUZZ_SECONDS; make check runs each briefly (tests/cli/fuzz.t).
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 300
FUZZ_CC      ?= clang
FUZZ_TARGETS := fat fatread recipe manifest restore iso authenticode
FUZZ_UTIL    := src/util/tree.c src/util/tee.c src/util/report.c src/util/progress.c src/util/utf8.c
FUZZ_SRCS_fat      := $(addprefix src/fat/,fat_layout.c fat_names.c fat_plan.c fat_write.c)
FUZZ_SRCS_fatread  := $(addprefix src/fat/,fat_read.c fat_tree.c fat_disk.c fat_names.c)
FUZZ_SRCS_recipe   := src/image/recipe.c
FUZZ_SRCS_manifest := src/recovery/verify.c src/image/expiry.c src/util/copy.c src/util/sha256.c
FUZZ_SRCS_restore  := partition/layout.c partition/ptable.c src/util/copy.c src/util/sha256.c
FUZZ_SRCS_iso      := src/source/source_iso.c src/source/source_udf.c src/util/quiet.c
FUZZ_SRCS_authenticode := src/source/authenticode.c
FUZZ_PKGS_fat      := json-c
FUZZ_PKGS_fatread  := blkid
FUZZ_PKGS_recipe   := inih json-c
FUZZ_PKGS_manifest := json-c libcrypto
FUZZ_PKGS_restore  := fdisk libcrypto
FUZZ_PKGS_iso      := libisofs-1 libudfread
FUZZ_PKGS_authenticode := libcrypto
# -max_len per target: the largest input it takes (FAT and ISO images are padded with zeros
# to the size they claim, so their seeds stay small).
FUZZ_LEN_fat      := 4096
FUZZ_LEN_fatread  := 1048576
FUZZ_LEN_recipe   := 4096
FUZZ_LEN_manifest := 8192
FUZZ_LEN_restore  := 65536
FUZZ_LEN_iso      := 1048576
FUZZ_LEN_authenticode := 131072
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE $(WARN) -O1 -g -fno-omit-frame-pointer \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I. -Isrc
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h tests/tools/synthtree.h $(FUZZ_UTIL) \
                      $$(FUZZ_SRCS_$$*) $(wildcard src/*/*.h partition/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(shell pkg-config --cflags $(FUZZ_PKGS_$*) 2>/dev/null) -o $@ \
	    $< $(FUZZ_UTIL) $(FUZZ_SRCS_$*) $(shell pkg-config --libs $(FUZZ_PKGS_$*) 2>/dev/null)

fuzz-build: $(FUZZ_BINS)

# Each target for FUZZ_SECONDS (one after another; with -j, side by side): new inputs go to
# $(FUZZ_BUILD)/corpus-NAME (the seeds in tests/fuzz/corpus-NAME stay as they are), crashes to
# $(FUZZ_BUILD)/crash-*; replay one with $(FUZZ_BUILD)/fuzz_NAME FILE. `make fuzz-iso` runs one.
# Leaks inside libraries' own error paths are suppressed (tests/fuzz/lsan.supp says which).
FUZZ_RUN := $(FUZZ_TARGETS:%=fuzz-%)
.PHONY: $(FUZZ_RUN)
fuzz: $(FUZZ_RUN)
$(FUZZ_RUN): fuzz-%: deps $(FUZZ_BUILD)/fuzz_%
	@mkdir -p $(FUZZ_BUILD)/corpus-$*
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp \
	    $(FUZZ_BUILD)/fuzz_$* -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_LEN_$*) -timeout=10 \
	    -rss_limit_mb=2048 $(if $(wildcard tests/fuzz/fuzz_$*.dict),-dict=tests/fuzz/fuzz_$*.dict) \
	    -artifact_prefix=$(FUZZ_BUILD)/ $(FUZZ_BUILD)/corpus-$* tests/fuzz/corpus-$* \
	    $(wildcard $(FUZZ_BUILD)/seeds-$*)

# The FAT writer against the limit (cat + sync) and mkfs.fat + mcopy, `dartmk build` against
# cp + wimupdate, `dartmk iso` against xorriso, `dartmk usb` against mkwinpeimg and several sticks
# in one run against one after another, peak memory against the payload and the file count, a
# fleet of disk images given a recovery partition by one Ansible play against dartmk on each in
# turn; 7 rounds of alternating methods, cold and warm cache; BENCHMARKS.md.
bench: deps
	$(MAKE) all tools fixtures $(SAMPLE_GENDATA)
	MKFAT=$(CURDIR)/$(BUILD)/tests/tools/mkfat scripts/bench --runs 7
	DARTMK=$(CURDIR)/$(BIN) scripts/bench-build --runs 7
	DARTMK=$(CURDIR)/$(BIN) scripts/bench-iso --runs 7
	DARTMK=$(CURDIR)/$(BIN) scripts/bench-usb --runs 7
	DARTMK=$(CURDIR)/$(BIN) scripts/bench-usb --runs 5 --size 1200M --layout dvd
	DARTMK=$(CURDIR)/$(BIN) scripts/bench-usb-multi
	DARTMK=$(CURDIR)/$(BIN) scripts/bench-memory
	DARTMK=$(CURDIR)/$(BIN) FIXTURES=$(CURDIR)/$(BUILD)/fixtures scripts/bench-ansible-fleet

include tests/fixtures/fixtures.mk
include tests/fixtures/samples.mk

deps:
	./scripts/install-deps.sh

# The whole suite: unit tests (cmocka, TAP), CLI tests and QEMU boot tests, under prove, two
# files at a time (PROVE_JOBS; the tests share nothing: each has its own scratch folder, loop
# devices are taken with losetup -f, servers run on free ports or in network namespaces). The
# longest files (valgrind's) go first so that the two lanes end together.
PROVE_JOBS ?= 2
SLOW_TESTS := $(wildcard tests/cli/*memcheck.t) tests/cli/catalogue.t tests/cli/crash.t
TESTS ?= $(SLOW_TESTS) $(UNIT_BINS) $(filter-out $(SLOW_TESTS),$(wildcard tests/cli/*.t)) \
         $(wildcard tests/package/*.t) $(wildcard tests/boot/*.t)
check: deps
	$(MAKE) all unit fixtures samples tools
	CMOCKA_MESSAGE_OUTPUT=TAP DARTMK=$(CURDIR)/$(BIN) FIXTURES=$(CURDIR)/$(BUILD)/fixtures \
	    TOOLS=$(CURDIR)/$(BUILD)/tests/tools prove -j$(PROVE_JOBS) --timer --exec 'tests/lib/exec' $(TESTS)

# The crash campaigns, with many more trials than make check's: updates of a recovery partition
# killed as by kill -9 at points of their writes (tests/cli/partition-update.t: STRESS_TRIALS,
# default 400; make check runs 32), and usb, partition (a new recovery partition, an update) and
# pxe --update killed with kill -9 at random moments of their run, a TFTP-like reader reading the
# tree during pxe --update (tests/cli/crash.t: STRESS_CRASH_TRIALS per command, default 100; make
# check runs 10). Each command ends with a SUMMARY line. STRESS_SEED (default: random, printed)
# replays a run; a failing trial prints its seed and kill moment.
STRESS_TRIALS ?= 400
STRESS_CRASH_TRIALS ?= 100
stress: deps
	$(MAKE) all fixtures samples tools
	seed=$${STRESS_SEED:-$$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}; echo "STRESS_SEED=$$seed"; rc=0; \
	export DARTMK=$(CURDIR)/$(BIN) FIXTURES=$(CURDIR)/$(BUILD)/fixtures TOOLS=$(CURDIR)/$(BUILD)/tests/tools; \
	DARTMK_TRIALS=$(STRESS_TRIALS) DARTMK_SEED=$$seed \
	    prove --timer --exec 'tests/lib/exec' tests/cli/partition-update.t || rc=1; \
	DARTMK_TRIALS=$(STRESS_CRASH_TRIALS) DARTMK_SEED=$$seed \
	    prove --timer --exec 'tests/lib/exec' tests/cli/crash.t || rc=1; \
	exit $$rc

# The Debian package, built in a scratch copy of the tree and tested from its contents
# (tests/package/package.t: dpkg-buildpackage, dpkg -x, the program, man pages, completion,
# lintian). make check runs it too (about 16 s); this runs it alone.
package-check: deps
	$(MAKE) all samples
	DARTMK=$(CURDIR)/$(BIN) FIXTURES=$(CURDIR)/$(BUILD)/fixtures \
	    prove --timer --exec 'tests/lib/exec' $(wildcard tests/package/*.t)

demo: deps
	$(MAKE) all fixtures
	./scripts/demo

# ASan + UBSan build of dartmk and the unit tests in build-asan/, running the whole suite
# (fixtures and sample media are test data: they come from the normal build).
asan: deps
	$(MAKE) fixtures samples
	$(MAKE) BUILD=build-asan CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
	    LDFLAGS='-fsanitize=address,undefined' all unit tools
	CMOCKA_MESSAGE_OUTPUT=TAP ASAN_OPTIONS=detect_leaks=1 DARTMK=$(CURDIR)/build-asan/dartmk \
	    FIXTURES=$(CURDIR)/build/fixtures TOOLS=$(CURDIR)/build-asan/tests/tools prove --timer --exec 'tests/lib/exec' \
	    $(patsubst build/%,build-asan/%,$(filter-out %memcheck.t,$(TESTS)))

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/dartmk
	install -d $(DESTDIR)$(PREFIX)/lib/dartmk
	install -m 644 $(WINPE_BINS) $(DESTDIR)$(PREFIX)/lib/dartmk/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 $(BUILD)/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 $(BUILD)/completion/dartmk $(DESTDIR)$(PREFIX)/share/bash-completion/completions/dartmk

clean:
	rm -rf build build-asan build-fuzz dartmk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
