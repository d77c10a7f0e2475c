#!/usr/bin/env bash
# The L1 hit paths' throughput at 1, 2 and 4 threads, with allocation, in one run:
# @CacheAside and @Cacheable over TieredCacheManager against @Cacheable over Spring's
# CaffeineCacheManager. Run on a quiet machine from the repository root:
#   benchmarks/thread-scaling.sh            (build first: ./mvnw -B -q -DskipTests package)
# Environment: FORKS (default 2), ITERATIONS (default 5), SECONDS_PER_ITERATION (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
jar=benchmarks/target/benchmarks.jar
[ -f "$jar" ] || { echo "build first: ./mvnw -B -q -DskipTests package" >&2; exit 1; }
forks="${FORKS:-2}"; iterations="${ITERATIONS:-5}"; seconds="${SECONDS_PER_ITERATION:-2}"
out="$(mktemp -d)"
for threads in 1 2 4; do
  java -jar "$jar" 'AnnotationHitBenchmarks\.(cacheableOn|cacheAsideOnTieredCacheManager$)' \
    -t "$threads" -bm thrpt -tu ms -f "$forks" -wi 3 -w "${seconds}s" -i "$iterations" -r "${seconds}s" \
    -prof gc -rf csv -rff "$out/t$threads.csv" > "$out/t$threads.log"
done
python3 - "$out" <<'PY'
import csv, sys, os
out = sys.argv[1]
rows = {}
for t in (1, 2, 4):
    with open(os.path.join(out, f"t{t}.csv")) as f:
        for r in csv.DictReader(f):
            name = r["Benchmark"].rsplit("Benchmarks.", 1)[1]
            if name.endswith(":gc.alloc.rate.norm"):
                rows.setdefault(name.split(":")[0], {})[f"B{t}"] = float(r["Score"])
            elif ":" not in name:
                rows.setdefault(name, {})[t] = (float(r["Score"]), float(r["Score Error (99.9%)"] or 0))
ref = rows.get("cacheableOnCaffeineCacheManager", {})
print("| benchmark | 1 thread (ops/ms) | 2 threads | 4 threads | 2t/1t | vs Caffeine @Cacheable 1t / 2t / 4t | B/op (1t) |")
print("|---|---|---|---|---|---|---|")
for name, r in rows.items():
    cells = [f"{r[t][0]:,.0f} ± {r[t][1]:,.0f}" for t in (1, 2, 4)]
    scaling = r[2][0] / r[1][0]
    versus = " / ".join(f"{r[t][0] / ref[t][0]:.2f}" for t in (1, 2, 4)) if ref else "-"
    print(f"| {name} | {' | '.join(cells)} | {scaling:.2f}x | {versus} | {r.get('B1', float('nan')):.0f} |")
PY
echo "(raw JMH output in $out)"
