// End-to-end test of the playground, as a person would use it: build the
// engine (go generate ./serve) and the CLI, start `backprop serve` on a free
// local port, open the page in Debian's headless Chromium (driven by
// playwright-core), pick XOR, train until the test loss is below 0.1, check
// the output map is drawn, open the worked example in step mode and read
// 0.671846 → 0.698076 from the page, and save screenshots. Then the same
// with the engine on the server (?engine=server), and then the static
// export (`backprop serve --export-static`) served by a plain static file
// server with the Go server stopped, at 1280×800 and 390×844: there also
// iris dropped onto the page is trained, the model file downloaded and run
// by `backprop predict`, whose classes must be the page's for all 150 rows.
//
//   node e2e.mjs            (from serve/e2e; run.sh installs what it needs)
//
// Environment: CHROMIUM (default /usr/bin/chromium), E2E_OUT (where the
// screenshots go; default $TMPDIR/backprop-playground-e2e), BACKPROP_BIN (a built binary to
// use instead of building one).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHTTPServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const out = resolve(process.env.E2E_OUT || join(tmpdir(), 'backprop-playground-e2e'));
const tmp = mkdtempSync(join(tmpdir(), 'backprop-e2e-'));
mkdirSync(out, { recursive: true });
rmSync(join(out, 'failure.png'), { force: true });

let passed = 0, failed = 0;
let server, context, staticServer;

function log(...a) { console.log('e2e:', ...a); }

async function check(name, fn) {
  try {
    await fn();
    passed++;
    log(`ok   ${name}`);
  } catch (e) {
    failed++;
    log(`FAIL ${name}: ${e.message}`);
    throw e;
  }
}

function assert(cond, msg) { if (!cond) throw new Error(msg); }

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

// startServer runs `backprop serve` and waits for the URL it prints.
async function startServer(bin, port) {
  const addr = `127.0.0.1:${port}`;
  server = spawn(bin, ['serve', '--addr', addr], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  server.stderr.on('data', (d) => { output += d; });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`the server did not start in 30 s:\n${output}`)), 30000);
    server.stdout.on('data', (d) => {
      output += d;
      const m = /http:\/\/\S+\//.exec(output);
      if (m) { clearTimeout(timer); ok(m[0]); }
    });
    server.once('exit', (code) => { clearTimeout(timer); fail(new Error(`the server exited (${code}):\n${output}`)); });
  });
}

// assertXOR checks that the page trained XOR: the session's dataset, the
// control, and the points it draws (class 1 exactly where x1·x2 > 0).
async function assertXOR(page) {
  const got = await page.evaluate(() => ({
    dataset: S.config.dataset, control: document.getElementById('dataset').value,
    wrong: data.train.filter((r) => (r[0] * r[1] > 0) !== (r[2] === 1)).length, n: data.train.length,
  }));
  assert(got.dataset === 'xor' && got.control === 'xor' && got.n > 0 && got.wrong === 0,
    `trained ${JSON.stringify(got)}, want XOR`);
}

// serveStatic serves dir on a free port of 127.0.0.1, as a plain static
// host would: files with their types, nothing else.
async function serveStatic(dir) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.gz': 'application/gzip' };
  const port = await freePort();
  staticServer = createHTTPServer((req, res) => {
    const name = new URL(req.url, 'http://x').pathname.replace(/^\/$/, '/index.html');
    const ext = name.slice(name.lastIndexOf('.'));
    try {
      if (name.includes('..')) throw new Error('..');
      const body = readFileSync(join(dir, name));
      res.writeHead(200, { 'Content-Type': types[ext] || 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise((ok) => staticServer.listen(port, '127.0.0.1', ok));
  return `http://127.0.0.1:${port}/`;
}

// openPage opens url in a fresh browser profile at the given size and
// records page errors, requests outside base and the bytes transferred.
async function openPage(url, base, viewport, deviceScaleFactor = 1) {
  const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmp, 'profile-')), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
    viewport,
    deviceScaleFactor,
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  const seen = { errors: [], outside: [], bytes: 0, files: 0 };
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') seen.errors.push(m.text()); });
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) seen.outside.push(r.url()); });
  page.on('requestfinished', async (r) => {
    const sz = await r.sizes().catch(() => null);
    if (sz) { seen.bytes += sz.responseBodySize + sz.responseHeadersSize; seen.files++; }
  });
  await page.goto(url);
  await page.waitForFunction(() => /\d/.test(document.getElementById('test-loss').textContent), null, { timeout: 30000 });
  return { ctx, page, seen };
}

// trainXOR trains XOR on the page until the test loss is below 0.1.
async function trainXOR(page) {
  await page.selectOption('#dataset', 'spirals');
  await page.selectOption('#dataset', 'xor'); // two changes in flight: the later must win
  await page.waitForFunction(() => typeof S === 'object' && S.config.dataset === 'xor' && S.total_steps === 0);
  await page.click('#play');
  // the page's test loss and steps when it first shows a test loss below 0.1
  const reached = await page.waitForFunction(() => {
    const v = parseFloat(document.getElementById('test-loss').textContent);
    return v >= 0 && v < 0.1 && { loss: v, steps: document.getElementById('steps').textContent };
  }, null, { timeout: 120000, polling: 100 });
  await page.click('#play'); // pause
  const { loss, steps } = await reached.jsonValue();
  log(`test loss ${loss} after ${steps} steps (${await page.locator('#test-loss').innerText()} when paused)`);
  assert(loss < 0.1, `test loss ${loss}`);
  await assertXOR(page);
}

// stepsPerSecond plays for ms milliseconds and returns the steps taken per
// second.
async function stepsPerSecond(page, ms) {
  const steps = async () => Number(await page.locator('#steps').innerText());
  const s0 = await steps();
  const t0 = Date.now();
  await page.click('#play');
  await page.waitForTimeout(ms);
  await page.click('#play');
  await page.waitForTimeout(300);
  return (await steps() - s0) / ((Date.now() - t0) / 1000);
}

// engineRate times train requests of up to 2000 steps (each stopped at the
// server's 300 ms): the engine's own speed, without drawing.
async function engineRate(page) {
  return page.evaluate(async () => {
    let steps = 0;
    const t0 = performance.now();
    for (let k = 0; k < 5; k++) steps += (await session('POST', '/train', { steps: 2000 }, '')).steps;
    return steps / ((performance.now() - t0) / 1000);
  });
}

// workedExample opens the worked example and reads its output before and
// after the step.
async function workedExample(page) {
  await page.click('#article');
  await page.waitForFunction(() => document.getElementById('out-after').textContent === '0.698076', null, { timeout: 15000 })
    .catch(() => {}); // the assertion below says what the page shows
  const before = await page.locator('#out-before').innerText(), after = await page.locator('#out-after').innerText();
  log(`output ${before} → ${after}`);
  assert(before === '0.671846' && after === '0.698076', `output ${before} → ${after}`);
}

// dropCSV drops the file at path onto the page, as a person drags it there
// from their files.
async function dropCSV(page, path, name) {
  const dt = await page.evaluateHandle(([text, n]) => {
    const d = new DataTransfer();
    d.items.add(new File([text], n, { type: 'text/csv' }));
    return d;
  }, [readFileSync(path, 'utf8'), name]);
  await page.dispatchEvent('main', 'dragover', { dataTransfer: dt });
  await page.dispatchEvent('main', 'drop', { dataTransfer: dt });
}

// trainIris drops iris onto the page, trains it, downloads the model file
// and runs `backprop predict` on it: the classes of all 150 rows must be
// the page's. Then a bad file: a message, the table kept.
async function trainIris(page, bin, shots) {
  const iris = join(root, 'data/embedded/iris.csv');
  await dropCSV(page, iris, 'iris.csv');
  await page.waitForFunction(() => S && S.config.dataset === 'csv' && S.table && S.table.rows === 150, null, { timeout: 30000 });
  const st = await page.evaluate(() => ({ classes: S.table.classes, output: S.config.output, loss: S.config.loss, outputs: S.network.layers.at(-1).weights.length }));
  assert(st.classes.length === 3 && st.output === 'softmax' && st.loss === 'cross-entropy' && st.outputs === 3, `iris: ${JSON.stringify(st)}`);
  await page.selectOption('#table-x', 'petal_length');
  await page.waitForFunction(() => S.table.view[0] === 'petal_length');
  await page.selectOption('#table-y', 'petal_width');
  await page.waitForFunction(() => S.table.view[1] === 'petal_width' && S.total_steps === 0);
  assert((await page.locator('#table-held').innerText()).includes('sepal_length, sepal_width) are held at their means'),
    'the page does not say which columns are held at their means');
  await page.click('#play');
  await page.waitForFunction(() => { const v = parseFloat(document.getElementById('test-loss').textContent); return v >= 0 && v < 0.15; }, null, { timeout: 60000, polling: 200 });
  await page.click('#play');
  await page.waitForFunction(() => !playing);
  await page.waitForTimeout(300);
  await page.evaluate(() => refresh(true));
  const colours = await page.$eval('#boundary', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let k = 0; k < d.length; k += 4 * 97) seen.add(`${d[k] >> 5},${d[k + 1] >> 5},${d[k + 2] >> 5}`);
    return seen.size;
  });
  assert(colours >= 6, `the output map has ${colours} colours, want the three classes' shades`);
  if (shots) await page.screenshot({ path: join(out, shots), fullPage: shots.includes('390') });
  const page_ = await page.evaluate(() => ({ predicted: S.table.predicted, records: S.table.records, loss: S.test_loss }));
  assert(page_.predicted.length === 150, `${page_.predicted.length} predictions on the page`);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download-model')]);
  const model = join(tmp, `iris-${Date.now()}.model.json`);
  await dl.saveAs(model);
  const cli = execFileSync(bin, ['predict', '--model', model, '--data', iris, '--split', 'all'], { encoding: 'utf8' })
    .trim().split('\n').slice(1).map((l) => l.split(','));
  assert(cli.length === 150, `backprop predict gave ${cli.length} rows`);
  const differ = cli.filter(([id, cls], k) => Number(id) !== page_.records[k] || cls !== page_.predicted[k]);
  assert(differ.length === 0, `backprop predict differs from the page on ${differ.length} rows: ${JSON.stringify(differ.slice(0, 5))}`);
  // backprop evaluate finds the page's test part from the split the model
  // file records, and scores it as the page does.
  const ev = execFileSync(bin, ['evaluate', '--model', model, '--data', iris], { encoding: 'utf8' });
  const evLoss = Number(/^loss (\S+),/m.exec(ev)[1]);
  assert(Math.abs(evLoss - page_.loss) <= 1e-4 * Math.max(1, page_.loss) + 5e-6, `backprop evaluate: test loss ${evLoss}, the page ${page_.loss}`);
  const truth = readFileSync(iris, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').at(-1).trim());
  const right = truth.filter((c, k) => c === page_.predicted[k]).length;
  log(`iris: test loss ${page_.loss.toFixed(4)} (backprop evaluate: ${evLoss}), ${right} of 150 rows right; backprop predict on the downloaded model agrees on all 150`);
  assert(right >= 135, `${right} of 150 iris rows classified right`);
  const [onnx] = await Promise.all([page.waitForEvent('download'), page.click('#download-onnx')]);
  const onnxPath = join(tmp, 'iris.onnx');
  await onnx.saveAs(onnxPath);
  assert(readFileSync(onnxPath).length > 200 && onnx.suggestedFilename() === 'iris.onnx', `the ONNX download: ${onnx.suggestedFilename()}`);
  // Step mode on a row of the table: three outputs, the row's values.
  await page.check('#stepmode');
  await page.fill('#step-index', '3');
  await page.dispatchEvent('#step-index', 'change');
  await page.click('#take-step');
  await page.waitForFunction(() => !document.getElementById('step-result').hidden && /^\(.*,.*,.*\)$/.test(document.getElementById('out-after').textContent));
  const example = await page.locator('#step-example').innerText();
  assert(/petal_length = [\d.]+, petal_width = [\d.]+, species = \w+/.test(example), `step mode's example: ${example}`);
  if (shots) await page.screenshot({ path: join(out, shots.replace('.png', '-step.png')), fullPage: shots.includes('390') });
  await page.uncheck('#stepmode');
  // A file that cannot be read: a message that says why, the table kept.
  const bad = join(tmp, 'bad.csv');
  writeFileSync(bad, 'a,b,label\n1,2,x\n3\n');
  await dropCSV(page, bad, 'bad.csv');
  await page.waitForFunction(() => /bad\.csv/.test(document.getElementById('message').textContent));
  const msg = await page.locator('#message').innerText();
  assert(/bad\.csv:3/.test(msg) && await page.evaluate(() => S.table.name === 'iris.csv'), `a bad file: "${msg}"`);
  log(`a bad file: "${msg}"`);
}

async function main() {
  let bin = process.env.BACKPROP_BIN;
  if (!bin) {
    bin = join(tmp, 'backprop');
    log('building the engine (go generate ./serve) and', bin);
    execFileSync('go', ['generate', './serve'], { cwd: root, stdio: 'inherit' });
    execFileSync('go', ['build', '-o', bin, './cmd/backprop'], { cwd: root, stdio: 'inherit' });
  }
  const url = await startServer(bin, await freePort());
  log('server at', url);

  context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
    viewport: { width: 1360, height: 900 },
  });
  const page = context.pages()[0] || await context.newPage();
  const errors = [], outside = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('request', (r) => { if (!r.url().startsWith(url) && !r.url().startsWith('data:')) outside.push(r.url()); });

  const text = (sel) => page.locator(sel).innerText();

  await check('the page loads and a session starts, the engine in the browser', async () => {
    await page.goto(url);
    await page.waitForFunction(() => /\d/.test(document.getElementById('test-loss').textContent), null, { timeout: 30000 });
    assert(await page.title() === 'backprop playground', `title ${await page.title()}`);
    assert(await page.evaluate(() => engine) === 'browser', 'the engine is not the browser\'s');
  });

  await check('XOR trains until the test loss is below 0.1', () => trainXOR(page));

  await check('the output map is drawn (blue and orange pixels)', async () => {
    const px = await page.evaluate(() => {
      const cv = document.getElementById('boundary');
      const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
      let blue = 0, orange = 0, blank = 0;
      for (let k = 0; k < d.length; k += 4) {
        const [r, g, b, a] = [d[k], d[k + 1], d[k + 2], d[k + 3]];
        if (a === 0 || (r > 245 && g > 245 && b > 245)) blank++;
        else if (b > r + 40) blue++;
        else if (r > b + 40) orange++;
      }
      return { blue, orange, blank, all: d.length / 4 };
    });
    log('boundary pixels', JSON.stringify(px));
    assert(px.blue > px.all / 10 && px.orange > px.all / 10, `blue ${px.blue}, orange ${px.orange} of ${px.all}`);
    await page.screenshot({ path: join(out, 'playground-train.png') });
  });

  await check('step mode on a training example shows its numbers', async () => {
    await page.check('#stepmode');
    await page.fill('#step-index', '5');
    await page.dispatchEvent('#step-index', 'change');
    await page.click('#take-step');
    await page.waitForFunction(() => document.getElementById('out-after').textContent !== '–', null, { timeout: 15000 });
    const rows = await page.locator('#step-weights tr').count();
    assert(rows === 1 + (2 * 6 + 6) + (6 * 4 + 4) + (4 + 1), `${rows} rows in the weights table`);
    await page.screenshot({ path: join(out, 'playground.png'), fullPage: true });
    // for the README (docs/playground.png): the top of the page, the training
    // and the step's neurons
    await page.screenshot({ path: join(out, 'playground-docs.png'), fullPage: true, clip: { x: 0, y: 0, width: 1360, height: 1090 } });
  });

  await check('the worked example shows 0.671846 → 0.698076 in step mode', async () => {
    await page.click('#article');
    await page.waitForFunction(() => document.getElementById('out-before').textContent === '0.671846', null, { timeout: 15000 })
      .catch(() => {}); // the assertion below says what the page shows
    const before = await text('#out-before'), after = await text('#out-after');
    log(`output ${before} → ${after}`);
    assert(before === '0.671846' && after === '0.698076', `output ${before} → ${after}`);
    assert(await page.isVisible('#step-panel'), 'step panel hidden');
    const rule = await text('#step-rule');
    assert(rule.includes('δ1_1') && rule.includes('0.00118889'), `delta rule of h1:\n${rule}`);
    const weights = await text('#step-weights');
    assert(weights.includes('w3_12') && weights.includes('0.812167'), 'weights table lacks w3_12 = 0.812167');
  });

  await check('the worked example draws its |δ| bars from the step: layer 1 at 1/58 of the output', async () => {
    const ratio = await page.evaluate(() => { const d = deltaScale(); return d && d.what === 'this step' && d.values[2] / d.values[0]; });
    assert(ratio > 57 && ratio < 59, `output/layer-1 mean |δ| ${ratio}`);
  });

  await check('choosing a neuron shows its delta rule', async () => {
    await page.click('#neuron-2-1'); // h5
    const rule = await text('#step-rule');
    assert(rule.includes('δ2_2') && rule.includes('-0.0496817'), `delta rule of h5:\n${rule}`);
    await page.click('#neuron-1-0');
    await page.screenshot({ path: join(out, 'playground-step.png'), fullPage: true });
    await page.locator('#step-panel').screenshot({ path: join(out, 'playground-step-panel.png') });
  });

  await check('the preset deep sigmoid vs relu: the sigmoid\'s layer-1 deltas far below the output\'s, relu\'s level', async () => {
    await page.uncheck('#stepmode');
    const ratios = {};
    for (const act of ['sigmoid', 'relu']) {
      await page.click('#deep');
      await page.waitForFunction((a) => S.config.hidden.length === 6 && S.config.hidden.every((h) => h.activation === a) && S.health, act, { timeout: 15000 });
      ratios[act + '@0'] = await page.evaluate(() => S.health[S.health.length - 1].mean_abs_delta / S.health[0].mean_abs_delta);
      await page.click('#play');
      await page.waitForFunction(() => S.total_steps > 300, null, { timeout: 30000 });
      await page.click('#play');
      await page.waitForFunction(() => !busy, null, { timeout: 15000 });
      ratios[act] = await page.evaluate(() => S.health[S.health.length - 1].mean_abs_delta / S.health[0].mean_abs_delta);
      await page.screenshot({ path: join(out, `playground-deep-${act}.png`) });
    }
    log('output/layer-1 mean |δ| at the start (@0) and after 300 steps', JSON.stringify(ratios));
    assert(ratios['sigmoid@0'] > 1000 && ratios['relu@0'] < 100 && ratios.sigmoid > 10 * ratios.relu, `ratios ${JSON.stringify(ratios)}`);
  });

  await check('no page errors, nothing loaded from outside', async () => {
    assert(errors.length === 0, `page errors: ${errors.join('; ')}`);
    assert(outside.length === 0, `requests outside the server: ${outside.join(', ')}`);
  });
  await context.close();
  context = null;

  let serverRate, serverEngine;
  await check('with the engine on the server (?engine=server): XOR trains, the worked example', async () => {
    const { ctx, page: p, seen } = await openPage(url + '?engine=server', url, { width: 1280, height: 800 });
    context = ctx;
    assert(await p.evaluate(() => engine) === 'server', 'the engine is not the server\'s');
    await trainXOR(p);
    serverRate = await stepsPerSecond(p, 4000);
    serverEngine = await engineRate(p);
    await workedExample(p);
    assert(seen.errors.length === 0, `page errors: ${seen.errors.join('; ')}`);
    await ctx.close();
    context = null;
  });

  await check('with the engine on the server: iris dropped onto the page trains, backprop predict agrees', async () => {
    const { ctx, page: p, seen } = await openPage(url + '?engine=server', url, { width: 1280, height: 800 });
    context = ctx;
    await trainIris(p, bin); // the same session code, on the server
    // the bad file's 400 is the only failed request
    const errors = seen.errors.filter((e) => !/status of 400/.test(e));
    assert(errors.length === 0 && seen.errors.length <= 1, `page errors: ${seen.errors.join('; ')}`);
    await ctx.close();
    context = null;
  });

  // The static export, served by a plain static file server, the Go server stopped.
  const dir = join(tmp, 'static');
  execFileSync(bin, ['serve', '--export-static', dir], { stdio: 'inherit' });
  server.kill('SIGINT');
  await new Promise((ok) => (server.exitCode !== null ? ok() : server.once('exit', ok)));
  const site = await serveStatic(dir);
  log('static export at', site, '(the Go server stopped)');

  await check('static export at 1280×800: XOR trains below 0.1, 0.671846 → 0.698076', async () => {
    const { ctx, page: p, seen } = await openPage(site, site, { width: 1280, height: 800 });
    context = ctx;
    assert(await p.evaluate(() => engine) === 'browser', 'the engine is not the browser\'s');
    log(`the page: ${seen.files} files, ${(seen.bytes / 1e6).toFixed(2)} MB transferred`);
    await trainXOR(p);
    await p.screenshot({ path: join(out, 'static-1280-train.png') });
    const rate = await stepsPerSecond(p, 4000);
    log(`steps/s playing, the default settings (mini-batch 10, 6-4 tanh, Adam): in the browser ${rate.toFixed(0)}, on the server ${serverRate.toFixed(0)}`);
    log(`steps/s of the engine alone (train requests of 2000 steps): WebAssembly ${(await engineRate(p)).toFixed(0)}, native on the server ${serverEngine.toFixed(0)}`);
    await workedExample(p);
    await p.screenshot({ path: join(out, 'static-1280-step.png') });
    const box = await p.locator('#out-after').boundingBox();
    assert(box && box.y >= 0 && box.y + box.height <= 800, `the worked example's output is off the first screen: ${JSON.stringify(box)}`);
    assert(seen.errors.length === 0, `page errors: ${seen.errors.join('; ')}`);
    assert(seen.outside.length === 0, `requests outside the static site: ${seen.outside.join(', ')}`);
    await ctx.close();
    context = null;
  });

  await check('static export at 1280×800: iris dropped onto the page trains, backprop predict agrees with the page', async () => {
    const { ctx, page: p, seen } = await openPage(site, site, { width: 1280, height: 800 });
    context = ctx;
    await trainIris(p, bin, 'static-1280-iris.png');
    assert(seen.errors.length === 0, `page errors: ${seen.errors.join('; ')}`);
    await ctx.close();
    context = null;
  });

  await check('a copied URL restores the exact setup in a fresh browser', async () => {
    const a = await openPage(site, site, { width: 1280, height: 800 });
    context = a.ctx;
    const p = a.page;
    await p.selectOption('#dataset', 'circles');
    await p.selectOption('#points', '200');
    await p.$eval('#noise', (el) => { el.value = '0.2'; el.dispatchEvent(new Event('change')); });
    await p.fill('#seed', '7');
    await p.dispatchEvent('#seed', 'change');
    await p.click('#features [data-feature="x1sq"]');
    await p.waitForFunction(() => S.config.features.join() === 'x1,x2,x1sq');
    await p.click('#features [data-feature="sinx2"]');
    await p.waitForFunction(() => S.config.features.join() === 'x1,x2,x1sq,sinx2');
    await p.click('#add-layer');
    await p.waitForFunction(() => S.config.hidden.length === 3);
    await p.selectOption('#layer-controls .layer:first-child select', 'relu');
    await p.selectOption('#mode', 'sgd');
    await p.selectOption('#learning_rate', '0.1');
    await p.selectOption('#optimizer', 'momentum');
    await p.selectOption('#l2', '0.001');
    await p.selectOption('#l1', '0.0001');
    await p.selectOption('#output', 'tanh'); // tanh output: squared loss
    await p.selectOption('#loss', 'squared');
    await p.selectOption('#output', 'tanh');
    await p.check('#stepmode');
    await p.waitForFunction(() => S.config.l2 === 0.001 && S.config.l1 === 0.0001 && S.config.output === 'tanh' && S.config.hidden[0].activation === 'relu');
    const want = await p.evaluate(() => JSON.stringify({ config: S.config, train: data.train, test: data.test, weights: S.network }));
    const link = p.url();
    log('link', link);
    await a.ctx.close();
    const b = await openPage(link, site, { width: 1280, height: 800 });
    context = b.ctx;
    const got = await b.page.evaluate(() => JSON.stringify({ config: S.config, train: data.train, test: data.test, weights: S.network }));
    assert(got === want, `the link restored another setup:\n${got.slice(0, 400)}\nwant\n${want.slice(0, 400)}`);
    assert(await b.page.isVisible('#step-panel'), 'step mode not restored');
    // a link to the worked example, in step mode
    await workedExample(b.page);
    const example = b.page.url();
    assert(/preset=article/.test(example) && /step=1/.test(example), `worked example link ${example}`);
    await b.ctx.close();
    const c = await openPage(example, site, { width: 1280, height: 800 });
    context = c.ctx;
    await c.page.waitForFunction(() => document.getElementById('out-after').textContent === '0.698076', null, { timeout: 15000 }).catch(() => {});
    const before = await c.page.locator('#out-before').innerText(), after = await c.page.locator('#out-after').innerText();
    assert(before === '0.671846' && after === '0.698076', `the worked example's link shows ${before} → ${after}`);
    await c.ctx.close();
    context = null;
  });

  await check('the page: huge losses, +/− at their limits, an output that does not fit the loss', async () => {
    const { ctx, page: p, seen } = await openPage(site, site, { width: 1280, height: 800 });
    context = ctx;
    assert(await p.evaluate(() => loss4(5.856044630141734e+301)) === '5.85604e+301', 'a huge loss is not written as explain writes it');
    await p.evaluate(() => configure({ hidden: [{ units: 1, activation: 'tanh' }, { units: 16, activation: 'relu' }] }));
    await p.waitForFunction(() => S.config.hidden.length === 2 && S.config.hidden[1].units === 16);
    const buttons = await p.$$eval('#layer-controls .units button', (bs) => bs.map((b) => b.disabled));
    assert(JSON.stringify(buttons) === '[true,false,false,true]', `− + − + disabled: ${buttons}`);
    await p.selectOption('#output', 'relu');
    await p.waitForFunction(() => S.config.output === 'relu');
    const loss = await p.evaluate(() => S.config.loss), note = await p.locator('#message').innerText();
    assert(loss === 'squared' && /loss is now squared/.test(note), `relu output: loss ${loss}, message ${note}`);
    await p.selectOption('#loss', 'log');
    await p.waitForFunction(() => S.config.loss === 'log');
    assert(await p.evaluate(() => S.config.output) === 'sigmoid', 'the log loss did not bring a sigmoid output');
    // hovering a neuron shows its map; hovering a weight its value; a click edits it
    const box = await p.locator('#network').boundingBox();
    const node = await p.evaluate(() => nodes.find((n) => n.l === 1 && n.i === 0));
    await p.mouse.move(box.x + node.x + node.size / 2, box.y + node.y + node.size / 2);
    const title = await p.locator('#out-title').innerText();
    assert(/hovering a1_1/.test(title), `hovering a1_1: the output panel says ${title}`);
    const edge = await p.evaluate(() => { const e = edges.find((e) => e.l === 2 && e.i === 0 && e.j === 1); return { pt: e.pts[12], w: e.w }; });
    await p.mouse.move(box.x + edge.pt[0], box.y + edge.pt[1]);
    const tip = await p.locator('#tip').innerText();
    assert(tip.startsWith('w2_11 = '), `the weight's tip: ${tip}`);
    await p.mouse.click(box.x + edge.pt[0], box.y + edge.pt[1]);
    await p.fill('#weight-value', '-0.75');
    await p.press('#weight-value', 'Enter');
    await p.waitForFunction(() => S.network.layers[1].weights[0][0] === -0.75);
    // regenerate: new points
    const first = await p.evaluate(() => JSON.stringify(data.train));
    await p.click('#regenerate');
    await p.waitForFunction((f) => JSON.stringify(data.train) !== f && S.total_steps === 0, first);
    // inputs toggled by clicking: circles on x1², x2² alone, no hidden layer
    await p.selectOption('#dataset', 'circles');
    for (const f of ['x1sq', 'x2sq', 'x1', 'x2']) await p.click(`#features [data-feature="${f}"]`);
    await p.click('#remove-layer');
    await p.click('#remove-layer');
    await p.selectOption('#learning_rate', '0.1');
    await p.selectOption('#optimizer', 'adam');
    await p.waitForFunction(() => S.config.features.join() === 'x1sq,x2sq' && S.config.hidden.length === 0 && S.network.inputs === 2 && S.config.learning_rate === 0.1);
    await p.click('#play');
    await p.waitForFunction(() => { const v = parseFloat(document.getElementById('test-loss').textContent); return v >= 0 && v < 0.1; }, null, { timeout: 60000, polling: 200 });
    await p.click('#play');
    await p.screenshot({ path: join(out, 'static-features.png') });
    assert(seen.errors.length === 0, `page errors: ${seen.errors.join('; ')}`);
    await ctx.close();
    context = null;
  });

  await check('static export at 390×844 (a phone, 3 device pixels a pixel): the worked example', async () => {
    const { ctx, page: p, seen } = await openPage(site, site, { width: 390, height: 844 }, 3);
    context = ctx;
    await p.screenshot({ path: join(out, 'static-390-start.png') });
    const first = await p.locator('#boundary').boundingBox();
    assert(first && first.y + first.height <= 844, `the output map is not on the first screen: ${JSON.stringify(first)}`);
    const px = await p.$eval('#boundary', (c) => [c.width, c.clientWidth]);
    assert(px[0] === 3 * px[1], `the output map's canvas: ${px[0]} pixels for ${px[1]} CSS pixels`);
    await workedExample(p);
    await p.screenshot({ path: join(out, 'static-390-step.png'), fullPage: true });
    const wide = await p.evaluate(() => document.documentElement.scrollWidth);
    assert(wide <= 390, `the page is ${wide} pixels wide on a 390-pixel screen`);
    const last = await p.locator('#step-weights th:last-child').boundingBox();
    assert(last && last.x + last.width <= 390, `the new weights' column ends at ${last && last.x + last.width}, off a 390-pixel screen`);
    assert(seen.errors.length === 0, `page errors: ${seen.errors.join('; ')}`);
    await ctx.close();
    context = null;
  });

  await check('static export at 390×844: iris dropped onto the page trains, backprop predict agrees', async () => {
    const { ctx, page: p, seen } = await openPage(site, site, { width: 390, height: 844 }, 3);
    context = ctx;
    await trainIris(p, bin, 'static-390-iris.png');
    const wide = await p.evaluate(() => document.documentElement.scrollWidth);
    assert(wide <= 390, `with iris the page is ${wide} pixels wide on a 390-pixel screen`);
    assert(seen.errors.length === 0, `page errors: ${seen.errors.join('; ')}`);
    await ctx.close();
    context = null;
  });
}

let status = 0;
try {
  await main();
} catch (e) {
  status = 1;
  if (!failed) { failed++; log('FAIL', e.message); }
  try {
    const page = context && context.pages()[0];
    if (page) await page.screenshot({ path: join(out, 'failure.png'), fullPage: true });
  } catch { /* no screenshot */ }
} finally {
  if (context) await context.close().catch(() => {});
  if (server && server.exitCode === null) server.kill('SIGINT');
  if (staticServer) staticServer.close();
  rmSync(tmp, { recursive: true, force: true });
}
log(`screenshots in ${out}`);
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(status || (failed ? 1 : 0));
