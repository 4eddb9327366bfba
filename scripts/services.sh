#!/usr/bin/env bash
# Local MariaDB + Redis for development and CI, without systemd.
#
#   scripts/services.sh install          apt-get install the servers (only what is missing; needs root)
#   scripts/services.sh start  [DIR]     start MariaDB (port 33306) and Redis (port 36379); idempotent
#   scripts/services.sh stop   [DIR]     stop both
#   scripts/services.sh status [DIR]     show whether they answer
#   scripts/services.sh reset-db [DIR]   drop and recreate the database and any test_<db>* databases
#   scripts/services.sh env    [DIR]     print the connection settings as shell variables
#
# State (data, sockets, logs, pids) lives in DIR (default $KUAICRM_SERVICES_DIR or /tmp/kuaicrm-ci).
# Every instance is throw-away: the data dir is for tests and demo data only.
#
# Tunables (environment):
#   KUAICRM_DB_PORT (33306)  KUAICRM_DB_NAME (kuaicrm)  KUAICRM_DB_USER (kuaicrm)
#   KUAICRM_DB_PASSWORD (kuaicrm-ci-pw)  KUAICRM_REDIS_PORT (36379)
set -euo pipefail

CMD="${1:-}"
DIR="${2:-${KUAICRM_SERVICES_DIR:-/tmp/kuaicrm-ci}}"

DB_PORT="${KUAICRM_DB_PORT:-33306}"
DB_NAME="${KUAICRM_DB_NAME:-kuaicrm}"
DB_USER="${KUAICRM_DB_USER:-kuaicrm}"
DB_PASSWORD="${KUAICRM_DB_PASSWORD:-kuaicrm-ci-pw}"
REDIS_PORT="${KUAICRM_REDIS_PORT:-36379}"

MY_DIR="$DIR/mariadb"
MY_DATA="$MY_DIR/data"
MY_SOCK="$MY_DIR/mariadb.sock"
MY_PID="$MY_DIR/mariadb.pid"
MY_LOG="$MY_DIR/mariadb.err"
RD_DIR="$DIR/redis"

# gcc + libc6-dev: mysqlclient (the `mariadb` extra) is built from source against libmariadb.
APT_PACKAGES=(mariadb-server mariadb-client redis-server redis-tools libmariadb-dev pkg-config gcc libc6-dev)

log() { echo "[services] $*"; }
die() { echo "[services] ERROR: $*" >&2; exit 1; }

need_root() {
    [ "$(id -u)" -eq 0 ] || die "must run as root (mariadbd runs as the 'mysql' user, set up by apt)"
}

# ------------------------------------------------------------------ install
cmd_install() {
    need_root
    local missing=()
    for p in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        log "all packages already installed: ${APT_PACKAGES[*]}"
        return 0
    fi
    log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # Package scripts may try to start the services via invoke-rc.d; without systemd that
    # fails harmlessly (or is denied by policy-rc.d). We start our own instances below.
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
}

# ------------------------------------------------------------------ mariadb
my_admin() { mariadb-admin --no-defaults --socket="$MY_SOCK" -uroot "$@"; }
my_sql()   { mariadb --no-defaults --socket="$MY_SOCK" -uroot "$@"; }

mariadb_up() { my_admin --connect-timeout=2 ping >/dev/null 2>&1; }

start_mariadb() {
    command -v mariadbd-safe >/dev/null || die "mariadbd-safe not found; run: $0 install"
    id mysql >/dev/null 2>&1 || die "no 'mysql' system user; run: $0 install"
    mkdir -p "$MY_DIR"
    chown mysql:mysql "$MY_DIR"
    chmod 750 "$MY_DIR"

    if mariadb_up; then
        log "MariaDB already running (socket $MY_SOCK)"
    else
        if [ ! -d "$MY_DATA/mysql" ]; then
            log "initialising MariaDB data dir $MY_DATA"
            mariadb-install-db --no-defaults --user=mysql --datadir="$MY_DATA" \
                --auth-root-authentication-method=socket --skip-test-db \
                >"$MY_DIR/install-db.log" 2>&1 || { cat "$MY_DIR/install-db.log" >&2; die "mariadb-install-db failed"; }
        fi
        log "starting MariaDB on 127.0.0.1:$DB_PORT"
        # --no-defaults: ignore Debian's /etc/mysql config (it points at /run/mysqld, syslog, ...).
        # utf8mb4 server defaults matter: Django creates the test databases without a charset.
        setsid nohup mariadbd-safe --no-defaults --user=mysql \
            --datadir="$MY_DATA" --socket="$MY_SOCK" --pid-file="$MY_PID" \
            --log-error="$MY_LOG" --skip-syslog \
            --bind-address=127.0.0.1 --port="$DB_PORT" --skip-name-resolve \
            --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
            --innodb-flush-log-at-trx-commit=2 --max-connections=200 \
            >"$MY_DIR/mariadbd-safe.out" 2>&1 </dev/null &
        local i
        for i in $(seq 1 60); do
            mariadb_up && break
            sleep 1
        done
        if ! mariadb_up; then
            tail -n 50 "$MY_LOG" >&2 2>/dev/null || true
            die "MariaDB did not come up within 60 s (log: $MY_LOG)"
        fi
        log "MariaDB is up ($(my_sql -N -e 'SELECT VERSION()'))"
    fi

    # Database + user; idempotent. The test\_kuaicrm% grant covers pytest-django's
    # test databases (test_kuaicrm, test_kuaicrm_gw0, test_kuaicrm_gw1, ... with xdist).
    my_sql <<SQL
CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'localhost';
GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`test\\_$DB_NAME%\`.* TO '$DB_USER'@'localhost';
GRANT ALL PRIVILEGES ON \`test\\_$DB_NAME%\`.* TO '$DB_USER'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL
    log "database '$DB_NAME' and user '$DB_USER' ready"
}

stop_mariadb() {
    if mariadb_up; then
        log "stopping MariaDB"
        my_admin shutdown || true
    fi
    local i pid=""
    [ -f "$MY_PID" ] && pid="$(cat "$MY_PID" 2>/dev/null || true)"
    for i in $(seq 1 30); do
        if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then break; fi
        sleep 1
    done
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        log "MariaDB (pid $pid) still alive; sending TERM"
        kill "$pid" || true
    fi
}

reset_db() {
    mariadb_up || die "MariaDB is not running; run: $0 start"
    local db
    for db in $(my_sql -N -e "SHOW DATABASES" | grep -E "^(${DB_NAME}|test_${DB_NAME}.*)\$" || true); do
        log "dropping database $db"
        my_sql -e "DROP DATABASE \`$db\`"
    done
    my_sql -e "CREATE DATABASE \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    log "database '$DB_NAME' recreated (empty)"
}

# ------------------------------------------------------------------ redis
redis_up() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

start_redis() {
    command -v redis-server >/dev/null || die "redis-server not found; run: $0 install"
    if redis_up; then
        log "Redis already running on 127.0.0.1:$REDIS_PORT"
        return 0
    fi
    mkdir -p "$RD_DIR"
    log "starting Redis on 127.0.0.1:$REDIS_PORT"
    # Persistence on: queued jobs (a Data Import, a webhook retry) must survive a restart of
    # Redis. The append-only file is synced every second; RDB snapshots are the fallback.
    redis-server --daemonize yes --port "$REDIS_PORT" --bind 127.0.0.1 \
        --appendonly yes --appendfsync everysec --save '900 1 300 10 60 10000' --dir "$RD_DIR" \
        --pidfile "$RD_DIR/redis.pid" --logfile "$RD_DIR/redis.log" </dev/null
    local i
    for i in $(seq 1 30); do
        redis_up && break
        sleep 0.5
    done
    redis_up || { tail -n 30 "$RD_DIR/redis.log" >&2 || true; die "Redis did not answer PING"; }
    log "Redis is up ($(redis-cli -p "$REDIS_PORT" info server | grep -m1 redis_version | tr -d '\r'))"
}

stop_redis() {
    if redis_up; then
        log "stopping Redis"
        # SAVE: what is queued is still there when Redis starts again.
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown save >/dev/null 2>&1 || true
    fi
}

# ------------------------------------------------------------------ main
cmd_env() {
    cat <<EOF
KUAICRM_DB_HOST=127.0.0.1
KUAICRM_DB_PORT=$DB_PORT
KUAICRM_DB_NAME=$DB_NAME
KUAICRM_DB_USER=$DB_USER
KUAICRM_DB_PASSWORD=$DB_PASSWORD
KUAICRM_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
EOF
}

case "$CMD" in
    install) cmd_install ;;
    start)
        need_root
        start_mariadb
        start_redis
        ;;
    stop)
        stop_redis
        stop_mariadb
        log "stopped"
        ;;
    status)
        if mariadb_up; then log "MariaDB: up (127.0.0.1:$DB_PORT)"; else log "MariaDB: down"; fi
        if redis_up; then log "Redis: up (127.0.0.1:$REDIS_PORT)"; else log "Redis: down"; fi
        ;;
    reset-db)
        need_root
        reset_db
        if redis_up; then redis-cli -h 127.0.0.1 -p "$REDIS_PORT" flushall >/dev/null; log "Redis flushed"; fi
        ;;
    env) cmd_env ;;
    *)
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
        exit 2
        ;;
esac
