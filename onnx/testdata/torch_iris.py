#!/usr/bin/python3
"""Writes torch_iris.onnx and torch_iris_expected.csv: a PyTorch classifier
of the iris set (data/embedded/iris.csv) exported to ONNX, and PyTorch's own
answers for every row of that CSV, which `backprop import` + `backprop
predict` must reproduce (cmd/backprop TestImportTorchClassifier).

The model is what a PyTorch user writes: the input standardisation inside
forward (exported as Sub and Div), two Linear layers with a ReLU between,
and logits out (nn.CrossEntropyLoss applies the softmax during training).

Run from the repository root: /usr/bin/python3 onnx/testdata/torch_iris.py
(torch 1.13, Debian's python3-torch).
"""
import csv

import torch
from torch import nn

torch.manual_seed(0)
with open("data/embedded/iris.csv") as f:
    rows = list(csv.reader(f))
header, rows = rows[0], rows[1:]
classes = ["setosa", "versicolor", "virginica"]
x = torch.tensor([[float(v) for v in r[:4]] for r in rows])
y = torch.tensor([classes.index(r[4]) for r in rows])


class Classifier(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)
        self.net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))

    def forward(self, x):
        return self.net((x - self.mean) / self.std)


model = Classifier(x.mean(0), x.std(0))
opt = torch.optim.Adam(model.parameters(), lr=0.02)
loss = nn.CrossEntropyLoss()
for _ in range(200):
    opt.zero_grad()
    loss(model(x), y).backward()
    opt.step()
model.eval()

torch.onnx.export(model, x[:1], "onnx/testdata/torch_iris.onnx", input_names=["input"],
                  output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                  opset_version=13)

with torch.no_grad():
    p = torch.softmax(model(x), dim=1)
with open("onnx/testdata/torch_iris_expected.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["id", "prediction"] + ["p_" + c for c in classes])
    for i, row in enumerate(p.tolist()):
        w.writerow([i + 1, classes[max(range(3), key=lambda k: row[k])]] + ["%.6f" % v for v in row])
