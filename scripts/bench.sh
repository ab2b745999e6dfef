#!/usr/bin/env bash
# The benchmarks, on a fresh machine (BENCHMARKS.md has the method and the
# results): release build, then
#   - benches/peak.rs: one in-process plan of generated estates of 1,000
#     and 10,000 resources (parse + evaluate + check, graph, diff), with
#     the peak resident memory;
#   - benches/pipeline.rs: the same stages under criterion at 100, 1,000
#     and 10,000 resources (skipped with QUICK=1);
#   - benches/wall.rs: whole runs of the release `mdl` against moto_server
#     through a proxy adding LATENCY_MS (default 50) to every call:
#     requests of a no-op plan of examples/prod.moodle, its apply against
#     the critical path, no-op plans of a 1,000-resource estate read
#     four ways, and of 22 production estates in one stack (1,012
#     resources), each live (moto_server answers every call; its CPU
#     time per plan is printed) and replayed (the proxy answers each
#     call as moto_server did, after the latency, so the emulator's own
#     time is left out). RUNS=N repeats each timed run (default 5);
#     QUICK=1 also leaves out the per-resource plan at parallelism 1
#     (minutes).
# The first release build of the AWS SDK crates takes about 25 minutes on
# 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

MDL_MOTO_SERVER="$(scripts/moto-env.sh)"
export MDL_MOTO_SERVER

echo "== host: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(rustc --version)"
cargo bench --locked --bench peak
if [ -z "${QUICK:-}" ]; then
  cargo bench --locked --bench pipeline -- --warm-up-time 1 --measurement-time 3
fi
cargo bench --locked --bench wall
