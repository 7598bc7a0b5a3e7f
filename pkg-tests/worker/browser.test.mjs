// A web page in headless Chromium on its own origin calls the Worker (in workerd) as its base URL, the
// way the demo page's "Local Worker" preset does: real CORS (preflight included), no key in the page.
// meingpt-wasm is loaded in the page from the installed package's browser entry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { bundleWorker, startWorkers } from './helpers.mjs';
import { APP, ROOT, INSTALLED } from '../workerd/wrangler-like.mjs';
import { startSim, rawPost, KEY, T, WEATHER_TOOL } from '../node/helpers.mjs';

const { chromium } = createRequire(path.join(ROOT, 'package.json'))('playwright-core');
const PAGE_DIR = path.join(APP, '.out', 'worker-browser-page');

let sim; // the upstream
let site; // serves the page and the package: the page's origin
let allowing; // a Worker that allows the page's origin
let refusing; // a Worker that does not
let browser;
let page;

const ask = (content, extra = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra });
const calls = () => sim.log.filter((r) => r.path === '/api/openai/v1/chat/completions');

before(async () => {
  fs.rmSync(PAGE_DIR, { recursive: true, force: true });
  fs.mkdirSync(PAGE_DIR, { recursive: true });
  fs.writeFileSync(path.join(PAGE_DIR, 'index.html'), '<!doctype html><meta charset="utf-8"><title>Worker client</title>\n');
  const bundle = await bundleWorker('worker-browser');
  sim = await startSim();
  site = await startSim({ staticRoutes: { '/page/': PAGE_DIR, '/pkg/': INSTALLED } });
  [allowing, refusing] = await startWorkers(bundle, [
    { secret: KEY, vars: { MEINGPT_BASE_URL: sim.baseUrl, ALLOWED_ORIGINS: `https://other.example, ${site.url}` } },
    { secret: KEY, vars: { MEINGPT_BASE_URL: sim.baseUrl, ALLOWED_ORIGINS: 'https://other.example' } },
  ]);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    timeout: 20_000,
  });
  page = await browser.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${site.url}/page/`);
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
  await Promise.allSettled([allowing, refusing].map((w) => w?.dispose()));
  await site?.close();
  await sim?.close();
}, { timeout: 15_000 });

/** Runs meingpt-wasm in the page against `baseUrl`: the JSON answer, the streamed text, errors. */
function inPage(baseUrl, request) {
  return page.evaluate(
    async ({ baseUrl, request }) => {
      const m = await import('/pkg/browser.js');
      const describe = (e) => ({ name: e.name, status: e.status ?? null, message: e.message, retryAfter: e.headers?.get?.('retry-after') ?? null });
      try {
        const result = await m.chatCompletion(request, { baseUrl, maxRetries: 0 });
        if (!request.stream) return { json: result };
        const parts = [];
        const reader = result.textStream().getReader();
        for (let i = 0; i < 10_000; i += 1) {
          const { done, value } = await reader.read();
          if (done) break;
          parts.push(value);
        }
        return { text: parts.join('') };
      } catch (e) {
        return { error: describe(e) };
      }
    },
    { baseUrl, request },
  );
}

test('a page on an allowed origin gets JSON and streamed answers through the Worker', T, async () => {
  const request = ask('Grüße aus dem Browser! Wie ist das Wetter in Jena?');
  const direct = JSON.parse((await rawPost(sim, request)).text);
  const json = await inPage(`${allowing.url}/v1`, request);
  assert.deepEqual(json, { json: direct });
  const streamed = await inPage(`${allowing.url}/v1`, { ...request, stream: true });
  assert.deepEqual(streamed, { text: direct.choices[0].message.content });
  assert.equal(calls().at(-1).headers.authorization, `Bearer ${KEY}`);
  assert.equal(calls().at(-1).headers.origin, undefined, "the page's Origin stays at the Worker");
});

test('a preflighted request (Authorization from an OpenAI-style client) passes CORS', T, async () => {
  const res = await page.evaluate(async (url) => {
    const r = await fetch(url, {
      method: 'POST',
      headers: { authorization: 'Bearer unused', 'content-type': 'application/json', 'x-stainless-lang': 'js' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'echo:Grüß Gott 😀' }] }),
    });
    return { status: r.status, body: await r.json() };
  }, `${allowing.url}/v1/chat/completions`);
  assert.equal(res.status, 200);
  assert.equal(res.body.choices[0].message.content, 'Grüß Gott 😀');
});

test('errors reach the page with status, message and the exposed Retry-After', T, async () => {
  const tools = await inPage(`${allowing.url}/v1`, ask('x', { model: 'sonar', tools: [WEATHER_TOOL] }));
  assert.deepEqual(tools.error, { name: 'ToolsNotSupportedError', status: 400, message: "Model 'sonar' does not support tools", retryAfter: null });
  const limited = await inPage(`${allowing.url}/v1`, ask('x', { model: 'gpt-4o-mini@429:4', stream: true }));
  assert.equal(limited.error.name, 'RateLimitError');
  assert.equal(limited.error.retryAfter, '4');
});

test('a Worker that does not allow the origin: the browser refuses, nothing reaches meinGPT', T, async () => {
  const before = calls().length;
  for (const stream of [false, true]) {
    const refused = await inPage(`${refusing.url}/v1`, ask('Hallo', { stream }));
    assert.equal(refused.error?.name, 'APIConnectionError', JSON.stringify(refused));
  }
  assert.equal(calls().length, before);
});
