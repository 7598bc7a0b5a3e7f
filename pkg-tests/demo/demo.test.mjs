// The demo page (www/) in headless Chromium, served by the meinGPT simulator with pacing, importing
// the installed package's browser entry (pkg-tests/node_modules/meingpt-wasm, under /pkg/) as a
// plain ES module, as `npm start` serves it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { OUT, INSTALLED, WWW, ROOT, CHAT, T, launch, openDemo, setValue, send, sendAndWait, lastText, waitFor } from './helpers.mjs';

const { startSimulator } = await import(pathToFileURL(path.join(ROOT, 'simulator', 'server.mjs')).href);
const { normalReply, detectLang, temperatureBucket } = await import(pathToFileURL(path.join(ROOT, 'simulator', 'reply.mjs')).href);
const { runTool } = await import(pathToFileURL(path.join(WWW, 'tools.js')).href);

const PACING = 40; // ms between streamed events: each token lands in its own frame
let sim;
let browser;
let context;
let page; // one page for the chat tests; its console must stay clean

const chats = () => sim.log.filter((r) => r.path === CHAT && r.method === 'POST');

before(async () => {
  assert.ok(fs.existsSync(path.join(INSTALLED, 'browser.js')), 'the packed package is installed in pkg-tests/');
  fs.mkdirSync(OUT, { recursive: true });
  sim = await startSimulator({ port: 0, host: '127.0.0.1', pacingMs: PACING, staticDir: WWW, staticRoutes: { '/pkg/': INSTALLED } });
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await openDemo(context, `${sim.url}/`);
}, { timeout: 40_000 });

after(async () => {
  await browser?.close();
  await sim?.close();
}, { timeout: 15_000 });

describe('the demo page on the simulator', () => {
  test('loads the package from /pkg/browser.js and lists the simulator models', T, async () => {
    const pkgRequests = sim.log.filter((r) => r.path.startsWith('/pkg/')).map((r) => r.path);
    assert.ok(pkgRequests.includes('/pkg/browser.js'), pkgRequests.join(', '));
    const options = await page.$$eval('#model option', (os) => os.map((o) => o.value));
    assert.deepEqual(options.slice(0, 2), ['gpt-4o-mini', 'gpt-4o']);
    assert.ok(options.includes('sonar'));
    assert.equal(await page.textContent('#badge'), 'meinGPT simulator (local)');
    assert.equal(await page.inputValue('#baseUrl'), `${sim.url}/api/openai/v1`);
  });

  test('tokens stream in over several paints before the answer is complete', T, async () => {
    const prompt = 'Hallo! Wie geht es dir heute?';
    await page.evaluate(() => {
      window.lengths = [];
      window.sampling = true;
      const tick = () => {
        const bodies = document.querySelectorAll('.msg.assistant .body');
        window.lengths.push(bodies.length ? bodies[bodies.length - 1].textContent.length : -1);
        if (window.sampling) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const start = chats().length;
    await sendAndWait(page, prompt);
    const lengths = await page.evaluate(() => {
      window.sampling = false;
      return window.lengths;
    });
    const expected = normalReply(prompt, detectLang(prompt), temperatureBucket(1), false);
    const finalText = await lastText(page, '.msg.assistant .body');
    assert.equal(finalText, expected);
    const partial = [...new Set(lengths.filter((n) => n > 0 && n < expected.length))];
    assert.ok(partial.length >= 3, `distinct partial lengths seen in paints: ${partial.join(', ')}`);
    for (let i = 1; i < lengths.length; i += 1) assert.ok(lengths[i] >= lengths[i - 1] || lengths[i - 1] === -1, 'text only grows');

    // The request as sent, and the metrics the page shows.
    const rec = chats().slice(start);
    assert.equal(rec.length, 1);
    assert.equal(rec[0].body.stream, true);
    assert.equal(rec[0].body.temperature, 1);
    assert.deepEqual(rec[0].body.messages, [{ role: 'user', content: prompt }]);
    assert.match(await page.textContent('#ttft'), /^\d+ ms$/);
    assert.match(await page.textContent('#tps'), /^\d+(\.\d)? tokens\/s$/);
    const { usage } = await (await fetch(`${sim.url}${CHAT}`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-x', 'content-type': 'application/json' },
      body: JSON.stringify({ ...rec[0].body, stream: false }),
    })).json();
    assert.equal(await page.textContent('#usage'), `${usage.prompt_tokens} in · ${usage.completion_tokens} out · ${usage.total_tokens} total`);
    assert.equal(await page.textContent('#finish'), 'stop');
  });

  test('the temperature slider changes the wording; English gets an English answer', T, async () => {
    await page.click('#clear');
    const prompt = 'Hello! What is the weather like today?';
    const answers = [];
    for (const t of ['0', '2']) {
      await setValue(page, '#temperature', t);
      await sendAndWait(page, prompt);
      answers.push(await lastText(page, '.msg.assistant .body'));
      assert.equal(chats().at(-1).body.temperature, Number(t));
      await page.click('#clear');
    }
    assert.equal(answers[0], normalReply(prompt, 'en', 0, false));
    assert.equal(answers[1], normalReply(prompt, 'en', 3, false));
    assert.notEqual(answers[0], answers[1]);
    await setValue(page, '#temperature', '1');
  });

  test('Stop ends the stream mid-way; the connection is closed and the next message works', T, async () => {
    await page.click('#clear');
    await setValue(page, '#pacing', '150');
    const prompt = 'Erkläre mir bitte, wie ein Stream funktioniert.';
    const done = await send(page, prompt);
    await page.waitForFunction(() => (document.querySelector('.msg.assistant .body')?.textContent.length ?? 0) > 0);
    await page.click('#stop');
    await done();
    const partial = await lastText(page, '.msg.assistant .body');
    const full = normalReply(prompt, 'de', 2, false);
    assert.ok(partial.length > 0 && partial.length < full.length, `partial: ${partial}`);
    assert.ok(full.startsWith(partial));
    assert.equal(await lastText(page, '.note.stopped'), '■ stopped');
    assert.ok(await waitFor(() => chats().at(-1).clientClosed), 'the simulator saw the client close the stream');
    assert.equal(await page.isDisabled('#stop'), true);
    await setValue(page, '#pacing', '30');
    await sendAndWait(page, 'echo:weiter geht es');
    assert.equal(await lastText(page, '.msg.assistant .body'), 'weiter geht es');
    // The stopped partial answer stays in the conversation.
    assert.deepEqual(chats().at(-1).body.messages.slice(1, 2), [{ role: 'assistant', content: partial }]);
  });

  for (const stream of [true, false]) {
    test(`tool round trip (${stream ? 'stream' : 'no stream'}): the trace shows call and result, the answer uses it`, T, async () => {
      await page.click('#clear');
      await page.setChecked('#stream', stream);
      await page.setChecked('#tools', true);
      const prompt = stream ? 'Wie ist das Wetter in Berlin? Nutze get_weather.' : 'Was ist 17 mal 23? Rechne mit multiply.';
      const start = chats().length;
      await sendAndWait(page, prompt);
      const rec = chats().slice(start);
      assert.equal(rec.length, 2, 'a call round and an answer round');
      assert.deepEqual(rec[0].body.tools.map((t) => t.function.name), ['get_weather', 'multiply']);

      const calls = rec[1].body.messages[1].tool_calls;
      assert.equal(calls.length, 1);
      const args = JSON.parse(calls[0].function.arguments);
      const result = runTool(calls[0]);
      if (stream) {
        assert.equal(calls[0].function.name, 'get_weather');
        assert.equal(args.city, 'Berlin');
        assert.ok(['celsius', 'fahrenheit'].includes(args.unit ?? 'celsius'));
      } else {
        assert.equal(calls[0].function.name, 'multiply');
        assert.deepEqual(args, { a: 17, b: 23 });
        assert.equal(result.product, 17 * 23);
      }
      assert.deepEqual(rec[1].body.messages[2], { role: 'tool', tool_call_id: calls[0].id, content: JSON.stringify(result) });

      const trace = await page.$$eval('.msg.tool .trace', (rows) => rows.map((r) => r.textContent));
      assert.deepEqual(trace, [`call${calls[0].function.name}(${calls[0].function.arguments})`, `result${JSON.stringify(result)}`]);
      const answer = await lastText(page, '.msg.assistant .body');
      assert.ok(answer.includes(JSON.stringify(result)), `the answer quotes the tool result: ${answer}`);
      assert.match(answer, new RegExp(`^Laut ${calls[0].function.name}: `));
      await page.setChecked('#tools', false);
      await page.setChecked('#stream', true);
    });
  }

  test('JSON mode: the output parses and is shown as valid JSON', T, async () => {
    await page.click('#clear');
    await page.setChecked('#json', true);
    await sendAndWait(page, 'Fasse die Vorteile als JSON zusammen.');
    const rec = chats().at(-1);
    assert.deepEqual(rec.body.response_format, { type: 'json_object' });
    const shown = await lastText(page, '.msg.assistant .body');
    const value = JSON.parse(shown);
    assert.equal(value.sprache, 'de');
    assert.equal(typeof value.antwort, 'string');
    assert.equal(await lastText(page, '.msg.assistant .note'), '✓ valid JSON');
    await page.setChecked('#json', false);
  });

  test('a model without tools, sent tools, says so in plain words', T, async () => {
    await page.click('#clear');
    await page.selectOption('#model', 'sonar');
    await page.setChecked('#tools', true);
    await sendAndWait(page, 'Wie ist das Wetter in Köln?');
    assert.equal(chats().at(-1).status, 400);
    assert.equal(await lastText(page, '.msg.error .who'), 'This model cannot use tools');
    const detail = await lastText(page, '.msg.error .body');
    assert.match(detail, /“sonar” does not support tools\. Switch off “Tools”/);
    assert.deepEqual(page.httpErrors, [400], 'Chromium logs the 400 once');
    // The failed turn is left out: the next request holds only the new message.
    await page.setChecked('#tools', false);
    await sendAndWait(page, 'echo:ok');
    assert.deepEqual(chats().at(-1).body.messages, [{ role: 'user', content: 'echo:ok' }]);
    assert.equal(await lastText(page, '.msg.assistant .body'), 'ok');
    // "Other…" model: an unknown one is named as such.
    await page.selectOption('#model', '');
    await page.fill('#customModel', 'gpt-9-turbo');
    await sendAndWait(page, 'Hallo');
    assert.equal(chats().at(-1).body.model, 'gpt-9-turbo');
    assert.equal(await lastText(page, '.msg.error .who'), 'Unknown model');
    assert.match(await lastText(page, '.msg.error .body'), /does not know the model “gpt-9-turbo”/);
    assert.deepEqual(page.httpErrors, [400, 400]);
    await page.selectOption('#model', 'gpt-4o-mini');
  });

  for (const stream of [true, false]) {
    test(`model output with HTML is shown as text, never parsed (${stream ? 'stream' : 'no stream'})`, T, async () => {
      await page.click('#clear');
      await page.setChecked('#stream', stream);
      const html = `<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>fett</b> & <a href="javascript:alert(1)">klick</a>`;
      await sendAndWait(page, `echo:${html}`);
      assert.equal(await lastText(page, '.msg.assistant .body'), html);
      assert.equal(await page.locator('.log img, .log script, .log b, .log a').count(), 0);
      assert.equal(await page.evaluate(() => window.pwned), undefined);
      assert.ok(await page.getByText('<img src=x onerror=', { exact: false }).first().isVisible());
      await page.setChecked('#stream', true);
    });
  }

  test('a simulated problem (429 once) is retried by the package and the answer arrives', T, async () => {
    await page.click('#clear');
    await page.selectOption('#fault', { label: 'rate limit once (429, retried)' });
    const start = chats().length;
    await sendAndWait(page, 'echo:nach dem Retry');
    assert.equal(await lastText(page, '.msg.assistant .body'), 'nach dem Retry');
    assert.deepEqual(chats().slice(start).map((r) => r.status), [429, 200]);
    await page.selectOption('#fault', '');
    assert.deepEqual(page.httpErrors, [400, 400, 429]);
  });

  test('a mid-stream error keeps the partial answer and explains the failure', T, async () => {
    await page.click('#clear');
    await page.selectOption('#fault', 'error-mid-stream');
    await sendAndWait(page, 'Hallo, wie geht es?');
    assert.equal(await lastText(page, '.msg.error .who'), 'The service reported an error');
    assert.match(await lastText(page, '.msg.error .note'), /Simulated upstream failure/);
    await page.selectOption('#fault', '');
  });

  test('a stream cut mid-way keeps the partial answer and says it broke off', T, async () => {
    await page.click('#clear');
    await page.selectOption('#fault', 'cut:6');
    const prompt = 'Hallo, wie geht es?';
    await sendAndWait(page, prompt);
    const partial = await lastText(page, '.msg.assistant .body');
    assert.ok(partial.length > 0 && normalReply(prompt, 'de', 2, false).startsWith(partial), partial);
    assert.equal(await lastText(page, '.msg.error .who'), 'The answer broke off');
    assert.match(await lastText(page, '.msg.error .note'), /^APIConnectionError: /);
    assert.equal(chats().at(-1).fault, 'cut:6');
    assert.equal(page.httpErrors.at(-1), 'ERR_INCOMPLETE_CHUNKED_ENCODING');
    page.httpErrors.pop();
    await page.selectOption('#fault', '');
  });

  test('a reasoning model: its reasoning collapsed above the answer, sent back with the next turn', T, async () => {
    await page.click('#clear');
    await page.selectOption('#model', 'deepseek-r1');
    await sendAndWait(page, 'Was ist 2+2?');
    const box = await page.evaluate(() => {
      const d = [...document.querySelectorAll('.msg.assistant')].at(-1).querySelector('.body details.reasoning');
      return d && { open: d.open, first: d.parentElement.firstChild === d, text: d.querySelector('div').textContent };
    });
    assert.deepEqual(box, { open: false, first: true, text: 'Die Frage lautet „Was ist 2+2?“. Ich überlege kurz, dann antworte ich knapp.' });
    assert.match(await lastText(page, '.msg.assistant .body'), /Hallo! Sie fragten/);
    await sendAndWait(page, 'Und 3+3?');
    assert.equal(chats().at(-1).body.messages[1].reasoning_content, box.text);
    await page.click('.msg.assistant details.reasoning summary');
    const file = path.join(OUT, 'demo-reasoning.png');
    await page.screenshot({ path: file });
    assert.ok(fs.statSync(file).size > 10_000);
    await page.selectOption('#model', 'gpt-4o-mini');
  });

  test('assistants & workflows: ask an assistant with a file attached, run a workflow from its inputs, see its sources', T, async () => {
    await page.click('#ownApi summary');
    await page.waitForFunction(() => document.querySelectorAll('#assistant option').length === 3 && document.querySelector('#workflowInputs [data-name]'));
    await page.setInputFiles('#assistantFiles', { name: 'vertrag.txt', mimeType: 'text/plain', buffer: Buffer.from('Klausel 7: Haftung unbegrenzt.') });
    await page.click('#runAssistant');
    await page.waitForFunction(() => /Angehängt: vertrag\.txt \(30 B\)/.test(document.getElementById('assistantOut').textContent));
    assert.match(await lastText(page, '#assistantOut'), /^Vertragsprüfer: Zu „Ist Klausel 7 in diesem Vertrag riskant\?“/);
    await page.selectOption('#workflow', { label: 'Wissensrecherche' });
    await page.waitForFunction(() => document.querySelector('#workflowInputs [data-name="frage"]'));
    await page.fill('#workflowInputs [data-name="frage"]', 'Wie beantrage ich Urlaub?');
    await page.click('#runWorkflow');
    await page.waitForFunction(() => /Urlaubsregelung\.pdf/.test(document.getElementById('workflowOut').textContent));
    assert.equal(await lastText(page, '#workflowOut li'), '[2] Reiserichtlinie.pdf (0.74): Reisen werden vorab genehmigt.');
    const run = sim.log.filter((r) => r.path.endsWith('/run')).at(-1);
    assert.deepEqual(run.body, { input: { frage: 'Wie beantrage ich Urlaub?' } });
    await page.evaluate(() => document.getElementById('ownApi').scrollIntoView());
    const file = path.join(OUT, 'demo-own-api.png');
    await page.screenshot({ path: file, fullPage: true });
    assert.ok(fs.statSync(file).size > 10_000);
    await page.click('#ownApi summary');
  });

  test('screenshot of a conversation (pkg-tests/.out/demo.png)', T, async () => {
    await page.click('#clear');
    await sendAndWait(page, 'Hallo! Was kann meinGPT für unser Team tun?');
    await page.setChecked('#tools', true);
    await sendAndWait(page, 'Wie ist das Wetter in Hamburg? Nutze get_weather.');
    await page.setChecked('#tools', false);
    await page.fill('#prompt', 'Was ist 17 mal 23? Rechne mit multiply.');
    const file = path.join(OUT, 'demo.png');
    await page.screenshot({ path: file });
    assert.ok(fs.statSync(file).size > 10_000);
  });

  test('no console errors or page errors; HTTP errors only where a test caused them', T, async () => {
    assert.deepEqual(page.problems, []);
    assert.deepEqual(page.httpErrors, [400, 400, 429]);
  });
});

describe('the API key', () => {
  test('is used but not stored unless "remember" is ticked, then only in sessionStorage', T, async () => {
    const ctx = await browser.newContext();
    try {
      const p = await openDemo(ctx, `${sim.url}/`);
      const storage = () => p.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
      await p.fill('#apiKey', 'sk-geheim-4711');
      await sendAndWait(p, 'echo:mit Schlüssel');
      assert.equal(chats().at(-1).headers.authorization, 'Bearer sk-geheim-4711');
      assert.doesNotMatch(await storage(), /sk-geheim/);
      await p.reload();
      await p.waitForFunction(() => document.body.dataset.ready === 'true');
      assert.equal(await p.inputValue('#apiKey'), '');
      assert.equal(await p.isChecked('#remember'), false);

      await p.fill('#apiKey', 'sk-merken-0815');
      await p.check('#remember');
      assert.equal(await p.evaluate(() => sessionStorage.getItem('meingpt-demo.apiKey')), 'sk-merken-0815');
      assert.equal(await p.evaluate(() => localStorage.length), 0);
      await p.reload();
      await p.waitForFunction(() => document.body.dataset.ready === 'true');
      assert.equal(await p.inputValue('#apiKey'), 'sk-merken-0815');
      assert.equal(await p.isChecked('#remember'), true);
      // Another tab does not see it (sessionStorage is per tab).
      const other = await openDemo(ctx, `${sim.url}/`);
      assert.equal(await other.inputValue('#apiKey'), '');
      // Unticking forgets it.
      await p.uncheck('#remember');
      assert.doesNotMatch(await storage(), /sk-merken/);
      assert.deepEqual([...p.problems, ...other.problems], []);
    } finally {
      await ctx.close();
    }
  });
});
