#!/usr/bin/env bash
# Side-by-side speed of backprop and the anchors (PyTorch, OpenBLAS via numpy) on
# this machine, alternating A B A B so both see the same noise, and the ratios
# of the medians.
#
#   bench/compare.sh [ROUNDS]        (default 3 rounds)
#
# Needs: apt-get install -y python3-torch python3-numpy dataset-fashion-mnist
# Writes every raw result to bench/out/<stamp>/ and prints the table.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
anchors=${ANCHORS:-../shared/bench/anchors}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=bench/out/$stamp
mkdir -p "$out"
export OPENBLAS_NUM_THREADS=2
go build -o "$out/backprop" ./cmd/backprop

for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds: backprop bench" >&2
  "$out/backprop" bench --json --epochs 2 > "$out/backprop-$r.json"
  echo "round $r/$rounds: peak_gemm.py" >&2
  /usr/bin/python3 "$anchors/peak_gemm.py" --threads 2 > "$out/gemm-$r.json"
  echo "round $r/$rounds: torch_mlp.py (w1 2 epochs, w4, w5)" >&2
  /usr/bin/python3 "$anchors/torch_mlp.py" --epochs 2 --workloads w1,w4,w5 > "$out/torch-$r.jsonl"
done

/usr/bin/python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def med(xs): return statistics.median(xs)
bp = [json.load(open(f"{out}/backprop-{r}.json")) for r in range(1, rounds + 1)]
gm = [json.load(open(f"{out}/gemm-{r}.json")) for r in range(1, rounds + 1)]
tw = []
for r in range(1, rounds + 1):
    d = {}
    for line in open(f"{out}/torch-{r}.jsonl"):
        j = json.loads(line)
        d[j.get("workload", "info")] = j
    tw.append(d)
rows = []
def row(name, ours, theirs, unit, better):
    ratio = ours / theirs if theirs else float("nan")
    rows.append((name, ours, theirs, unit, ratio, better))
row("GEMM f32 1024³ (GFLOP/s) vs OpenBLAS", med([b["gemm_gflops"]["1024x1024x1024"] for b in bp]), med([g["numpy_float32_1024"] for g in gm]), "GFLOP/s", "higher")
for s in ("64x784x256", "256x64x784", "64x256x784"):
    row(f"GEMM f32 {s} vs OpenBLAS", med([b["gemm_gflops"][s] for b in bp]), med([g[f"numpy_float32_{s}"] for g in gm]), "GFLOP/s", "higher")
row("W1 epoch (s) vs PyTorch", med([b["w1_epoch_seconds"] for b in bp]), med([t["w1-relu-sgd0.1-b64"]["sec_per_epoch_median"] for t in tw]), "s", "lower")
row("W4 step (µs) vs PyTorch", med([b["w4_us_per_step"] for b in bp]), med([t["w4-xor-2-3-2-1-sgd"]["us_per_step"] for t in tw]), "µs", "lower")
row("W5 batch 10,000 (samples/s) vs PyTorch", med([b["w5_samples_per_s"]["batch_10000"] for b in bp]), med([t["w5-inference-784-256-128-10"]["batch_10000_samples_per_s"] for t in tw]), "samples/s", "higher")
row("W5 batch 1 (samples/s) vs PyTorch", med([b["w5_samples_per_s"]["batch_1"] for b in bp]), med([t["w5-inference-784-256-128-10"]["batch_1_samples_per_s"] for t in tw]), "samples/s", "higher")
print(f"backprop vs anchors, {rounds} alternating rounds, medians ({out})")
print(f"{'figure':44} {'backprop':>12} {'anchor':>12}  ratio")
for name, ours, theirs, unit, ratio, better in rows:
    print(f"{name:44} {ours:12.4g} {theirs:12.4g}  {ratio:.2f}× ({better} is better)")
print(f"allocations per W1 step: {med([b['allocs_per_w1_step'] for b in bp])}; per W4 step: {med([b['allocs_per_w4_step'] for b in bp])}")
print(f"W1 peak heap: {med([b['w1_peak_heap_mb'] for b in bp])} MB for a {bp[0]['w1_train_set_bytes']/1e6:.0f} MB float32 training set")
json.dump({"rows": [dict(zip(("figure","backprop","anchor","unit","ratio","better"), r)) for r in rows]}, open(f"{out}/summary.json", "w"), indent=1)
PY
