// The playground's engine in the browser: this Web Worker loads the Go
// engine compiled to WebAssembly (backprop.wasm.gz, serve/wasm) and answers
// the page's API requests with it, as `backprop serve` would: the same Go
// code (sessions, trainer, explain.Step) runs here, off the page's thread.
//
// Messages in: {id, method, target, body}; out: {id, status, text} or
// {id, error} (the engine could not be loaded).
'use strict';

importScripts('wasm_exec.js');

// load fetches the engine, inflates it (a static host may already have, if
// it sent the file with Content-Encoding: gzip) and starts it.
async function load() {
  if (typeof WebAssembly !== 'object') throw new Error('this browser has no WebAssembly');
  const r = await fetch('backprop.wasm.gz');
  if (!r.ok) throw new Error(`backprop.wasm.gz: ${r.status} ${r.statusText}`);
  let bytes = new Uint8Array(await r.arrayBuffer());
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const inflated = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    bytes = new Uint8Array(await new Response(inflated).arrayBuffer());
  }
  const go = new Go();
  const { instance } = await WebAssembly.instantiate(bytes, go.importObject);
  go.run(instance); // runs main until it waits for calls: backpropCall is set
  if (typeof backpropCall !== 'function') throw new Error('the engine did not start');
}

const ready = load();

onmessage = async (ev) => {
  const { id, method, target, body } = ev.data;
  try {
    await ready;
    const [status, text] = backpropCall(method, target, body);
    postMessage({ id, status, text });
  } catch (e) {
    postMessage({ id, error: String(e && e.message || e) });
  }
};
