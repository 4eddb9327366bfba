#!/usr/bin/env bash
# Set up the development environment; safe to run again (it only does what changed).
#
#   scripts/bootstrap.sh            .venv with `pip install -e '.[dev]'`, then `npm ci`
#   scripts/bootstrap.sh mariadb    same, plus the `mariadb` extra (mysqlclient; needs
#                                   libmariadb-dev, pkg-config and gcc: scripts/services.sh install)
#
# The Python install is redone only when pyproject.toml changes (its sha256 is kept in
# .venv/.installed-hash) or a new extra is asked for; `npm ci` only when node_modules is
# missing or package-lock.json changed. Set KUAICRM_SKIP_NODE=1 to skip the npm part.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv"
HASH_FILE="$VENV/.installed-hash"
NODE_HASH_FILE="$ROOT/node_modules/.kuaicrm-lock-hash"

log() { echo "[bootstrap] $*"; }
die() { echo "[bootstrap] ERROR: $*" >&2; exit 1; }

extras="dev"
for arg in "$@"; do
    case "$arg" in
        mariadb) extras="dev,mariadb" ;;
        *) die "unknown argument '$arg' (known: mariadb)" ;;
    esac
done

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

# ------------------------------------------------------------------ system libraries
# WeasyPrint (print formats as PDF) loads Debian's pango at run time, and Chinese needs a CJK
# font or every character prints as a box. Installed only when missing (root or sudo -n);
# otherwise a warning: the PDF tests then fail, saying what is missing.
SYSTEM_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk)
missing_system=()
for p in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing_system+=("$p")
done
if [ "${#missing_system[@]}" -gt 0 ]; then
    sudo_cmd=()
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo -n true 2>/dev/null && sudo_cmd=(sudo -n)
    if [ "$(id -u)" -eq 0 ] || [ "${#sudo_cmd[@]}" -gt 0 ]; then
        log "apt-get install ${missing_system[*]} (PDF printing)"
        export DEBIAN_FRONTEND=noninteractive
        "${sudo_cmd[@]}" apt-get update -q
        "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing_system[@]}" </dev/null
    else
        log "WARNING: missing ${missing_system[*]} and not root: PDF printing will not work"
    fi
else
    log "system libraries for PDF printing present"
fi

# ------------------------------------------------------------------ python
find_python() {
    local c
    for c in "${PYTHON:-}" python3.11 python3; do
        [ -n "$c" ] || continue
        command -v "$c" >/dev/null 2>&1 || continue
        if "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            echo "$c"
            return 0
        fi
    done
    return 1
}

venv_ok() {
    [ -x "$VENV/bin/python" ] &&
        "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null
}

if ! venv_ok; then
    py="$(find_python)" || die "Python 3.11 not found (set PYTHON=/path/to/python3.11)"
    [ -e "$VENV" ] && { log "existing .venv is not a working Python 3.11 venv; recreating"; rm -rf "$VENV"; }
    log "creating .venv with $py ($("$py" --version 2>&1))"
    "$py" -m venv "$VENV"
fi

want_hash="$(sha256sum pyproject.toml | cut -d' ' -f1)"
have_hash=""
have_extras=""
if [ -f "$HASH_FILE" ]; then
    read -r have_hash have_extras <"$HASH_FILE" || true
fi

need_install=0
if [ "$want_hash" != "$have_hash" ]; then
    need_install=1
elif [ ! -x "$VENV/bin/kuaicrm" ]; then
    need_install=1
else
    # An earlier install with more extras (dev,mariadb) also satisfies a plain `dev` request.
    IFS=',' read -r -a wanted <<<"$extras"
    for e in "${wanted[@]}"; do
        case ",$have_extras," in *",$e,"*) ;; *) need_install=1 ;; esac
    done
fi

if [ "$need_install" -eq 1 ]; then
    case ",$extras," in
        *,mariadb,*)
            # mysqlclient ships no Linux wheels: it is compiled against libmariadb.
            command -v pkg-config >/dev/null && pkg-config --exists libmariadb 2>/dev/null ||
                die "mysqlclient needs libmariadb-dev and pkg-config: run scripts/services.sh install"
            command -v gcc >/dev/null || die "mysqlclient needs a C compiler (apt-get install gcc)"
            ;;
    esac
    # Keep extras already installed (e.g. mariadb) when pyproject.toml changes.
    if [ -n "$have_extras" ]; then
        extras="$(printf '%s\n' "${extras//,/$'\n'}" "${have_extras//,/$'\n'}" | sort -u | paste -sd, -)"
    fi
    log "pip install -e '.[$extras]'"
    start=$SECONDS
    "$VENV/bin/python" -m pip install -q -e ".[$extras]"
    "$VENV/bin/python" -m pip check
    echo "$want_hash $extras" >"$HASH_FILE"
    log "python packages installed in $((SECONDS - start)) s"
else
    log "python packages up to date (.[$have_extras], pyproject.toml unchanged)"
fi

# ------------------------------------------------------------------ node
if [ "${KUAICRM_SKIP_NODE:-0}" = "1" ]; then
    log "KUAICRM_SKIP_NODE=1: skipping npm ci"
elif [ -f package-lock.json ]; then
    command -v npm >/dev/null || die "npm not found (Node.js 20 is needed for the node tests; KUAICRM_SKIP_NODE=1 skips)"
    lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
    if [ -d node_modules ] && [ -f "$NODE_HASH_FILE" ] && [ "$(cat "$NODE_HASH_FILE")" = "$lock_hash" ]; then
        log "node_modules up to date"
    else
        log "npm ci"
        start=$SECONDS
        npm ci --no-audit --no-fund --loglevel=error </dev/null
        echo "$lock_hash" >"$NODE_HASH_FILE"
        log "node packages installed in $((SECONDS - start)) s"
    fi
fi
