#!/bin/bash
# Flows per second into each output: build ntc-bench-export (release, its own build directory),
# start Debian's clickhouse-server on loopback in a temporary directory (when installed), and run
# the benchmark against SQLite (on disk and on tmpfs), JSON lines, CSV and ClickHouse.
#
# Usage: bench/export.sh [FLOWS]        (default 200000)
# Environment: NTC_BENCH_BUILD build directory (default /tmp/ntc-bench-build)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${NTC_BENCH_BUILD:-/tmp/ntc-bench-build}
N=${1:-200000}
say() { printf '%s\n' "export.sh: $*" >&2; }

if [ ! -f "$BUILD/build.ninja" ]; then
    say "configuring a release build in $BUILD"
    meson setup "$BUILD" "$SRC" -Dbuildtype=release -Dbench=true -Dtests=false \
        -Dexamples=false -Dtools=false >/dev/null
fi
ninja -C "$BUILD" bench/ntc-bench-export >/dev/null

work=$(mktemp -d /tmp/ntc-bench-export.XXXXXX)
ch_pid=
cleanup() {
    [ -n "$ch_pid" ] && kill "$ch_pid" 2>/dev/null && wait "$ch_pid" 2>/dev/null
    rm -rf "$work" /dev/shm/ntc-bench-export.db*
}
trap cleanup EXIT

uris=("sqlite:$work/flows.db")
[ -d /dev/shm ] && uris+=("sqlite:/dev/shm/ntc-bench-export.db")
uris+=("jsonl:$work/flows.json" "csv:$work/flows.csv")

CH=$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)
if [ -x "$CH" ]; then
    port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    tport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    cat >"$work/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$work/ch.log</log><errorlog>$work/ch.err</errorlog></logger>
  <http_port>$port</http_port><tcp_port>$tport</tcp_port><listen_host>127.0.0.1</listen_host>
  <path>$work/ch/</path><tmp_path>$work/ch/tmp/</tmp_path><user_files_path>$work/ch/uf/</user_files_path>
  <users_config>$work/users.xml</users_config><default_profile>default</default_profile>
  <default_database>default</default_database><timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size><mlock_executable>false</mlock_executable>
</yandex>
XML
    cat >"$work/users.xml" <<XML
<?xml version="1.0"?>
<yandex><profiles><default></default></profiles>
<users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
<quotas><default></default></quotas></yandex>
XML
    "$CH" --config-file="$work/config.xml" >/dev/null 2>&1 &
    ch_pid=$!
    for _ in $(seq 300); do
        curl -sf "http://127.0.0.1:$port/ping" >/dev/null 2>&1 && break
        sleep 0.1
    done
    if curl -sf "http://127.0.0.1:$port/ping" >/dev/null 2>&1; then
        uris+=("clickhouse:http://127.0.0.1:$port/?table=bench" "clickhouse:http://127.0.0.1:$port/?table=bench1k&batch=1000")
    else
        say "clickhouse-server did not start; ClickHouse not measured"
    fi
else
    say "clickhouse-server not installed (apt-get install clickhouse-server); ClickHouse not measured"
fi

say "load average $(cut -d' ' -f1 /proc/loadavg) on $(nproc) cores (other work on the machine skews the figures)"
"$BUILD/bench/ntc-bench-export" -n "$N" "${uris[@]}"
