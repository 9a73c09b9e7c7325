# Triage — the two commands a newcomer needs are `make run` and `make test`.
# Both install missing Debian packages (scripts/install-deps) and build first.

BUILD      ?= build
SAN_BUILD  ?= build-sanitize
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
HTTP       ?= 127.0.0.1:8080
DATA_DIR   ?= var/data
CONFIG     ?= examples/triage.yaml
# The admin API token `make run` installs; set your own in the environment for real use.
TRIAGE_ADMIN_TOKEN ?= demo-admin-token
export TRIAGE_ADMIN_TOKEN

.PHONY: all deps build run test sanitize bench fuzz clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@echo ""
	@echo "  Triage is starting on http://$(HTTP)"
	@echo "  API token (admin):  $(TRIAGE_ADMIN_TOKEN)"
	@echo "  web UI logins (name / password):  agent / agent-demo   supervisor / supervisor-demo"
	@echo "                                    manager / manager-demo   admin / admin-demo"
	@echo "  open http://$(HTTP)/login"
	@echo "  try:  curl -H 'Authorization: Bearer $(TRIAGE_ADMIN_TOKEN)' http://$(HTTP)/api/v1/tickets"
	@echo "  email: swaks --server 127.0.0.1:2525 --to support@triage.example --from you@example.fi"
	@echo "  data: $(DATA_DIR)  (a fresh data directory gets the demo history)"
	@echo ""
	@mkdir -p $(DATA_DIR)
	@exec $(BUILD)/triaged --config $(CONFIG) --http $(HTTP) --data-dir $(DATA_DIR) --demo

test: build
	@cd $(BUILD) && ctest --output-on-failure --timeout 300 -j 2

sanitize: deps
	@cmake -S . -B $(SAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTRIAGE_SANITIZE=ON >/dev/null
	@cmake --build $(SAN_BUILD) -j $(JOBS)
	@cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure --timeout 600 -j 2

bench: build
	@$(BUILD)/api_bench
	@$(BUILD)/store_bench
	@$(BUILD)/channels_bench
	@$(BUILD)/escalation_bench
	@$(BUILD)/escalation_hook_bench
	@$(BUILD)/reports_bench
	@$(BUILD)/email_bench

# libFuzzer over every fuzz target (fuzz/), FUZZ_SECONDS each, with clang and ASan; the
# inputs it finds are kept in $(FUZZ_BUILD)/corpus, crashes in $(FUZZ_BUILD)/crashes.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/install-deps --fuzz
	@cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRIAGE_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets
	@scripts/fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
