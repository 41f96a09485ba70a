# shellcheck shell=bash
# Installs what replicant's scripts need on Debian 12, and only what is missing, so it is
# fast when everything is present. Sourced by scripts/test, scripts/lint and scripts/demo.
#
#   ensure_deps      system packages + a Rust toolchain (rustup) with rustfmt and clippy
#
# The system MariaDB service is never started: tests and the demo run their own
# throwaway mariadbd processes.

# Packages the build, the tests and the demo use.
REPLICANT_APT_PACKAGES=(
    mariadb-server mariadb-client sysbench haproxy percona-toolkit
    clang libclang-dev pkg-config build-essential
    curl ca-certificates python3 python3-venv
)

# The Python drivers the endpoint tests use (PyMySQL, mysql-connector-python), in a venv
# outside the clone; tests find it through REPLICANT_PYTHON.
REPLICANT_PY_VENV="${REPLICANT_PY_VENV:-$HOME/.cache/replicant-py}"
REPLICANT_PY_PACKAGES=(pymysql mysql-connector-python)

_log() { printf '==> %s\n' "$*" >&2; }

# Runs a command as root (directly, or through sudo when available).
_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        _log "need root to run: $*"
        return 1
    fi
}

_pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

ensure_packages() {
    local missing=() pkg
    for pkg in "${REPLICANT_APT_PACKAGES[@]}"; do
        _pkg_installed "$pkg" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0

    _log "installing: ${missing[*]}"
    # policy-rc.d exit 101 tells invoke-rc.d/deb-systemd-invoke not to start services, so
    # installing mariadb-server does not start the system mariadbd on port 3306.
    local policy=/usr/sbin/policy-rc.d created_policy=
    if [ ! -e "$policy" ]; then
        _as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod +x $policy"
        created_policy=1
    fi
    local rc=0
    _as_root env DEBIAN_FRONTEND=noninteractive apt-get update </dev/null || rc=$?
    if [ $rc -eq 0 ]; then
        _as_root env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y --no-install-recommends "${missing[@]}" </dev/null || rc=$?
    fi
    [ -n "$created_policy" ] && _as_root rm -f "$policy"
    return $rc
}

ensure_rust() {
    # shellcheck disable=SC1091
    [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
    if ! command -v cargo >/dev/null 2>&1; then
        _log "installing Rust (rustup, stable, minimal profile)"
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs \
            | sh -s -- -y --profile minimal --component rustfmt,clippy
        # shellcheck disable=SC1091
        . "$HOME/.cargo/env"
    fi
    if command -v rustup >/dev/null 2>&1; then
        local comp
        for comp in rustfmt clippy; do
            rustup component list --installed 2>/dev/null | grep -q "^$comp" \
                || rustup component add "$comp"
        done
    fi
}

ensure_python() {
    local py="$REPLICANT_PY_VENV/bin/python"
    if [ ! -x "$py" ] || ! "$py" -c 'import pymysql, mysql.connector' 2>/dev/null; then
        _log "installing Python drivers into $REPLICANT_PY_VENV: ${REPLICANT_PY_PACKAGES[*]}"
        python3 -m venv "$REPLICANT_PY_VENV" \
            && "$REPLICANT_PY_VENV/bin/pip" install -q "${REPLICANT_PY_PACKAGES[@]}" \
            || _log "could not install the Python drivers; their tests will be skipped"
    fi
    export REPLICANT_PYTHON="$py"
}

ensure_deps() {
    ensure_packages
    ensure_rust
    ensure_python
}
