// meingpt-wasm in apps built by Vite 8 and webpack 5 (both pinned, each through its own CLI, with no
// config): the build must emit both wasm files (the main one and the runTools validator), found
// through `new URL(..., import.meta.url)`, and the built page runs the shared scenario in headless
// Chromium against the simulator, which also serves the build (same origin).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkScenario, checkLoadError } from '../runtimes/check.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const APP = path.resolve(HERE, '..'); // pkg-tests/
const ROOT = path.resolve(APP, '..');
const OUT = path.join(APP, '.out', 'bundlers');
const INSTALLED = path.join(APP, 'node_modules', 'meingpt-wasm');
const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));
const { chromium } = requireFromRoot('playwright-core');
const { startSimulator } = await import(pathToFileURL(path.join(ROOT, 'simulator', 'server.mjs')).href);

const bin = (pkg, rel) => path.join(path.dirname(requireFromRoot.resolve(`${pkg}/package.json`)), rel);
const builds = {
  vite: { cli: bin('vite', 'bin/vite.js'), args: (out) => ['build', '--base', './', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'] },
  webpack: {
    cli: bin('webpack-cli', 'bin/cli.js'),
    args: (out) => ['--mode', 'production', '--entry', './main.js', '--output-path', out, '--no-stats'],
  },
};

/** Every file of a build, relative to its folder. */
const filesOf = (dir) => fs.readdirSync(dir, { recursive: true }).filter((f) => fs.statSync(path.join(dir, f)).isFile());

let sim;
let context;
before(async () => {
  fs.rmSync(OUT, { recursive: true, force: true });
  const routes = {};
  for (const [name, b] of Object.entries(builds)) {
    const out = path.join(OUT, name);
    // Each build runs in a copy of the app (pkg-tests/.out/bundlers/src-<name>), so nothing is
    // written beside the sources; the copy sits where 'meingpt-wasm' and the scenario resolve.
    const src = path.join(OUT, `src-${name}`);
    fs.cpSync(path.join(HERE, 'app'), src, { recursive: true });
    fs.writeFileSync(path.join(src, 'main.js'), fs.readFileSync(path.join(src, 'main.js'), 'utf8').replace('../../runtimes/', '../../../runtimes/'));
    const r = spawnSync(process.execPath, [b.cli, ...b.args(out)], {
      cwd: src,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    assert.equal(r.status, 0, `${name} build failed:\n${r.stderr}\n${r.stdout}`);
    if (name === 'webpack') fs.copyFileSync(path.join(src, 'index.html'), path.join(out, 'index.html'));
    routes[`/${name}/`] = out;
  }
  // The Vite build once more, without its wasm files: a server that does not serve them.
  const bare = path.join(OUT, 'vite-no-wasm');
  fs.cpSync(path.join(OUT, 'vite'), bare, { recursive: true });
  for (const f of filesOf(bare)) if (f.endsWith('.wasm')) fs.rmSync(path.join(bare, f));
  routes['/vite-no-wasm/'] = bare;
  sim = await startSimulator({ port: 0, host: '127.0.0.1', now: 1718000000000, staticRoutes: routes });
  context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(OUT, 'profile-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    timeout: 20_000,
  });
  context.setDefaultTimeout(15_000);
}, { timeout: 240_000 });

after(async () => {
  await context?.close();
  await sim?.close();
});

for (const name of Object.keys(builds)) {
  test(`${name}: the build emits both wasm files, byte for byte the package's`, { timeout: 10_000 }, () => {
    const dir = path.join(OUT, name);
    const wasm = filesOf(dir).filter((f) => f.endsWith('.wasm'));
    assert.equal(wasm.length, 2, `wasm files: ${wasm.join(', ')}`);
    const want = ['meingpt_wasm_bg.wasm', 'meingpt_schema.wasm'].map((f) => fs.readFileSync(path.join(INSTALLED, f)));
    const got = wasm.map((f) => fs.readFileSync(path.join(dir, f)));
    for (const w of want) assert.ok(got.some((g) => g.equals(w)), 'each wasm of the package is emitted unchanged');
  });

  test(`${name}: the built page runs the scenario in Chromium`, { timeout: 60_000 }, async () => {
    const page = await context.newPage();
    const problems = [];
    // Chromium logs each 4xx as a console error: the scenario's 401 is expected, a 404 is not
    // (apart from the favicon no app here has), so 404s are checked by URL below.
    page.on('console', (m) => m.type() === 'error' && !/^Failed to load resource/.test(m.text()) && problems.push(m.text()));
    page.on('response', (r) => r.status() === 404 && !r.url().endsWith('/favicon.ico') && problems.push(`404 ${r.url()}`));
    page.on('pageerror', (e) => problems.push(String(e)));
    const wasmTypes = [];
    page.on('response', (r) => r.url().endsWith('.wasm') && wasmTypes.push(r.headers()['content-type']));
    await page.goto(`${sim.url}/${name}/`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'bereit');
    const result = await page.evaluate((o) => window.meingpt.run(o), { baseUrl: `${sim.url}/api/openai/v1`, apiKey: 'sk-bundler-test' });
    checkScenario(result);
    assert.equal(wasmTypes.length, 2, 'the page fetched both wasm files');
    assert.ok(wasmTypes.every((t) => t === 'application/wasm'), wasmTypes.join(', '));
    assert.deepEqual(problems, []);
    await page.close();
  });
}

test('a page whose wasm is not served: init() rejects with a MeinGPTError that says how to serve it', { timeout: 30_000 }, async () => {
  const page = await context.newPage();
  await page.goto(`${sim.url}/vite-no-wasm/`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'bereit');
  checkLoadError(await page.evaluate(() => window.meingpt.init()), /serve it beside the package's JS as application\/wasm/);
  await page.close();
});
