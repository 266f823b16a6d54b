# PostgreSQL 15 at postgres://dstream@127.0.0.1:5432/dstream (Debian's package): its own
# cluster under target/services/postgres/data, `trust` authentication on loopback only, with
# the role `dstream` and the database `dstream`. PostgreSQL refuses to run as root, so as
# root the cluster belongs to the `postgres` system user the package creates.
pg_bin=/usr/lib/postgresql/15/bin
pg_data="$data/data"
pg_url="postgres://dstream@127.0.0.1:5432/dstream"

# Runs a command as the cluster's owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
install() {
    if [ ! -x "$pg_bin/postgres" ]; then
        log "installing Debian's postgresql-15"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null ||
            { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null; }
    fi
    if [ ! -f "$pg_data/PG_VERSION" ]; then
        log "creating the cluster in $pg_data"
        mkdir -p "$pg_data"
        # The owner must be able to reach the data directory through target/.
        if [ "$(id -u)" -eq 0 ]; then
            chown -R postgres:postgres "$data"
            chmod o+x "$root" "$root/target" "$root/target/services" 2>/dev/null || true
        fi
        as_owner "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$log" 2>&1
        cat >"$pg_data/pg_hba.conf" <<'HBA'
# Loopback only, no password: a test server.
local all all trust
host all all 127.0.0.1/32 trust
HBA
    fi
}
start() {
    # The log file belongs to the owner so the server can write it.
    touch "$log"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$log"
    as_owner "$pg_bin/pg_ctl" -D "$pg_data" -l "$log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p 5432 -k $pg_data -c fsync=on" start >/dev/null
    # The role and the database the tests use.
    local psql=("$pg_bin/psql" -h 127.0.0.1 -p 5432 -U postgres -d postgres -qAt)
    if [ "$(as_owner "${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'dstream'")" != 1 ]; then
        as_owner "${psql[@]}" -c "CREATE ROLE dstream LOGIN"
    fi
    if [ "$(as_owner "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'dstream'")" != 1 ]; then
        as_owner "${psql[@]}" -c "CREATE DATABASE dstream OWNER dstream"
    fi
}
ready() { "$pg_bin/pg_isready" -q -h 127.0.0.1 -p 5432 -d dstream -U dstream; }
stop() {
    if [ -f "$pg_data/postmaster.pid" ]; then
        as_owner "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null || true
    fi
}
describe() { echo "PostgreSQL 15 at $pg_url"; }
