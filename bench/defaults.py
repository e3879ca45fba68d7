#!/usr/bin/python3
"""Default flags, side by side: backprop train against scikit-learn's
MLPClassifier / MLPRegressor defaults (after a StandardScaler), on the same
test rows, for every embedded set and five seeds.

    /usr/bin/python3 bench/defaults.py [--seeds 1,2,3,4,5] [--sets iris,...]

Needs: apt-get install -y python3-sklearn (Go builds backprop).

For each set and seed, `backprop train --data SET --seed S` runs with its
defaults (the test part is its default --test-split, stratified for
classes, drawn with the seed) and prints its test figure. `backprop predict
--split test` names the test rows; scikit-learn is fitted (random_state=S)
on every other row of the same CSV file, scaled by a StandardScaler fitted
on them, and scored on the test rows: accuracy for classes, R² for numbers.
The table gives the mean and the range (min–max) over the seeds.
"""
import argparse, csv, io, os, platform, re, statistics, subprocess, sys, tempfile, warnings

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETS = ["iris", "wine", "breast_cancer", "digits", "diabetes"]


def read_set(name):
    with open(os.path.join(ROOT, "data", "embedded", name + ".csv")) as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], [r for r in rows[1:] if r]
    X = np.array([[float(v) for v in r[:-1]] for r in rows])
    y = [r[-1] for r in rows]
    return header, X, y


def run(binary, *args):
    p = subprocess.run([binary, *args], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"backprop {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--flags", default="", help="more backprop train flags (to try other settings against the same baseline)")
    a = ap.parse_args()
    seeds = [int(s) for s in a.seeds.split(",")]
    tmp = tempfile.mkdtemp(prefix="bp-defaults-")
    binary = os.path.join(tmp, "backprop")
    subprocess.run(["go", "build", "-o", binary, "./cmd/backprop"], cwd=ROOT, check=True)
    warnings.simplefilter("ignore", ConvergenceWarning)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    print(f"machine: {cpu}, {os.cpu_count()} CPUs")
    print(f"seeds {a.seeds}; backprop: `backprop train --data SET --seed S {a.flags}` (its defaults); "
          "scikit-learn: StandardScaler + MLPClassifier(random_state=S), or MLPRegressor(random_state=S) with the target standardised too, "
          "fitted on every other row; the same test rows\n")
    print("| set | metric | backprop mean (range) | scikit-learn mean (range) | difference |")
    print("|---|---|---|---|---|")
    for name in a.sets.split(","):
        header, X, y = read_set(name)
        ours, theirs = [], []
        for s in seeds:
            model = os.path.join(tmp, f"{name}-{s}.json")
            out = run(binary, "train", "--data", name, "--seed", str(s), "--out", model, *a.flags.split())
            m = re.search(r"^test \(\d+ examples\): .*?(accuracy|R²) (-?[0-9.]+)", out, re.M)
            if not m:
                sys.exit(f"no test figure in:\n{out}")
            metric, fig = m.group(1), float(m.group(2))
            ours.append(fig)
            pred = run(binary, "predict", "--model", model, "--data", name, "--split", "test")
            test = sorted(int(r["id"]) - 1 for r in csv.DictReader(io.StringIO(pred)))
            mask = np.zeros(len(y), bool)
            mask[test] = True
            sc = StandardScaler().fit(X[~mask])
            Xtr, Xte = sc.transform(X[~mask]), sc.transform(X[mask])
            ytr = [v for v, t in zip(y, mask) if not t]
            yte = [v for v, t in zip(y, mask) if t]
            if metric == "accuracy":
                clf = MLPClassifier(random_state=s).fit(Xtr, ytr)
                theirs.append(accuracy_score(yte, clf.predict(Xte)))
            else:
                # The target standardised too, as backprop does (MLPRegressor
                # on diabetes' raw target, mean 152, stops far from a fit).
                reg = TransformedTargetRegressor(MLPRegressor(random_state=s), transformer=StandardScaler())
                reg.fit(Xtr, np.array(ytr, float))
                theirs.append(r2_score(np.array(yte, float), reg.predict(Xte)))
        fmt = lambda v: f"{statistics.mean(v):.4f} ({min(v):.4f}–{max(v):.4f})"
        print(f"| {name} | {metric} | {fmt(ours)} | {fmt(theirs)} | {statistics.mean(ours) - statistics.mean(theirs):+.4f} |",
              flush=True)


if __name__ == "__main__":
    main()
