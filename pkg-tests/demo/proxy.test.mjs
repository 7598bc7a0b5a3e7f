// `npm start` with MEINGPT_API_KEY: scripts/start.mjs serves the demo (and the built pkg/) and proxies
// the API to MEINGPT_BASE_URL with the key added on the server. A second simulator stands in for the
// real service; the browser must never see the key.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
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

  // Item 1 of issue 12: any web page (or a DNS-rebinding one) must not get the key spent for it.
  describe('the key goes only to the demo page\'s own calls', () => {
    const port = () => Number(new URL(url).port);
    const CHAT_BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'echo:angriff' }] });

    /** One request exactly as given (raw target, any Host), over a fresh connection; resolves to { status, text }. */
    function raw(method, target, headers = {}, body = CHAT_BODY) {
      return new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: port(), method, path: target, headers, setHost: false, agent: false, timeout: 10_000 });
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => {
            text += d;
          });
          res.on('end', () => resolve({ status: res.statusCode, text, headers: res.headers }));
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end(method === 'GET' || method === 'HEAD' ? undefined : body);
      });
    }
    const own = () => ({ host: `127.0.0.1:${port()}`, origin: `http://127.0.0.1:${port()}`, 'content-type': 'application/json' });

    /** Sends each case; none may reach the upstream, each gets `status`. */
    async function refused(cases, status) {
      const before = upstream.log.length;
      for (const [method, target, headers] of cases) {
        const res = await raw(method, target, headers);
        const what = `${method} ${target} ${JSON.stringify(headers)}`;
        assert.equal(res.status, status, `${what}: ${res.text}`);
        assert.equal(JSON.parse(res.text).status, 'error', what);
        assert.ok(!res.text.includes(KEY), what);
      }
      assert.equal(upstream.log.length, before, `the upstream saw none of them: ${JSON.stringify(upstream.log.slice(before).map((r) => `${r.method} ${r.path}`))}`);
    }

    test('the issue\'s request (DNS-rebinding Host and Origin, text/plain) is refused and never reaches the upstream', T, async () => {
      const p = port();
      await refused([['POST', CHAT, { host: `attacker.example:${p}`, origin: `http://attacker.example:${p}`, 'content-type': 'text/plain;charset=UTF-8' }]], 421);
    });

    test('a Host that is not 127.0.0.1:<port> or localhost:<port> is refused, on every path', T, async () => {
      const p = port();
      const hosts = [
        `attacker.example:${p}`, `localhost.:${p}`, `127.0.0.1.:${p}`, `LOCALHOST.:${p}`, `[::1]:${p}`, `[::ffff:127.0.0.1]:${p}`,
        '127.0.0.1', 'localhost', `127.0.0.1:${p + 1}`, `localhost.attacker.example:${p}`, `127.1:${p}`, `0x7f000001:${p}`,
        `2130706433:${p}`, `127.0.0.1:${p}.attacker.example`, `127.0.0.1:0${p}`, '',
      ];
      const cases = [];
      for (const host of hosts) {
        cases.push(['POST', CHAT, { ...own(), host, origin: `http://${host}` }]);
        cases.push(['POST', CHAT, { ...own(), host }]);
      }
      await refused(cases, 421);
      // Also for the page, the config and the simulator: a rebinding page reads nothing here.
      for (const target of ['/', '/config.json', '/sim/api/openai/v1/models']) {
        const res = await raw('GET', target, { host: `attacker.example:${p}` });
        assert.equal(res.status, 421, target);
      }
      // Host is case-insensitive: the same names in capitals are still this server.
      const ok = await raw('POST', CHAT, { ...own(), host: `LocalHost:${p}`, origin: `http://localhost:${p}` });
      assert.equal(ok.status, 200, ok.text);
    });

    test('a foreign Origin, Origin: null and cross-site Sec-Fetch-Site are refused', T, async () => {
      const p = port();
      const origins = [
        `http://attacker.example:${p}`, 'null', `http://127.0.0.1:${p + 1}`, `https://127.0.0.1:${p}`, `http://localhost.:${p}`,
        `HTTP://127.0.0.1:${p}`, `http://127.0.0.1:${p}.attacker.example`, `http://[::1]:${p}`, `http://127.0.0.1`, '',
      ];
      const cases = origins.map((origin) => ['POST', CHAT, { ...own(), origin }]);
      const { origin: _o, ...noOrigin } = own();
      for (const site of ['cross-site', 'same-site', 'CROSS-SITE', 'x']) cases.push(['POST', CHAT, { ...noOrigin, 'sec-fetch-site': site }]);
      cases.push(['POST', CHAT, { ...own(), 'sec-fetch-site': 'cross-site' }]);
      await refused(cases, 403);
      // No CORS at all: a preflight from another origin gets no allow-origin, so the browser stops there.
      const pre = await raw('OPTIONS', CHAT, { host: `127.0.0.1:${p}`, origin: `http://attacker.example:${p}`, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' });
      assert.ok(pre.status >= 400, String(pre.status));
      assert.equal(pre.headers['access-control-allow-origin'], undefined);
      const ok = await raw('POST', CHAT, own());
      assert.equal(ok.status, 200);
      assert.equal(ok.headers['access-control-allow-origin'], undefined, 'not even on an allowed answer');
    });

    test('only application/json bodies: text/plain, forms and a missing type are refused', T, async () => {
      const types = ['text/plain;charset=UTF-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'text/json', 'application/json-patch+json'];
      const cases = types.map((t) => ['POST', CHAT, { ...own(), 'content-type': t }]);
      const { 'content-type': _t, ...untyped } = own();
      cases.push(['POST', CHAT, untyped]);
      await refused(cases, 415);
      const ok = await raw('POST', CHAT, { ...own(), 'content-type': 'Application/JSON; charset=utf-8' });
      assert.equal(ok.status, 200, ok.text);
    });

    test('only the exact route: `..`, %2e%2e, %2F, double encoding, other paths and methods never reach the upstream', T, async () => {
      const h = own();
      const targets = [
        '/api/openai/v1/../../../admin/users', '/api/openai/v1/%2e%2e/%2e%2e/%2e%2e/admin/users', '/api/openai/v1/%2E%2E/%2E%2E/admin',
        '/api/openai/v1/chat%2Fcompletions', '/api/openai/v1/chat/completions%2F..%2F..%2Fadmin', '/api/openai/v1/%252e%252e/%252e%252e/admin',
        '/api/openai/v1/chat/completions/', '/api/openai/v1/chat/completions?x=1', '/api/openai/v1/chat/./completions',
        '/api/openai/v1//chat/completions', '/api/openai/v1/chat/completions/..', '/api/openai/v1/chat/completions#x',
        '/api/openai/v1/models', '/api/openai/v1/embeddings', '/api/openai/v1/', '/api/', '/api',
        '/api/openai/v1/chat/completions%00', '/api/openai/v1/chat\\..\\..\\admin',
      ];
      const cases = targets.map((t) => ['POST', t, h]);
      cases.push(['DELETE', '/api/openai/v1/../../../admin/users', h]);
      for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']) cases.push([method, CHAT, h]);
      const before = upstream.log.length;
      for (const [method, target, headers] of cases) {
        const res = await raw(method, target, headers);
        assert.ok([400, 404].includes(res.status), `${method} ${target}: ${res.status} ${res.text}`);
      }
      assert.equal(upstream.log.length, before, JSON.stringify(upstream.log.slice(before).map((r) => `${r.method} ${r.path}`)));
    });

    test('a request target that would leave the simulator (`@host`, absolute form) is refused', T, async () => {
      const before = upstream.log.length;
      for (const target of [`@127.0.0.1:${upstream.port}${CHAT}`, `http://127.0.0.1:${upstream.port}${CHAT}`]) {
        const res = await raw('POST', target, own());
        assert.ok(res.status >= 400 && res.status < 500, `${target}: ${res.status}`);
      }
      assert.equal(upstream.log.length, before);
    });

    test('a cross-site page in Chromium cannot spend the key (no-cors text/plain, CORS JSON, a form)', T, async () => {
      const evilPage = `<!doctype html><form id="f" method="POST" enctype="text/plain" action="${url}api/openai/v1/chat/completions" target="sink">
<input name='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"echo:form' value='"}]}'></form><iframe name="sink"></iframe>`;
      const evil = http.createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(evilPage);
      });
      await new Promise((resolve) => evil.listen(0, '127.0.0.1', resolve));
      const context = await browser.newContext();
      const before = upstream.log.length;
      try {
        const page = await context.newPage();
        await page.goto(`http://127.0.0.1:${evil.address().port}/`);
        const results = await page.evaluate(async ({ target, body }) => {
          const out = [];
          const attempt = async (name, init) => {
            try {
              const r = await fetch(target, init);
              out.push(`${name}: ${r.type} ${r.status}`);
            } catch (e) {
              out.push(`${name}: ${e.name}`);
            }
          };
          await attempt('no-cors text/plain', { method: 'POST', mode: 'no-cors', body, headers: { 'content-type': 'text/plain' } });
          await attempt('no-cors json', { method: 'POST', mode: 'no-cors', body, headers: { 'content-type': 'application/json' } });
          await attempt('cors json', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
          return out;
        }, { target: `${url}api/openai/v1/chat/completions`, body: CHAT_BODY });
        assert.equal(results.length, 3, results.join());
        assert.ok(!results.some((r) => / 200$/.test(r)), results.join());
        const [formAnswer] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/chat/completions'), { timeout: 10_000 }),
          page.evaluate(() => document.getElementById('f').submit()),
        ]);
        assert.equal(formAnswer.status(), 403);
      } finally {
        await context.close();
        evil.closeAllConnections();
        await new Promise((resolve) => evil.close(resolve));
      }
      assert.equal(upstream.log.length, before, JSON.stringify(upstream.log.slice(before).map((r) => `${r.method} ${r.path} ${JSON.stringify(r.body)}`)));
    });

    test('the page\'s own kind of call (same origin, JSON, 127.0.0.1 or localhost) still carries the key', T, async () => {
      for (const name of ['127.0.0.1', 'localhost']) {
        const h = { host: `${name}:${port()}`, origin: `http://${name}:${port()}`, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' };
        const res = await raw('POST', CHAT, h);
        assert.equal(res.status, 200, res.text);
        assert.equal(JSON.parse(res.text).choices[0].message.content, 'angriff');
        assert.equal(upstreamChats().at(-1).headers.authorization, `Bearer ${KEY}`);
      }
    });
  });

  test('stops on SIGTERM with exit code 0', T, async () => {
    child.kill('SIGTERM');
    const [code] = await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(() => r([null]), 5000))]);
    assert.equal(code, 0);
  });
});
