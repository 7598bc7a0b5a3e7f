// examples/nextjs as a user builds and runs it: `next build` (Turbopack) once, then `next start` on
// 127.0.0.1 against the simulator, the key only in the server's environment. Both route handlers
// (Node runtime, and the same on the edge runtime, where the package's `edge-light` entry gets its
// wasm as compiled modules) stream to the page, which re-hydrates the stream with
// ChatCompletionStream.fromResponse; the page runs in headless Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chatCompletion, ChatCompletionStream, BadRequestError } from 'meingpt-wasm';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const APP = path.resolve(HERE, '..'); // pkg-tests/
const ROOT = path.resolve(APP, '..');
// The example is copied under pkg-tests/, where 'meingpt-wasm' resolves to the installed tarball.
const OUT = path.join(APP, '.out', 'nextjs');
const SITE = path.join(OUT, 'app');
const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));
const NEXT = path.join(path.dirname(requireFromRoot.resolve('next/package.json')), 'dist', 'bin', 'next');
const { chromium } = requireFromRoot('playwright-core');
const { startSimulator } = await import(pathToFileURL(path.join(ROOT, 'simulator', 'server.mjs')).href);
const KEY = 'sk-nextjs-server-only-4711';
const QUESTION = 'Hallo! Wie ist das Wetter in München?';
const ENV = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NO_COLOR: '1' };

/**
 * POSTs `body` on a connection of its own, closed afterwards: the status, or the error code when the
 * server answered (413) and closed before the body was all sent. Through fetch, that connection went
 * back to its pool and failed the next test's request now and then ("fetch failed").
 */
function postAlone(route, body) {
  return new Promise((resolve) => {
    const req = http.request(site + route, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' },
      timeout: 15_000,
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(e.code ?? e.message));
    req.end(body);
  });
}

let sim;
let server; // the `next start` child
let site; // its URL
let context;
let expected; // what the simulator answers QUESTION

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

before(async () => {
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  const example = path.join(ROOT, 'examples', 'nextjs');
  fs.cpSync(example, SITE, { recursive: true, filter: (f) => !/[/\\](node_modules|\.next)$/.test(f) });
  const build = spawnSync(process.execPath, [NEXT, 'build'], { cwd: SITE, env: ENV, encoding: 'utf8', timeout: 240_000 });
  assert.equal(build.status, 0, `next build failed:\n${build.stdout}\n${build.stderr}`);

  sim = await startSimulator({ port: 0, host: '127.0.0.1', now: 1718000000000 });
  const baseUrl = `${sim.url}/api/openai/v1`;
  expected = (await chatCompletion({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: QUESTION }] }, { baseUrl, apiKey: 'sk-x' }))
    .choices[0].message.content;

  const port = await freePort();
  site = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, [NEXT, 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: SITE,
    env: { ...ENV, MEINGPT_API_KEY: KEY, MEINGPT_BASE_URL: baseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  server.stdout.on('data', (d) => (log += d));
  server.stderr.on('data', (d) => (log += d));
  // Ready when it answers (bounded: 100 tries, 30 s).
  for (let i = 0; ; i += 1) {
    const ok = await fetch(site, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
    if (ok) break;
    assert.ok(i < 100 && server.exitCode === null, `next start did not come up:\n${log}`);
    await new Promise((r) => setTimeout(r, 300));
  }
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
}, { timeout: 300_000 });

after(async () => {
  await context?.close();
  if (server && server.exitCode === null) {
    const gone = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  await sim?.close();
}, { timeout: 20_000 });

test('next build put the edge route on the edge-light entry, its two wasm files as compiled-module bindings', { timeout: 10_000 }, () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(SITE, '.next', 'server', 'middleware-manifest.json'), 'utf8'));
  const edge = manifest.functions['/api/chat/edge/route'];
  assert.ok(edge, `edge functions: ${Object.keys(manifest.functions).join(', ')}`);
  assert.deepEqual(edge.wasm.map((w) => /meingpt_(wasm_bg|schema)/.exec(w.filePath)?.[1]).sort(), ['schema', 'wasm_bg']);
  assert.ok(!manifest.functions['/api/chat/route'], 'the Node route is not an edge function');
  // Turbopack lists wasm bindings for the browser entry's `new URL(...)` too (as blob: URLs the
  // sandbox cannot fetch), so what tells the entries apart is the code: edge.js, not browser.js.
  const code = edge.files.filter((f) => f.endsWith('.js')).map((f) => fs.readFileSync(path.join(SITE, '.next', f), 'utf8')).join('\n');
  assert.match(code, /import it with '\?module'/, 'the edge-light entry (js/edge.js) is in the edge function');
  assert.doesNotMatch(code, /serve it beside the package's JS/, 'the browser entry is not');
});

for (const [label, route] of [['Node runtime', '/api/chat'], ['edge runtime', '/api/chat/edge']]) {
  test(`${label}: ${route} streams SSE that ChatCompletionStream.fromResponse re-hydrates`, { timeout: 30_000 }, async () => {
    const post = (body) =>
      fetch(site + route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const response = await post({ messages: [{ role: 'user', content: QUESTION }] });
    const calls = sim.log.length; // the API calls so far, this one included (its answer has begun)
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /^text\/event-stream/);
    const stream = await ChatCompletionStream.fromResponse(response);
    assert.equal((await stream.finalCompletion()).choices[0].message.content, expected);
    // A request the route refuses: its 400 re-hydrates as the package's BadRequestError.
    const refused = await ChatCompletionStream.fromResponse(await post({ messages: 'nein' })).then(() => null, (e) => e);
    assert.ok(refused instanceof BadRequestError, String(refused));
    assert.match(refused.message, /messages/);
    // The route holds the key: no call from another site's page, no unbounded body.
    const crossSite = await fetch(site + route, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' },
      body: JSON.stringify({ messages: [{ role: 'user', content: QUESTION }] }),
    });
    assert.equal(crossSite.status, 403);
    const huge = await postAlone(route, JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(600 * 1024) }] }));
    assert.ok([413, 'ECONNRESET', 'EPIPE'].includes(huge), `a body over the limit: ${huge}`);
    assert.equal(sim.log.length, calls, 'nothing refused reached the API');
  });

  test(`${label}: the page renders the stream in Chromium, and never sees the key`, { timeout: 60_000 }, async () => {
    const page = await context.newPage();
    const problems = [];
    // Chromium logs each 4xx as a console error; 404s are checked by URL (the app has no favicon).
    page.on('console', (m) => m.type() === 'error' && !/^Failed to load resource/.test(m.text()) && problems.push(m.text()));
    page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && problems.push(`${r.status()} ${r.url()}`));
    const wasm = [];
    page.on('response', (r) => r.url().endsWith('.wasm') && wasm.push(r.headers()['content-type']));
    page.on('pageerror', (e) => problems.push(String(e)));
    const bodies = [];
    page.on('response', (r) => r.text().then((t) => bodies.push(t), () => {}));
    await page.goto(`${site}/${route.endsWith('edge') ? '?runtime=edge' : ''}`);
    await page.locator('#message').fill(QUESTION);
    await page.locator('#send').click();
    await page.waitForFunction(() => /^(fertig|Fehler)/.test(document.getElementById('status')?.textContent ?? ''));
    assert.equal(await page.locator('#status').textContent(), 'fertig');
    assert.equal(await page.locator('#answer').textContent(), expected);
    assert.deepEqual(problems, []);
    assert.deepEqual(wasm, ['application/wasm'], 'the page loaded the package wasm (the re-hydration decodes with it)');
    const seen = bodies.join('\n') + (await page.content());
    assert.ok(!seen.includes(KEY), 'the key reached the browser');
    await page.close();
  });
}
