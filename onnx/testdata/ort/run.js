// run.js runs ONNX models in onnxruntime (onnxruntime-node, CPU) for the Go
// tests of package onnx.
//
// stdin: a JSON array of jobs {"model": PATH, "x": [numbers], "rows": N, "cols": n_0}
// (null in x is NaN, a missing value);
// stdout: a JSON array of results, one per job, {"inputNames", "outputNames",
// "type", "dims", "output": [numbers]}, the first output of the model, its
// float32 values written exactly ("NaN", "Infinity" and "-Infinity" as
// strings, which JSON numbers cannot be).
//
// Install once, in this directory (the post-install step would fetch GPU files
// only; the CPU library ships in the package):
//
//	ONNXRUNTIME_NODE_INSTALL=skip npm ci
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const jobs = JSON.parse(fs.readFileSync(0, 'utf8'));
  const results = [];
  for (const job of jobs) {
    const session = await ort.InferenceSession.create(job.model);
    const feeds = {};
    feeds[session.inputNames[0]] = new ort.Tensor('float32', Float32Array.from(job.x, (v) => (v === null ? NaN : v)), [job.rows, job.cols]);
    const out = await session.run(feeds);
    const o = out[session.outputNames[0]];
    results.push({
      inputNames: session.inputNames,
      outputNames: session.outputNames,
      type: o.type,
      dims: o.dims,
      output: Array.from(o.data, (v) => (Number.isFinite(v) ? v : String(v))),
    });
    await session.release();
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((e) => {
  process.stderr.write(String(e && e.message ? e.message : e) + '\n');
  process.exit(1);
});
