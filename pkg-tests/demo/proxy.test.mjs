// `npm start` with MEINGPT_API_KEY: scripts/start.mjs serves the demo (and the built pkg/) and proxies
// the API to MEINGPT_BASE_URL with the key added on the server. A second simulator stands in for the
// real service; the browser must never see the key.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { ROOT, CHAT, T, launch, openDemo, sendAndWait, lastText, waitFor } from './helpers.mjs';

const { startSimulator } = await import(pathToFileURL(path.join(ROOT, 'simulator', 'server.mjs')).href);
const { normalReply } = await import(pathToFileURL(path.join(ROOT, 'simulator', 'reply.mjs')).href);

const KEY = 'sk-real-secret-5678';
let upstream; // the "real" service
let child; // node scripts/start.mjs
let url; // the URL it printed
let stdout = '';
let browser;

const upstreamChats = () => upstream.log.filter((r) => r.path === CHAT);

before(async () => {
  assert.ok(fs.existsSync(path.join(ROOT, 'pkg', 'browser.js')), 'npm start serves the built pkg/: run npm run build first');
  upstream = await startSimulator({ port: 0, host: '127.0.0.1', pacingMs: 40 });
  child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.mjs')], {
    env: { ...process.env, PORT: '0', MEINGPT_API_KEY: KEY, MEINGPT_BASE_URL: `${upstream.url}/api/openai/v1/` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  url = await waitFor(() => /(http:\/\/127\.0\.0\.1:\d+\/)\n/.exec(stdout)?.[1], 15_000);
  assert.ok(url, `start.mjs printed no URL: ${stdout}`);
  browser = await launch();
}, { timeout: 40_000 });

after(async () => {
  await browser?.close();
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 5000))]);
  }
  await upstream?.close();
}, { timeout: 15_000 });

describe('npm start with MEINGPT_API_KEY (a simulator as the real service)', () => {
  test('prints the URL and says the key stays on the server; never prints the key', T, () => {
    assert.match(stdout, new RegExp(`real service \\(${upstream.url}/api/openai/v1, key kept on this server\\)`));
    assert.ok(!stdout.includes(KEY));
  });

  test('the page talks to the real service through the proxy; the key never reaches the browser', T, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    try {
      const seen = [];
      context.on('request', (r) => seen.push(r));
      const page = await openDemo(context, url);
      assert.equal(await page.textContent('#badge'), 'meinGPT via this dev server');
      assert.equal(await page.isDisabled('#apiKey'), true);
      assert.equal(await page.inputValue('#baseUrl'), `${url}api/openai/v1`);
      await page.evaluate(() => {
        window.lengths = [];
        window.sampling = true;
        const tick = () => {
          window.lengths.push(document.querySelector('.msg.assistant .body')?.textContent.length ?? 0);
          if (window.sampling) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
      const prompt = 'Guten Tag! Was ist meinGPT?';
      await sendAndWait(page, prompt);
      const expected = normalReply(prompt, 'de', 2, false);
      assert.equal(await lastText(page, '.msg.assistant .body'), expected);
      const lengths = await page.evaluate(() => {
        window.sampling = false;
        return window.lengths;
      });
      const partial = new Set(lengths.filter((n) => n > 0 && n < expected.length));
      assert.ok(partial.size >= 3, `the proxy streams as it arrives: ${[...partial].join(', ')}`);

      const rec = upstreamChats().at(-1);
      assert.equal(rec.headers.authorization, `Bearer ${KEY}`);
      assert.equal(rec.body.messages[0].content, prompt);
      for (const r of seen) {
        const h = await r.allHeaders();
        assert.ok(!JSON.stringify(h).includes(KEY), `request ${r.url()} carries no key`);
        assert.equal(h.authorization, undefined, `${r.url()} sends no authorization of its own`);
        const body = r.postData() ?? '';
        assert.ok(!body.includes(KEY));
      }
      const pageState = await page.evaluate(() => document.documentElement.outerHTML + JSON.stringify({ ...sessionStorage, ...localStorage }));
      assert.ok(!pageState.includes(KEY));
      assert.deepEqual(page.problems, []);
    } finally {
      await context.close();
    }
  });

  test('errors keep their status and read in plain words; the simulator stays under /sim/', T, async () => {
    const context = await browser.newContext();
    try {
      const page = await openDemo(context, url);
      await page.selectOption('#model', 'sonar');
      await page.setChecked('#tools', true);
      await sendAndWait(page, 'Wetter in Köln?');
      assert.equal(upstreamChats().at(-1).status, 400);
      assert.equal(await lastText(page, '.msg.error .who'), 'This model cannot use tools');
      assert.deepEqual(page.httpErrors, [400]);

      const before = upstreamChats().length;
      await page.selectOption('#preset', 'simulator');
      assert.equal(await page.inputValue('#baseUrl'), `${url}sim/api/openai/v1`);
      await page.setChecked('#tools', false);
      await page.selectOption('#model', 'gpt-4o-mini');
      await sendAndWait(page, 'echo:vom lokalen Simulator');
      assert.equal(await lastText(page, '.msg.assistant .body'), 'vom lokalen Simulator');
      assert.equal(upstreamChats().length, before, 'the real service was not called');
      assert.deepEqual(page.problems, []);
    } finally {
      await context.close();
    }
  });

  test("the proxy replaces a client's Authorization, passes Retry-After back and aborts upstream with the client", T, async () => {
    const post = (body, extra = {}) =>
      fetch(`${url}api/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-from-the-client', 'x-simulator-fault': '500' },
        body: JSON.stringify(body),
        ...extra,
      });
    const ok = await post({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'echo:hi' }] });
    assert.equal(ok.status, 200, 'x-simulator-fault is not forwarded either');
    assert.equal((await ok.json()).choices[0].message.content, 'hi');
    assert.equal(upstreamChats().at(-1).headers.authorization, `Bearer ${KEY}`);

    const limited = await post({ model: 'gpt-4o-mini@429:7', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    assert.ok(limited.headers.get('x-request-id'));
    assert.equal((await limited.json()).status, 'error');

    const ac = new AbortController();
    const res = await post({ model: 'gpt-4o-mini@stall:20000', stream: true, messages: [{ role: 'user', content: 'Hallo' }] }, { signal: ac.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = res.body.getReader();
    const first = await reader.read();
    assert.match(new TextDecoder().decode(first.value), /^data: \{/);
    ac.abort();
    assert.ok(await waitFor(() => upstreamChats().at(-1).clientClosed, 5000), 'the upstream connection was closed');
  });

  test('stops on SIGTERM with exit code 0', T, async () => {
    child.kill('SIGTERM');
    const [code] = await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(() => r([null]), 5000))]);
    assert.equal(code, 0);
  });
});
