"""Fashion-MNIST in the IDX format, for the anchor scripts.

load(dir) reads {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] (Debian's
dataset-fashion-mnist puts them in /usr/share/datasets/fashion-mnist) and
returns the pixels scaled to [0, 1] as float32, one row per image, and the
labels as int64, as backprop and the Go peers read them.

  /usr/bin/python3 bench/anchors/fmnist.py --fake DIR [--train 1280] [--test 10000]

writes a small random set of the same format and shape (784 pixels, labels
0-9, every class present) for the smoke run of bench/compare.sh.
"""
import argparse
import gzip
import os

import numpy as np

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"


def _read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    if magic >> 8 != 0x08:
        raise ValueError("%s: not an IDX file of unsigned bytes (magic %#x)" % (path, magic))
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _path(d, name):
    p = os.path.join(d, name)
    return p + ".gz" if os.path.exists(p + ".gz") else p


def load(d=DEFAULT_DIR):
    """Returns (Xtrain float32 [n,784] in [0,1], ytrain int64, Xtest, ytest)."""
    def split(prefix):
        x = _read(_path(d, prefix + "-images-idx3-ubyte"))
        y = _read(_path(d, prefix + "-labels-idx1-ubyte")).astype(np.int64)
        return x.reshape(x.shape[0], -1).astype(np.float32) / 255.0, y
    xtr, ytr = split("train")
    xte, yte = split("t10k")
    return xtr, ytr, xte, yte


def write_fake(d, n_train, n_test, seed=1):
    """Writes random images (28×28) and labels (i mod 10) in the IDX format."""
    rng = np.random.default_rng(seed)
    os.makedirs(d, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        imgs = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        with gzip.open(os.path.join(d, prefix + "-images-idx3-ubyte.gz"), "wb", compresslevel=1) as f:
            f.write((0x0803).to_bytes(4, "big") + b"".join(v.to_bytes(4, "big") for v in (n, 28, 28)) + imgs.tobytes())
        with gzip.open(os.path.join(d, prefix + "-labels-idx1-ubyte.gz"), "wb", compresslevel=1) as f:
            f.write((0x0801).to_bytes(4, "big") + n.to_bytes(4, "big") + labels.tobytes())


if __name__ == "__main__":
    p = argparse.ArgumentParser(description="write a small random data set in Fashion-MNIST's IDX format")
    p.add_argument("--fake", required=True, metavar="DIR")
    p.add_argument("--train", type=int, default=1280)
    p.add_argument("--test", type=int, default=10000)
    a = p.parse_args()
    write_fake(a.fake, a.train, a.test)
