// End-to-end test of the playground, as a person would use it: build the
// CLI, start `backprop serve` on a free local port, open the page in
// Debian's headless Chromium (driven by playwright-core), pick XOR, train
// until the test loss is below 0.1, check the output map is drawn, open the
// worked example in step mode and read 0.671846 → 0.698076 from the page,
// and save screenshots.
//
//   node e2e.mjs            (from serve/e2e; run.sh installs what it needs)
//
// Environment: CHROMIUM (default /usr/bin/chromium), E2E_OUT (where the
// screenshots go; default $TMPDIR/backprop-playground-e2e), BACKPROP_BIN (a built binary to
// use instead of building one).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
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
let server, context;

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

async function main() {
  let bin = process.env.BACKPROP_BIN;
  if (!bin) {
    bin = join(tmp, 'backprop');
    log('building', bin);
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

  await check('the page loads and a session starts', async () => {
    await page.goto(url);
    await page.waitForFunction(() => /\d/.test(document.getElementById('test-loss').textContent), null, { timeout: 15000 });
    assert(await page.title() === 'backprop playground', `title ${await page.title()}`);
  });

  await check('XOR trains until the test loss is below 0.1', async () => {
    await page.selectOption('#dataset', 'circles'); // make sure a change of dataset works, then back
    await page.waitForFunction(() => document.getElementById('steps').textContent === '0');
    await page.selectOption('#dataset', 'spirals');
    await page.selectOption('#dataset', 'xor'); // two changes in flight: the later must win
    await page.waitForTimeout(300);
    await page.click('#play');
    await page.waitForFunction(() => {
      const v = parseFloat(document.getElementById('test-loss').textContent);
      return v >= 0 && v < 0.1;
    }, null, { timeout: 120000, polling: 200 });
    await page.click('#play'); // pause
    await page.waitForTimeout(300);
    const loss = parseFloat(await text('#test-loss'));
    log(`test loss ${loss} after ${await text('#steps')} steps`);
    assert(loss < 0.1, `test loss ${loss}`);
    await assertXOR(page);
  });

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

  await check('choosing a neuron shows its delta rule', async () => {
    await page.click('#neuron-2-1'); // h5
    const rule = await text('#step-rule');
    assert(rule.includes('δ2_2') && rule.includes('-0.0496817'), `delta rule of h5:\n${rule}`);
    await page.click('#neuron-1-0');
    await page.screenshot({ path: join(out, 'playground-step.png'), fullPage: true });
    await page.locator('#step-panel').screenshot({ path: join(out, 'playground-step-panel.png') });
  });

  await check('no page errors, nothing loaded from outside', async () => {
    assert(errors.length === 0, `page errors: ${errors.join('; ')}`);
    assert(outside.length === 0, `requests outside the server: ${outside.join(', ')}`);
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
  rmSync(tmp, { recursive: true, force: true });
}
log(`screenshots in ${out}`);
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(status || (failed ? 1 : 0));
