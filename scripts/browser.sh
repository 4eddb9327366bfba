#!/usr/bin/env bash
# Debian's Chromium for the desk's browser tests (tests/browser, Playwright drives
# /usr/bin/chromium; `playwright install` downloads are not used), and CJK fonts so Chinese
# renders as text in screenshots instead of boxes.
#
#   scripts/browser.sh install   apt-get install what is missing (root, or sudo without a
#                                password); quick and quiet when everything is there
#   scripts/browser.sh check     exit 0 when Chromium starts and a Chinese font is installed
#
# Without root (and no sudo) a developer's `make test` goes on and the browser tests skip,
# saying why; under CI=true a missing browser is an error.
set -euo pipefail

PACKAGES=(chromium fonts-noto-cjk fonts-liberation)
CHROMIUM=/usr/bin/chromium

log() { echo "[browser] $*"; }
die() { echo "[browser] ERROR: $*" >&2; exit 1; }

missing_packages() {
    local p
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
    done
}

cmd_check() {
    [ -x "$CHROMIUM" ] || die "$CHROMIUM is missing (scripts/browser.sh install)"
    local version
    version="$("$CHROMIUM" --headless --no-sandbox --version 2>/dev/null)" ||
        die "$CHROMIUM does not start"
    fc-list :lang=zh family 2>/dev/null | grep -qi "noto" ||
        die "no Chinese font (fonts-noto-cjk): screenshots would show boxes"
    log "$version, Noto CJK fonts present"
}

cmd_install() {
    local missing
    mapfile -t missing < <(missing_packages)
    if [ "${#missing[@]}" -eq 0 ]; then
        cmd_check
        return 0
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        elif [ "${CI:-}" = "true" ]; then
            die "missing ${missing[*]} and not root: the browser tests cannot run"
        else
            log "WARNING: missing ${missing[*]}; not root, so not installing them."
            log "The browser tests will be skipped (run this script as root to install)."
            return 0
        fi
    fi
    log "installing: ${missing[*]}"
    local start=$SECONDS
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -q
    "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
    log "installed in $((SECONDS - start)) s"
    cmd_check
}

case "${1:-}" in
    install) cmd_install ;;
    check) cmd_check ;;
    *) die "usage: $0 install|check" ;;
esac
