#!/usr/bin/python3
"""OpenBLAS sgemm through numpy: the GEMM anchor of bench/compare.sh.

  /usr/bin/python3 bench/anchors/openblas_gemm.py [--threads 2] [--min-time 0.2] [--reps 3]

Prints one JSON object: GFLOP/s (2·m·k·n / seconds) of float32 products
C = A·B with A m×k and B k×n, for the square 1024³ product and the three
products of one W1 training step (batch 64, 784-256-128-10), named m×k×n as
`backprop bench --json` names them:

  64x784x256   forward of layer 1 (64 rows of 784 inputs, 256 units)
  256x64x784   ∂E/∂W of layer 1 (Δᵀ·A: 256 units × 64 rows × 784 inputs)
  64x256x784   the delta rule through layer 1's weights (Δ·W)

Each figure is the median of --reps timings, each timing repeating the product
for at least --min-time seconds. OpenBLAS runs on --threads threads: the
script sets OPENBLAS_NUM_THREADS before numpy loads OpenBLAS (and checks, via
openblas_get_num_threads, that the library took it). Run it with --threads 1
and --threads 2 for OpenBLAS's own gain from a second thread.
"""
import argparse
import ctypes
import json
import os
import statistics
import sys
import time

SHAPES = [(1024, 1024, 1024), (64, 784, 256), (256, 64, 784), (64, 256, 784)]


def blas_library():
    """The BLAS shared library numpy loaded (read from /proc/self/maps)."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
    except OSError:
        return None
    libs = sorted(p for p in paths if ".so" in p and "numpy" not in p and "_multiarray" not in p)
    return libs[0] if libs else None


def openblas_info(lib):
    """(config string, threads) of the loaded OpenBLAS, or (None, None)."""
    if not lib:
        return None, None
    try:
        so = ctypes.CDLL(lib)
        so.openblas_get_config.restype = ctypes.c_char_p
        return so.openblas_get_config().decode(), so.openblas_get_num_threads()
    except (OSError, AttributeError):
        return None, None


def gflops(np, m, k, n, min_time, reps, rng):
    a = rng.random((m, k), dtype=np.float32)
    b = rng.random((k, n), dtype=np.float32)
    c = a @ b  # warm-up; and a check that this is a real product
    i, j = m // 2, n // 3
    want = float(np.dot(a[i, :].astype(np.float64), b[:, j].astype(np.float64)))
    if abs(float(c[i, j]) - want) > 1e-3 * max(1.0, abs(want)):
        sys.exit("openblas_gemm.py: %dx%dx%d: C[%d,%d] = %g, want %g" % (m, k, n, i, j, c[i, j], want))
    t0 = time.perf_counter()
    np.matmul(a, b, out=c)
    inner = max(1, int(min_time / max(time.perf_counter() - t0, 1e-7)))
    rates = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            np.matmul(a, b, out=c)
        rates.append(2.0 * m * k * n * inner / (time.perf_counter() - t0) / 1e9)
    return round(statistics.median(rates), 1)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=2, help="OpenBLAS threads (OPENBLAS_NUM_THREADS)")
    p.add_argument("--min-time", type=float, default=0.2, help="seconds each timing lasts at least")
    p.add_argument("--reps", type=int, default=3, help="timings per product (the median is reported)")
    a = p.parse_args()
    os.environ["OPENBLAS_NUM_THREADS"] = str(a.threads)  # before numpy loads OpenBLAS
    import numpy as np

    lib = blas_library()
    config, threads = openblas_info(lib)
    if threads is not None and threads != a.threads:
        sys.exit("openblas_gemm.py: asked for %d OpenBLAS threads, the library runs %d" % (a.threads, threads))
    rng = np.random.default_rng(1)
    out = {"anchor": "openblas", "threads": a.threads, "numpy": np.__version__, "blas_library": lib,
           "openblas_config": config, "gflops": {}}
    for m, k, n in SHAPES:
        out["gflops"]["%dx%dx%d" % (m, k, n)] = gflops(np, m, k, n, a.min_time, a.reps, rng)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
