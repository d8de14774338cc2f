# Iris top-level Makefile: the two commands of the README, plus bench and fuzz.
#   make run    install what is missing, build, start irisd on its embedded default
#   make test   install, build with ASan+UBSan, the release binary and the fuzz
#               targets; unit tests under the sanitizers, the live suites against
#               both the sanitizer build and the release binary that make run ships,
#               each fuzz target briefly over its corpus
#   make check-tsan  unit tests and the live suites under ThreadSanitizer
SHELL := /bin/bash
BUILD_REL := build/release
BUILD_SAN := build/asan
BUILD_FUZZ := build/fuzz
BUILD_TSAN := build/tsan
DATA ?= $(CURDIR)/data
CONF ?=

DEBIAN_PKGS := build-essential g++ meson ninja-build pkg-config clang llvm \
	libclang-rt-14-dev libuv1-dev libssl-dev libexpat1-dev libgsasl-dev \
	libhttp-parser-dev libwslay-dev libjansson-dev libsqlite3-dev libpq-dev \
	libinih-dev libcurl4-openssl-dev libical-dev libcmocka-dev libidn2-dev \
	libpsl-dev libphonenumber-dev libprotobuf-dev sqlite3 openssl curl time \
	libstrophe-dev
# Every Python module the tests, benchmarks and tools import comes from one of
# these (tests/lint/test_test_packages.py fails otherwise): there is no PyPI.
PYTHON_PKGS := python3 python3-pytest python3-aiosmtpd python3-slixmpp python3-requests \
	python3-yaml
DEBIAN_PKGS += $(PYTHON_PKGS)

.PHONY: all deps build build-san build-fuzz build-tsan run test check-tsan bench fuzz clean \
	format

all: build

# Installs only the Debian packages that are missing; needs root (or sudo).
deps:
	@missing=$$(for p in $(DEBIAN_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BUILD_REL)/build.ninja:
	meson setup $(BUILD_REL) --buildtype=release -Db_lto=false

$(BUILD_SAN)/build.ninja:
	CC=clang CXX=clang++ meson setup $(BUILD_SAN) --buildtype=debug -Dwerror=true \
		-Db_sanitize=address,undefined -Db_lundef=false

build: deps $(BUILD_REL)/build.ninja
	ninja -C $(BUILD_REL)

build-san: deps $(BUILD_SAN)/build.ninja
	ninja -C $(BUILD_SAN)

$(BUILD_FUZZ)/build.ninja:
	CC=clang CXX=clang++ meson setup $(BUILD_FUZZ) --buildtype=debugoptimized -Dfuzz=true \
		-Db_sanitize=address,undefined -Db_lundef=false

build-fuzz: deps $(BUILD_FUZZ)/build.ninja
	ninja -C $(BUILD_FUZZ)

# ThreadSanitizer build (clang; TSan needs PIE, which meson.build sets).
$(BUILD_TSAN)/build.ninja:
	CC=clang CXX=clang++ meson setup $(BUILD_TSAN) --buildtype=debug -Dwerror=true \
		-Db_sanitize=thread -Db_lundef=false

build-tsan: deps $(BUILD_TSAN)/build.ninja
	ninja -C $(BUILD_TSAN)

run: build
	$(BUILD_REL)/src/cmd/irisd --data $(DATA) $(if $(CONF),--config $(CONF))

test: build-san build build-fuzz
	tests/run-all $(BUILD_SAN) $(BUILD_REL) $(BUILD_FUZZ)

# Unit tests and the live suites under ThreadSanitizer (TSAN_OPTIONS and the
# suppressions of third-party false positives are set by tests/run-all).
# clang 14's TSan cannot place its shadow memory when the kernel randomises
# more address bits (vm.mmap_rnd_bits above 28: "FATAL: ThreadSanitizer:
# unexpected memory mapping"); then the suites run without address
# randomisation (setarch -R), for these processes only.
check-tsan: build-tsan
	@norand=; \
	if $(BUILD_TSAN)/src/cmd/irisd --settings 2>&1 | grep -q 'unexpected memory mapping'; then \
		norand="setarch $$(uname -m) -R"; echo "TSan: running under $$norand"; \
	fi; \
	SUITES="unit api proto" $$norand tests/run-all $(BUILD_TSAN)

bench: build
	@for b in bench/*/run; do echo "== $$b"; $$b $(BUILD_REL) || exit 1; done

fuzz: build-fuzz
	tools/fuzz-all $(BUILD_FUZZ) $${FUZZ_SECONDS:-60}

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'fuzz/*.c' 'bench/*.c')

clean:
	rm -rf build
