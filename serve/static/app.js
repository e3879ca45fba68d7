// The playground's page: it keeps no model of its own. Every number comes
// from the JSON API of package serve — answered in the browser by the Go
// engine compiled to WebAssembly, in a Web Worker (worker.js), or by
// `backprop serve` (?engine=server, or when the engine cannot load). The
// session trains there, and step mode shows the trace of explain.Step, the
// numbers `backprop explain` prints.
'use strict';

const $ = (id) => document.getElementById(id);
const GRID = 50;        // cells per side of the output map
const NEURON_GRID = 16; // cells per side of each neuron's map
const QUERY = `?grid=${GRID}&neurons=${NEURON_GRID}`;

// engine is where the API is answered: 'browser' (the worker) or 'server'.
let engine = new URLSearchParams(location.search).get('engine') === 'server' ? 'server' : 'browser';
// one session per tab; the browser's engine starts empty with each page
let sid = engine === 'server' ? sessionStorage.getItem('backprop-session') : null;
let S = null;          // the last state
let data = null;       // {train, test}: rows of x1, x2, y
let playing = false;
let busy = false;      // a request that changes the session is on its way
let stepRes = null;    // the last step's answer
let chosen = null;     // {l, i}: the neuron whose delta rule is shown
let example = null;    // the example of the next step: {set, index} or {x, y}
let nodes = [];        // where the network's neurons are drawn, for clicks
let edges = [];        // the weights' curves, sampled: {l, i, j, w, pts}, for hovering
let hovered = null;    // {l, i}: the neuron whose map the output panel shows

// ---- the API --------------------------------------------------------------

let worker = null, workerError = null, callId = 0;
const calls = new Map(); // id → the resolve of a call in the worker

// workerCall sends a request to the engine in the worker: {status, text},
// or {error} if the engine could not start.
function workerCall(method, target, body) {
  if (!worker && !workerError) {
    worker = new Worker('worker.js');
    worker.onmessage = (ev) => {
      const done = calls.get(ev.data.id);
      calls.delete(ev.data.id);
      if (done) done(ev.data);
    };
    worker.onerror = (ev) => {
      ev.preventDefault();
      workerError = ev.message || 'the worker failed';
      for (const done of calls.values()) done({ error: workerError });
      calls.clear();
    };
  }
  if (workerError) return Promise.resolve({ error: workerError });
  return new Promise((done) => {
    const id = ++callId;
    calls.set(id, done);
    worker.postMessage({ id, method, target, body });
  });
}

async function api(method, path, body) {
  let status, j;
  if (engine === 'browser') {
    const r = await workerCall(method, path, body === undefined ? '' : JSON.stringify(body));
    if (r.error) {
      // no engine in this browser or this build: `backprop serve`'s, if there is one
      const server = await fetch('/api/limits').then((x) => x.ok, () => false);
      if (!server) throw new Error(`The playground's engine could not start: ${r.error}`);
      engine = 'server';
      console.warn(`the in-browser engine could not start (${r.error}): training runs on the server`);
      return api(method, path, body);
    }
    status = r.status;
    j = status === 204 ? null : JSON.parse(r.text);
  } else {
    const opt = { method, headers: {} };
    // every write is JSON: the server refuses other types (a page of another
    // site could send those without asking)
    if (method !== 'GET') opt.headers['Content-Type'] = 'application/json';
    if (body !== undefined) opt.body = JSON.stringify(body);
    const r = await fetch(path, opt);
    status = r.status;
    j = status === 204 ? null : await r.json();
  }
  if (status >= 400) {
    const e = new Error((j && j.error) || `status ${status}`);
    e.status = status;
    throw e;
  }
  return j;
}

// Changes are sent one at a time, in the order made (a change waits for the
// one before it), and each configuration change is numbered so that the
// server refuses an older one arriving late.
let queue = Promise.resolve();
let seq = Math.floor((performance.timeOrigin + performance.now()) * 1000); // rises across reloads
function serial(fn) {
  const p = queue.then(fn);
  queue = p.catch(() => {});
  return p;
}

// session calls the API of this tab's session, making a new one if the old
// one has expired; changes go one at a time.
function session(method, path, body, query = QUERY) {
  return method === 'GET' ? sessionNow(method, path, body, query) : serial(() => sessionNow(method, path, body, query));
}

async function sessionNow(method, path, body, query) {
  try {
    return await api(method, `/api/sessions/${sid}${path}${query}`, body);
  } catch (e) {
    if (e.status !== 404 || !/no session/.test(e.message)) throw e;
    const cfg = S ? S.config : undefined;
    await create(cfg);
    info('The old session had expired: a new one was started.');
    return await api(method, `/api/sessions/${sid}${path}${query}`, body);
  }
}

async function create(cfg) {
  const st = await api('POST', `/api/sessions${QUERY}&data=1`, cfg);
  sid = st.id;
  if (engine === 'server') sessionStorage.setItem('backprop-session', sid);
  show(st);
  return st;
}

// message shows text (kind: 'info', or an error); retry, if given, is a
// button's action.
function message(text, kind, retry) {
  const m = $('message');
  m.hidden = !text;
  m.textContent = text || '';
  m.className = 'message' + (kind ? ' ' + kind : '');
  if (retry) {
    const b = button('Retry', () => { message(''); retry(); });
    b.id = 'retry';
    m.append(' ', b);
  }
}
const info = (text) => message(text, 'info');
const oops = (e) => { message(e.message || String(e)); console.error(e); };

// ---- numbers, as explain writes them (Go's %.6g, no needless zeros) ----------

function num(v) {
  if (v === 0 || Object.is(v, -0)) return '0';
  if (!isFinite(v)) return String(v);
  const [mant, exp] = v.toExponential(5).split('e');
  const x = Number(exp);
  if (x < -4 || x >= 6) {
    const m = mant.includes('.') ? mant.replace(/\.?0+$/, '') : mant;
    return `${m}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
  }
  let s = v.toPrecision(6);
  if (s.includes('.')) s = s.replace(/\.?0+$/, '');
  return s;
}
const factor = (v) => (v < 0 ? `(${num(v)})` : num(v));
// loss4 writes a loss with 4 decimals, or as num does when it is huge.
const loss4 = (v) => (v < 0 ? 'diverged' : v >= 1e4 ? num(v) : v.toFixed(4));

// ---- colours ----------------------------------------------------------------

const NEG = [245, 147, 34], MID = [255, 255, 255], POS = [8, 119, 189];

// rgb returns the colour of t in [-1, 1]: orange, white, blue.
function rgb(t) {
  t = Math.max(-1, Math.min(1, t || 0));
  const [a, b, u] = t < 0 ? [MID, NEG, -t] : [MID, POS, t];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * u));
}
const css = (c, alpha = 1) => `rgba(${c[0]},${c[1]},${c[2]},${alpha})`;

// PALETTE colours the classes of a table of more than two (Tableau 10).
const PALETTE = [[78, 121, 167], [242, 142, 43], [225, 87, 89], [118, 183, 178], [89, 161, 79],
  [237, 201, 72], [176, 122, 161], [255, 157, 167], [156, 117, 95], [186, 176, 172]];

// classColour is the colour of class k of K: orange and blue for two, as
// the built-in datasets; the palette for more.
const classColour = (k, K) => (K > 2 ? PALETTE[k % PALETTE.length] : k > 0 ? POS : NEG);

// scale returns a function from a neuron's output to [-1, 1] for its colour.
function scale(activation, min, max) {
  if (activation === 'sigmoid') return (a) => 2 * a - 1;
  if (activation === 'tanh') return (a) => a;
  const m = Math.max(Math.abs(min), Math.abs(max), 1e-9);
  return (a) => a / m;
}

// image draws a res×res map into a small canvas, for drawImage: f maps a
// value to [-1, 1] (colour is then rgb's), or colour maps the cell k to a
// colour.
function image(values, res, f, colour) {
  const c = document.createElement('canvas');
  c.width = c.height = res;
  const ctx = c.getContext('2d');
  const img = ctx.createImageData(res, res);
  for (let k = 0; k < res * res; k++) {
    const [r, g, b] = colour ? colour(k) : rgb(f(values[k]));
    img.data.set([r, g, b, 255], 4 * k);
  }
  ctx.putImageData(img, 0, 0);
  return c;
}

// ---- the state --------------------------------------------------------------

function show(st) {
  S = st;
  if (st.data) data = st.data;
  const c = st.config;
  for (const el of document.querySelectorAll('[data-field]')) {
    const v = c[el.dataset.field];
    if (el.tagName === 'SELECT' && el.dataset.kind === 'number') {
      // match the option whose number is v
      const opt = [...el.options].find((o) => Number(o.value) === v);
      if (!opt) el.add(new Option(String(v)));
      el.value = opt ? opt.value : String(v);
    } else {
      el.value = String(v);
    }
  }
  tableControls(st);
  $('noise-out').textContent = c.noise;
  $('train-fraction-out').textContent = c.train_fraction;
  $('batch').disabled = c.mode !== 'minibatch';
  $('preset').hidden = c.preset !== 'article';
  if (!$('step-alpha').value) $('step-alpha').value = c.learning_rate;
  stats(st);
  layerControls(c);
  featureControls(c);
  drawBoundary();
  drawNetwork();
  drawLoss();
  writeHash();
  if (st.diverged) message(st.diverged);
}

// tableControls shows the table's choices (target, the maps' two columns)
// when the session trains on one, and hides what belongs to the built-in
// datasets.
function tableControls(st) {
  const t = st.table, csv = st.config.dataset === 'csv';
  $('csv-option').hidden = !t;
  $('csv-option').textContent = t ? `your CSV: ${t.name}` : 'your CSV file';
  $('table-box').hidden = !csv || !t;
  for (const id of ['noise-label', 'points-label', 'features']) $(id).hidden = csv;
  if (!csv || !t) return;
  const fill = (sel, names, value) => {
    sel.textContent = '';
    for (const n of names) sel.add(new Option(n, n, false, n === value));
  };
  fill($('table-target'), t.columns, t.target);
  fill($('table-x'), t.numeric, t.view[0]);
  fill($('table-y'), t.numeric, t.view[1]);
  const dropped = t.dropped ? `, ${t.dropped} with a missing value left out` : '';
  $('table-info').textContent = `${t.name}: ${t.rows} rows${dropped}; ${t.classes.length} classes; ` +
    `${t.inputs.length} input${t.inputs.length === 1 ? '' : 's'} (standardised; a category one-hot).`;
  $('table-held').textContent = t.held.length
    ? `The maps show ${t.view[0]} across and ${t.view[1]} up; the other columns (${t.held.join(', ')}) are held ` +
      'at their means over the training rows (a category at its frequencies).'
    : `The maps show ${t.view[0]} across and ${t.view[1]} up.`;
}
$('table-target').onchange = () => configure({ target: $('table-target').value, view: [] });
$('table-x').onchange = $('table-y').onchange = () => {
  const x = $('table-x').value, y = $('table-y').value;
  if (x === y) { message('The map needs two different columns.'); return; }
  configure({ view: [x, y] });
};

// loadCSV gives the file to the engine, which reads it as backprop train
// reads --data; a file it cannot read is a message, and changes nothing.
async function loadCSV(file) {
  if (!file) return;
  const max = (S && S.limits && S.limits.max_body_bytes) || 65536;
  if (file.size > max - 1024) {
    message(`${file.name} is ${file.size} bytes; the playground takes files of up to ${max - 1024} bytes here (backprop train takes larger ones).`);
    return;
  }
  let text;
  try {
    text = await file.text();
  } catch (e) {
    message(`${file.name} could not be read: ${e.message}`);
    return;
  }
  setPlaying(false);
  try {
    show(await session('POST', '/table', { name: file.name, csv: text }, QUERY + '&data=1'));
    example = null;
    stepRes = null;
    $('step-result').hidden = true;
    const t = S.table;
    info(`${t.name}: training to predict ${t.target} (${t.classes.join(', ')}) from ${t.columns.length - 1} columns. Press Play.`);
  } catch (e) {
    message(`${e.message} (${file.name} was not loaded)`);
  }
}
$('csv-file').onchange = () => { loadCSV($('csv-file').files[0]); $('csv-file').value = ''; };
document.addEventListener('dragover', (ev) => {
  if (![...ev.dataTransfer.types].includes('Files')) return;
  ev.preventDefault();
  document.body.classList.add('dropping');
});
document.addEventListener('dragleave', (ev) => { if (!ev.relatedTarget) document.body.classList.remove('dropping'); });
document.addEventListener('drop', (ev) => {
  if (!ev.dataTransfer.files.length) return;
  ev.preventDefault();
  document.body.classList.remove('dropping');
  loadCSV(ev.dataTransfer.files[0]);
});

// download saves what was trained: the model file (format json) or ONNX.
async function download(format) {
  try {
    const f = await session('GET', '/model', undefined, `?format=${format}`);
    const bytes = Uint8Array.from(atob(f.base64), (ch) => ch.charCodeAt(0));
    const url = URL.createObjectURL(new Blob([bytes], { type: f.type }));
    const a = document.createElement('a');
    a.href = url;
    a.download = f.name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    info(format === 'json' ? `${f.name}: backprop predict --model ${f.name} --data FILE runs it.` : `${f.name}: the network as ONNX.`);
  } catch (e) {
    oops(e);
  }
}
$('download-model').onclick = () => download('json');
$('download-onnx').onclick = () => download('onnx');

// ---- the setup in the URL -----------------------------------------------------
// The hash holds the configuration (Config's JSON names; hidden as
// units:activation,…) and step mode, so that a copied link opens the same
// setup: #dataset=xor&noise=0&…&hidden=6:tanh,4:tanh&…&step=1.

const HASH_NUMBERS = ['noise', 'train_fraction', 'learning_rate', 'l2', 'l1'];
const HASH_INTS = ['points', 'seed', 'batch'];
const HASH_KEYS = ['dataset', 'noise', 'points', 'train_fraction', 'seed', 'features', 'hidden', 'output', 'loss',
  'mode', 'batch', 'learning_rate', 'optimizer', 'l2', 'l1', 'preset'];

function writeHash() {
  if (!S) return;
  const c = S.config;
  const parts = HASH_KEYS.filter((k) => k !== 'preset' || c.preset).map((k) => {
    const v = k === 'hidden' ? c.hidden.map((h) => `${h.units}:${h.activation}`).join(',')
      : k === 'features' ? c.features.join(',') : String(c[k]);
    return `${k}=${encodeURIComponent(v).replace(/%3A/g, ':').replace(/%2C/g, ',')}`;
  });
  if (!$('step-panel').hidden) parts.push('step=1');
  const hash = '#' + parts.join('&');
  if (location.hash !== hash) history.replaceState(null, '', hash);
}

// readHash returns the configuration fields and step mode of the URL's hash.
function readHash() {
  const q = new URLSearchParams(location.hash.slice(1));
  const cfg = {};
  for (const k of HASH_KEYS) {
    if (!q.has(k)) continue;
    const v = q.get(k);
    if (k === 'hidden') {
      cfg.hidden = v === '' ? [] : v.split(',').map((h) => {
        const [units, activation] = h.split(':');
        return { units: parseInt(units, 10), activation };
      });
    } else if (k === 'features') cfg.features = v === '' ? [] : v.split(',');
    else if (HASH_NUMBERS.includes(k)) cfg[k] = Number(v);
    else if (HASH_INTS.includes(k)) cfg[k] = parseInt(v, 10);
    else cfg[k] = v;
  }
  return { cfg, step: q.get('step') === '1' };
}

function stats(st) {
  $('engine').textContent = engine === 'browser' ? 'trains in your browser (WebAssembly)' : 'trains on the server';
  $('epoch').textContent = st.epoch;
  $('steps').textContent = st.total_steps;
  $('train-loss').textContent = loss4(st.train_loss);
  $('test-loss').textContent = loss4(st.test_loss);
}

async function refresh(withData) {
  show(await session('GET', '', undefined, QUERY + (withData ? '&data=1' : '')));
}

// configure sends the changed fields; the server rebuilds what they touch.
async function configure(fields) {
  try {
    const dataFields = ['dataset', 'noise', 'points', 'train_fraction', 'seed', 'features', 'target', 'view'];
    const withData = Object.keys(fields).some((f) => dataFields.includes(f));
    show(await session('PUT', '/config', fields, QUERY + (withData ? '&data=1' : '') + `&seq=${++seq}`));
    message(notice, 'info');
    notice = '';
    if (withData) example = null;
    stepRes = null;
    $('step-result').hidden = true;
  } catch (e) {
    notice = '';
    oops(e);
    refresh(true).catch(oops);
  }
}

function fieldValue(el) {
  if (el.dataset.kind === 'int') return parseInt(el.value, 10);
  if (el.dataset.kind === 'number') return Number(el.value);
  return el.value;
}

// ---- the network's controls -----------------------------------------------

const ACTIVATIONS = ['tanh', 'relu', 'leaky-relu', 'sigmoid', 'identity'];

// FEATURES are the inputs the network can take, computed from the point
// (x1, x2) — here only to draw each input's map; the engine computes them
// for training.
const FEATURES = {
  x1: { label: 'x₁', f: (a) => a }, x2: { label: 'x₂', f: (a, b) => b },
  x1sq: { label: 'x₁²', f: (a) => a * a }, x2sq: { label: 'x₂²', f: (a, b) => b * b },
  x1x2: { label: 'x₁x₂', f: (a, b) => a * b },
  sinx1: { label: 'sin x₁', f: (a) => Math.sin(a) }, sinx2: { label: 'sin x₂', f: (a, b) => Math.sin(b) },
};

let wantFeatures = null; // the inputs asked for, ahead of the answers

// featureControls draws the inputs' toggles: clicking one adds or removes
// it (the last one stays; the worked example's network takes x1, x2).
function featureControls(c) {
  const box = $('features');
  box.textContent = 'inputs:';
  for (const [name, ft] of Object.entries(FEATURES)) {
    const on = c.features.includes(name);
    const b = button(ft.label, () => {
      // from the inputs last asked for: quick clicks add up
      const base = wantFeatures || S.config.features, has = base.includes(name);
      const next = Object.keys(FEATURES).filter((n) => (n === name ? !has : base.includes(n)));
      if (next.length === 0) return;
      wantFeatures = next;
      configure({ features: next }).finally(() => { if (wantFeatures === next) wantFeatures = null; });
    });
    b.className = 'small feature' + (on ? ' on' : '');
    b.dataset.feature = name;
    b.setAttribute('aria-pressed', String(on));
    b.disabled = c.preset === 'article' || (on && c.features.length === 1);
    b.title = on ? `stop giving the network ${ft.label}` : `give the network ${ft.label} as an input`;
    box.append(b);
  }
}

function layerControls(c) {
  const box = $('layer-controls');
  box.textContent = '';
  c.hidden.forEach((h, k) => {
    const d = document.createElement('div');
    d.className = 'layer';
    const units = document.createElement('div');
    units.className = 'units';
    const minus = button('−', () => setLayer(k, { units: h.units - 1 }));
    const plus = button('+', () => setLayer(k, { units: h.units + 1 }));
    minus.disabled = h.units <= 1;
    plus.disabled = h.units >= S.limits.max_units;
    minus.title = `one neuron fewer in layer ${k + 1}`;
    plus.title = `one neuron more in layer ${k + 1}`;
    const n = document.createElement('span');
    n.textContent = `${h.units} neuron${h.units === 1 ? '' : 's'}`;
    units.append(minus, n, plus);
    const sel = document.createElement('select');
    for (const a of ACTIVATIONS) sel.add(new Option(a, a, false, a === h.activation));
    sel.title = `activation of layer ${k + 1}`;
    sel.onchange = () => setLayer(k, { activation: sel.value });
    d.append(units, sel);
    box.append(d);
  });
  $('add-layer').disabled = c.hidden.length >= (S.limits.max_hidden_layers || 6);
  $('remove-layer').disabled = c.hidden.length === 0;
}

function button(text, onclick) {
  const b = document.createElement('button');
  b.className = 'small';
  b.textContent = text;
  b.onclick = onclick;
  return b;
}

function setLayer(k, change) {
  const hidden = S.config.hidden.map((h) => ({ ...h }));
  Object.assign(hidden[k], change);
  hidden[k].units = Math.max(1, Math.min(S.limits.max_units, hidden[k].units));
  configure({ hidden });
}

$('add-layer').onclick = () => {
  const hidden = S.config.hidden.map((h) => ({ ...h }));
  const last = hidden[hidden.length - 1];
  hidden.push({ units: last ? last.units : 4, activation: last ? last.activation : 'tanh' });
  configure({ hidden });
};
$('remove-layer').onclick = () => configure({ hidden: S.config.hidden.slice(0, -1) });

for (const el of document.querySelectorAll('[data-field]')) {
  el.addEventListener('change', () => configure(fitLoss({ [el.dataset.field]: fieldValue(el) })));
}

// fitLoss completes a change of the output activation or the loss that
// would not fit the other: the log loss needs a sigmoid output, so choosing
// another output switches to the squared loss, and choosing the log loss
// switches the output to sigmoid, with a notice.
function fitLoss(change) {
  const c = S.config;
  if (change.output && change.output !== 'softmax' && c.loss === 'cross-entropy') {
    change.loss = 'squared';
    notice = `Cross-entropy needs a softmax output: with a ${change.output} output the loss is now squared.`;
  } else if (change.loss === 'cross-entropy' && c.output !== 'softmax') {
    change.output = 'softmax';
    notice = 'Cross-entropy needs a softmax output: the output activation is now softmax.';
  } else if (change.output && change.output !== 'sigmoid' && c.loss === 'log') {
    change.loss = 'squared';
    notice = `The log loss needs outputs in (0, 1): with a ${change.output} output the loss is now squared.`;
  } else if (change.loss === 'log' && c.output !== 'sigmoid') {
    if (S.task === 'regression') return change; // refused by the server, which says why
    change.output = 'sigmoid';
    notice = 'The log loss needs outputs in (0, 1): the output activation is now sigmoid.';
  }
  return change;
}
let notice = ''; // said after the next change is applied
$('noise').addEventListener('input', () => { $('noise-out').textContent = $('noise').value; });
$('train-fraction').addEventListener('input', () => { $('train-fraction-out').textContent = $('train-fraction').value; });
$('show-test').onchange = drawBoundary;
$('discretize').onchange = drawBoundary;

// ---- drawing ----------------------------------------------------------------

// sharp sizes canvas cv to w×h CSS pixels, its backing store to w×h device
// pixels (devicePixelRatio: sharp on phones and high-density screens), and
// returns its context, drawing in CSS pixels.
function sharp(cv, w, h) {
  const dpr = window.devicePixelRatio || 1;
  if (cv.width !== Math.round(w * dpr) || cv.height !== Math.round(h * dpr)) {
    cv.width = Math.round(w * dpr);
    cv.height = Math.round(h * dpr);
    cv.style.width = `${w}px`;
    cv.style.height = `${h}px`;
  }
  const ctx = cv.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

// drawBoundary draws the output map and the data points.
function drawBoundary() {
  const cv = $('boundary'), W = 300, H = 300, ctx = sharp(cv, W, H);
  ctx.clearRect(0, 0, W, H);
  if (!S || !S.boundary) return;
  let b = S.boundary, act = null;
  const hov = hovered && (S.neurons || []).find((m) => m.layer === hovered.l && m.index === hovered.i);
  if (hov) { b = hov; act = S.network.layers[hovered.l - 1].activation; }
  $('out-title').textContent = hov ? `Output: hovering ${neuronName(hovered.l, hovered.i)}, its map` : 'Output';
  const regression = S.task === 'regression';
  const discrete = $('discretize').checked;
  const f = regression ? (o) => (discrete ? Math.sign(o) : o) : (o) => (discrete ? (o >= 0.5 ? 1 : -1) : 2 * o - 1);
  const t = S.config.dataset === 'csv' && S.table, K = t ? t.classes.length : 2;
  // several outputs: each cell in its class's colour, paler where the
  // largest output is less sure
  const byClass = !act && b.class ? (k) => {
    const c = classColour(b.class[k], K), u = discrete ? 1 : Math.max(0, (b.values[k] - 1 / K) / (1 - 1 / K));
    return c.map((v) => Math.round(255 + (v - 255) * (0.25 + 0.75 * u)));
  } : null;
  ctx.imageSmoothingEnabled = true;
  ctx.globalAlpha = 0.7; // lighter than the points
  ctx.drawImage(image(b.values, b.res, act ? scale(act, b.min, b.max) : f, byClass), 0, 0, W, H);
  ctx.globalAlpha = 1;
  classLegend(t);
  if (t) axisLabels(ctx, t, W, H);
  if (!data) return;
  const px = (x1) => ((x1 + 1) / 2) * W, py = (x2) => ((1 - x2) / 2) * H;
  const dot = (row, test, chosenDot) => {
    const c = rgb(regression ? row[2] : 2 * row[2] - 1);
    ctx.beginPath();
    ctx.arc(px(row[0]), py(row[1]), chosenDot ? 6 : 3.2, 0, 2 * Math.PI);
    ctx.fillStyle = css(regression ? c : K > 2 ? classColour(row[2], K) : (row[2] > 0.5 ? POS : NEG));
    ctx.fill();
    ctx.lineWidth = chosenDot ? 2.5 : 1;
    ctx.strokeStyle = chosenDot ? '#000' : test ? '#222' : '#fff';
    ctx.stroke();
  };
  data.train.forEach((r) => dot(r, false));
  if ($('show-test').checked) data.test.forEach((r) => dot(r, true));
  const ex = exampleRow();
  if (ex) dot(ex, false, true);
}

// classLegend names the classes of a table by their colours.
function classLegend(t) {
  const box = $('classes');
  box.hidden = !t;
  if (!t) return;
  box.textContent = '';
  t.classes.forEach((name, k) => {
    const s = document.createElement('span');
    const i = document.createElement('i');
    i.style.background = css(classColour(k, t.classes.length));
    s.append(i, name);
    box.append(s);
  });
}

// axisLabels names the two columns the map shows, with their ranges.
function axisLabels(ctx, t, W, H) {
  const r = (v) => Number(v.toPrecision(3));
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#222';
  ctx.strokeStyle = 'rgba(255,255,255,0.85)';
  ctx.lineWidth = 3;
  const across = `${t.view[0]}: ${r(t.range[0][0])} → ${r(t.range[0][1])}`;
  ctx.strokeText(across, 6, H - 6);
  ctx.fillText(across, 6, H - 6);
  ctx.save();
  ctx.translate(14, H - 24);
  ctx.rotate(-Math.PI / 2);
  const up = `${t.view[1]}: ${r(t.range[1][0])} → ${r(t.range[1][1])}`;
  ctx.strokeText(up, 0, 0);
  ctx.fillText(up, 0, 0);
  ctx.restore();
}

// exampleRow returns the chosen example as (x1, x2, y).
function exampleRow() {
  if (!example) return null;
  if (example.x) return [example.x[0], example.x[1], example.y[0]];
  const set = data && data[example.set];
  return set && set[example.index];
}

// drawNetwork draws every neuron's output map and the weights between them.
function drawNetwork() {
  const cv = $('network'), ctx = cv.getContext('2d');
  const net = S.network;
  const widths = [net.inputs, ...net.layers.map((l) => l.weights.length)];
  const size = 40, gapY = 14;
  const BARS = 60; // the strip of |δ| bars under the network
  const H = Math.max(...widths) * (size + gapY) + 30 + BARS;
  const W = Math.max(360, Math.min(760, cv.parentElement.clientWidth - 24));
  sharp(cv, W, H);
  ctx.clearRect(0, 0, W, H);
  const colX = (l) => 20 + (l * (W - 40 - size)) / Math.max(1, widths.length - 1);
  const pos = (l, i) => [colX(l), 20 + (H - BARS - 30 - widths[l] * (size + gapY)) / 2 + i * (size + gapY)];
  // the weights
  edges = [];
  net.layers.forEach((lay, l0) => {
    const l = l0 + 1;
    lay.weights.forEach((row, i) => row.forEach((w, j) => {
      if (lay.mask && !lay.mask[i][j]) return;
      const [x0, y0] = pos(l - 1, j), [x1, y1] = pos(l, i);
      ctx.beginPath();
      ctx.moveTo(x0 + size, y0 + size / 2);
      const mx = (x0 + size + x1) / 2;
      ctx.bezierCurveTo(mx, y0 + size / 2, mx, y1 + size / 2, x1, y1 + size / 2);
      edges.push({ l, i, j: j + 1, w, pts: bezier([x0 + size, y0 + size / 2], [mx, y0 + size / 2], [mx, y1 + size / 2], [x1, y1 + size / 2]) });
      ctx.strokeStyle = css(w >= 0 ? POS : NEG, Math.min(1, 0.25 + Math.abs(w) / 2));
      ctx.lineWidth = Math.min(7, 0.5 + 1.8 * Math.abs(w));
      ctx.stroke();
    }));
  });
  // the neurons
  nodes = [];
  const byLayer = {};
  for (const m of S.neurons || []) (byLayer[m.layer] = byLayer[m.layer] || [])[m.index] = m;
  widths.forEach((n, l) => {
    for (let i = 0; i < n; i++) {
      const [x, y] = pos(l, i);
      let img;
      if (l === 0 && byLayer[0] && byLayer[0][i]) { // a table's input, computed by the engine
        const m = byLayer[0][i];
        img = image(m.values, m.res, scale('identity', m.min, m.max));
      } else if (l === 0) {
        const res = NEURON_GRID, vals = [];
        for (let r = 0; r < res; r++) for (let c = 0; c < res; c++) {
          vals.push(FEATURES[S.config.features[i]].f(-1 + (c + 0.5) * 2 / res, 1 - (r + 0.5) * 2 / res));
        }
        img = image(vals, res, (v) => v);
      } else if (byLayer[l] && byLayer[l][i]) {
        const m = byLayer[l][i];
        img = image(m.values, m.res, scale(net.layers[l - 1].activation, m.min, m.max));
      }
      if (img) ctx.drawImage(img, x, y, size, size);
      const isChosen = chosen && chosen.l === l && chosen.i === i && !$('step-panel').hidden;
      ctx.lineWidth = isChosen ? 3 : 1;
      ctx.strokeStyle = isChosen ? '#000' : '#777';
      ctx.strokeRect(x, y, size, size);
      ctx.fillStyle = '#555';
      ctx.font = '10px system-ui, sans-serif';
      ctx.fillText(l === 0 ? inputLabel(i) : neuronName(l, i), x, y + size + 10);
      const h = l > 0 && S.health && S.health[l - 1];
      if (h && h.off && h.off.includes(i)) { // dead (relu) or saturated (sigmoid, tanh) on the training set
        ctx.lineWidth = 2;
        ctx.strokeStyle = '#c0392b';
        ctx.setLineDash([4, 3]);
        ctx.strokeRect(x - 2, y - 2, size + 4, size + 4);
        ctx.setLineDash([]);
        const word = net.layers[l - 1].activation === 'relu' ? 'dead' : 'sat.';
        ctx.fillStyle = 'rgba(255,255,255,0.85)';
        ctx.fillRect(x + 1, y + size - 12, ctx.measureText(word).width + 4, 11);
        ctx.fillStyle = '#c0392b';
        ctx.fillText(word, x + 3, y + size - 3);
      }
      nodes.push({ l, i, x, y, size });
    }
  });
  drawDeltaBars(ctx, colX, size, H - BARS + 4, BARS - 8);
}

// inputLabel names input i of the network: a feature of the point, or a
// table's column (column=category for a category's one-hot input).
function inputLabel(i) {
  const n = S.inputs[i];
  if (FEATURES[n] && S.config.dataset !== 'csv') return FEATURES[n].label;
  return n.length > 10 ? n.slice(0, 9) + '…' : n;
}

// deltaScale returns the mean |δ| of each layer (index l-1): the step's,
// from the engine's trace, in step mode after a step; else the training
// set's (the state's health).
function deltaScale() {
  if (!$('step-panel').hidden && stepRes && stepRes.trace && stepRes.trace.delta_scale) {
    const out = [];
    for (const d of stepRes.trace.delta_scale) out[d.layer - 1] = d.mean_abs_delta;
    return { values: out, what: 'this step' };
  }
  if (S.health) return { values: S.health.map((h) => h.mean_abs_delta || 0), what: 'the training set' };
  return null;
}

// drawDeltaBars draws each layer's mean |δ| as a bar under its column, on a
// log scale: vanishing gradients show as bars shrinking towards layer 1.
function drawDeltaBars(ctx, colX, size, top, height) {
  const ds = deltaScale();
  if (!ds) return;
  const v = ds.values, pos = v.filter((x) => x > 0);
  if (!pos.length) return;
  const hi = Math.log10(Math.max(...pos)), lo = Math.min(Math.log10(Math.min(...pos)), hi - 1);
  const L = v.length;
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillStyle = '#555';
  ctx.fillText(`mean |δ| by layer (${ds.what}, log scale)`, colX(0), top + height - 2);
  for (let l = 1; l <= L; l++) {
    const x = v[l - 1];
    const h = x > 0 ? Math.max(2, ((Math.log10(x) - lo) / (hi - lo)) * (height - 14)) : 0;
    ctx.fillStyle = '#6a3d9a';
    ctx.fillRect(colX(l) + size / 2 - 6, top + height - 14 - h, 12, h);
    ctx.fillStyle = '#333';
    // below the output layer: the ratio to its mean |δ|, as 1/k when smaller
    const r = x > 0 && v[L - 1] > 0 && l < L ? v[L - 1] / x : 0;
    const label = r >= 1 ? `1/${r.toPrecision(2)}` : r > 0 ? `${(1 / r).toPrecision(2)}×` : num(x);
    ctx.fillText(label, colX(l) + size / 2 + 8, top + height - 14);
  }
}

// drawLoss draws the train and test loss against the steps.
function drawLoss() {
  const cv = $('loss-chart'), W = 300, H = 130, pad = 26, ctx = sharp(cv, W, H);
  ctx.clearRect(0, 0, W, H);
  const h = (S.history || []).filter((p) => p.train >= 0 && p.test >= 0);
  ctx.strokeStyle = '#ccc';
  ctx.lineWidth = 1;
  ctx.strokeRect(pad, 4, W - pad - 4, H - pad);
  if (h.length < 1) return;
  const maxY = Math.max(1e-9, ...h.map((p) => Math.max(p.train, p.test)));
  const maxX = Math.max(1, h[h.length - 1].step);
  const X = (s) => pad + (s / maxX) * (W - pad - 6), Y = (v) => 4 + (1 - v / maxY) * (H - pad - 2);
  for (const [key, colour] of [['train', '#333'], ['test', css(POS)]]) {
    ctx.beginPath();
    h.forEach((p, k) => (k ? ctx.lineTo(X(p.step), Y(p[key])) : ctx.moveTo(X(p.step), Y(p[key]))));
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.6;
    ctx.stroke();
  }
  ctx.fillStyle = '#666';
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillText(maxY.toPrecision(2), 0, 12);
  ctx.fillText('0', 14, H - pad + 4);
  const last = h[h.length - 1].step;
  ctx.fillText(`${last} step${last === 1 ? '' : 's'}`, W - 60, H - 8);
}

// ---- training ---------------------------------------------------------------

function stepsPerRequest() {
  return { sgd: 40, minibatch: 10, batch: 2 }[S.config.mode] || 10;
}

async function trainOnce(steps) {
  const r = await session('POST', '/train', { steps }, '');
  if (r.stopped === 'diverged') {
    setPlaying(false);
    message(r.error);
  }
  await refresh(false);
  return r;
}

// loop trains while playing. On the server a request takes a fixed number
// of steps every 50 ms at most (the server is shared); in the browser the
// steps per frame adapt so that a frame (steps, then the maps) takes about
// FRAME ms: the page redraws ~25 times a second, the worker computes the rest.
const FRAME = 40;
let perFrame = 0; // steps per frame in the browser; 0: not measured yet

async function loop() {
  while (playing) {
    const t0 = performance.now();
    const local = engine === 'browser';
    const n = local && perFrame ? perFrame : stepsPerRequest();
    try {
      await trainOnce(n);
    } catch (e) {
      oops(e);
      setPlaying(false);
    }
    const took = performance.now() - t0;
    if (local) {
      perFrame = Math.max(1, Math.min(S.limits.max_steps, Math.round(n * Math.min(2, FRAME / Math.max(took, 1)))));
    }
    const wait = (local ? 0 : 50) - took;
    await new Promise((r) => setTimeout(r, Math.max(wait, 0)));
  }
}

function setPlaying(on) {
  if (on === playing) return;
  playing = on;
  $('play').textContent = on ? '❚❚ Pause' : '▶ Play';
  perFrame = 0;
  if (on) { message(''); loop(); }
}

$('play').onclick = () => setPlaying(!playing);
// Regenerate draws new points (and, from the same seed, new initial weights).
$('regenerate').onclick = () => {
  setPlaying(false);
  let seed;
  do seed = Math.floor(Math.random() * 1e6); while (seed === S.config.seed);
  configure({ seed });
};
$('train-step').onclick = () => trainOnce(1).catch(oops);
$('reset').onclick = async () => {
  setPlaying(false);
  try {
    show(await session('POST', '/reset', { seed: Math.floor(Math.random() * 1e6) }));
    message('');
    stepRes = null;
    $('step-result').hidden = true;
  } catch (e) { oops(e); }
};

// ---- step mode --------------------------------------------------------------

function setStepMode(on) {
  $('stepmode').checked = on;
  $('step-panel').hidden = !on;
  if (on) setPlaying(false);
  drawNetwork();
  writeHash();
}
$('stepmode').onchange = () => setStepMode($('stepmode').checked);

// neuronName is the article's name in the worked example (h1..h5, o), else
// explain's a{l}_{i}.
function neuronName(l, i) {
  if (S && S.config.preset === 'article') return [[], ['h1', 'h2', 'h3'], ['h4', 'h5'], ['o']][l][i];
  return `a${l}_${i + 1}`;
}
const zName = (l, i) => `z${l}_${i + 1}`, aName = (l, i) => `a${l}_${i + 1}`, dName = (l, i) => `δ${l}_${i + 1}`;
// wName is w^l_ij, j the 1-based neuron of layer l-1 (0: the bias), as explain writes it.
const wName = (l, i, j) => (i + 1 < 10 && j < 10 ? `w${l}_${i + 1}${j}` : `w${l}_${i + 1},${j}`);

function describeExample() {
  const row = exampleRow();
  if (!row) return 'example: click a point on the output map, or';
  const where = example.x ? 'the worked example' : `${example.set} #${example.index}`;
  const t = S.config.dataset === 'csv' && S.table;
  if (t) { // the row's values of the map's two columns, and its class
    const at = (k, u) => num(t.range[k][0] + ((u + 1) / 2) * (t.range[k][1] - t.range[k][0]));
    return `example: ${where}, ${t.view[0]} = ${at(0, row[0])}, ${t.view[1]} = ${at(1, row[1])}, ${t.target} = ${t.classes[row[2]]};`;
  }
  return `example: ${where}, x = (${num(row[0])}, ${num(row[1])}), y = ${num(row[2])};`;
}

$('boundary').onclick = (ev) => {
  if (!data) return;
  const cv = $('boundary'), r = cv.getBoundingClientRect();
  const x1 = ((ev.clientX - r.left) / r.width) * 2 - 1, x2 = 1 - ((ev.clientY - r.top) / r.height) * 2;
  let best = null, bd = Infinity;
  for (const set of $('show-test').checked ? ['train', 'test'] : ['train']) {
    data[set].forEach((row, index) => {
      const d = (row[0] - x1) ** 2 + (row[1] - x2) ** 2;
      if (d < bd) { bd = d; best = { set, index }; }
    });
  }
  if (!best || bd > 0.01) return;
  example = best;
  $('step-set').value = best.set;
  $('step-index').value = best.index;
  setStepMode(true);
  $('step-example').textContent = describeExample();
  drawBoundary();
};
$('step-set').onchange = $('step-index').onchange = () => {
  example = { set: $('step-set').value, index: parseInt($('step-index').value, 10) || 0 };
  $('step-example').textContent = describeExample();
  drawBoundary();
};

async function takeStep() {
  if (!example) example = { set: $('step-set').value, index: parseInt($('step-index').value, 10) || 0 };
  const body = example.x ? { x: example.x, y: example.y } : { set: example.set, index: example.index };
  const alpha = Number($('step-alpha').value);
  if (alpha > 0) body.alpha = alpha;
  try {
    stepRes = await session('POST', '/step', body, '');
    message('');
    if (!chosen || chosen.l > stepRes.layers.length || chosen.i >= stepRes.layers[chosen.l - 1].z.length) {
      chosen = { l: 1, i: 0 };
    }
    showStep();
    await refresh(false);
  } catch (e) { oops(e); }
}
$('take-step').onclick = takeStep;

// The preset "deep sigmoid vs relu": six hidden layers of sigmoid, then
// (pressed again) the same of relu, on the same data.
$('deep').onclick = async () => {
  const n = Math.min(6, S.limits.max_hidden_layers || 6);
  const sigmoid = S.config.hidden.length === n && S.config.hidden.every((h) => h.activation === 'sigmoid');
  const activation = sigmoid ? 'relu' : 'sigmoid';
  notice = sigmoid
    ? `${n} hidden layers of relu: the |δ| bars stay level from the output back to layer 1, and every layer learns.`
    : `${n} hidden layers of sigmoid: each layer back multiplies δ by f′(z) ≤ 1/4, so the |δ| bars shrink towards layer 1 and the first layers stall. Press again for relu.`;
  // the playground's default training (mini-batches of 10, Adam, α = 0.03), so that the
  // comparison is of the activations alone
  await configure({ hidden: Array.from({ length: n }, () => ({ units: 4, activation })),
    mode: 'minibatch', batch: 10, optimizer: 'adam', learning_rate: 0.03 });
};

$('article').onclick = async () => {
  setPlaying(false);
  try {
    const r = await session('POST', '/article', undefined, QUERY + '&data=1');
    show(r.state);
    example = { x: r.example.x, y: r.example.y };
    $('step-alpha').value = r.example.alpha;
    chosen = { l: 1, i: 0 };
    setStepMode(true);
    $('step-example').textContent = describeExample();
    await takeStep();
    info('The worked example (docs/notation.md): one step takes the output from 0.671846 to 0.698076 ' +
      '(the published article, rounding by hand, reports 0.6718 → 0.7043).');
    $('step-panel').scrollIntoView({ block: 'start' }); // its numbers, on the first screen
  } catch (e) { oops(e); }
};

// bezier samples a cubic curve at 25 points.
function bezier(p0, p1, p2, p3) {
  const pts = [];
  for (let k = 0; k <= 24; k++) {
    const t = k / 24, u = 1 - t;
    pts.push([0, 1].map((d) => u * u * u * p0[d] + 3 * u * u * t * p1[d] + 3 * u * t * t * p2[d] + t * t * t * p3[d]));
  }
  return pts;
}

// under returns the neuron (l > 0) or else the weight under the mouse.
function under(ev) {
  const cv = $('network'), r = cv.getBoundingClientRect();
  const x = (ev.clientX - r.left) * (cv.clientWidth / r.width), y = (ev.clientY - r.top) * (cv.clientHeight / r.height);
  const n = nodes.find((n) => n.l > 0 && x >= n.x && x <= n.x + n.size && y >= n.y && y <= n.y + n.size);
  if (n) return { node: n };
  let best = null, bd = 25; // within 5 pixels
  for (const e of edges) {
    for (const [px, py] of e.pts) {
      const d = (px - x) ** 2 + (py - y) ** 2;
      if (d < bd) { bd = d; best = e; }
    }
  }
  return best ? { edge: best, x, y } : {};
}

// Hovering a neuron shows its map in the output panel; hovering a weight
// shows its value; clicking a weight edits it.
$('network').onmousemove = (ev) => {
  if (editing) return;
  const u = under(ev);
  const h = u.node ? { l: u.node.l, i: u.node.i } : null;
  if (JSON.stringify(h) !== JSON.stringify(hovered)) { hovered = h; drawBoundary(); }
  const tip = $('tip');
  tip.hidden = !u.edge;
  if (u.edge) {
    tip.textContent = `${wName(u.edge.l, u.edge.i, u.edge.j)} = ${num(u.edge.w)} (click to edit)`;
    tip.style.left = `${u.x + 12}px`;
    tip.style.top = `${u.y + 12}px`;
  }
};
$('network').onmouseleave = () => {
  if (!editing) $('tip').hidden = true;
  if (hovered) { hovered = null; drawBoundary(); }
};

let editing = null; // the weight being edited

function editWeight(e, x, y) {
  editing = e;
  const tip = $('tip');
  tip.hidden = false;
  tip.textContent = `${wName(e.l, e.i, e.j)} = `;
  const input = document.createElement('input');
  input.type = 'number';
  input.step = 'any';
  input.id = 'weight-value';
  input.value = String(e.w);
  tip.append(input);
  tip.style.left = `${x + 12}px`;
  tip.style.top = `${y + 12}px`;
  input.focus();
  input.select();
  const done = () => { editing = null; tip.hidden = true; };
  input.onkeydown = async (k) => {
    if (k.key === 'Escape') done();
    if (k.key !== 'Enter') return;
    done();
    try {
      show(await session('PUT', '/weight', { layer: e.l, i: e.i + 1, j: e.j, value: Number(input.value) }));
      message('');
    } catch (err) { oops(err); }
  };
  input.onblur = done;
}

$('network').onclick = (ev) => {
  const u = under(ev), n = u.node;
  if (u.edge) { editWeight(u.edge, u.x, u.y); return; }
  if (!n) return;
  chosen = { l: n.l, i: n.i };
  if ($('step-panel').hidden) setStepMode(true);
  if (stepRes) showStep();
  drawNetwork();
};

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function table(head, rows) {
  const t = el('table');
  const tr = el('tr');
  head.forEach((h) => tr.append(el('th', h)));
  t.append(tr);
  for (const r of rows) {
    const row = el('tr');
    r.cells.forEach((c) => row.append(el('td', c)));
    if (r.cls) row.className = r.cls;
    if (r.onclick) row.onclick = r.onclick;
    if (r.id) row.id = r.id;
    t.append(row);
  }
  return t;
}

// showStep writes the last step: the neurons' z, a, δ; the chosen neuron's
// delta rule; every weight's gradient and update; explain's text.
function showStep() {
  const s = stepRes, L = s.layers.length;
  $('step-result').hidden = false;
  $('step-example').textContent = describeExample();
  const vec = (v) => (v.length === 1 ? num(v[0]) : `(${v.map(num).join(', ')})`);
  $('out-before').textContent = vec(s.output_before);
  $('out-after').textContent = vec(s.output_after);
  $('step-y').textContent = vec(s.y);
  $('loss-before').textContent = num(s.loss);
  $('loss-after').textContent = num(s.loss_after);

  const box = $('step-neurons');
  box.textContent = '';
  const layers = el('div', undefined, 'layers');
  layers.append(table([`layer 0 (x)`, 'a'], s.x.map((v, j) => ({ cells: [`x${j + 1} = ${inputLabel(j)}`, num(v)] }))));
  s.layers.forEach((lay, l0) => {
    const l = l0 + 1;
    const rows = lay.z.map((z, i) => ({
      cells: [neuronName(l, i), num(z), num(lay.a[i]), num(lay.delta[i])],
      cls: 'pick' + (chosen.l === l && chosen.i === i ? ' chosen' : ''),
      id: `neuron-${l}-${i}`,
      onclick: () => { chosen = { l, i }; showStep(); drawNetwork(); },
    }));
    layers.append(table([`layer ${l} (${lay.activation})`, 'z', 'a', 'δ'], rows));
  });
  box.append(layers);

  // the delta rule of the chosen neuron
  const { l, i } = chosen, lay = s.layers[l - 1], r = lay.delta_rule[i];
  $('rule-name').textContent = `${neuronName(l, i)} (${dName(l, i)})`;
  let text;
  if (r.output) {
    if (r.matched) {
      text = `${dName(l, i)} = o − y          (${lay.activation} + ${S.network.loss}: a matched pair)\n` +
        `     = ${num(lay.a[i])} − ${factor(s.y[i])} = ${num(r.delta)}`;
    } else {
      text = `${dName(l, i)} = ∂J/∂o · f'(${zName(l, i)})\n` +
        `     = ${factor(r.dJdo)} · ${factor(r.fprime)} = ${num(r.delta)}`;
    }
    if (num(lay.a[i]) === '0' || num(lay.a[i]) === '1') {
      text += `\n(o has saturated to ${num(lay.a[i])}: the engine takes o − y, f' and δ from z in ` +
        'closed form, docs/notation.md (10))';
    }
  } else {
    const terms = r.terms.map((t) => `${wName(l + 1, t.j, i + 1)}·${dName(l + 1, t.j)}`).join(' + ');
    const values = r.terms.map((t, k) => `${k ? factor(t.w) : num(t.w)}·${factor(t.delta)}`).join(' + ');
    text = `${dName(l, i)} = f'(${zName(l, i)}) · (${terms || '0'})\n` +
      `     = ${factor(r.fprime)} · (${values || '0'})\n` +
      `     = ${factor(r.fprime)} · ${factor(r.sum)} = ${num(r.delta)}`;
  }
  // f' as the engine's table writes it, and the value the engine used
  text += `\n\nf'(z) = ${lay.derivative}${lay.activation === 'leaky-relu' ? ` (s = ${num(lay.slope)})` : ''}` +
    ` = ${num(r.fprime)}`;
  text += `\n\nits weights' gradients: ∂E/∂${wName(l, i, 1)} = ${dName(l, i)}·a${l - 1}_1, …`;
  $('step-rule').textContent = text;

  // every weight
  const rows = [];
  s.layers.forEach((lay, l0) => {
    const l = l0 + 1, prev = l === 1 ? s.x : s.layers[l0 - 1].a;
    lay.weights.forEach((row, i) => {
      if (lay.bias) {
        rows.push({ cells: [wName(l, i, 0), num(lay.bias[i]), num(lay.delta[i]), '1', num(lay.grad_bias[i]), num(lay.bias_after[i])] });
      }
      row.forEach((w, j) => {
        if (lay.mask && !lay.mask[i][j]) return;
        rows.push({
          cells: [wName(l, i, j + 1), num(w), num(lay.delta[i]), num(prev[j]), num(lay.grad_weights[i][j]), num(lay.weights_after[i][j])],
          cls: chosen.l === l && chosen.i === i ? 'chosen' : '',
        });
      });
    });
  });
  const wbox = $('step-weights');
  wbox.textContent = '';
  const narrow = window.matchMedia('(max-width: 600px)').matches; // a phone: short headings, all columns on screen
  wbox.append(table(['w', 'old', 'δ', 'a', narrow ? '∂E/∂w' : '∂E/∂w = δ·a', narrow ? 'new' : `new = old − ${num(s.alpha)}·∂E/∂w`], rows));
  $('step-text').textContent = s.text;
}

// ---- start --------------------------------------------------------------------

async function start() {
  try {
    const link = readHash();
    if (sid && !location.hash) {
      try {
        await refresh(true);
        return;
      } catch (e) {
        if (e.status !== 404) throw e;
      }
    }
    if (link.cfg.dataset === 'csv') { // the link cannot hold the file
      delete link.cfg.dataset;
      info('This link was made on a CSV file, which a link does not carry: drop the file onto the page to train on it again.');
    }
    if (Object.keys(link.cfg).length) {
      const { preset, ...cfg } = link.cfg;
      try {
        await create(cfg);
      } catch (e) {
        if (e.status !== 400) throw e;
        await create();
        message(`The link's setup could not be used (${e.message}): the default one is shown.`);
        return;
      }
      if (preset === 'article') await $('article').onclick();
      else if (link.step) setStepMode(true);
      return;
    }
    await create();
  } catch (e) {
    console.error(e);
    message(`The playground could not start: ${e.message}`, '', start);
  }
}
start();
// a link pasted into this tab: start again from it
window.addEventListener('hashchange', () => location.reload());
window.addEventListener('resize', () => S && drawNetwork());
