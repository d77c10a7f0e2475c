#!/usr/bin/env bash
# The end-to-end load test of the sample app on PostgreSQL (docs/benchmarks.md) and the cold-start
# measurement (docs/cold-start.md), with their own redis-server and two sample-app instances.
#
#   benchmarks/load-test.sh [load|cold-start|all]     (default: all)
#
# Each instance logs to benchmarks/target/load-test/run<N>-<a|b>.log.
# Settings (environment):
#   DURATION=30s      measured time of each load run       WARMUP=10s   unmeasured traffic before it
#   THREADS=8         client threads                        WRITES=0.05  share of writes in the mix
#   COLD_WINDOW=15s   the cold-start window measured from the first request after both are ready
#   FILL=30s          traffic that fills Redis before the cold-start restarts
#   SETTLE=11s        quiet time before reading pg_stat_database (idle backends report after 10 s)
#   LOAD_DB=tiered_cache_load   the database (dropped and created again; on 127.0.0.1:5432, user postgres)
#   SKIP_BUILD=true   use the jars already built          MVN_FLAGS=-o   flags for the build
# It needs java, redis-server, redis-cli, psql and curl on the PATH and PostgreSQL on 127.0.0.1:5432
# (trust authentication). Results: printed at the end, and under benchmarks/target/load-test/.
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=${1:-all}
DURATION=${DURATION:-30s}
WARMUP=${WARMUP:-10s}
THREADS=${THREADS:-8}
WRITES=${WRITES:-0.05}
COLD_WINDOW=${COLD_WINDOW:-15s}
FILL=${FILL:-30s}
SETTLE=${SETTLE:-11s}
LOAD_DB=${LOAD_DB:-tiered_cache_load}
MVN_FLAGS=${MVN_FLAGS:--o}
OUT=benchmarks/target/load-test
APP_JVM=(-Xms256m -Xmx512m)

case "$MODE" in load|cold-start|all) ;; *) echo "usage: $0 [load|cold-start|all]" >&2; exit 2 ;; esac
for tool in java redis-server redis-cli psql curl python3; do
	command -v "$tool" >/dev/null || { echo "$0: needs '$tool' on the PATH" >&2; exit 1; }
done

if [ "${SKIP_BUILD:-false}" != true ]; then
	echo "== building sample-app and benchmarks"
	./mvnw -B -q $MVN_FLAGS -pl sample-app,benchmarks -am package -DskipTests
fi
mkdir -p "$OUT"
rm -f "$OUT"/run*.log
APP_JAR=sample-app/target/sample-app.jar
DRIVER=(java -Xmx256m -cp benchmarks/target/benchmarks.jar io.github.tieredcache.benchmarks.load.LoadTest)

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

REDIS_PORT=$(free_port)
REDIS_DIR=$(mktemp -d)
REDIS_PID=
APP_PIDS=()
RUN=0

stop_apps() {
	local pid
	for pid in "${APP_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${APP_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	APP_PIDS=()
}

stop_redis() {
	if [ -n "$REDIS_PID" ]; then
		kill "$REDIS_PID" 2>/dev/null || true
		wait "$REDIS_PID" 2>/dev/null || true
		REDIS_PID=
	fi
}

cleanup() {
	stop_apps
	stop_redis
	rm -rf "$REDIS_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Redis with no persistence of its own; 'snapshot' and 'restore' save and reload its data on demand
start_redis() {
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$REDIS_DIR" \
		--dbfilename snapshot.rdb >"$OUT/redis.log" 2>&1 &
	REDIS_PID=$!
	for _ in $(seq 100); do
		redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "redis-server did not start (see $OUT/redis.log)" >&2
	exit 1
}

# start_app NAME PORT [sample-app arguments...]
start_app() {
	local name=$1 port=$2
	shift 2
	POSTGRES_DB=$LOAD_DB java "${APP_JVM[@]}" -jar "$APP_JAR" --server.port="$port" --spring.profiles.active=postgres \
		--spring.data.redis.port="$REDIS_PORT" --tiered-cache.caches.products.ttl=30m "$@" >"$OUT/run$RUN-$name.log" 2>&1 &
	APP_PIDS+=($!)
}

await_ready() {
	local port=$1
	for _ in $(seq 1800); do
		curl -sf "http://127.0.0.1:$port/actuator/health/readiness" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "the sample app on port $port did not become ready (see $OUT/*.log)" >&2
	exit 1
}

reset_database() {
	psql -h 127.0.0.1 -U postgres -qtA -c "DROP DATABASE IF EXISTS $LOAD_DB WITH (FORCE)" postgres
	psql -h 127.0.0.1 -U postgres -qtA -c "CREATE DATABASE $LOAD_DB" postgres
}

# start_pair ARGS...: two instances with the same arguments, the first creating schema and data
start_pair() {
	RUN=$((RUN + 1))
	PORT_A=$(free_port)
	PORT_B=$(free_port)
	start_app a "$PORT_A" "$@"
	await_ready "$PORT_A"
	start_app b "$PORT_B" --spring.sql.init.mode=never "$@"
	await_ready "$PORT_B"
}

drive() {
	"${DRIVER[@]}" --targets="http://127.0.0.1:$PORT_A,http://127.0.0.1:$PORT_B" --threads="$THREADS" \
		--writes="$WRITES" --settle="$SETTLE" --jdbc="jdbc:postgresql://127.0.0.1:5432/$LOAD_DB" "$@"
}

run_load() {
	local table=$OUT/load.md
	rm -f "$table"
	reset_database
	echo "== load: caching on (two instances, L1 + shared Redis)"
	redis-cli -p "$REDIS_PORT" flushall >/dev/null
	# steady state: the sample's origin ramp (a cold-start measure, 30 s) would cap concurrent
	# loads during the measured window
	start_pair --tiered-cache.warm.ramp=0
	drive --duration="$DURATION" --warmup="$WARMUP" --label="tiered-cache on" --table="$table"
	# the same data without the product page's HTTP caching (@CachedETag asks Redis for the
	# entry's version before and after the handler, on every request)
	drive --duration="$DURATION" --warmup="$WARMUP" --reads=/api/products/ \
		--label="tiered-cache on, reads of /api/products (no HTTP caching)" --table="$table"
	stop_apps
	echo "== load: caching off (spring.cache.type=none)"
	start_pair --spring.cache.type=none
	drive --duration="$DURATION" --warmup="$WARMUP" --label="caching off (spring.cache.type=none)" --table="$table"
	drive --duration="$DURATION" --warmup="$WARMUP" --reads=/api/products/ \
		--label="caching off, reads of /api/products" --table="$table"
	stop_apps
}

# cold_start LABEL REDIS(restore|empty) ARGS...: restart both instances at once and measure from readiness
cold_start() {
	local label=$1 redis=$2
	shift 2
	stop_redis
	if [ "$redis" = empty ]; then
		mv "$REDIS_DIR/snapshot.rdb" "$REDIS_DIR/keep.rdb"
		start_redis
		mv "$REDIS_DIR/keep.rdb" "$REDIS_DIR/snapshot.rdb"
	else
		start_redis
	fi
	echo "== cold start: $label ($(redis-cli -p "$REDIS_PORT" dbsize) keys in Redis)"
	RUN=$((RUN + 1))
	PORT_A=$(free_port)
	PORT_B=$(free_port)
	start_app a "$PORT_A" --spring.sql.init.mode=never "$@"
	start_app b "$PORT_B" --spring.sql.init.mode=never "$@"
	drive --report=cold-start --warmup=0 --duration="$COLD_WINDOW" --label="$label" --table="$OUT/cold-start.md"
	stop_apps
}

run_cold_start() {
	rm -f "$OUT/cold-start.md"
	if ! psql -h 127.0.0.1 -U postgres -qtA -c "SELECT 1 FROM catalog.product WHERE id = 100000" "$LOAD_DB" \
		2>/dev/null | grep -q 1; then
		reset_database
	fi
	echo "== cold start: filling Redis ($FILL of traffic), then saving it"
	redis-cli -p "$REDIS_PORT" flushall >/dev/null
	start_pair
	drive --duration="$FILL" --warmup=0 --settle=0s --label=fill
	stop_apps
	redis-cli -p "$REDIS_PORT" save >/dev/null
	local off=(--tiered-cache.warm.enabled=false --tiered-cache.warm.ramp=0)
	cold_start "warm Redis, no warming, no ramp" restore "${off[@]}"
	cold_start "warm Redis, warming (from-l2), no ramp" restore --tiered-cache.warm.ramp=0
	cold_start "warm Redis, warming + ramp 30s (sample default)" restore
	cold_start "empty Redis, no ramp" empty "${off[@]}"
	cold_start "empty Redis, ramp 30s" empty --tiered-cache.warm.enabled=false
}

start_redis
[ "$MODE" = cold-start ] || run_load
[ "$MODE" = load ] || run_cold_start

echo
echo "threads=$THREADS duration=$DURATION warmup=$WARMUP writes=$WRITES cold-window=$COLD_WINDOW fill=$FILL; $(nproc) cores"
if [ "$MODE" != cold-start ]; then
	echo
	cat "$OUT/load.md"
fi
if [ "$MODE" != load ]; then
	echo
	cat "$OUT/cold-start.md"
fi
