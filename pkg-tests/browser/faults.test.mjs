// The shared fault table (../fault-cases.mjs) and the trap scenario in headless Chromium, against the
// simulator (which also serves the page and the installed package: same origin). Typed errors within
// the timeout, never a hang, the canary key never shows (errors, console, URL, headers other than
// Authorization), the next call works, and a trapped instance is replaced.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { FAULT_CASES, CANARY, checkCase, checkTrap } from '../fault-cases.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const APP = path.resolve(HERE, '..');
const ROOT = path.resolve(APP, '..');
const OUT = path.join(APP, '.out', 'browser-faults');
const INSTALLED = path.join(APP, 'node_modules', 'meingpt-wasm');
const { chromium } = createRequire(path.join(ROOT, 'package.json'))('playwright-core');
const { startSimulator } = await import(pathToFileURL(path.join(ROOT, 'simulator', 'server.mjs')).href);

let sim;
let browser;
let page;
const consoleLines = [];
const pageErrors = [];
let env;

before(async () => {
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  fs.copyFileSync(path.join(HERE, 'faults.html'), path.join(OUT, 'index.html'));
  fs.copyFileSync(path.join(APP, 'fault-cases.mjs'), path.join(OUT, 'fault-cases.mjs'));
  sim = await startSimulator({ port: 0, host: '127.0.0.1', now: 1718000000000, staticRoutes: { '/faults/': OUT, '/pkg/': INSTALLED } });
  env = { apiKey: CANARY, baseUrl: `${sim.url}/api/openai/v1` };
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    timeout: 20_000,
  });
  page = await browser.newPage();
  page.setDefaultTimeout(60_000);
  page.on('console', (msg) => consoleLines.push(`${msg.type()}: ${msg.text()} (${msg.location()?.url ?? ''})`));
  page.on('pageerror', (err) => pageErrors.push(err.stack ?? String(err)));
  await page.goto(`${sim.url}/faults/`, { waitUntil: 'load', timeout: 15_000 });
  await page.waitForFunction(() => typeof window.faults === 'object', null, { timeout: 15_000 });
}, { timeout: 40_000 });

after(async () => {
  await browser?.close();
  await sim?.close();
}, { timeout: 15_000 });

function keyInLog() {
  const out = [];
  for (const r of sim.log) {
    if (r.path.includes(CANARY)) out.push(`the key in a path: ${r.path}`);
    for (const [k, v] of Object.entries(r.headers)) if (k !== 'authorization' && String(v).includes(CANARY)) out.push(`the key in header ${k}`);
  }
  return out;
}

let n = 0;
for (const c of FAULT_CASES) {
  test(`chromium fault: ${c.name}`, { timeout: 60_000 }, async () => {
    n += 1;
    const id = `br-fault-${n}`;
    const r = await page.evaluate(([name, e]) => window.faults.run(name, e), [c.name, { ...env, id }]);
    // Chromium's network stack itself re-sends a request whose reused connection was reset before
    // any response byte: the package's own retries cannot be counted there.
    const requests = c.fault === 'reset' ? undefined : sim.log.filter((x) => x.headers['x-test-id'] === id).length;
    const problems = checkCase(c, r, CANARY, requests);
    problems.push(...keyInLog());
    assert.deepEqual(problems, [], JSON.stringify(r.outcomes).slice(0, 1500));
  });
}

test('chromium: a trapped instance is replaced; in-flight calls fail; the next calls work', { timeout: 60_000 }, async () => {
  const r = await page.evaluate((e) => window.faults.trap(e), env);
  assert.deepEqual(checkTrap(r), [], JSON.stringify(r).slice(0, 2000));
});

test('chromium: the key never shows in the console; no page errors (unhandled rejections included)', { timeout: 10_000 }, async () => {
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.ok(consoleLines.length > 0, 'the console is captured (Chromium logs the failed requests)');
  assert.deepEqual(consoleLines.filter((l) => l.includes(CANARY)), []);
  assert.deepEqual(pageErrors, []);
});
