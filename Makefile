# Set-up and entry points. Everything goes into a local .venv; nothing is installed system-wide.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# The default model: made at set-up (requantized to Q4_0) from the shipped Q4_1 file, which stays
# as its fallback; install-default fetches the Q4_1 file and makes the Q4_0 one (models/README.md).
MODEL  := models/SmolLM2-135M-Instruct.Q4_0.gguf
# Portable llama.cpp build: GGML_NATIVE=ON would tune for this CPU and crash on older ones.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF

.PHONY: run test setup model bench bundle check-deploy clean

run: setup ## set up (first time) and start the kiosk with the demo configuration
	$(BIN)/kiosk run

test: setup ## set up (first time) and run the whole test suite
	$(BIN)/python -m pytest

setup: $(STAMP) $(MODEL)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

$(MODEL): $(STAMP) models/registry.toml
	$(BIN)/kiosk models install-default

bench: setup ## print the benchmark figures
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

bundle: setup ## offline install bundle (deploy/README.md); CPU=avx|sse42 for older CPUs
	deploy/bundle.sh --cpu $(or $(CPU),portable)

check-deploy: setup ## shellcheck the scripts, systemd-analyze the units
	deploy/check.sh

clean:
	rm -rf $(VENV) .pytest_cache
