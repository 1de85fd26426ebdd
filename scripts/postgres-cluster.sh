# Sourced by scripts/test.sh (and usable by hand): starts a throwaway PostgreSQL cluster in a
# temporary folder on a free port, exports MOMENTS_TEST_POSTGRES_URL, and stops and removes
# it when the shell exits. initdb refuses to run as root, so as root the cluster is the
# `postgres` system user's.
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
    echo "PostgreSQL server binaries not found under /usr/lib/postgresql (scripts/setup.sh installs them)" >&2
    return 1
fi
pg_dir="$(mktemp -d /tmp/moments-pg.XXXXXX)"
pg_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
as_owner() { "$@"; }
if [ "$(id -u)" = 0 ]; then
    chown postgres "$pg_dir"
    as_owner() { runuser -u postgres -- "$@"; }
fi
as_owner "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust --no-sync -E UTF8 >"$pg_dir/initdb.log" 2>&1 \
    || { cat "$pg_dir/initdb.log" >&2; return 1; }
as_owner "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w start \
    -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=300" >/dev/null \
    || { cat "$pg_dir/server.log" >&2; return 1; }
stop_postgres_cluster() {
    as_owner "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
}
trap stop_postgres_cluster EXIT
export MOMENTS_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
echo "throwaway PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') at $MOMENTS_TEST_POSTGRES_URL"
