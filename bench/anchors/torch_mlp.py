#!/usr/bin/python3
"""PyTorch CPU anchor of bench/compare.sh: W1 training, W4 steps, W5 inference.

  /usr/bin/python3 bench/anchors/torch_mlp.py [--threads 1] [--blas-threads 2] [--epochs 2]
      [--workloads w1,w4,w5] [--data DIR] [--w4-steps 20000] [--b1-rows 2000]

Prints one JSON object per workload (first a line naming the versions and
threads). Workloads, as `backprop bench` and the Go peers run them:

  w1  784-256-128-10, ReLU hidden, softmax + cross-entropy (on the logits),
      plain SGD α = 0.1 on the batch-mean gradient, batch 64, the training
      set shuffled each epoch. Seconds per epoch (median over --epochs), the
      gathering of each batch's rows included; test accuracy after the epochs.
  w4  2-3-2-1 sigmoid, log loss (BCE), SGD α = 0.5, batch 1 over the 4 XOR
      points, --w4-steps steps; µs per step (forward, backward, update).
  w5  inference of the W1 network (softmax left out, as argmax needs none)
      over the test images at batch 10,000 (median of 3 passes) and batch 1
      (--b1-rows rows, median of 3); samples per second.

Threads: --threads is torch's intra-op pool (torch.set_num_threads), and
--blas-threads OpenBLAS's (set before torch loads it); Debian's torch does its
matrix products in OpenBLAS. bench/compare.sh runs the settings
(1 torch, 2 BLAS) and (2 torch, 1 BLAS) and keeps each figure's best: with 2
and 2 the two pools compete for 2 cores and W1 runs several times slower.
"""
import argparse
import json
import os
import statistics
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=None, help="Fashion-MNIST IDX directory (default /usr/share/datasets/fashion-mnist)")
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    p.add_argument("--blas-threads", type=int, default=2, help="OpenBLAS threads")
    p.add_argument("--epochs", type=int, default=2, help="W1 epochs to time")
    p.add_argument("--workloads", default="w1,w4,w5")
    p.add_argument("--w4-steps", type=int, default=20000)
    p.add_argument("--b1-rows", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    os.environ["OPENBLAS_NUM_THREADS"] = str(a.blas_threads)  # before torch loads OpenBLAS
    import torch
    import fmnist

    torch.set_num_threads(a.threads)
    wl = set(a.workloads.split(","))
    if not wl <= {"w1", "w4", "w5"}:
        p.error("--workloads: want a list of w1, w4, w5")
    print(json.dumps({"anchor": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "blas_threads": a.blas_threads}), flush=True)
    if "w4" in wl:
        print(json.dumps(w4(torch, a.w4_steps, a.seed)), flush=True)
    if "w1" in wl or "w5" in wl:
        xtr, ytr, xte, yte = fmnist.load(a.data or fmnist.DEFAULT_DIR)
        X, y, Xt, yt = map(torch.from_numpy, (xtr, ytr, xte, yte))
        torch.manual_seed(a.seed)
        net = mlp(torch)
        if "w1" in wl:
            print(json.dumps(w1(torch, net, X, y, Xt, yt, a.epochs)), flush=True)
        if "w5" in wl:
            print(json.dumps(w5(torch, net, Xt, a.b1_rows)), flush=True)


def mlp(torch):
    nn = torch.nn
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def w1(torch, net, X, y, Xt, yt, epochs):
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    lossf = torch.nn.CrossEntropyLoss()
    n, batch = X.shape[0], 64
    times = []
    for _ in range(epochs):
        perm = torch.randperm(n)
        t0 = time.perf_counter()
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss = lossf(net(X[idx]), y[idx])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    with torch.no_grad():
        acc = (net(Xt).argmax(1) == yt).float().mean().item()
    med = statistics.median(times)
    return {"workload": "w1", "epochs": epochs, "samples": n, "epoch_seconds": round(med, 4),
            "epoch_seconds_all": [round(t, 4) for t in times], "samples_per_s": round(n / med),
            "test_accuracy": round(acc, 4)}


def w4(torch, steps, seed):
    nn = torch.nn
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    lossf = nn.BCELoss()
    X = torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
    Y = torch.tensor([[0.], [1.], [1.], [0.]])
    xs, ys = [X[i:i + 1] for i in range(4)], [Y[i:i + 1] for i in range(4)]
    t0 = time.perf_counter()
    for s in range(steps):
        i = s % 4
        opt.zero_grad(set_to_none=True)
        loss = lossf(net(xs[i]), ys[i])
        loss.backward()
        opt.step()
    dt = time.perf_counter() - t0
    with torch.no_grad():
        final = lossf(net(X), Y).item()
    return {"workload": "w4", "steps": steps, "us_per_step": round(1e6 * dt / steps, 3), "final_loss": round(final, 4)}


def w5(torch, net, Xt, b1_rows):
    out = {"workload": "w5"}
    with torch.no_grad():
        for b, rows in ((10000, Xt.shape[0]), (1, min(b1_rows, Xt.shape[0]))):
            b = min(b, rows)
            # Steady state: PyTorch's first passes run slower (its allocator
            # and OpenBLAS's threads warming up: over 15 passes in one process
            # batch 10,000 went from ~240k to ~330k samples/s), so five whole
            # passes are run untimed first, then the median of seven timed;
            # backprop bench times its W5 the same way.
            for _ in range(5):
                for i in range(0, rows - b + 1, b):
                    net(Xt[i:i + b])
            rates = []
            for _ in range(7):
                t0 = time.perf_counter()
                for i in range(0, rows - b + 1, b):
                    net(Xt[i:i + b])
                rates.append((rows // b) * b / (time.perf_counter() - t0))
            out["batch_%d_samples_per_s" % (10000 if b > 1 else 1)] = round(statistics.median(rates))
    return out


if __name__ == "__main__":
    main()
