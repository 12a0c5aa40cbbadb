#!/usr/bin/env bash
# Build the offline bundle: one .tar.gz with everything a kiosk needs to install without network
# (the app and all its dependencies as wheels, a llama-cpp-python built for a CPU family, the
# language model, install.sh, the systemd units, the example config and the IT guide).
#
# Run it from a source checkout after `make setup`, on a connected machine with the SAME CPU
# architecture and Python minor version as the kiosks (Debian 12 / Raspberry Pi OS bookworm:
# Python 3.11; for Raspberry Pi kiosks build on a Raspberry Pi or another aarch64 Debian 12).
#
#   deploy/bundle.sh                    portable x86-64 (AVX2, 2013+) or generic ARMv8 build
#   deploy/bundle.sh --cpu avx          x86-64 CPUs with AVX but no AVX2 (Sandy/Ivy Bridge)
#   deploy/bundle.sh --cpu sse42        x86-64 CPUs without AVX (Atom, Celeron J/N thin clients)
#   CMAKE_ARGS="..." deploy/bundle.sh --cpu custom     your own llama.cpp CMake flags
#
# Built llama-cpp-python wheels are cached per set of flags in ~/.cache/kiosk-bundle, and pip's
# own wheel cache is used when its wheel has the right CPU features, so a rebuild is quick.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: bundle.sh [--cpu portable|avx|sse42|custom] [--out DIR] [--python PYTHON]
                 [--model NAME] [--debs] [--rebuild-llama]

  --cpu LEVEL      which CPUs llama.cpp is built for (default portable; see deploy/README.md)
  --out DIR        where the .tar.gz goes (default: dist/ of the checkout)
  --python PYTHON  interpreter with the app's dependencies (default: .venv/bin/python)
  --model NAME     registered model to include (default: the registry's default; for a model
                   the kiosk makes at install, such as the default, the file it is made from)
  --debs           also put libgomp1's .deb into the bundle (apt-get download; build machine
                   must run the kiosks' Debian release and architecture)
  --rebuild-llama  build llama-cpp-python from source even if a cached wheel fits
EOF
}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf 'bundle.sh: error: %s\n' "$*" >&2; exit 1; }

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/.." && pwd)"
CPU=portable
OUT="$REPO/dist"
PYTHON=""
MODEL=""
DEBS=0
REBUILD=0

while [ $# -gt 0 ]; do
    case "$1" in
        --cpu) [ $# -ge 2 ] || die "--cpu needs a level"; CPU="$2"; shift 2 ;;
        --out) [ $# -ge 2 ] || die "--out needs a folder"; OUT="$2"; shift 2 ;;
        --python) [ $# -ge 2 ] || die "--python needs an interpreter"; PYTHON="$2"; shift 2 ;;
        --model) [ $# -ge 2 ] || die "--model needs a name"; MODEL="$2"; shift 2 ;;
        --debs) DEBS=1; shift ;;
        --rebuild-llama) REBUILD=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done

# llama.cpp CPU flags. GGML_NATIVE=ON (its default) tunes for the build machine's CPU and the
# result dies with "illegal instruction" on an older one. With GGML_NATIVE=OFF, x86-64 builds use
# SSE4.2 + AVX + AVX2 + FMA + F16C + BMI2 (Intel Haswell 2013+, AMD Zen), ARM builds plain ARMv8.
case "$CPU" in
    portable) CMAKE_ARGS="-DGGML_NATIVE=OFF" ;;
    avx) CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF -DGGML_BMI2=OFF" ;;
    sse42) CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=OFF -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF -DGGML_BMI2=OFF" ;;
    custom) [ -n "${CMAKE_ARGS:-}" ] || die "--cpu custom needs CMAKE_ARGS in the environment" ;;
    *) die "unknown --cpu $CPU (portable, avx, sse42 or custom)" ;;
esac
export CMAKE_ARGS

if [ -z "$PYTHON" ]; then
    PYTHON="$REPO/.venv/bin/python"
    [ -x "$PYTHON" ] || PYTHON=python3
fi
"$PYTHON" -c 'import kiosk.coach.registry' 2>/dev/null \
    || die "$PYTHON cannot import the app; run \`make setup\` first or pass --python"
PY_TAG="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
MACHINE="$(uname -m)"
VERSION="$("$PYTHON" -c 'import kiosk; print(kiosk.__version__)')"
NAME="kiosk-bundle-$VERSION-$CPU-py${PY_TAG/./}-$MACHINE"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kiosk-bundle.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
STAGE="$WORK/$NAME"
WHEELS="$STAGE/wheels"
mkdir -p "$WHEELS" "$STAGE/models" "$OUT"

# -- the app's source, clean --------------------------------------------------------------------
# Build from a copy of the tracked and new (not ignored) files: a stale build/ folder or local
# models never end up in the wheel.
say "Copying the source ($REPO)"
SRC="$WORK/src"
mkdir -p "$SRC"
if git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$REPO" && git ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
        | tar --null -T - -cf -) | tar -C "$SRC" -xf -
    GIT_REV="$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)"
else
    tar -C "$REPO" --exclude=./.venv --exclude=./build --exclude=./dist --exclude='*.gguf' \
        -cf - . | tar -C "$SRC" -xf -
    GIT_REV=unknown
fi

# -- wheels --------------------------------------------------------------------------------------
# Pin every dependency to the version installed in $PYTHON (the tested set).
CONSTRAINTS="$WORK/constraints.txt"
"$PYTHON" -m pip freeze --exclude-editable 2>/dev/null \
    | grep -v -i -E '^(kiosk|pip|setuptools|wheel)==|^-e | @ ' >"$CONSTRAINTS" || true
LLAMA_VERSION="$(sed -n 's/^llama[-_]cpp[-_]python==//Ip' "$CONSTRAINTS" | head -n 1)"

say "Wheels for the app and its dependencies (CMAKE_ARGS=$CMAKE_ARGS)"
"$PYTHON" -m pip wheel --quiet --wheel-dir "$WHEELS" -c "$CONSTRAINTS" "$SRC"
"$PYTHON" -m pip wheel --quiet --wheel-dir "$WHEELS" pip
LLAMA_WHEEL="$(compgen -G "$WHEELS/llama_cpp_python-*.whl" | head -n 1 || true)"
[ -n "$LLAMA_WHEEL" ] || die "no llama-cpp-python wheel was built"
LLAMA_VERSION="$(basename "$LLAMA_WHEEL" | cut -d- -f2)"

# The CPU features a llama-cpp-python wheel was compiled with (llama_print_system_info).
wheel_features() {
    local dir="$WORK/probe"
    rm -rf "$dir" && mkdir -p "$dir"
    "$PYTHON" - "$1" "$dir" <<'PY'
import ctypes, sys, zipfile
wheel, folder = sys.argv[1], sys.argv[2]
zipfile.ZipFile(wheel).extractall(folder)
lib = ctypes.CDLL(f"{folder}/llama_cpp/lib/libllama.so")
lib.llama_print_system_info.restype = ctypes.c_char_p
print(lib.llama_print_system_info().decode())
PY
}

# Features the flags forbid: every GGML_<X>=OFF, and with GGML_NATIVE=OFF the AVX-512 family,
# AVX-VNNI and AMX unless switched on explicitly.
forbidden_features() {
    local flag name value
    declare -A on=()
    local out=()
    for flag in $CMAKE_ARGS; do
        [[ "$flag" =~ ^-DGGML_([A-Z0-9_]+)=(ON|OFF)$ ]] || continue
        name="${BASH_REMATCH[1]}"; value="${BASH_REMATCH[2]}"
        if [ "$value" = OFF ]; then out+=("$name"); else on[$name]=1; fi
    done
    if [[ " $CMAKE_ARGS " == *" -DGGML_NATIVE=OFF "* ]]; then
        for name in AVX512 AVX512_VBMI AVX512_VNNI AVX512_BF16 AVX_VNNI AMX_INT8; do
            [ -n "${on[$name]:-}" ] || out+=("$name")
        done
    fi
    printf '%s\n' "${out[@]}" | grep -v -x -E 'NATIVE|' || true
}

wheel_fits() {
    local info feature bad=""
    info="$(wheel_features "$1")" || return 1
    for feature in $(forbidden_features); do
        if [[ "$info" == *" $feature = 1"* ]]; then bad="$bad $feature"; fi
    done
    if [ -n "$bad" ]; then
        note "$(basename "$1") was built with$bad, which the flags exclude"
        return 1
    fi
    return 0
}

FLAGS_KEY="$(printf '%s|%s|%s|%s' "$LLAMA_VERSION" "$PY_TAG" "$MACHINE" "$CMAKE_ARGS" | sha256sum | cut -c1-16)"
OWN_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/kiosk-bundle/llama-$LLAMA_VERSION-$FLAGS_KEY"
CACHED="$(compgen -G "$OWN_CACHE/llama_cpp_python-*.whl" | head -n 1 || true)"

say "llama-cpp-python $LLAMA_VERSION for CPU level \"$CPU\""
if [ "$REBUILD" -eq 0 ] && [ -n "$CACHED" ]; then
    note "using the wheel cached for these flags ($OWN_CACHE)"
    rm -f "$LLAMA_WHEEL"
    cp "$CACHED" "$WHEELS/"
elif [ "$REBUILD" -eq 0 ] && wheel_fits "$LLAMA_WHEEL"; then
    note "pip's wheel has the right CPU features"
else
    note "building it from source with these flags (about 3-4 minutes on 2 cores)"
    rm -f "$LLAMA_WHEEL"
    "$PYTHON" -m pip wheel --quiet --no-deps --no-cache-dir --no-binary llama-cpp-python \
        --wheel-dir "$WHEELS" "llama-cpp-python==$LLAMA_VERSION"
fi
LLAMA_WHEEL="$(compgen -G "$WHEELS/llama_cpp_python-*.whl" | head -n 1)"
wheel_fits "$LLAMA_WHEEL" || die "the llama-cpp-python wheel does not match CMAKE_ARGS=$CMAKE_ARGS"
mkdir -p "$OWN_CACHE"
[ -f "$OWN_CACHE/$(basename "$LLAMA_WHEEL")" ] || cp "$LLAMA_WHEEL" "$OWN_CACHE/"
SYSTEM_INFO="$(wheel_features "$LLAMA_WHEEL" | tr -s ' ')"
note "$SYSTEM_INFO"

say "Checking that the wheels install with no network"
(
    while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep '^PIP_' || true)
    PIP_CONFIG_FILE=/dev/null "$PYTHON" -m pip install --quiet --dry-run --ignore-installed \
        --no-index --find-links "$WHEELS" kiosk
) || die "the wheels are incomplete for an offline install"

# -- the model -----------------------------------------------------------------------------------
# The files a kiosk cannot make itself: for the default (the Q4_0 SmolLM2, made at install from
# the Q4_1 file with the kiosk's own llama.cpp, see models/README.md) that is the Q4_1 file.
say "The model"
MODEL_PATH="$("$PYTHON" - "$MODEL" <<'PY'
import sys
from kiosk.coach.registry import check_file, load_registry

registry = load_registry()
name = sys.argv[1] or registry.default
spec = registry.get(name)
if spec is None:
    sys.exit(f"model {name!r} is not in {registry.path}")
while spec.made_from:  # made on the kiosk from this one
    print(f"    {spec.name} is made on the kiosk from {spec.made_from}", file=sys.stderr)
    spec = registry.models[spec.made_from]
problem = check_file(spec)
if problem is not None and problem.code == "missing" and spec.source.get("pypi"):
    from kiosk.coach.install import install_from_pypi
    install_from_pypi(spec, log=lambda m: print("    " + m, file=sys.stderr))
    problem = check_file(spec)
if problem is not None:
    sys.exit(problem.message)
print(spec.path)
PY
)" || die "the model is not available (see above)"
cp "$MODEL_PATH" "$STAGE/models/"
note "$(basename "$MODEL_PATH"), sha256 verified"

# -- system packages (optional) ------------------------------------------------------------------
if [ "$DEBS" -eq 1 ]; then
    say "libgomp1 .deb (apt-get download)"
    mkdir -p "$STAGE/debs"
    (cd "$STAGE/debs" && apt-get download libgomp1) || die "apt-get download libgomp1 failed"
fi

# -- install script, units, docs -----------------------------------------------------------------
say "Install script, units and guide"
for file in install.sh kiosk.example.toml kiosk.service kiosk-backup.service kiosk-backup.timer \
        README.md DATA-SHEET.md DATA-SHEET.nl.md; do
    [ -f "$SCRIPT_DIR/$file" ] || die "deploy/$file is missing"
    cp "$SCRIPT_DIR/$file" "$STAGE/"
done
chmod 0755 "$STAGE/install.sh"

cat >"$STAGE/BUILD-INFO.txt" <<EOF
name=$NAME
version=$VERSION
source=$GIT_REV
built=$(date -u +%Y-%m-%dT%H:%M:%SZ)
python=$PY_TAG
machine=$MACHINE
cpu=$CPU
cmake_args=$CMAKE_ARGS
llama_system_info=$SYSTEM_INFO
model=$(basename "$MODEL_PATH")
wheels=$(find "$WHEELS" -name '*.whl' -printf '%f\n' | LC_ALL=C sort | tr '\n' ' ')
EOF

(cd "$STAGE" && find . -type f -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum) \
    >"$WORK/SHA256SUMS"
mv "$WORK/SHA256SUMS" "$STAGE/SHA256SUMS"

say "Packing"
ARCHIVE="$OUT/$NAME.tar.gz"
tar -C "$WORK" -cf - "$NAME" | gzip -1 >"$ARCHIVE.tmp"
mv -f "$ARCHIVE.tmp" "$ARCHIVE"
note "$ARCHIVE ($(du -h "$ARCHIVE" | cut -f1))"
cat <<EOF

  On the kiosk (no network needed):
    tar -xzf $NAME.tar.gz
    sudo ./$NAME/install.sh --offline ./$NAME
EOF
