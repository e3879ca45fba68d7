#!/usr/bin/python3
"""The table of bench/compare.sh, from the raw results of one run.

  /usr/bin/python3 bench/table.py bench/out/<stamp> [--check]

Reads every round's results in the directory (backprop-R.json,
backprop-p1-R.json, openblas-t{1,2}-R.json, torch-t{1,2}-R.jsonl,
peers-*-R.jsonl, machine.json, rounds.log), takes each figure's median over
the rounds (with the range over rounds in brackets), and prints:

  - the goals of issue 15, one row each: backprop, the anchor, the ratio of
    the medians, the goal and whether it is met;
  - the Go peers beside backprop on the same workloads;
  - the machine: CPU, the features backprop's kernels use, the load average.

It writes the same text to table.md and the figures to summary.json in the
directory. --check exits 1 if any figure is missing (a program failed or
printed something else): the smoke run of compare.sh uses it.
"""
import json
import math
import os
import re
import statistics
import sys


def main():
    args = [a for a in sys.argv[1:] if a != "--check"]
    if len(args) != 1:
        sys.exit("usage: table.py OUTDIR [--check]")
    out, check = args[0], "--check" in sys.argv
    t = Table(out)
    text = t.render()
    print(text)
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump({"rows": t.rows, "peers": t.peer_rows, "missing": t.missing}, f, indent=1)
    if check and t.missing:
        sys.exit("table.py: missing figures: " + "; ".join(t.missing))


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def load_lines(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip().startswith("{")]
    except (OSError, ValueError):
        return []


def dig(d, *keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d if isinstance(d, (int, float)) and math.isfinite(d) else None


class Fig:
    """One figure's values over the rounds (None where a round lacks it)."""

    def __init__(self, values):
        self.values = [v for v in values if v is not None]

    @property
    def ok(self):
        return bool(self.values)

    @property
    def med(self):
        return statistics.median(self.values) if self.values else None

    def show(self, unit):
        if not self.values:
            return "—"
        s = num(self.med, unit)
        if len(self.values) > 1 and min(self.values) != max(self.values):
            s += " [%s–%s]" % (num(min(self.values), unit), num(max(self.values), unit))
        return s


def num(v, unit):
    if v is None:
        return "—"
    if unit == "/s":
        return "{:,.0f}".format(v) if v >= 100 else "%.1f" % v
    if unit == "s":
        return "%.3f" % v if v < 10 else "%.1f" % v
    if unit == "µs":
        return "%.3f" % v if v < 10 else "%.1f" % v if v < 1000 else "%.0f" % v
    if unit == "×":
        return "%.2f" % v
    if unit == "acc":
        return "%.4f" % v
    if unit == "n":
        return "%g" % v
    return "%.1f" % v  # GFLOP/s, MB


class Table:
    def __init__(self, out):
        self.out = out
        self.machine = load_json(os.path.join(out, "machine.json")) or {}
        self.nrounds = self.machine.get("rounds") or 1
        R = range(1, self.nrounds + 1)
        j = lambda name: [load_json(os.path.join(out, name % r)) for r in R]
        self.bp, self.bp1 = j("backprop-%d.json"), j("backprop-p1-%d.json")
        self.ob2, self.ob1 = j("openblas-t2-%d.json"), j("openblas-t1-%d.json")
        self.torch = {s: [by_workload(load_lines(os.path.join(out, "torch-%s-%d.jsonl" % (s, r)))) for r in R]
                      for s in ("t1", "t2")}
        self.peers = {}  # lib -> workload -> [record per round]
        for name in sorted(os.listdir(out)):
            m = re.fullmatch(r"peers-.*-(\d+)\.jsonl", name)
            if not m:
                continue
            for rec in load_lines(os.path.join(out, name)):
                rounds = self.peers.setdefault(rec.get("lib"), {}).setdefault(rec.get("workload"), [None] * self.nrounds)
                rounds[int(m.group(1)) - 1] = None if "error" in rec else rec
        self.rows, self.peer_rows, self.missing = [], [], []

    # -- figures ---------------------------------------------------------------

    def f(self, rounds, *keys):
        return Fig([dig(r, *keys) for r in rounds])

    def torch_best(self, workload, key, lower):
        """PyTorch's best thread setting for one figure: the setting whose
        median over the rounds is best."""
        best, label = Fig([]), None
        for s, name in (("t1", "1 torch + 2 BLAS threads"), ("t2", "2 torch + 1 BLAS thread")):
            fig = Fig([dig(r.get(workload), key) for r in self.torch[s]])
            if fig.ok and (not best.ok or (fig.med < best.med if lower else fig.med > best.med)):
                best, label = fig, name
        return best, label

    def peer(self, lib, workload, key):
        return Fig([dig(r, key) for r in self.peers.get(lib, {}).get(workload, [])])

    def scaling(self):
        """W1's speed-up from GOMAXPROCS 1 to 2, and OpenBLAS's from 1 to 2
        threads at 1024³, per round (both from the same round)."""
        bp, ob = [], []
        for b2, b1, o2, o1 in zip(self.bp, self.bp1, self.ob2, self.ob1):
            t2, t1 = dig(b2, "w1_steps_seconds"), dig(b1, "w1_steps_seconds")
            g2, g1 = dig(o2, "gflops", "1024x1024x1024"), dig(o1, "gflops", "1024x1024x1024")
            bp.append(t1 / t2 if t1 and t2 else None)
            ob.append(g2 / g1 if g1 and g2 else None)
        return Fig(bp), Fig(ob)

    # -- the table -------------------------------------------------------------

    def row(self, name, ours, theirs, anchor, unit, goal=None, lower=False, note="", judge=True):
        """goal: the ratio backprop/anchor must reach (≤ goal if lower, else ≥);
        judge=False leaves the goal unjudged (the run cannot tell)."""
        ratio = ours.med / theirs.med if ours.ok and theirs.ok and theirs.med else None
        met = None if goal is None or ratio is None or not judge else (ratio <= goal if lower else ratio >= goal)
        if not ours.ok:
            self.missing.append(name + ": backprop")
        if not theirs.ok:
            self.missing.append(name + ": " + anchor)
        self.rows.append({"figure": name, "unit": unit, "backprop": ours.med, "backprop_rounds": ours.values,
                          "anchor": anchor, "anchor_value": theirs.med, "anchor_rounds": theirs.values,
                          "ratio": ratio, "goal": goal, "lower_is_better": lower, "met": met, "note": note})
        goal_s = "—" if goal is None else ("≤ " if lower else "≥ ") + "%.2g×" % goal
        met_s = "—" if met is None else "**yes**" if met else "no"
        if not judge:
            met_s = "cannot tell"
        ratio_s = "—" if ratio is None else "%.2f×" % ratio if ratio >= 0.01 else "1/%.0f" % (1 / ratio)
        if goal is not None and ratio is not None and round(ratio, 2) == goal:
            ratio_s = "%.3f×" % ratio  # 0.60× would hide on which side of the goal it is
        return "| %s | %s | %s %s | %s | %s | %s |" % (name, ours.show(unit), anchor, theirs.show(unit), ratio_s, goal_s, met_s)

    def render(self):
        bp = self.bp
        L = []
        m = self.machine
        kernel = next((b.get("kernel") for b in bp if b), "?")
        n = self.nrounds
        L.append("backprop vs anchors and Go peers: %d alternating round%s, medians [range over rounds]%s"
                 % (n, "" if n == 1 else "s", " — SMOKE RUN: tiny sizes, generated data; not a measurement" if m.get("smoke") else ""))
        L.append("")
        L.append("| figure | backprop | anchor (same rounds) | ratio | goal | met |")
        L.append("|---|---|---|---|---|---|")
        L.append(self.row("GEMM f32 1024³ (GFLOP/s)", self.f(bp, "gemm_gflops", "1024x1024x1024"),
                          self.f(self.ob2, "gflops", "1024x1024x1024"), "OpenBLAS", "GFLOP/s", 1.0))
        w1t, w1s = self.torch_best("w1", "epoch_seconds", True)
        # Like for like: the anchor times a shuffle and the steps of an epoch;
        # so does w1_steps_seconds. train.Train's epoch also computes the loss
        # over the whole training set, to decide which state to keep: its own
        # row, with no anchor doing that work.
        L.append(self.row("W1 epoch, the steps (784-256-128-10 ReLU, SGD, b64; s)", self.f(bp, "w1_steps_seconds"), w1t,
                          "PyTorch", "s", 0.6, lower=True, note=w1s or ""))
        L.append(self.row("W1 epoch as train runs it (steps + a loss pass over the training set; s)", self.f(bp, "w1_epoch_seconds"), w1t,
                          "PyTorch (steps only)", "s"))
        # Like for like: go-deep's online trainer computes no loss (Forward,
        # Gradient, Step); PyTorch's step computes it (Forward, Backward, Step).
        L.append(self.row("W4 step (2-3-2-1 sigmoid, batch 1; µs)", self.f(bp, "w4_us_per_step"),
                          self.peer("godeep", "w4", "us_per_step"), "go-deep", "µs", 0.7, lower=True))
        tw4 = Fig([dig(r.get("w4"), "us_per_step") for r in self.torch["t1"]])
        L.append(self.row("W4 step with its loss, vs PyTorch (µs)", self.f(bp, "w4_loss_us_per_step"), tw4, "PyTorch", "µs", lower=True))
        w5bt, w5bs = self.torch_best("w5", "batch_10000_samples_per_s", False)
        L.append(self.row("W5 inference, batch 10,000 (samples/s)", self.f(bp, "w5_samples_per_s", "batch_10000"), w5bt,
                          "PyTorch", "/s", 1.1, note=w5bs or ""))
        w51t, w51s = self.torch_best("w5", "batch_1_samples_per_s", False)
        L.append(self.row("W5 inference, batch 1 (samples/s)", self.f(bp, "w5_samples_per_s", "batch_1"), w51t,
                          "PyTorch", "/s", 4.0, note=w51s or ""))
        sb, so = self.scaling()
        # A second thread helps only if a second core is free: where OpenBLAS's
        # own sgemm gains less than 1.2× from it, the run cannot judge scaling.
        free = so.ok and so.med >= 1.2
        L.append(self.row("W1 speed-up GOMAXPROCS 1 → 2 vs OpenBLAS sgemm 1 → 2 threads (×)", sb, so,
                          "OpenBLAS", "×", 0.9, judge=free))
        for s, what in (("64x784x256", "W1 forward"), ("256x64x784", "W1 ∂E/∂W"), ("64x256x784", "W1 delta rule")):
            L.append(self.row("GEMM f32 %s (%s; GFLOP/s)" % (s.replace("x", "×"), what), self.f(bp, "gemm_gflops", s),
                              self.f(self.ob2, "gflops", s), "OpenBLAS", "GFLOP/s", 0.7))
        L.append("")
        acc_t = Fig([dig(r.get("w1"), "test_accuracy") for r in self.torch["t1"]])
        L.append("W1 test accuracy after %s epoch(s): backprop %s, PyTorch %s (one seed each; a check, not a score)."
                 % (next((b.get("w1_epochs") for b in bp if b), "?"), self.f(bp, "w1_test_accuracy").show("acc"),
                    acc_t.show("acc")))
        allocs = self.f(bp, "allocs_per_w1_step"), self.f(bp, "allocs_per_w4_step")
        heap = self.f(bp, "w1_peak_heap_mb")
        tset = next((b.get("w1_train_set_bytes") for b in bp if b), 0) / 1e6
        L.append("Allocations per training step: W1 %s, W4 %s (goal 0). W1 peak heap %s MB for a %.0f MB float32 training set."
                 % (allocs[0].show("n"), allocs[1].show("n"), heap.show("MB"), tset))
        if so.ok and not free:
            L.append("Core scaling: OpenBLAS's sgemm gained only %.2f× from its second thread, so no second core was "
                     "free for this run (see the load average below); the scaling row needs a quieter machine." % so.med)
        for label, s in (("W1", w1s), ("W5 batch 10,000", w5bs), ("W5 batch 1", w51s)):
            if s:
                L.append("PyTorch's best setting for %s: %s." % (label, s))
        L.append("")
        L += self.render_peers()
        L.append("")
        L += self.render_machine(kernel)
        prof = os.path.join(self.out, "w1-profile.txt")
        if os.path.exists(prof) and os.path.getsize(prof) > 0:
            L.append("Where W1's time goes: %s (go tool pprof -top of one more epoch)." % prof)
        return "\n".join(L)

    def render_peers(self):
        cols = [("W1 s/epoch (steps)", "w1", "epoch_seconds", "s", "w1_steps_seconds"),
                ("W1 test acc", "w1", "test_accuracy", "acc", "w1_test_accuracy"),
                ("W4 µs/step", "w4", "us_per_step", "µs", "w4_us_per_step"),
                ("W5 b10,000 samples/s", "w5", "batch_10000_samples_per_s", "/s", ("w5_samples_per_s", "batch_10000")),
                ("W5 b1 samples/s", "w5", "batch_1_samples_per_s", "/s", ("w5_samples_per_s", "batch_1")),
                ("GEMM f32 1024³ GFLOP/s", "gemm", "gflops", "GFLOP/s", ("gemm_gflops", "1024x1024x1024"))]
        L = ["Go peers, same rounds (GOMAXPROCS 2; medians):", "",
             "| library | " + " | ".join(c[0] for c in cols) + " |", "|---" * (len(cols) + 1) + "|"]
        cells = []
        for c in cols:
            keys = c[4] if isinstance(c[4], tuple) else (c[4],)
            cells.append(self.f(self.bp, *keys).show(c[3]))
        L.append("| **backprop** | " + " | ".join(cells) + " |")
        expect = {"godeep": ("w1", "w4", "w5"), "gonum-mlp": ("w1", "w4", "w5", "gemm"), "gorgonia": ("w1", "w4", "w5", "gemm"),
                  "born": ("w1", "w4", "w5", "gemm"), "gomlx": ("w1", "w4", "w5", "gemm")}
        versions = []
        for lib, wls in expect.items():
            recs = self.peers.get(lib, {})
            version = next((r.get("version") for w in recs.values() for r in w if r), lib)
            cells, row = [], {"lib": lib, "version": version}
            for c in cols:
                if c[1] not in wls:
                    cells.append("—")
                    continue
                fig = self.peer(lib, c[1], c[2])
                if not fig.ok:
                    self.missing.append("peers: %s %s" % (lib, c[1]))
                s = fig.show(c[3])
                if c[1] == "w1" and any(r and r.get("extrapolated") for r in recs.get("w1", [])):
                    timed = next(r.get("samples_timed") for r in recs["w1"] if r)
                    s += " (%s samples%s)" % ("{:,}".format(timed), ", scaled" if c[2] == "epoch_seconds" else "")
                cells.append(s)
                row[c[0]] = fig.med
            self.peer_rows.append(row)
            L.append("| %s | %s |" % (lib, " | ".join(cells)))
            versions.append(version)
        L.append("")
        L.append("Versions: " + "; ".join(versions) + ". go-deep has no batched inference (batch 10,000 is a loop of "
                 "Predict calls); gonum-mlp is a float64 MLP written on gonum/mat for this harness; W1 rows marked "
                 "\"scaled\" time fewer samples and scale the time to 60,000.")
        return L

    def render_machine(self, kernel):
        m = self.machine
        ob = next((o for o in self.ob2 if o), {}) or {}
        tv = next((r.get("info", {}).get("torch") for r in self.torch["t1"] if r), None)
        L = ["Machine: %s, %s CPUs, CPU flags %s; backprop's kernel: %s; %s; commit %s."
             % (m.get("cpu", "?"), m.get("nproc", "?"), m.get("cpu_flags", "?"), kernel, m.get("go", "?"), m.get("commit", "?")),
             "Anchors: %s via numpy %s; PyTorch %s. Data: %s."
             % (ob.get("openblas_config") or "OpenBLAS", ob.get("numpy", "?"), tv or "?", m.get("data", "?"))]
        try:
            with open(os.path.join(self.out, "rounds.log")) as f:
                loads = [line.split("loadavg")[1].split()[0] for line in f if "loadavg" in line]
            L.append("Load average (1 min) at each round's start and end: " + ", ".join(loads) + ".")
        except (OSError, IndexError):
            pass
        return L


def by_workload(lines):
    d = {}
    for rec in lines:
        d[rec.get("workload", "info")] = rec
    return d


if __name__ == "__main__":
    main()
