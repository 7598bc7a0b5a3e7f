// meingpt-wasm in headless Chromium (playwright-core, Debian's /usr/bin/chromium), loaded two ways
// from the installed package (pkg-tests/node_modules/meingpt-wasm):
//  (a) bundled: app.js (importing 'meingpt-wasm') bundled by esbuild as a web app would be, the
//      .wasm copied next to the bundle; served by the API simulator itself (same origin);
//  (b) plain: <script type="module"> importing the package's browser.js by URL, no bundler, no import
//      map; served by a second, static-only simulator, so every API call is cross-origin (CORS).
// Each load runs the scenarios in scenario.js and must log no console error.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const APP = path.resolve(HERE, '..'); // pkg-tests/
const ROOT = path.resolve(APP, '..');
const OUT_ROOT = path.join(APP, '.out');
const OUT = path.join(OUT_ROOT, 'browser');
const INSTALLED = path.join(APP, 'node_modules', 'meingpt-wasm');
const NOW = 1718000000000;
const KEY = 'sk-browser-test-4711';
const CHAT = '/api/openai/v1/chat/completions';
const WASM = 'meingpt_wasm_bg.wasm';
const UMLAUT = /[äöüß]/u;
const EMOJI = /🚀/u;

const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));
const esbuild = requireFromRoot('esbuild');
const { chromium } = requireFromRoot('playwright-core');
const { startSimulator } = await import(pathToFileURL(path.join(ROOT, 'simulator', 'server.mjs')).href);

let apiSim; // the API, and the bundled app (same origin)
let staticSim; // the plain page and the package files (another origin)
let context;
let profileDir;
let metafile;
let bundleText;

before(async () => {
  assert.ok(!fs.lstatSync(INSTALLED).isSymbolicLink(), 'meingpt-wasm is installed from the tarball, not linked');
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(path.join(OUT, 'bundled'), { recursive: true });
  fs.mkdirSync(path.join(OUT, 'plain'), { recursive: true });

  // (a) The web app, bundled as esbuild users do; the wasm goes next to the bundle.
  const result = await esbuild.build({
    entryPoints: [path.join(HERE, 'app.js')],
    outfile: path.join(OUT, 'bundled', 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    metafile: true,
    logLevel: 'silent',
  });
  metafile = result.metafile;
  bundleText = fs.readFileSync(path.join(OUT, 'bundled', 'app.js'), 'utf8');
  fs.copyFileSync(path.join(INSTALLED, WASM), path.join(OUT, 'bundled', WASM));
  // The validator wasm of runTools/parse, fetched on their first use (new URL(..., import.meta.url)).
  fs.copyFileSync(path.join(INSTALLED, 'meingpt_schema.wasm'), path.join(OUT, 'bundled', 'meingpt_schema.wasm'));
  fs.copyFileSync(path.join(HERE, 'bundled.html'), path.join(OUT, 'bundled', 'index.html'));
  // (b) The plain page: served as is.
  fs.copyFileSync(path.join(HERE, 'plain.html'), path.join(OUT, 'plain', 'index.html'));
  fs.copyFileSync(path.join(HERE, 'scenario.js'), path.join(OUT, 'plain', 'scenario.js'));

  apiSim = await startSimulator({ port: 0, host: '127.0.0.1', now: NOW, staticRoutes: { '/app/': path.join(OUT, 'bundled') } });
  staticSim = await startSimulator({
    port: 0,
    host: '127.0.0.1',
    now: NOW,
    staticRoutes: { '/plain/': path.join(OUT, 'plain'), '/pkg/': INSTALLED },
  });

  profileDir = fs.mkdtempSync(path.join(OUT, 'profile-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    viewport: { width: 1000, height: 900 },
    timeout: 20000,
  });
  context.setDefaultTimeout(15000);
}, { timeout: 30000 });

after(async () => {
  await context?.close();
  await apiSim?.close();
  await staticSim?.close();
  if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
}, { timeout: 15000 });

/** Import specifiers of one JS file (static and dynamic). */
function importsOf(file) {
  const src = fs.readFileSync(file, 'utf8');
  const out = [];
  for (const m of src.matchAll(/^\s*(?:import|export)\s[^;]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/gm)) {
    out.push(m[1] ?? m[2] ?? m[3]);
  }
  return out;
}

test('the bundle holds the browser entry and loads the wasm by new URL(..., import.meta.url)', { timeout: 5000 }, () => {
  const inputs = Object.keys(metafile.inputs).map((p) => path.resolve(p));
  const fromPkg = inputs.filter((p) => p.startsWith(INSTALLED + path.sep)).map((p) => path.relative(INSTALLED, p)).sort();
  assert.deepEqual(fromPkg, ['browser.js', 'client.js', 'errors.js', 'exports.js', 'lazy.js', 'meingpt_wasm.js', 'rehydrate.js', 'routes.js', 'stream.js', 'tools.js']);
  assert.match(bundleText, /new URL\(["']\.\/meingpt_wasm_bg\.wasm["'], import\.meta\.url\)/);
  assert.doesNotMatch(bundleText, /["']node:/);
  assert.doesNotMatch(bundleText, /^\s*import\s/m, 'nothing left to import');
});

test("the browser entry's module graph imports no bare module name", { timeout: 5000 }, () => {
  const seen = new Set();
  const visit = (rel) => {
    if (seen.has(rel)) return;
    seen.add(rel);
    for (const spec of importsOf(path.join(INSTALLED, rel))) {
      assert.match(spec, /^\.\.?\//, `${rel} imports ${spec}`);
      const next = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec));
      if (next.endsWith('.js')) visit(next);
      else assert.equal(next, WASM);
    }
  };
  visit('browser.js');
  assert.deepEqual([...seen].sort(), ['browser.js', 'client.js', 'errors.js', 'exports.js', 'lazy.js', 'meingpt_wasm.js', 'rehydrate.js', 'routes.js', 'stream.js', 'tools.js']);
});

const loads = [
  {
    label: 'bundled with esbuild, same origin',
    pageUrl: () => `${apiSim.url}/app/`,
    wasmPath: `/app/${WASM}`,
    wasmServer: () => apiSim,
    crossOrigin: false,
    screenshot: path.join(OUT_ROOT, 'browser.png'),
  },
  {
    label: 'plain <script type=module>, cross-origin API',
    pageUrl: () => `${staticSim.url}/plain/`,
    wasmPath: `/pkg/${WASM}`,
    wasmServer: () => staticSim,
    crossOrigin: true,
    screenshot: path.join(OUT_ROOT, 'browser-plain.png'),
  },
];

for (const load of loads) {
  describe(load.label, () => {
    let page;
    const problems = []; // console errors/warnings and page errors that are not expected
    const abortRejections = []; // page errors from closing a stream early (an unhandled rejection), kept apart
    const expected4xx = []; // Chromium's own "Failed to load resource" lines for the error tests
    const failedRequests = [];
    let baseUrl;
    const call = (step) => page.evaluate(([s, args]) => window.meingpt[s](args), [step, { baseUrl, apiKey: KEY }]);

    before(async () => {
      baseUrl = `${apiSim.url}/api/openai/v1`;
      page = await context.newPage();
      page.on('console', (msg) => {
        const type = msg.type();
        if (type !== 'error' && type !== 'warning') return;
        const text = msg.text();
        const where = msg.location()?.url ?? '';
        // Chromium logs every 4xx response of fetch; only the two deliberate ones are expected.
        if (
          type === 'error' &&
          where === `${apiSim.url}${CHAT}` &&
          /^Failed to load resource: the server responded with a status of (400 \(Bad Request\)|401 \(Unauthorized\))$/.test(text)
        ) {
          expected4xx.push(text);
          return;
        }
        problems.push(`console.${type}: ${text} (${where})`);
      });
      page.on('pageerror', (err) => {
        // An unhandled rejection with the AbortError the package's own AbortController made.
        if (/^AbortError: /.test(err.stack ?? '') && /__wbg_abort_/.test(err.stack ?? '')) abortRejections.push(err.stack);
        else problems.push(`pageerror: ${err.stack ?? err.message}`);
      });
      page.on('requestfailed', (req) => failedRequests.push(`${req.method()} ${req.url()} ${req.failure()?.errorText}`));
      await page.goto(load.pageUrl(), { waitUntil: 'load', timeout: 10000 });
      await page
        .waitForFunction(() => typeof window.meingpt === 'object', null, { timeout: 10000 })
        .catch((e) => {
          throw new Error(`page did not get ready: ${e.message}\n${problems.join('\n')}`);
        });
    }, { timeout: 25000 });

    after(async () => {
      if (page) {
        await page.screenshot({ path: load.screenshot, fullPage: true }).catch(() => {});
        await page.close();
      }
    }, { timeout: 15000 });

    test('exports the API and loads no wasm before the first call', { timeout: 5000 }, async () => {
      const names = await page.evaluate(() => window.meingpt.exportsOf());
      for (const n of [
        'chatCompletion', 'ChatCompletionStream', 'MeinGPTError', 'ValidationError', 'APIError', 'BadRequestError',
        'AuthenticationError', 'PermissionDeniedError', 'NotFoundError', 'UnprocessableEntityError', 'RateLimitError',
        'InternalServerError', 'APIConnectionError', 'APIConnectionTimeoutError', 'APIUserAbortError',
      ]) {
        assert.ok(names.includes(n), `exports ${n}: ${names}`);
      }
      const wasmGets = load.wasmServer().log.filter((r) => r.path === load.wasmPath);
      assert.equal(wasmGets.length, 0, 'lazy: no wasm fetched at import');
    });

    test('non-stream call', { timeout: 10000 }, async () => {
      const r = await call('nonStream');
      assert.ok(r.ok, JSON.stringify(r.error));
      const c = r.value;
      assert.equal(c.object, 'chat.completion');
      assert.equal(c.model, 'gpt-4o-mini');
      assert.equal(c.created, NOW / 1000);
      assert.equal(c.choices[0].finish_reason, 'stop');
      assert.match(c.choices[0].message.content, UMLAUT);
      assert.match(c.choices[0].message.content, EMOJI);
      assert.ok(c.usage.total_tokens > 0);
      const wasmGets = load.wasmServer().log.filter((r) => r.path === load.wasmPath);
      assert.equal(wasmGets.length, 1, 'the wasm was fetched beside the JS');
      const schemaPath = load.wasmPath.replace(WASM, 'meingpt_schema.wasm');
      assert.equal(load.wasmServer().log.filter((r) => r.path === schemaPath).length, 0, 'the validator wasm waits for runTools/parse');
      assert.equal(wasmGets[0].status, 200);
      const sent = apiSim.log.filter((r) => r.method === 'POST' && r.path === CHAT).at(-1);
      assert.equal(sent.headers.authorization, `Bearer ${KEY}`);
      assert.match(sent.headers['content-type'], /^application\/json/);
      assert.equal(sent.headers.cookie, undefined);
      if (load.crossOrigin) {
        assert.equal(sent.headers.origin, staticSim.url);
        const preflight = apiSim.log.filter((r) => r.method === 'OPTIONS' && r.path === CHAT);
        assert.ok(preflight.length >= 1, 'a CORS preflight was made');
        assert.match(preflight[0].headers['access-control-request-headers'], /authorization/);
      } else {
        assert.equal(apiSim.log.filter((r) => r.method === 'OPTIONS').length, 0, 'same origin: no preflight');
      }
    });

    test('streamed call: for await yields the chunks; umlauts and emoji intact; one read only', { timeout: 10000 }, async () => {
      const r = await call('iterate');
      assert.ok(r.ok, JSON.stringify(r.error));
      const { isStream, chunks, content, final, secondRead } = r.value;
      assert.equal(isStream, true);
      assert.ok(chunks.length > 5, `${chunks.length} chunks`);
      for (const c of chunks) assert.equal(c.object, 'chat.completion.chunk');
      assert.equal(chunks[0].choices[0].delta.role, 'assistant');
      assert.equal(chunks.at(-1).choices.length, 0, 'the usage chunk comes last');
      assert.ok(chunks.at(-1).usage.total_tokens > 0);
      assert.match(content, UMLAUT);
      assert.match(content, EMOJI);
      assert.equal(final.choices[0].message.content, content, 'finalCompletion() alongside for await');
      assert.ok(secondRead, 'a second read throws');
      assert.equal(secondRead.is.MeinGPTError, true);
    });

    test('streams read to [DONE] leave their connection to the next call (the body end is read, not cancelled)', { timeout: 15000 }, async () => {
      const r = await call('sequentialStreams');
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.equal(r.value.length, 4);
      for (const n of r.value) assert.ok(n > 0);
      const streams = apiSim.log.filter((x) => x.method === 'POST' && x.fault === 'late-end:30').slice(-4);
      assert.equal(streams.length, 4);
      const ports = new Set(streams.map((x) => x.remotePort));
      assert.equal(ports.size, 1, `four streams over ${ports.size} connections (client ports ${[...ports]})`);
    });

    test('textStream() gives the content deltas as strings', { timeout: 10000 }, async () => {
      const r = await call('text');
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.deepEqual(r.value.types, ['string']);
      assert.ok(r.value.parts.length > 3);
      const text = r.value.parts.join('');
      assert.match(text, UMLAUT);
      assert.match(text, EMOJI);
      const plain = await call('nonStream');
      assert.equal(text, plain.value.choices[0].message.content);
    });

    test('finalCompletion() equals the non-stream answer', { timeout: 10000 }, async () => {
      const r = await call('final');
      assert.ok(r.ok, JSON.stringify(r.error));
      const plain = await call('nonStream');
      assert.deepEqual(r.value, plain.value);
    });

    test('HTTP errors: AuthenticationError 401, BadRequestError 400 (tools on sonar); the next call works', { timeout: 10000 }, async () => {
      const { noKey, sonar, after: next } = await call('apiErrors');
      assert.equal(noKey.ok, false);
      assert.equal(noKey.error.name, 'AuthenticationError');
      assert.equal(noKey.error.status, 401);
      assert.equal(noKey.error.message, 'Unauthorized: missing API key');
      assert.deepEqual(noKey.error.body, { status: 'error', message: 'Unauthorized: missing API key' });
      assert.equal(noKey.error.is.AuthenticationError, true);
      assert.equal(noKey.error.is.APIError, true);
      assert.equal(noKey.error.isError, true);
      assert.equal(sonar.ok, false, 'the stream promise itself rejects');
      assert.equal(sonar.error.name, 'ToolsNotSupportedError'); // a BadRequestError subclass
      assert.equal(sonar.error.is.ToolsNotSupportedError, true);
      assert.equal(sonar.error.status, 400);
      assert.equal(sonar.error.message, "Model 'sonar' does not support tools");
      assert.equal(sonar.error.is.BadRequestError, true);
      assert.ok(next.ok, JSON.stringify(next.error));
      assert.equal(next.value.object, 'chat.completion');
    });

    test('ValidationError with .param, as a rejection, nothing sent; the next call works', { timeout: 10000 }, async () => {
      const posts = () => apiSim.log.filter((r) => r.method === 'POST').length;
      const before = posts();
      const { temperature, toolChoice, sync, after: next } = await call('validation');
      assert.equal(sync, null, 'chatCompletion never throws synchronously');
      assert.equal(temperature.ok, false);
      assert.equal(temperature.error.name, 'ValidationError');
      assert.equal(temperature.error.param, 'temperature');
      assert.equal(temperature.error.status, null);
      assert.equal(temperature.error.is.ValidationError, true);
      assert.equal(temperature.error.is.MeinGPTError, true);
      assert.equal(temperature.error.is.APIError, false);
      assert.equal(toolChoice.ok, false);
      assert.equal(toolChoice.error.name, 'ValidationError');
      assert.equal(toolChoice.error.param, 'tool_choice.function.name');
      assert.ok(next.ok, JSON.stringify(next.error));
      assert.equal(posts(), before + 1, 'only the last, valid call was sent');
    });

    test('abort with an AbortController: APIUserAbortError, the connection closes', { timeout: 15000 }, async () => {
      const mid = await call('abortWhileStreaming');
      assert.ok(mid.ok, JSON.stringify(mid.error));
      assert.equal(mid.value.chunksBeforeAbort, 2, 'no chunk after the abort');
      assert.equal(mid.value.error?.name, 'APIUserAbortError', JSON.stringify(mid.value.error));
      assert.equal(mid.value.error.is.APIUserAbortError, true);
      assert.equal(mid.value.error.status, null);
      assert.equal(mid.value.finalResult.ok, false, 'finalCompletion() rejects after an abort');
      assert.ok(mid.value.ms < 3000, `aborted in ${mid.value.ms} ms (stream paced at 200 ms per chunk)`);
      // The server sees the connection closed (bounded wait).
      const streamed = apiSim.log.filter((r) => r.method === 'POST' && r.headers['x-simulator-pacing'] === '200').at(-1);
      assert.ok(streamed, 'the paced stream was requested');
      for (let i = 0; i < 50 && !streamed.clientClosed; i += 1) await new Promise((r) => setTimeout(r, 20));
      assert.equal(streamed.clientClosed, true, 'the client closed the connection');

      const early = await call('abortBeforeResponse');
      assert.equal(early.r.ok, false);
      assert.equal(early.r.error.name, 'APIUserAbortError');
      assert.equal(early.r.error.is.APIUserAbortError, true);
      assert.ok(early.ms < 3000, `aborted before the response in ${early.ms} ms`);
      assert.equal(early.alreadyAborted.ok, false);
      assert.equal(early.alreadyAborted.error.name, 'APIUserAbortError');
      assert.ok(early.after.ok, JSON.stringify(early.after.error));
    });

    test('break out of for await, and stream.abort(), stop the stream; the next call works', { timeout: 15000 }, async () => {
      const r = await call('breakAndAbortMethod');
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.equal(r.value.seenA, 2);
      assert.equal(r.value.seenB, 2, 'no chunk after stream.abort()');
      assert.equal(r.value.errorB?.name, 'APIUserAbortError', JSON.stringify(r.value.errorB));
      assert.ok(r.value.next.ok, JSON.stringify(r.value.next.error));
      const paced = apiSim.log.filter((x) => x.method === 'POST' && x.headers['x-simulator-pacing'] === '100').slice(-2);
      assert.equal(paced.length, 2);
      for (let i = 0; i < 50 && !paced.every((x) => x.clientClosed); i += 1) await new Promise((res) => setTimeout(res, 20));
      assert.deepEqual(paced.map((x) => x.clientClosed), [true, true], 'both connections closed by the client');
    });

    test('closing a stream early leaves no unhandled rejection', { timeout: 5000 }, async () => {
      await new Promise((res) => setTimeout(res, 100));
      // First two stack lines: the AbortError and the package's own AbortController.abort() call.
      assert.deepEqual(abortRejections.map((st) => st.split('\n').slice(0, 2).join(' ')), []);
    });

    test('no console errors, warnings or page errors; the wasm was fetched once', { timeout: 5000 }, async () => {
      assert.deepEqual(problems, []);
      assert.ok(expected4xx.length <= 2, expected4xx.join('\n'));
      const unexpectedFailures = failedRequests.filter((f) => !/ net::ERR_ABORTED$/.test(f) || !f.includes(CHAT));
      assert.deepEqual(unexpectedFailures, []);
      const wasmGets = load.wasmServer().log.filter((r) => r.path === load.wasmPath);
      assert.equal(wasmGets.length, 1, 'the wasm is instantiated once per page');
      const status = await page.textContent('#status');
      assert.match(status, /bereit/);
    });

    test('runTools and runToolsStream: the tool runs in the page, the loop ends with the answer', { timeout: 15000 }, async () => {
      const r = await call('tools');
      assert.ok(r.ok, JSON.stringify(r.error));
      const { result, runs, types, content } = r.value;
      const schemaGets = load.wasmServer().log.filter((x) => x.path === load.wasmPath.replace(WASM, 'meingpt_schema.wasm'));
      assert.equal(schemaGets.length, 1, 'the validator wasm is fetched on first use, once');
      assert.equal(schemaGets[0].status, 200);
      assert.deepEqual(runs, ['Freiburg', 'Freiburg']);
      assert.equal(result.steps, 2);
      assert.deepEqual(result.messages.map((m) => m.role), ['user', 'assistant', 'tool', 'assistant']);
      assert.equal(result.messages[2].content, '{"city":"Freiburg","temperatur":17,"quelle":"browser"}');
      assert.match(result.completion.choices[0].message.content, /get_weather: \{"city":"Freiburg"/);
      assert.deepEqual(types, ['step', 'tool_call_started', 'tool_call_finished', 'content', 'done']);
      assert.equal(content, result.completion.choices[0].message.content);
    });

    test('parse: checked structured output, and a mismatch naming the JSON pointer', { timeout: 15000 }, async () => {
      const { good, bad } = await call('parse');
      assert.ok(good.ok, JSON.stringify(good.error));
      assert.deepEqual(good.value.parsed, JSON.parse(good.value.completion.choices[0].message.content));
      assert.ok(Number.isInteger(good.value.parsed.tage));
      assert.equal(bad.ok, false);
      assert.equal(bad.error.name, 'SchemaValidationError');
      assert.equal(bad.error.is.SchemaValidationError, true);
      assert.equal(bad.error.is.MeinGPTError, true);
      assert.equal(bad.error.pointer, '/code');
      assert.match(bad.error.message, /^JSON schema mismatch at \/code: must match the pattern/);
    });

    test('re-hydration: fromResponse over SSE and fromReadableStream over NDJSON give full streams', { timeout: 15000 }, async () => {
      const r = await call('rehydrate');
      assert.ok(r.ok, JSON.stringify(r.error));
      const { isStream, chunks, final, ndjsonText } = r.value;
      assert.equal(isStream, true);
      assert.ok(chunks.length > 3);
      assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'Grüße aus Köln 😀');
      assert.equal(final.choices[0].message.content, 'Grüße aus Köln 😀');
      assert.ok(final.usage.total_tokens > 0);
      assert.equal(ndjsonText, 'Grüße aus Köln 😀');
    });
  });
}
