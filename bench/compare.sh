#!/usr/bin/env bash
# backprop side by side with its anchors and peers on this machine.
#
#   bench/compare.sh [ROUNDS]     ROUNDS alternating rounds (default 3), medians
#   bench/compare.sh --smoke      one round on tiny sizes and generated data: checks
#                                 that every script runs and the table is complete
#
# Each round runs, one after another (never two at once), and in this order:
#   backprop   `backprop bench --json` (GEMM, W1, W4, W5) with GOMAXPROCS=2, then
#              its W1 again with GOMAXPROCS=1 (the core-scaling row)
#   OpenBLAS   bench/anchors/openblas_gemm.py on 2 threads, then on 1
#   PyTorch    bench/anchors/torch_mlp.py: W1, W4, W5 with 1 torch thread and 2
#              OpenBLAS threads (its fastest W1 here: 2 torch threads made a W1
#              epoch 9× slower), W5 again with 2 torch threads and 1 OpenBLAS
#              thread (each W5 figure keeps its faster setting)
#   Go peers   bench/peers (its own Go module): go-deep, gonum-mlp, gorgonia, born,
#              GoMLX on the same workloads
# so that every program sees the same noise; then bench/table.py takes each
# figure's median over the rounds and prints the table (ratios, goals, whether
# each goal is met, the CPU and the load average). Every raw result is kept in
# bench/out/<stamp>/, with a CPU profile of one more W1 epoch (w1-profile.txt:
# where the time goes). Needs (installs nothing itself):
#   apt-get install -y python3-torch python3-numpy dataset-fashion-mnist
# and Go (the peers' modules come from the Go module proxy on first build).
# DATA=DIR reads Fashion-MNIST from DIR instead of /usr/share/datasets/fashion-mnist.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=0
rounds=3
case "${1:-}" in
  --smoke) smoke=1; rounds=1 ;;
  "") ;;
  *[!0-9]* | 0) echo "usage: bench/compare.sh [ROUNDS] | --smoke" >&2; exit 2 ;;
  *) rounds=$1 ;;
esac

py=/usr/bin/python3
missing=()
command -v go >/dev/null || { echo "compare.sh: Go is not on PATH" >&2; exit 2; }
[ -x "$py" ] && "$py" -c 'import numpy' 2>/dev/null || missing+=(python3-numpy)
[ -x "$py" ] && "$py" -c 'import torch' 2>/dev/null || missing+=(python3-torch)
data=${DATA:-/usr/share/datasets/fashion-mnist}
if [ "$smoke" = 0 ] && [ ! -e "$data/train-images-idx3-ubyte.gz" ] && [ ! -e "$data/train-images-idx3-ubyte" ]; then
  [ -n "${DATA:-}" ] && { echo "compare.sh: no Fashion-MNIST IDX files in DATA=$data" >&2; exit 2; }
  missing+=(dataset-fashion-mnist)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "compare.sh: missing ${missing[*]}; install them with:" >&2
  echo "  apt-get install -y ${missing[*]}" >&2
  exit 2
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
[ "$smoke" = 1 ] && stamp=smoke-$stamp
out=bench/out/$stamp
mkdir -p "$out"
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

log "building backprop and the peers into $out"
go build -o "$out/backprop" ./cmd/backprop
(cd bench/peers && CGO_ENABLED=0 go build -o "../../$out/peers" .)

# Sizes: the full workloads, or tiny ones on generated data for --smoke.
if [ "$smoke" = 1 ]; then
  data=$out/data
  "$py" bench/anchors/fmnist.py --fake "$data" --train 1280 --test 10000
  bp_args=(--epochs 1 --reps 1)
  gemm_args=(--min-time 0.01 --reps 1)
  torch_args=(--epochs 1 --w4-steps 200 --b1-rows 50)
  peer_args=(-reps 1 -w4-steps 200 -b1-rows 20 -gemm-n 128 -limit 640)
else
  bp_args=(--epochs 2)
  gemm_args=()
  torch_args=(--epochs 2 --w4-steps 5000)
  peer_args=()
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'avx|avx2|fma|avx512f|avx512bw|avx512vl|avx512_vnni' | tr '\n' ' ')
{
  echo "{\"cpu\": \"$cpu\", \"cpu_flags\": \"${flags% }\", \"nproc\": $(nproc), \"rounds\": $rounds, \"smoke\": $smoke,"
  echo " \"go\": \"$(go env GOVERSION)\", \"commit\": \"$(git rev-parse --short HEAD 2>/dev/null || echo unknown)\", \"data\": \"$data\"}"
} > "$out/machine.json"

# run NAME CMD...: runs one program, its stdout to $out/NAME, its stderr to
# $out/NAME.log; a failure is logged and the round goes on (the table then
# says which figure is missing).
run() {
  local name=$1; shift
  if ! "$@" > "$out/$name" 2> "$out/$name.log"; then
    log "FAILED: $name (see $out/$name.log)"
    tail -n 5 "$out/$name.log" >&2 || true
  fi
}

peers() { # peers R LIB WORKLOADS [ARGS...]
  local r=$1 lib=$2 wl=$3; shift 3
  # the smoke sizes come last, so they win over a library's own
  run "peers-$lib-$wl-$r.jsonl" env GOMAXPROCS=2 "$out/peers" -lib "$lib" -workload "$wl" -data "$data" "$@" ${peer_args[@]+"${peer_args[@]}"}
}

for r in $(seq 1 "$rounds"); do
  echo "round $r start $(date -u +%FT%TZ) loadavg $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/rounds.log"
  log "round $r/$rounds: backprop bench (GOMAXPROCS 2, then W1 on 1)"
  run "backprop-$r.json" env GOMAXPROCS=2 "$out/backprop" bench --json --data "$data" "${bp_args[@]}"
  run "backprop-p1-$r.json" env GOMAXPROCS=1 "$out/backprop" bench --json --only w1 --data "$data" "${bp_args[@]}"
  log "round $r/$rounds: OpenBLAS (2 threads, then 1)"
  run "openblas-t2-$r.json" "$py" bench/anchors/openblas_gemm.py --threads 2 ${gemm_args[@]+"${gemm_args[@]}"}
  run "openblas-t1-$r.json" "$py" bench/anchors/openblas_gemm.py --threads 1 ${gemm_args[@]+"${gemm_args[@]}"}
  log "round $r/$rounds: PyTorch (1 torch + 2 BLAS threads; W5 on 2 torch + 1 BLAS)"
  run "torch-t1-$r.jsonl" "$py" bench/anchors/torch_mlp.py --threads 1 --blas-threads 2 --data "$data" "${torch_args[@]}"
  run "torch-t2-$r.jsonl" "$py" bench/anchors/torch_mlp.py --threads 2 --blas-threads 1 --data "$data" --workloads w5 "${torch_args[@]}"
  log "round $r/$rounds: Go peers"
  # A round of the peers takes minutes at full size: W1 times part of an epoch
  # (-limit samples, scaled to 60,000; a full epoch takes go-deep and GoMLX
  # minutes), and the slow libraries time fewer W4 steps and W5 rows (the
  # figures are per step and per row). No batched inference in go-deep: its
  # batch 10,000 is a loop of Predict calls.
  peers "$r" godeep w1,w4,w5 -limit 1920 -b10k-rows 1000 -b1-rows 1000
  peers "$r" gonum-mlp w1,w4,w5,gemm -limit 12800
  peers "$r" gorgonia w1,w4,w5,gemm -limit 12800 -w4-steps 4000
  peers "$r" born w1,w4,w5,gemm -limit 6400 -w4-steps 4000 -b1-rows 200
  peers "$r" gomlx w1,w4,w5,gemm -limit 960 -w4-steps 2000 -b1-rows 200 -reps 2
  echo "round $r end   $(date -u +%FT%TZ) loadavg $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/rounds.log"
done

# Where W1's time goes: one more epoch under the CPU profiler, after the
# rounds so that it times nothing of theirs (the top list leaves out the
# samples of reading the data set).
log "a CPU profile of backprop's W1 (w1.pprof, w1-profile.txt)"
run w1-profile.json env GOMAXPROCS=2 "$out/backprop" bench --json --only w1 --epochs 1 --data "$data" --cpuprofile "$out/w1.pprof"
run w1-profile.txt go tool pprof -top -nodecount=30 -relative_percentages -ignore='data\.LoadIDX' "$out/backprop" "$out/w1.pprof"

check=()
[ "$smoke" = 1 ] && check=(--check)
"$py" bench/table.py "$out" ${check[@]+"${check[@]}"}
