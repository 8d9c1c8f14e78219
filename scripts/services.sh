#!/usr/bin/env bash
# Real services for integration tests and benchmarks: Mosquitto, InfluxDB 1.x, Prometheus,
# PostgreSQL and VictoriaMetrics from Debian's packages, each bound to 127.0.0.1 on a free
# port, run as plain background processes (no systemd) with their state in .services/.
#
#   scripts/services.sh up       install what is missing, start what is not running, wait
#                                until each answers, write .services/env
#   scripts/services.sh env      print .services/env (export lines; `source .services/env`)
#   scripts/services.sh status   one line per service; exit 1 unless all are answering
#   scripts/services.sh down     stop each by PID and delete their data
#
# BUTLER_SOS_SERVICES_DIR overrides the state folder (default .services/), for a separate
# set of services: scripts/test.sh gives each run its own.
#
# Only bash, coreutils and the services' own packages are needed (no curl): readiness checks
# speak HTTP over bash's /dev/tcp.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${BUTLER_SOS_SERVICES_DIR:-$REPO/.services}"
ENV_FILE="$STATE/env"
SERVICES=(mosquitto influxdb prometheus postgres victoriametrics)
READY_TIMEOUT_S=60

# Credentials of the throwaway PostgreSQL cluster (local test data only).
PG_USER=butler
PG_PASSWORD=butler
PG_DB=butler

log() { printf 'services: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# ---------------------------------------------------------------------------------------
# Locating binaries (Debian puts some outside a normal user's PATH)

find_bin() { # name, extra candidate paths...
  local name="$1"
  shift
  local candidate
  for candidate in "$@"; do
    [[ -x "$candidate" ]] && {
      echo "$candidate"
      return 0
    }
  done
  command -v "$name" 2>/dev/null || return 1
}

pg_bin_dir() {
  local dir
  dir="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  if [[ -n "$dir" && -x "$dir/postgres" ]]; then
    echo "$dir"
  elif command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
  else
    return 1
  fi
}

mosquitto_bin() { find_bin mosquitto /usr/sbin/mosquitto; }
influxd_bin() { find_bin influxd /usr/bin/influxd; }
prometheus_bin() { find_bin prometheus /usr/bin/prometheus; }
victoriametrics_bin() { find_bin victoria-metrics /usr/bin/victoria-metrics; }

# ---------------------------------------------------------------------------------------
# Installing missing packages

missing_packages() {
  local missing=()
  mosquitto_bin >/dev/null || missing+=(mosquitto)
  influxd_bin >/dev/null || missing+=(influxdb)
  prometheus_bin >/dev/null || missing+=(prometheus)
  pg_bin_dir >/dev/null || missing+=(postgresql)
  victoriametrics_bin >/dev/null || missing+=(victoria-metrics)
  # Not a service: the browser the web UI tests drive (playwright-core, no browser download).
  [[ -x /usr/bin/chromium ]] || missing+=(chromium fonts-liberation)
  echo "${missing[@]}"
}

install_missing() {
  local missing
  missing="$(missing_packages)"
  [[ -z "$missing" ]] && return 0
  local sudo=()
  if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null ||
      die "missing packages: $missing. Ask someone with root to run: apt-get install -y --no-install-recommends $missing"
    sudo=(sudo)
  fi
  log "installing: $missing"
  local started=$SECONDS
  # Keep the packages' own init scripts from starting system-wide instances on the default
  # ports during the install (Debian honours policy-rc.d exit 101 = "action forbidden").
  local own_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    own_policy=1
    # shellcheck disable=SC2064 # expand now: `sudo` is local to this function
    trap "${sudo[*]} rm -f /usr/sbin/policy-rc.d" EXIT
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${sudo[@]}" chmod 755 /usr/sbin/policy-rc.d
  fi
  local status=0
  # Lock timeout: wait for another apt/dpkg run instead of failing.
  # shellcheck disable=SC2086
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -qq update &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -qq install -y \
      --no-install-recommends $missing >"$STATE/apt.log" 2>&1 || status=$?
  if [[ $own_policy -eq 1 ]]; then
    "${sudo[@]}" rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
  if [[ $status -ne 0 ]]; then
    tail -n 30 "$STATE/apt.log" >&2 || true
    die "apt-get install failed (exit $status); see $STATE/apt.log"
  fi
  log "installed in $((SECONDS - started)) s"
}

# ---------------------------------------------------------------------------------------
# Ports, processes, readiness

TAKEN_PORTS=" "

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A free port below the kernel's ephemeral range (32768+), so that the OS-chosen ports of
# tests and clients never collide with the services.
# Sets FREE_PORT (not printed: a command substitution would lose TAKEN_PORTS).
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 12000))
    [[ "$TAKEN_PORTS" == *" $port "* ]] && continue
    port_in_use "$port" && continue
    TAKEN_PORTS+="$port "
    FREE_PORT=$port
    return 0
  done
  die "no free port found"
}

# HTTP status code of GET http://127.0.0.1:PORT/PATH, or empty when nothing answers.
http_status() {
  local reply
  reply="$(
    exec 2>/dev/null
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 0
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$2" "$1" >&3
    timeout 5 head -n 1 <&3
  )" || true
  [[ "$reply" =~ ^HTTP/[0-9.]+\ ([0-9]{3}) ]] && echo "${BASH_REMATCH[1]}"
}

# Alive and not a zombie: our services are reparented to PID 1, which may reap them late.
pid_alive() {
  [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null || return 1
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0 # no procfs: trust kill -0
  stat="${stat##*) }"
  [[ "${stat%% *}" != Z ]]
}

read_state() { cat "$STATE/$1/$2" 2>/dev/null || true; }

answers() { # service
  local port
  port="$(read_state "$1" port)"
  [[ -n "$port" ]] || return 1
  case "$1" in
  mosquitto) port_in_use "$port" ;;
  influxdb) [[ "$(http_status "$port" /ping)" == 204 ]] ;;
  prometheus) [[ "$(http_status "$port" /-/ready)" == 200 ]] ;;
  victoriametrics) [[ "$(http_status "$port" /health)" == 200 ]] ;;
  postgres) "$(pg_bin_dir)/pg_isready" -q -h 127.0.0.1 -p "$port" ;;
  esac
}

running() { # service: its recorded process is alive
  pid_alive "$(read_state "$1" pid)"
}

# Start a command detached from this shell (own session, no stdin, output to a log file),
# recording its PID. The command must not fork: we stop it by this PID.
spawn() { # service, command...
  local service="$1"
  shift
  # 9>&-: the service must not inherit (and hold forever) the lock of `lock` below.
  setsid "$@" </dev/null >"$STATE/$service/log" 2>&1 9>&- &
  echo $! >"$STATE/$service/pid"
}

wait_until_answers() { # service
  local service="$1" deadline=$((SECONDS + READY_TIMEOUT_S))
  until answers "$service"; do
    if ! running "$service"; then
      tail -n 20 "$STATE/$service/log" >&2 || true
      die "$service exited during startup; log: $STATE/$service/log"
    fi
    ((SECONDS < deadline)) || die "$service did not answer within ${READY_TIMEOUT_S} s; log: $STATE/$service/log"
    sleep 0.1
  done
}

# ---------------------------------------------------------------------------------------
# Per-service start

start_mosquitto() {
  local dir="$STATE/mosquitto" port
  free_port
  port=$FREE_PORT
  mkdir -p "$dir/data"
  # `user root` keeps a root-started broker from switching to the `mosquitto` user, which
  # could not write this folder; for other users the option is ignored.
  cat >"$dir/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence true
persistence_location $dir/data/
autosave_interval 1
log_dest stderr
log_type error
log_type warning
$([[ $EUID -eq 0 ]] && echo 'user root')
EOF
  echo "$port" >"$dir/port"
  spawn mosquitto "$(mosquitto_bin)" -c "$dir/mosquitto.conf"
}

start_influxdb() {
  local dir="$STATE/influxdb" port rpc_port
  free_port
  port=$FREE_PORT
  free_port
  rpc_port=$FREE_PORT
  mkdir -p "$dir"
  cat >"$dir/influxdb.conf" <<EOF
reporting-disabled = true
bind-address = "127.0.0.1:$rpc_port"
[meta]
  dir = "$dir/meta"
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:$port"
  log-enabled = false
[monitor]
  store-enabled = false
[logging]
  level = "warn"
EOF
  echo "$port" >"$dir/port"
  spawn influxdb "$(influxd_bin)" run -config "$dir/influxdb.conf"
}

start_prometheus() {
  local dir="$STATE/prometheus" port
  free_port
  port=$FREE_PORT
  mkdir -p "$dir/data" "$dir/targets"
  # Tests add scrape targets by dropping one JSON file each into targets/ (file_sd); the
  # shared targets.json is there for anyone who prefers editing a single file.
  [[ -f "$dir/targets/targets.json" ]] || echo '[]' >"$dir/targets/targets.json"
  cat >"$dir/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: tests
    file_sd_configs:
      - files: ['$dir/targets/*.json']
        refresh_interval: 1s
EOF
  echo "$port" >"$dir/port"
  spawn prometheus "$(prometheus_bin)" \
    --config.file="$dir/prometheus.yml" \
    --storage.tsdb.path="$dir/data" \
    --web.listen-address="127.0.0.1:$port" \
    --web.enable-lifecycle \
    --web.enable-remote-write-receiver \
    --log.level=warn
}

start_victoriametrics() {
  local dir="$STATE/victoriametrics" port
  free_port
  port=$FREE_PORT
  mkdir -p "$dir/data"
  echo "$port" >"$dir/port"
  # latencyOffset 0: freshly written points are queryable as soon as they are flushed
  # (every few seconds, or at once after GET /internal/force_flush) instead of after 30 s.
  spawn victoriametrics "$(victoriametrics_bin)" \
    -httpListenAddr="127.0.0.1:$port" \
    -storageDataPath="$dir/data" \
    -retentionPeriod=1 \
    -search.latencyOffset=0s \
    -loggerLevel=WARN
}

# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user
# and lives in a folder it can reach (the checkout may be in a home it cannot enter).
start_postgres() {
  local dir="$STATE/postgres" port bin data
  bin="$(pg_bin_dir)"
  free_port
  port=$FREE_PORT
  mkdir -p "$dir"
  local as_owner=()
  if [[ $EUID -eq 0 ]]; then
    data="$(mktemp -d "${TMPDIR:-/tmp}/butler-sos-postgres.XXXXXX")"
    chown postgres:postgres "$data"
    as_owner=(setpriv --reuid=postgres --regid=postgres --init-groups --)
  else
    data="$dir/data"
    mkdir -p "$data"
  fi
  chmod 700 "$data"
  echo "$data" >"$dir/datadir"
  local pwfile="$data/.pw"
  echo "$PG_PASSWORD" >"$pwfile"
  [[ $EUID -eq 0 ]] && chown postgres:postgres "$pwfile"
  "${as_owner[@]}" "$bin/initdb" -D "$data/cluster" -U "$PG_USER" --pwfile="$pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
    die "initdb failed; see $dir/initdb.log"
  rm -f "$pwfile"
  echo "$port" >"$dir/port"
  spawn postgres "${as_owner[@]}" "$bin/postgres" -D "$data/cluster" \
    -c listen_addresses=127.0.0.1 -c port="$port" -c unix_socket_directories="$data" \
    -c fsync=off -c full_page_writes=off -c max_connections=200
  wait_until_answers postgres
  PGPASSWORD="$PG_PASSWORD" "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$PG_USER" "$PG_DB" ||
    die "createdb failed"
}

write_env() {
  local tmp="$ENV_FILE.tmp"
  cat >"$tmp" <<EOF
export MOSQUITTO_URL=mqtt://127.0.0.1:$(read_state mosquitto port)
export INFLUXDB_URL=http://127.0.0.1:$(read_state influxdb port)
export PROMETHEUS_URL=http://127.0.0.1:$(read_state prometheus port)
export PROMETHEUS_TARGETS_DIR=$STATE/prometheus/targets
export PROMETHEUS_TARGETS_FILE=$STATE/prometheus/targets/targets.json
export POSTGRES_URL=postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$(read_state postgres port)/$PG_DB
export VICTORIAMETRICS_URL=http://127.0.0.1:$(read_state victoriametrics port)
EOF
  mv "$tmp" "$ENV_FILE"
}

# ---------------------------------------------------------------------------------------
# Commands

cmd_up() {
  local started=$SECONDS
  mkdir -p "$STATE"
  install_missing
  local service fresh=()
  for service in "${SERVICES[@]}"; do
    if running "$service" && answers "$service"; then
      continue
    fi
    stop_service "$service"
    log "starting $service"
    "start_$service"
    fresh+=("$service")
  done
  for service in "${fresh[@]}"; do
    wait_until_answers "$service"
  done
  write_env
  if [[ ${#fresh[@]} -eq 0 ]]; then
    log "all services already running"
  else
    log "started ${fresh[*]} in $((SECONDS - started)) s"
  fi
  cat "$ENV_FILE"
}

stop_service() { # service
  local service="$1" pid deadline
  pid="$(read_state "$service" pid)"
  if pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 15))
    while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
    if pid_alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  local datadir
  datadir="$(read_state "$service" datadir)"
  [[ -n "$datadir" && "$datadir" == */butler-sos-postgres.* ]] && rm -rf "$datadir"
  rm -rf "${STATE:?}/$service"
}

cmd_down() {
  local service
  for service in "${SERVICES[@]}"; do
    stop_service "$service"
  done
  rm -f "$ENV_FILE"
  log "stopped"
}

cmd_status() {
  local service all=0 pid port state
  for service in "${SERVICES[@]}"; do
    pid="$(read_state "$service" pid)"
    port="$(read_state "$service" port)"
    if running "$service" && answers "$service"; then
      state=answering
    elif running "$service"; then
      state="running, not answering"
      all=1
    else
      state=stopped
      all=1
    fi
    printf '%-16s %-24s pid %-8s port %s\n' "$service" "$state" "${pid:--}" "${port:--}"
  done
  return $all
}

cmd_env() {
  [[ -f "$ENV_FILE" ]] || die "services are not up: run scripts/services.sh up"
  cat "$ENV_FILE"
}

# One up/down at a time per state folder (several shells may share a checkout).
lock() {
  mkdir -p "$STATE"
  exec 9>"$STATE/.lock"
  flock 9
}

case "${1:-}" in
up)
  lock
  cmd_up
  ;;
down)
  [[ -d "$STATE" ]] || exit 0
  lock
  cmd_down
  ;;
status) cmd_status ;;
env) cmd_env ;;
*)
  echo "usage: $0 up|down|env|status" >&2
  exit 2
  ;;
esac
