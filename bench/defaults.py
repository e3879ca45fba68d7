#!/usr/bin/python3
"""Default flags, side by side: backprop train against scikit-learn's
MLPClassifier / MLPRegressor defaults (after a StandardScaler), on the same
training and test rows, for every embedded set and several seeds.

    /usr/bin/python3 bench/defaults.py [--seeds 1,2,3,4,5] [--sets iris,...] [--flags "..."]

Needs: apt-get install -y python3-sklearn (Go builds backprop).

For each set and seed S, the rows are split once, 80% to train and 20% to
test (scikit-learn's train_test_split, random_state=S, stratified by class
for classification), into two CSV files. backprop trains on the first with
its defaults, `backprop train --data train.csv --test test.csv --seed S`,
and prints its figure on the second; scikit-learn is fitted on the same
training rows (random_state=S), scaled by a StandardScaler fitted on them,
and scored on the same test rows: accuracy for classes, R² for numbers.
Neither sees a test row while training. The table gives the mean and the
range (min–max) over the seeds.
"""
import argparse, csv, os, platform, re, statistics, subprocess, sys, tempfile, warnings

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETS = ["iris", "wine", "breast_cancer", "digits", "diabetes"]
REGRESSION = {"diabetes"}


def read_set(name):
    with open(os.path.join(ROOT, "data", "embedded", name + ".csv")) as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], [r for r in rows[1:] if r]
    return header, rows


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def split(name, rows, seed):
    """The training and test rows of one seed."""
    y = [r[-1] for r in rows]
    idx = np.arange(len(rows))
    tr, te = train_test_split(idx, test_size=0.2, random_state=seed,
                              stratify=None if name in REGRESSION else y)
    return [rows[i] for i in tr], [rows[i] for i in te]


def backprop(binary, tmp, name, header, tr, te, seed, flags):
    """backprop's test figure: (metric, value, the run's output)."""
    ftr, fte = os.path.join(tmp, f"{name}-{seed}-train.csv"), os.path.join(tmp, f"{name}-{seed}-test.csv")
    write_csv(ftr, header, tr)
    write_csv(fte, header, te)
    args = ["train", "--data", ftr, "--test", fte, "--seed", str(seed), "--out", os.path.join(tmp, "model.json"), *flags]
    p = subprocess.run([binary, *args], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"backprop {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    m = re.search(r"^test \(\d+ examples\): .*?(accuracy|R²) (-?[0-9.]+)", p.stdout, re.M)
    if not m:
        sys.exit(f"no test figure in:\n{p.stdout}")
    return m.group(1), float(m.group(2)), p.stdout + p.stderr


def sklearn(name, tr, te, seed):
    """scikit-learn's defaults on the same rows."""
    Xtr = np.array([[float(v) for v in r[:-1]] for r in tr])
    Xte = np.array([[float(v) for v in r[:-1]] for r in te])
    sc = StandardScaler().fit(Xtr)
    Xtr, Xte = sc.transform(Xtr), sc.transform(Xte)
    if name in REGRESSION:
        # The target standardised too, as backprop does (MLPRegressor on
        # diabetes' raw target, mean 152, stops far from a fit).
        ytr, yte = np.array([float(r[-1]) for r in tr]), np.array([float(r[-1]) for r in te])
        reg = TransformedTargetRegressor(MLPRegressor(random_state=seed), transformer=StandardScaler()).fit(Xtr, ytr)
        return r2_score(yte, reg.predict(Xte))
    clf = MLPClassifier(random_state=seed).fit(Xtr, [r[-1] for r in tr])
    return accuracy_score([r[-1] for r in te], clf.predict(Xte))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--flags", default="", help="more backprop train flags (to try other settings against the same baseline)")
    ap.add_argument("--verbose", action="store_true", help="print each backprop run's output")
    a = ap.parse_args()
    seeds = [int(s) for s in a.seeds.split(",")]
    tmp = tempfile.mkdtemp(prefix="bp-defaults-")
    binary = os.path.join(tmp, "backprop")
    subprocess.run(["go", "build", "-o", binary, "./cmd/backprop"], cwd=ROOT, check=True)
    warnings.simplefilter("ignore", ConvergenceWarning)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    print(f"machine: {cpu}, {os.cpu_count()} CPUs")
    flags = f" {a.flags}" if a.flags else ""
    print(f"seeds {a.seeds}; 80% train / 20% test (train_test_split, random_state=S, stratified for classes); "
          f"backprop: `backprop train --data train.csv --test test.csv --seed S{flags}`; "
          "scikit-learn: StandardScaler + MLPClassifier(random_state=S), or MLPRegressor(random_state=S) with the target standardised too\n")
    print("| set | metric | backprop mean (range) | scikit-learn mean (range) | difference |")
    print("|---|---|---|---|---|")
    for name in a.sets.split(","):
        header, rows = read_set(name)
        ours, theirs = [], []
        for s in seeds:
            tr, te = split(name, rows, s)
            metric, fig, out = backprop(binary, tmp, name, header, tr, te, s, a.flags.split())
            if a.verbose:
                print(out, file=sys.stderr)
            ours.append(fig)
            theirs.append(sklearn(name, tr, te, s))
        fmt = lambda v: f"{statistics.mean(v):.4f} ({min(v):.4f}–{max(v):.4f})"
        print(f"| {name} | {metric} | {fmt(ours)} | {fmt(theirs)} | {statistics.mean(ours) - statistics.mean(theirs):+.4f} |",
              flush=True)


if __name__ == "__main__":
    main()
