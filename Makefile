# dptune: plain non-recursive GNU Make. `make` builds, `make check` installs what is
# missing and runs every test, `make demo` runs the main job on the built-in lab.
# Options: O=dir (out of tree), SANITIZE=address,undefined, DEVELOPER=1 or CI=true (-Werror).

O ?= build
CC ?= cc
FUZZ_CC ?= clang
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
VERSION := 0.4.0
GIT_REV := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

PKGS := libmnl json-c libmicrohttpd ncursesw libzstd
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null || echo -lmnl -ljson-c -lmicrohttpd -lncursesw -ltinfo -lzstd)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla \
	-Wno-unused-parameter -Wno-format-nonliteral
CFLAGS ?= -O2 -g
ifneq ($(filter true 1,$(CI) $(DEVELOPER)),)
WARN += -Werror
endif
ifdef SANITIZE
SAN := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
endif
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE -DDPTUNE_VERSION='"$(VERSION)"' -DDPTUNE_GIT='"$(GIT_REV)"' $(WARN) $(CFLAGS) \
	$(SAN) $(PKG_CFLAGS) -Isrc -MMD -MP
ALL_LDFLAGS := $(SAN) $(LDFLAGS)
LIBS := $(PKG_LIBS) -lcrypt -lm -lpthread

# BPF (kernel drop reasons): built when clang, bpftool, libbpf and the build host's BTF
# are there; otherwise the collector says at run time that it was built without it.
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
HAVE_BPF ?= $(shell [ -r /sys/kernel/btf/vmlinux ] && command -v $(FUZZ_CC) >/dev/null 2>&1 && \
	[ -x $(BPFTOOL) ] && $(PKG_CONFIG) --exists libbpf 2>/dev/null && echo 1 || echo 0)
ALL_CFLAGS += -DHAVE_BPF=$(HAVE_BPF) -I$(O)/bpf
ifeq ($(HAVE_BPF),1)
BPF_SKEL := $(O)/bpf/dropreason.skel.h
BPF_LIBS := $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)
LIBS += $(BPF_LIBS)
endif

LIB_SRC := $(filter-out src/main.c,$(shell find src -name '*.c' | sort))
LIB_OBJ := $(LIB_SRC:%.c=$(O)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/unit/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(O)/fuzz/%)
FUZZ_OBJ := $(LIB_SRC:%.c=$(O)/fuzzobj/%.o)
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(O)/bench/%)

.PHONY: all deps check test unit integration fuzz demo bench clean install tools
# Keep every object (the fuzz objects and BPF skeletons are otherwise "intermediate").
.SECONDARY:
all: $(O)/dptune

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/bpf/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@
$(O)/bpf/%.bpf.o: bpf/%.bpf.c bpf/dropreason.h $(O)/bpf/vmlinux.h
	$(FUZZ_CC) -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -g -O2 -Wall -I$(O)/bpf -c $< -o $@
	llvm-strip -g $@ 2>/dev/null || true
$(O)/bpf/%.skel.h: $(O)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@
$(O)/src/trace/dropreason.o: $(BPF_SKEL)

$(O)/libdptune.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(O)/dptune: $(O)/src/main.o $(O)/libdptune.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(O)/tests/unit/%: tests/unit/%.c $(O)/libdptune.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(O)/libdptune.a $(CMOCKA_LIBS) $(LIBS)

# Fuzzers: the library again, built by clang with libFuzzer and sanitizers.
FUZZ_FLAGS := -std=gnu11 -D_GNU_SOURCE -DHAVE_BPF=0 -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
	$(PKG_CFLAGS) -Isrc
$(O)/fuzzobj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -MMD -MP -c -o $@ $<
$(O)/fuzzobj/libdptune.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(O)/fuzz/%: tests/fuzz/%.c $(O)/fuzzobj/libdptune.a
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(O)/fuzzobj/libdptune.a $(LIBS)

$(O)/bench/%: bench/%.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -o $@ $< -lm -lpthread
# the tracer's cost (bench/tracer.sh) loads dptune's BPF object through its skeleton
$(O)/bench/tracercost: bench/tracercost.c bpf/dropreason.h $(BPF_SKEL)
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -DHAVE_BPF=$(HAVE_BPF) -I$(O)/bpf -o $@ $< $(BPF_LIBS)

tools: $(UNIT_BIN) $(BENCH_BIN)

# Install what the build and the tests need (Debian/Ubuntu, as root); a no-op when present.
deps:
	@scripts/deps.sh

unit: $(UNIT_BIN)
	@scripts/check.sh unit

integration: $(O)/dptune $(BENCH_BIN)
	@scripts/check.sh integration

fuzz: $(FUZZ_BIN)
	@scripts/check.sh fuzz

test: $(O)/dptune $(UNIT_BIN) $(FUZZ_BIN) $(BENCH_BIN)
	@scripts/check.sh all

check: deps
	@$(MAKE) --no-print-directory test

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@bench/run-all.sh

install: $(O)/dptune
	install -D -m 755 $(O)/dptune $(DESTDIR)$(PREFIX)/bin/dptune
	for m in docs/*.1; do install -D -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man1/$$(basename $$m); done
	install -D -m 644 completion/dptune.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/dptune

clean:
	rm -rf $(O)

-include $(LIB_OBJ:.o=.d) $(O)/src/main.d $(FUZZ_OBJ:.o=.d)
