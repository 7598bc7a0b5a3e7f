// Tests of the meinGPT simulator itself, over real HTTP with the global fetch.
// Run: node --test simulator/test/

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const NOW = 1718000000000;
const CHAT = '/api/openai/v1/chat/completions';
const KEY = 'sk-test-geheim-4711';
const UMLAUT = /[äöüÄÖÜß]/u;

// ---------------------------------------------------------------------------------------------
// Helpers

function post(sim, body, headers = {}, p = CHAT, extra = {}) {
  return fetch(sim.url + p, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...extra,
  });
}

async function json(sim, body, headers, p) {
  const res = await post(sim, body, headers, p);
  return { res, body: await res.json() };
}

/** A WHATWG-style SSE parser: returns the data of each dispatched event. */
function parseSSE(text) {
  let t = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = t.split(/\r\n|\r|\n/);
  const events = [];
  let data = [];
  for (const line of lines) {
    if (line === '') {
      if (data.length) events.push(data.join('\n'));
      data = [];
      continue;
    }
    if (line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const field = i >= 0 ? line.slice(0, i) : line;
    let value = i >= 0 ? line.slice(i + 1) : '';
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
  }
  return events;
}

function chunksOf(text) {
  const events = parseSSE(text);
  assert.equal(events.at(-1), '[DONE]', 'stream must end with [DONE]');
  return events.slice(0, -1).map((e) => JSON.parse(e));
}

/** Merges chunks the way finalCompletion() must: the result must equal the non-stream response. */
function mergeChunks(chunks) {
  const first = chunks[0];
  const out = { id: first.id, object: 'chat.completion', created: first.created, model: first.model };
  if (first.citations) out.citations = first.citations;
  let role = null;
  let content = null;
  let finish = null;
  let usage;
  const calls = [];
  for (const c of chunks) {
    assert.equal(c.id, first.id);
    assert.equal(c.created, first.created);
    assert.equal(c.model, first.model);
    assert.equal(c.object, 'chat.completion.chunk');
    if (c.usage) usage = c.usage;
    for (const ch of c.choices) {
      const d = ch.delta;
      if (d.role) role = d.role;
      if (typeof d.content === 'string') content = (content ?? '') + d.content;
      for (const tc of d.tool_calls ?? []) {
        calls[tc.index] ??= { id: undefined, type: undefined, function: { name: '', arguments: '' } };
        const cur = calls[tc.index];
        if (tc.id) cur.id = tc.id;
        if (tc.type) cur.type = tc.type;
        if (tc.function?.name) cur.function.name += tc.function.name;
        if (tc.function?.arguments) cur.function.arguments += tc.function.arguments;
      }
      if (ch.finish_reason) finish = ch.finish_reason;
    }
  }
  const message = { role, content };
  if (calls.length) message.tool_calls = calls;
  out.choices = [{ index: 0, message, finish_reason: finish }];
  if (usage) out.usage = usage;
  return out;
}

/** A small JSON Schema validator (the subset the simulator claims to support). Returns errors. */
function validateSchema(value, schema, root = schema, at = '$') {
  const errs = [];
  if (schema === true || schema === undefined) return errs;
  if (schema === false) return [`${at}: false schema`];
  if (schema.$ref) {
    const name = schema.$ref.replace(/^#\/(\$defs|definitions)\//, '');
    const target = schema.$ref === '#' ? root : (root.$defs ?? root.definitions ?? {})[name];
    if (!target) return [`${at}: unresolved ${schema.$ref}`];
    errs.push(...validateSchema(value, target, root, at));
  }
  const typeOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (schema.type) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const okType = types.some((t) => (t === 'integer' ? Number.isInteger(value) : t === typeOf(value)));
    if (!okType) return [...errs, `${at}: expected ${types.join('|')}, got ${typeOf(value)}`];
  }
  if ('const' in schema && JSON.stringify(value) !== JSON.stringify(schema.const)) errs.push(`${at}: const`);
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) errs.push(`${at}: enum`);
  if (schema.anyOf && !schema.anyOf.some((s) => validateSchema(value, s, root, at).length === 0)) errs.push(`${at}: anyOf`);
  if (schema.oneOf && schema.oneOf.filter((s) => validateSchema(value, s, root, at).length === 0).length !== 1) errs.push(`${at}: oneOf`);
  for (const s of schema.allOf ?? []) errs.push(...validateSchema(value, s, root, at));
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errs.push(`${at}: minimum`);
    if (schema.maximum !== undefined && value > schema.maximum) errs.push(`${at}: maximum`);
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) errs.push(`${at}: exclusiveMinimum`);
    if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) errs.push(`${at}: exclusiveMaximum`);
    if (schema.multipleOf && Math.abs(value / schema.multipleOf - Math.round(value / schema.multipleOf)) > 1e-9) errs.push(`${at}: multipleOf`);
  }
  if (typeof value === 'string') {
    const n = Array.from(value).length;
    if (schema.minLength !== undefined && n < schema.minLength) errs.push(`${at}: minLength`);
    if (schema.maxLength !== undefined && n > schema.maxLength) errs.push(`${at}: maxLength`);
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) errs.push(`${at}: pattern`);
    if (schema.format === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(value)) errs.push(`${at}: format date`);
    if (schema.format === 'email' && !/^[^@\s]+@[^@\s]+$/.test(value)) errs.push(`${at}: format email`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) errs.push(`${at}: minItems`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errs.push(`${at}: maxItems`);
    if (schema.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) errs.push(`${at}: uniqueItems`);
    if (schema.items) value.forEach((v, i) => errs.push(...validateSchema(v, schema.items, root, `${at}[${i}]`)));
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const r of schema.required ?? []) if (!(r in value)) errs.push(`${at}: missing ${r}`);
    for (const [k, v] of Object.entries(value)) {
      if (schema.properties && k in schema.properties) errs.push(...validateSchema(v, schema.properties[k], root, `${at}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${at}: extra ${k}`);
    }
  }
  return errs;
}

/** Reads a body until it ends or breaks; returns { text, bytes, error, reads }. Bounded by maxBytes. */
async function readAll(res, maxBytes = 64 * 1024 * 1024) {
  const reader = res.body.getReader();
  const parts = [];
  let size = 0;
  let reads = 0;
  let error = null;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      reads += 1;
      parts.push(value);
      size += value.length;
      if (size > maxBytes) throw new Error('too much data');
    }
  } catch (err) {
    error = err;
  }
  const bytes = Buffer.concat(parts);
  return { text: bytes.toString('utf8'), bytes, error, reads };
}

async function waitFor(fn, ms = 3000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fn()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return fn();
}

function rawRequest(sim, rawPath) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: sim.port, path: rawPath, method: 'GET' }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Aktuelles Wetter',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        days: { type: 'integer', minimum: 1, maximum: 7 },
      },
      required: ['city'],
      additionalProperties: false,
    },
  },
};
const TIME_TOOL = {
  type: 'function',
  function: {
    name: 'get_time',
    parameters: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] },
  },
};
const COMPLEX_PARAMS = {
  type: 'object',
  properties: {
    location: { type: 'string', minLength: 2, maxLength: 40 },
    count: { type: 'integer', minimum: 10, maximum: 20, multipleOf: 5 },
    ratio: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    flags: { type: 'array', items: { type: 'string', enum: ['a', 'b', 'c'] }, minItems: 2, uniqueItems: true },
    nested: {
      type: 'object',
      properties: { ok: { type: 'boolean' }, when: { type: 'string', format: 'date' }, code: { type: 'string', pattern: '^[A-Z]{2}$' } },
      required: ['ok', 'when', 'code'],
      additionalProperties: false,
    },
    maybe: { type: ['string', 'null'] },
    email: { type: 'string', format: 'email' },
  },
  required: ['location', 'count', 'ratio', 'flags', 'nested', 'email'],
  additionalProperties: false,
};
const REPORT_SCHEMA = {
  type: 'object',
  $defs: {
    person: {
      type: 'object',
      properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 18 } },
      required: ['name', 'age'],
      additionalProperties: false,
    },
  },
  properties: {
    antwort: { type: 'string' },
    sprache: { type: 'string', enum: ['de', 'en'] },
    version: { const: 2 },
    stadt: { type: 'string' },
    people: { type: 'array', items: { $ref: '#/$defs/person' }, minItems: 2 },
    score: { anyOf: [{ type: 'number', minimum: 0, maximum: 1 }, { type: 'string' }] },
    tags: { type: 'array', items: { type: 'string' } },
  },
  required: ['antwort', 'sprache', 'version', 'stadt', 'people', 'score', 'tags'],
  additionalProperties: false,
};

// ---------------------------------------------------------------------------------------------

describe('meinGPT simulator', () => {
  let sim;
  before(async () => {
    sim = await startSimulator({ now: () => NOW });
  });
  after(async () => {
    await sim.close();
  });

  describe('routes, CORS, auth', () => {
    test('binds to 127.0.0.1 by default and reports url/port', () => {
      assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(sim.url, `http://127.0.0.1:${sim.port}`);
      assert.ok(Array.isArray(sim.log));
    });

    test('model list on both paths, with supports_tools', async () => {
      for (const p of ['/api/openai/v1/models', '/v1/models']) {
        const res = await fetch(sim.url + p, { headers: { authorization: `Bearer ${KEY}` } });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('access-control-allow-origin'), '*');
        const body = await res.json();
        assert.equal(body.object, 'list');
        const ids = body.data.map((m) => m.id);
        for (const id of ['gpt-4o-mini', 'gpt-4o', 'claude-3-5-sonnet', 'mistral-large', 'sonar', 'perplexity-sonar-pro']) assert.ok(ids.includes(id), id);
        for (const m of body.data) {
          assert.equal(m.object, 'model');
          assert.equal(typeof m.owned_by, 'string');
          assert.equal(typeof m.supports_tools, 'boolean');
        }
        assert.equal(body.data.find((m) => m.id === 'sonar').supports_tools, false);
        assert.equal(body.data.find((m) => m.id === 'gpt-4o-mini').supports_tools, true);
      }
    });

    test('OPTIONS preflight is 204 with CORS headers, echoing requested headers', async () => {
      const res = await fetch(sim.url + CHAT, {
        method: 'OPTIONS',
        headers: { origin: 'http://example.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, x-custom-thing' },
      });
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.equal(res.headers.get('access-control-allow-methods'), 'GET, POST, PUT, DELETE, OPTIONS');
      const allow = res.headers.get('access-control-allow-headers');
      for (const h of ['authorization', 'content-type', 'x-simulator-fault', 'x-simulator-fault-key', 'x-simulator-retry-after', 'x-requested-with', 'x-custom-thing']) {
        assert.ok(allow.includes(h), h);
      }
      assert.equal(res.headers.get('access-control-expose-headers'), 'retry-after, retry-after-ms, x-request-id');
      const res2 = await fetch(sim.url + '/irgendwo', { method: 'OPTIONS' });
      assert.equal(res2.status, 204);
    });

    test('unknown routes are 404 in meinGPT error shape, with CORS', async () => {
      for (const [method, p] of [['GET', '/nope'], ['POST', '/api/openai/v1/completions'], ['GET', CHAT], ['POST', '/v1/models']]) {
        const res = await fetch(sim.url + p, { method, headers: { authorization: `Bearer ${KEY}` }, body: method === 'POST' ? '{}' : undefined });
        assert.equal(res.status, 404, `${method} ${p}`);
        assert.equal(res.headers.get('access-control-allow-origin'), '*');
        const body = await res.json();
        assert.equal(body.status, 'error');
        assert.equal(typeof body.message, 'string');
      }
    });

    test('auth: missing, empty, invalid, forbidden keys; key never echoed', async () => {
      const good = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hallo' }] };
      const cases = [
        [{}, 401, 'Unauthorized: missing API key'],
        [{ authorization: 'Bearer ' }, 401, 'Unauthorized: missing API key'],
        [{ authorization: 'Basic abc' }, 401, 'Unauthorized: missing API key'],
        [{ authorization: 'Bearer sk-invalid' }, 401, /invalid API key/],
        [{ authorization: 'Bearer sk-forbidden' }, 403, /Forbidden/],
      ];
      for (const [headers, status, msg] of cases) {
        const res = await fetch(sim.url + CHAT, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(good) });
        assert.equal(res.status, status);
        assert.equal(res.headers.get('access-control-allow-origin'), '*');
        const body = await res.json();
        assert.equal(body.status, 'error');
        if (typeof msg === 'string') assert.equal(body.message, msg);
        else assert.match(body.message, msg);
      }
      // Any other key works; and the key appears in no response of any kind.
      const texts = [];
      for (const body of [good, { ...good, model: 'nope' }, { ...good, stream: true }, { ...good, messages: [{ role: 'user', content: 'echo:hi' }] }]) {
        const res = await post(sim, body);
        texts.push(await res.text(), JSON.stringify([...res.headers]));
      }
      const logRes = await fetch(`${sim.url}/__sim/log`);
      texts.push(await logRes.text());
      for (const t of texts) assert.ok(!t.includes(KEY), 'key leaked');
      // The in-process log keeps the header as received.
      assert.ok(sim.log.some((r) => r.headers.authorization === `Bearer ${KEY}`));
    });

    test('/__sim/log redacts authorization and records requests', async () => {
      await post(sim, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Protokoll bitte' }] }, { 'x-extra': 'eins' });
      const log = await (await fetch(`${sim.url}/__sim/log`)).json();
      const rec = log.findLast((r) => r.body && r.body.messages && r.body.messages[0].content === 'Protokoll bitte');
      assert.ok(rec);
      assert.equal(rec.method, 'POST');
      assert.equal(rec.path, CHAT);
      assert.equal(rec.headers.authorization, '[redacted]');
      assert.equal(rec.headers['x-extra'], 'eins');
      assert.equal(rec.headers['content-type'], 'application/json');
      assert.equal(rec.fault, null);
      assert.equal(rec.clientClosed, false);
      assert.equal(rec.status, 200);
    });

    test('both chat paths answer the same', async () => {
      const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Guten Morgen!' }] };
      const a = await json(sim, body, {}, CHAT);
      const b = await json(sim, body, {}, '/v1/chat/completions');
      assert.equal(a.res.status, 200);
      assert.deepEqual(a.body, b.body);
      assert.match(a.res.headers.get('x-request-id'), /^req_/);
    });
  });

  describe('validation', () => {
    const msgs = [{ role: 'user', content: 'Hallo' }];
    const cases = [
      ['invalid JSON', '{"model": "gpt-4o-mini", "messages": [', /Invalid JSON/],
      ['empty body', '', /Invalid JSON/],
      ['body is an array', '[]', /^request must be an object \(got \[\]\)$/],
      ['model missing', { messages: msgs }, /model is required/],
      ['model not a string', { model: 4, messages: msgs }, /model must be/],
      ['unknown model', { model: 'gpt-99', messages: msgs }, /^Model 'gpt-99' not found$/],
      ['messages missing', { model: 'gpt-4o-mini' }, /messages is required/],
      ['messages empty', { model: 'gpt-4o-mini', messages: [] }, /^messages must not be empty$/],
      ['messages not array', { model: 'gpt-4o-mini', messages: 'Hallo' }, /array/],
      ['message without role', { model: 'gpt-4o-mini', messages: [{ content: 'x' }] }, /messages\[0\]\.role/],
      ['message with bad role', { model: 'gpt-4o-mini', messages: [...msgs, { role: 'robot', content: 'x' }] }, /messages\[1\]\.role/],
      ['message null', { model: 'gpt-4o-mini', messages: [null] }, /messages\[0\]/],
      ['content a number', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 5 }] }, /content/],
      ['temperature string', { model: 'gpt-4o-mini', messages: msgs, temperature: '1' }, /^temperature must be a number from 0 to 2 \(got "1"\)$/],
      ['temperature null', { model: 'gpt-4o-mini', messages: msgs, temperature: null }, /^temperature must be a number from 0 to 2 \(got null\)$/],
      ['temperature > 2', { model: 'gpt-4o-mini', messages: msgs, temperature: 2.01 }, /^temperature must be a number from 0 to 2 \(got 2.01\)$/],
      ['temperature < 0', { model: 'gpt-4o-mini', messages: msgs, temperature: -0.1 }, /^temperature must be a number from 0 to 2 \(got -0.1\)$/],
      ['stream not boolean', { model: 'gpt-4o-mini', messages: msgs, stream: 'yes' }, /stream/],
      ['bad response_format', { model: 'gpt-4o-mini', messages: msgs, response_format: { type: 'xml' } }, /response_format/],
      ['tools to sonar', { model: 'sonar', messages: msgs, tools: [WEATHER_TOOL] }, /does not support tools/],
      ['tools to perplexity-sonar-pro', { model: 'perplexity-sonar-pro', messages: msgs, tools: [WEATHER_TOOL] }, /does not support tools/],
      ['tools not array', { model: 'gpt-4o', messages: msgs, tools: 'x' }, /tools/],
      ['bad tool name', { model: 'gpt-4o', messages: msgs, tools: [{ type: 'function', function: { name: 'a b' } }] }, /name/],
      ['duplicate tool names', { model: 'gpt-4o', messages: msgs, tools: [WEATHER_TOOL, WEATHER_TOOL] }, /unique/],
      ['tool_choice unknown tool', { model: 'gpt-4o', messages: msgs, tools: [WEATHER_TOOL], tool_choice: { type: 'function', function: { name: 'nope' } } }, /tool_choice/],
      ['tool_choice bad value', { model: 'gpt-4o', messages: msgs, tools: [WEATHER_TOOL], tool_choice: 'sometimes' }, /tool_choice/],
    ];
    for (const [name, body, msg] of cases) {
      test(`400: ${name}`, async () => {
        const res = await post(sim, body);
        assert.equal(res.status, 400);
        assert.equal(res.headers.get('access-control-allow-origin'), '*');
        const b = await res.json();
        assert.equal(b.status, 'error');
        assert.match(b.message, msg);
        assert.deepEqual(Object.keys(b), ['status', 'message']);
      });
    }

    test('temperatures 0 and 2 and unknown extra fields are accepted', async () => {
      for (const temperature of [0, 2, 0.7]) {
        const res = await post(sim, { model: 'gpt-4o-mini', messages: msgs, temperature, top_p: 0.3, user: 'x', max_tokens: 5, seed: 1 });
        assert.equal(res.status, 200);
        await res.arrayBuffer();
      }
    });

    test('413 for a body over the limit (meinGPT shape)', async () => {
      const small = await startSimulator({ bodyLimit: 1000 });
      try {
        const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(2000) }] };
        const res = await post(small, body);
        assert.equal(res.status, 413);
        const b = await res.json();
        assert.equal(b.status, 'error');
        assert.match(b.message, /too large/);
        const ok = await post(small, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'kurz' }] });
        assert.equal(ok.status, 200);
        await ok.arrayBuffer();
      } finally {
        await small.close();
      }
    });

    test('default body limit is 1 MiB', async () => {
      const res = await post(sim, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'ä'.repeat(600 * 1024) }] });
      assert.equal(res.status, 413);
      await res.arrayBuffer();
    });

    test('never crashes on odd input; the server keeps answering', async () => {
      const odd = [
        'null',
        '1',
        '"x"',
        '{"model":null,"messages":null}',
        '{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":5},null,{"type":"image_url"}]}]}',
        '{"model":"gpt-4o","messages":[{"role":"assistant","content":null,"tool_calls":"x"},{"role":"tool","content":"ok"}]}',
        '{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"schema":{"$ref":"#/$defs/nope","items":5}}}}',
        '{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"schema":{"type":"object","properties":{"child":{"$ref":"#"}},"required":["child"]}}}}',
        '{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"schema":{"type":"array","minItems":1000,"items":{"type":"array","minItems":1000,"items":{"type":"array","minItems":1000}}}}}}',
        '{"model":"gpt-4o","messages":[{"role":"user","content":"call t"}],"tools":[{"type":"function","function":{"name":"t","parameters":{"type":"object","properties":{"n":{"type":"integer","minimum":5,"maximum":4}},"required":["n"]}}}]}',
        '{"model":"gpt-4o","messages":[{"role":"user","content":"\\ud800 echo"}],"stream":true}',
        `{"model":"gpt-4o","messages":[{"role":"user","content":"${'['.repeat(5000)}"}]}`,
        `${'['.repeat(100000)}`,
        '{"model":"gpt-4o@","messages":[{"role":"user","content":"x"}]}',
        '{"model":"@500","messages":[{"role":"user","content":"x"}]}',
      ];
      for (const body of odd) {
        const res = await post(sim, body);
        assert.ok([200, 400, 500].includes(res.status), `${res.status} for ${body.slice(0, 60)}`);
        if (res.status !== 200) assert.equal((await res.json()).status, 'error');
        else await res.arrayBuffer();
      }
      // Malformed HTTP on a raw socket.
      await new Promise((resolve) => {
        const s = net.connect(sim.port, '127.0.0.1', () => s.end('GARBAGE / HTTP/9.9\r\n\r\n'));
        s.on('data', () => {});
        s.on('error', resolve);
        s.on('close', resolve);
      });
      const res = await post(sim, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Noch da?' }] });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    });
  });

  describe('replies', () => {
    test('non-stream response: exact shape and key order', async () => {
      const { res, body } = await json(sim, { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Sei nett.' }, { role: 'user', content: 'Wie ist das Wetter in München?' }] });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type'), /^application\/json/);
      assert.deepEqual(Object.keys(body), ['id', 'object', 'created', 'model', 'choices', 'usage']);
      assert.match(body.id, /^chatcmpl-[0-9a-f]{20,}$/);
      assert.equal(body.object, 'chat.completion');
      assert.equal(body.created, Math.floor(NOW / 1000));
      assert.equal(body.model, 'gpt-4o-mini');
      assert.equal(body.choices.length, 1);
      assert.deepEqual(Object.keys(body.choices[0]), ['index', 'message', 'finish_reason']);
      assert.deepEqual(Object.keys(body.choices[0].message), ['role', 'content']);
      assert.equal(body.choices[0].message.role, 'assistant');
      assert.equal(body.choices[0].finish_reason, 'stop');
      const c = body.choices[0].message.content;
      assert.match(c, UMLAUT);
      assert.ok(c.includes('Wie ist das Wetter in München?'), 'echo-aware');
      assert.ok(c.includes('🚀'));
      assert.deepEqual(Object.keys(body.usage), ['prompt_tokens', 'completion_tokens', 'total_tokens']);
      assert.equal(body.usage.prompt_tokens, 8);
      assert.ok(body.usage.completion_tokens > 5);
      assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + body.usage.completion_tokens);
    });

    test('deterministic: same request, same response; id depends on the request', async () => {
      const req = { model: 'claude-3-5-sonnet', messages: [{ role: 'user', content: 'Erkläre mir Photosynthese' }], temperature: 0.3 };
      const a = await (await post(sim, req)).text();
      const b = await (await post(sim, req)).text();
      assert.equal(a, b);
      const c = await (await post(sim, { ...req, temperature: 0.31 })).json();
      assert.notEqual(c.id, JSON.parse(a).id);
    });

    test('German or English by the last user message, umlauts in both', async () => {
      const de = await json(sim, { model: 'mistral-large', messages: [{ role: 'user', content: 'Was ist die Hauptstadt von Frankreich?' }] });
      const en = await json(sim, { model: 'mistral-large', messages: [{ role: 'user', content: 'What is the capital of France?' }] });
      const dc = de.body.choices[0].message.content;
      const ec = en.body.choices[0].message.content;
      assert.match(dc, /Simulator/);
      assert.match(dc, /(Sie|Ihnen|Ihre)/);
      assert.match(ec, /simulator/);
      assert.match(ec, /\b(You|you|your)\b/);
      assert.match(dc, UMLAUT);
      assert.match(ec, UMLAUT);
      const mixed = await json(sim, {
        model: 'mistral-large',
        messages: [{ role: 'user', content: 'What is the capital of France?' }, { role: 'assistant', content: 'Paris.' }, { role: 'user', content: 'Und von Deutschland?' }],
      });
      assert.match(mixed.body.choices[0].message.content, /Simulator/);
    });

    test('temperature changes the wording deterministically', async () => {
      const base = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Erzähl mir was' }] };
      const contents = [];
      for (const t of [0, 0.6, 1.2, 2]) contents.push((await json(sim, { ...base, temperature: t })).body.choices[0].message.content);
      assert.equal(new Set(contents).size, 4);
      const again = (await json(sim, { ...base, temperature: 0.1 })).body.choices[0].message.content;
      assert.equal(again, contents[0]);
    });

    test('echo: answers exactly the text after "echo:" (stream and non-stream)', async () => {
      const weird = ' Grüße 😀\n<b>"x"</b>\t\\ \u0000 ü\u00e4 👩‍👩‍👧 ' + 'lang'.repeat(20);
      const req = { model: 'gpt-4o', messages: [{ role: 'user', content: `echo:${weird}` }] };
      const { body } = await json(sim, req);
      assert.equal(body.choices[0].message.content, weird);
      const text = await (await post(sim, { ...req, stream: true })).text();
      const chunks = chunksOf(text);
      const joined = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
      assert.equal(joined, weird);
      for (const c of chunks) {
        const piece = c.choices[0]?.delta.content;
        if (piece) assert.ok(piece.isWellFormed(), 'pieces never split a surrogate pair');
      }
      const empty = await json(sim, { model: 'gpt-4o', messages: [{ role: 'user', content: 'echo:' }] });
      assert.equal(empty.body.choices[0].message.content, '');
      const parts = await json(sim, { model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'text', text: 'echo:Teil' }] }] });
      assert.equal(parts.body.choices[0].message.content, 'Teil');
    });

    test('Perplexity models add citations (after model)', async () => {
      for (const model of ['sonar', 'perplexity-sonar-pro']) {
        const { body } = await json(sim, { model, messages: [{ role: 'user', content: 'Neuigkeiten aus Köln?' }] });
        assert.deepEqual(Object.keys(body), ['id', 'object', 'created', 'model', 'citations', 'choices', 'usage']);
        assert.ok(body.citations.length >= 1);
        assert.equal(body.citations[0], 'https://example.com/quelle-1');
      }
    });
  });

  describe('streaming', () => {
    test('chunk schema, headers, [DONE], usage chunk, emoji', async () => {
      const res = await post(sim, {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Schreib etwas Schönes' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      const text = await res.text();
      assert.ok(text.endsWith('data: [DONE]\n\n'));
      for (const block of text.split('\n\n').filter(Boolean)) assert.ok(block.startsWith('data: ') && !block.includes('\n'), block);
      const chunks = chunksOf(text);
      for (const c of chunks) {
        assert.deepEqual(Object.keys(c).slice(0, 5), ['id', 'object', 'created', 'model', 'choices']);
        assert.equal(c.created, Math.floor(NOW / 1000));
      }
      assert.deepEqual(chunks[0].choices, [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
      const contentChunks = chunks.slice(1, -2);
      assert.ok(contentChunks.length > 5);
      for (const c of contentChunks) {
        assert.deepEqual(Object.keys(c.choices[0].delta), ['content']);
        assert.equal(c.choices[0].finish_reason, null);
        assert.ok(Array.from(c.choices[0].delta.content.trim()).length <= 16);
      }
      const joined = contentChunks.map((c) => c.choices[0].delta.content).join('');
      assert.ok(joined.includes('🚀'));
      assert.match(joined, UMLAUT);
      assert.deepEqual(chunks.at(-2).choices, [{ index: 0, delta: {}, finish_reason: 'stop' }]);
      assert.deepEqual(chunks.at(-1).choices, []);
      assert.deepEqual(Object.keys(chunks.at(-1).usage), ['prompt_tokens', 'completion_tokens', 'total_tokens']);
      assert.equal(chunks.at(-1).usage.completion_tokens, contentChunks.length);
    });

    test('without include_usage there is no usage chunk', async () => {
      const text = await (await post(sim, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hallo' }], stream: true })).text();
      const chunks = chunksOf(text);
      assert.ok(chunks.every((c) => !('usage' in c)));
      assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
    });

    test('Perplexity citations in every stream chunk', async () => {
      const text = await (await post(sim, { model: 'sonar', messages: [{ role: 'user', content: 'Hallo' }], stream: true, stream_options: { include_usage: true } })).text();
      for (const c of chunksOf(text)) assert.deepEqual(Object.keys(c).slice(0, 5), ['id', 'object', 'created', 'model', 'citations']);
    });

    const mergeCases = [
      ['German reply', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Wie geht es dir heute?' }], temperature: 0.2 }],
      ['English reply, Perplexity', { model: 'perplexity-sonar-pro', messages: [{ role: 'user', content: 'Tell me about the weather in Hamburg' }] }],
      ['echo with emoji', { model: 'gpt-4o', messages: [{ role: 'user', content: 'echo:Schöne Grüße 😀🚀 — ende' }] }],
      ['parallel tool calls', { model: 'gpt-4o', messages: [{ role: 'user', content: 'Bitte get_weather in Berlin und get_time für Berlin' }], tools: [WEATHER_TOOL, TIME_TOOL] }],
      ['tool result', {
        model: 'gpt-4o',
        messages: [
          { role: 'user', content: 'Wie ist das Wetter in Berlin? Nutze get_weather.' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Berlin"}' } }] },
          { role: 'tool', tool_call_id: 'call_1', content: '21 °C, sonnig' },
        ],
        tools: [WEATHER_TOOL],
      }],
      ['json_object', { model: 'claude-3-5-sonnet', messages: [{ role: 'user', content: 'Antworte als JSON' }], response_format: { type: 'json_object' } }],
      ['json_schema', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Bericht über Leipzig' }], response_format: { type: 'json_schema', json_schema: { name: 'r', schema: REPORT_SCHEMA } } }],
    ];
    for (const [name, req] of mergeCases) {
      test(`merged stream equals the non-stream response: ${name}`, async () => {
        const nonStream = await (await post(sim, req)).json();
        const text = await (await post(sim, { ...req, stream: true, stream_options: { include_usage: true } })).text();
        const merged = mergeChunks(chunksOf(text));
        assert.deepEqual(merged, nonStream);
        assert.equal(JSON.stringify(merged), JSON.stringify(nonStream), 'same key order');
      });
    }

    test('tool call deltas: first carries id/type/name, then argument pieces of a few characters', async () => {
      const text = await (await post(sim, { model: 'gpt-4o', messages: [{ role: 'user', content: 'get_weather in Würzburg bitte' }], tools: [WEATHER_TOOL], stream: true })).text();
      const chunks = chunksOf(text);
      assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: null });
      const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
      assert.deepEqual(Object.keys(deltas[0]), ['index', 'id', 'type', 'function']);
      assert.equal(deltas[0].type, 'function');
      assert.equal(deltas[0].function.name, 'get_weather');
      assert.equal(deltas[0].function.arguments, '');
      assert.ok(deltas.length > 3);
      for (const d of deltas.slice(1)) {
        assert.deepEqual(Object.keys(d), ['index', 'function']);
        assert.deepEqual(Object.keys(d.function), ['arguments']);
        assert.ok(d.function.arguments.length > 0 && Array.from(d.function.arguments).length <= 8);
        assert.ok(d.function.arguments.isWellFormed());
      }
      const args = JSON.parse(deltas.map((d) => d.function.arguments).join(''));
      assert.equal(args.city, 'Würzburg');
      assert.equal(chunks.at(-1).choices[0].finish_reason, 'tool_calls');
    });

    test('pacingMs spaces the chunks; x-simulator-pacing per request', async () => {
      const paced = await startSimulator({ pacingMs: 15 });
      try {
        const t0 = Date.now();
        const text = await (await post(paced, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'echo:eins zwei drei vier' }], stream: true })).text();
        const n = parseSSE(text).length;
        assert.ok(Date.now() - t0 >= (n - 1) * 15 * 0.8, `${Date.now() - t0} ms for ${n} events`);
      } finally {
        await paced.close();
      }
      const t1 = Date.now();
      await (await post(sim, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'echo:a b c' }], stream: true }, { 'x-simulator-pacing': '40' })).text();
      assert.ok(Date.now() - t1 >= 4 * 40 * 0.8);
    });
  });

  describe('tools', () => {
    const ask = (content, extra = {}) => json(sim, { model: 'gpt-4o', messages: [{ role: 'user', content }], tools: [WEATHER_TOOL, TIME_TOOL], ...extra });

    test('auto: a mentioned tool is called, with arguments from the message', async () => {
      const { body } = await ask('Wie ist das Wetter in Hamburg? Nutze get_weather für 3 Tage.');
      const m = body.choices[0].message;
      assert.equal(body.choices[0].finish_reason, 'tool_calls');
      assert.equal(m.content, null);
      assert.deepEqual(Object.keys(m), ['role', 'content', 'tool_calls']);
      assert.equal(m.tool_calls.length, 1);
      assert.deepEqual(Object.keys(m.tool_calls[0]), ['id', 'type', 'function']);
      assert.match(m.tool_calls[0].id, /^call_/);
      const args = JSON.parse(m.tool_calls[0].function.arguments);
      assert.deepEqual(validateSchema(args, WEATHER_TOOL.function.parameters), []);
      assert.equal(args.city, 'Hamburg');
      assert.equal(args.days, 3);
    });

    test('auto: name with spaces instead of underscores counts; several tools give parallel calls', async () => {
      const one = await ask('kannst du get weather für New York aufrufen?');
      assert.equal(one.body.choices[0].message.tool_calls[0].function.name, 'get_weather');
      assert.equal(JSON.parse(one.body.choices[0].message.tool_calls[0].function.arguments).city, 'New York');
      const two = await ask('get_time und get_weather für Paris');
      const calls = two.body.choices[0].message.tool_calls;
      assert.deepEqual(calls.map((c) => c.function.name), ['get_weather', 'get_time']);
      assert.notEqual(calls[0].id, calls[1].id);
    });

    test('auto without a mention and none with a mention answer in words', async () => {
      for (const [content, extra] of [['Erzähl mir einen Witz', {}], ['Erzähl mir einen Witz', { tool_choice: 'auto' }], ['get_weather in Berlin', { tool_choice: 'none' }]]) {
        const { body } = await ask(content, extra);
        assert.equal(body.choices[0].finish_reason, 'stop');
        assert.equal(typeof body.choices[0].message.content, 'string');
        assert.ok(!('tool_calls' in body.choices[0].message));
      }
    });

    test('required: mentioned tools, else the first tool; named tool_choice calls that tool', async () => {
      const first = await ask('Hallo du', { tool_choice: 'required' });
      assert.deepEqual(first.body.choices[0].message.tool_calls.map((c) => c.function.name), ['get_weather']);
      const mentioned = await ask('Bitte get_time', { tool_choice: 'required' });
      assert.deepEqual(mentioned.body.choices[0].message.tool_calls.map((c) => c.function.name), ['get_time']);
      const named = await ask('Wetter in Bonn? get_weather!', { tool_choice: { type: 'function', function: { name: 'get_time' } } });
      const calls = named.body.choices[0].message.tool_calls;
      assert.deepEqual(calls.map((c) => c.function.name), ['get_time']);
      assert.deepEqual(validateSchema(JSON.parse(calls[0].function.arguments), TIME_TOOL.function.parameters), []);
    });

    test('a tool message is answered in words using its content', async () => {
      const { body } = await json(sim, {
        model: 'gpt-4o',
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: 'Wie ist das Wetter in Berlin?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Berlin"}' } }] },
          { role: 'tool', tool_call_id: 'call_9', content: '{"temp": 21, "sky": "sonnig"}' },
        ],
      });
      const c = body.choices[0].message.content;
      assert.ok(c.startsWith('Laut get_weather: {"temp": 21, "sky": "sonnig"}'), c);
      assert.equal(body.choices[0].finish_reason, 'stop');
      const en = await json(sim, {
        model: 'gpt-4o',
        messages: [
          { role: 'user', content: 'What is the weather in Berlin?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'c', content: 'sunny' },
        ],
      });
      assert.ok(en.body.choices[0].message.content.startsWith('According to get_weather: sunny'));
    });

    test('arguments validate against a demanding schema', async () => {
      const tool = { type: 'function', function: { name: 'plan_trip', parameters: COMPLEX_PARAMS } };
      const { body } = await json(sim, { model: 'gpt-4o', messages: [{ role: 'user', content: 'plan_trip nach Dresden' }], tools: [tool] });
      const args = JSON.parse(body.choices[0].message.tool_calls[0].function.arguments);
      assert.deepEqual(validateSchema(args, COMPLEX_PARAMS), []);
      assert.equal(args.location, 'Dresden');
      const noParams = { type: 'function', function: { name: 'ping' } };
      const p = await json(sim, { model: 'gpt-4o', messages: [{ role: 'user', content: 'ping' }], tools: [noParams] });
      assert.equal(p.body.choices[0].message.tool_calls[0].function.arguments, '{}');
    });
  });

  describe('JSON mode', () => {
    test('json_object gives a JSON object string', async () => {
      for (const [content, lang] of [['Gib mir JSON', 'de'], ['Give me JSON please', 'en']]) {
        const { body } = await json(sim, { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], response_format: { type: 'json_object' } });
        const obj = JSON.parse(body.choices[0].message.content);
        assert.equal(typeof obj, 'object');
        assert.equal(typeof obj.antwort, 'string');
        assert.equal(obj.sprache, lang);
      }
    });

    test('json_schema content validates ($defs/$ref, enum, const, anyOf, minItems)', async () => {
      const { body } = await json(sim, {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Ein Bericht über das Leben in Leipzig' }],
        response_format: { type: 'json_schema', json_schema: { name: 'bericht', schema: REPORT_SCHEMA, strict: true } },
      });
      const obj = JSON.parse(body.choices[0].message.content);
      assert.deepEqual(validateSchema(obj, REPORT_SCHEMA), []);
      assert.equal(obj.version, 2);
      assert.equal(obj.stadt, 'Leipzig');
      assert.equal(obj.people.length, 2);
      assert.equal(obj.sprache, 'de');
    });

    test('json_schema with other schema shapes', async () => {
      const schemas = [
        { type: 'array', items: { type: 'integer' }, minItems: 3, maxItems: 3 },
        { type: 'string', enum: ['ja', 'nein'] },
        { type: 'object', properties: { a: { oneOf: [{ type: 'string', maxLength: 3 }, { type: 'number' }] }, b: { allOf: [{ type: 'object', properties: { x: { type: 'boolean' } }, required: ['x'] }] } }, required: ['a', 'b'] },
        { type: 'object', definitions: { d: { type: 'number', minimum: 5, exclusiveMaximum: 6 } }, properties: { v: { $ref: '#/definitions/d' } }, required: ['v'] },
      ];
      for (const schema of schemas) {
        const { body } = await json(sim, { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_schema', json_schema: { name: 's', schema } } });
        const v = JSON.parse(body.choices[0].message.content);
        assert.deepEqual(validateSchema(v, schema), [], JSON.stringify(v));
      }
    });
  });

  describe('faults', () => {
    const req = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hallo Welt, wie geht es?' }] };
    const sreq = { ...req, stream: true };
    const fault = (name, body = req, headers = {}) => post(sim, body, { 'x-simulator-fault': name, ...headers });
    const lastRec = () => sim.log.at(-1);

    test('429 with retry-after seconds, ms and explicit value', async () => {
      let res = await fault('429');
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('retry-after'), '1');
      assert.equal((await res.json()).status, 'error');
      res = await fault('429:3');
      assert.equal(res.headers.get('retry-after'), '3');
      await res.arrayBuffer();
      res = await fault('429:1500ms');
      assert.equal(res.headers.get('retry-after-ms'), '1500');
      assert.equal(res.headers.get('retry-after'), null);
      await res.arrayBuffer();
      const date = 'Wed, 21 Oct 2099 07:28:00 GMT';
      res = await fault('429', req, { 'x-simulator-retry-after': date });
      assert.equal(res.headers.get('retry-after'), date);
      assert.equal(res.headers.get('access-control-expose-headers'), 'retry-after, retry-after-ms, x-request-id');
      await res.arrayBuffer();
      assert.equal(lastRec().fault, '429');
    });

    test('500, 502, 503, status:<n> and bare 4xx/5xx numbers give the meinGPT error body', async () => {
      for (const [name, status] of [['500', 500], ['502', 502], ['503', 503], ['status:404', 404], ['status:408', 408], ['status:409', 409], ['status:422', 422], ['504', 504], ['418', 418]]) {
        const res = await fault(name, sreq);
        assert.equal(res.status, status, name);
        const b = await res.json();
        assert.equal(b.status, 'error');
        assert.equal(typeof b.message, 'string');
      }
    });

    test('502-html gives an HTML page', async () => {
      const res = await fault('502-html');
      assert.equal(res.status, 502);
      assert.match(res.headers.get('content-type'), /^text\/html/);
      assert.equal(await res.text(), '<html><body><h1>502 Bad Gateway</h1></body></html>');
    });

    test('openai-error:<status> gives the OpenAI error shape', async () => {
      for (const st of [400, 429, 500]) {
        const res = await fault(`openai-error:${st}`);
        assert.equal(res.status, st);
        const b = await res.json();
        assert.deepEqual(Object.keys(b), ['error']);
        assert.deepEqual(Object.keys(b.error), ['message', 'type', 'code']);
        assert.equal(b.error.code, null);
      }
    });

    test('unknown fault name is a 400', async () => {
      const res = await fault('explode');
      assert.equal(res.status, 400);
      assert.match((await res.json()).message, /Unknown simulator fault/);
    });

    test('faults act before auth (a retry test needs no valid key for them)', async () => {
      const res = await fetch(sim.url + CHAT, { method: 'POST', headers: { 'x-simulator-fault': '503' }, body: '{}' });
      assert.equal(res.status, 503);
      await res.arrayBuffer();
    });

    test('reset destroys the socket before any byte', async () => {
      await assert.rejects(fault('reset'));
      assert.equal(sim.log.findLast((r) => r.fault === 'reset').clientClosed, false);
    });

    test('fault via model suffix; model reported without it', async () => {
      let res = await post(sim, { ...req, model: 'gpt-4o-mini@429:2' });
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('retry-after'), '2');
      await res.arrayBuffer();
      res = await post(sim, { ...req, model: 'sonar@no-done', stream: true });
      const text = await res.text();
      assert.ok(!text.includes('[DONE]'));
      const chunks = parseSSE(text).map((e) => JSON.parse(e));
      assert.ok(chunks.every((c) => c.model === 'sonar'));
      res = await post(sim, { ...req, model: 'gpt-4o@slow-first-byte:1' });
      assert.equal((await res.json()).model, 'gpt-4o');
    });

    test('x-simulator-fault-times + key: fail twice, then succeed', async () => {
      const h = { 'x-simulator-fault-times': '2', 'x-simulator-fault-key': `k-${Date.now()}` };
      const statuses = [];
      for (let i = 0; i < 4; i += 1) {
        const res = await fault('503', req, h);
        statuses.push(res.status);
        await res.arrayBuffer();
      }
      assert.deepEqual(statuses, [503, 503, 200, 200]);
      // Another key has its own count; without a key, fault spec + body group the requests.
      const other = await fault('503', req, { ...h, 'x-simulator-fault-key': `other-${Date.now()}` });
      assert.equal(other.status, 503);
      await other.arrayBuffer();
      const specStatuses = [];
      for (let i = 0; i < 3; i += 1) {
        const res = await fault('status:409', req, { 'x-simulator-fault-times': '1' });
        specStatuses.push(res.status);
        await res.arrayBuffer();
      }
      assert.deepEqual(specStatuses, [409, 200, 200]);
      assert.equal(lastRec().fault, null);
      const otherBody = await fault('status:409', { ...req, temperature: 1 }, { 'x-simulator-fault-times': '1' });
      assert.equal(otherBody.status, 409);
      await otherBody.arrayBuffer();
      sim.resetFaults();
      const again = await fault('status:409', req, { 'x-simulator-fault-times': '1' });
      assert.equal(again.status, 409);
      await again.arrayBuffer();
    });

    test('cut:<n> stream: n events, then the socket dies without [DONE]', async () => {
      const res = await fault('cut:3', sreq);
      assert.equal(res.status, 200);
      const got = await readAll(res);
      assert.ok(got.error, 'body must break off');
      const events = parseSSE(got.text);
      assert.equal(events.length, 3);
      assert.ok(!got.text.includes('[DONE]'));
      events.forEach((e) => JSON.parse(e));
      const def = await readAll(await fault('cut', sreq));
      assert.ok(def.error);
      assert.equal(parseSSE(def.text).length, 3);
    });

    test('cut non-stream: half the body, then the socket dies', async () => {
      const full = await (await post(sim, req)).text();
      const res = await fault('cut');
      assert.equal(res.status, 200);
      const got = await readAll(res);
      assert.ok(got.error);
      assert.ok(got.bytes.length < Buffer.byteLength(full));
    });

    test('slow-first-byte delays the headers', async () => {
      const t0 = Date.now();
      const res = await fault('slow-first-byte:250');
      assert.ok(Date.now() - t0 >= 240);
      assert.equal(res.status, 200);
      await res.json();
    });

    test('stall waits after the first 2 chunks, then continues', async () => {
      const res = await fault('stall:300', sreq);
      const reader = res.body.getReader();
      const dec = new TextDecoder();
      let text = '';
      let tFirst = 0;
      for (let i = 0; i < 200; i += 1) {
        const { done, value } = await reader.read();
        if (done) break;
        text += dec.decode(value, { stream: true });
        if (!tFirst && parseSSE(text).length >= 2) tFirst = Date.now();
      }
      assert.ok(Date.now() - tFirst >= 280, `stalled ${Date.now() - tFirst} ms`);
      assert.ok(text.endsWith('data: [DONE]\n\n'));
    });

    test('error-mid-stream and openai-error-mid-stream', async () => {
      let text = await (await fault('error-mid-stream', sreq)).text();
      let events = parseSSE(text);
      assert.equal(events.length, 3);
      assert.deepEqual(JSON.parse(events[2]), { status: 'error', message: 'Simulated upstream failure' });
      text = await (await fault('openai-error-mid-stream', sreq)).text();
      events = parseSSE(text);
      assert.equal(events.length, 3);
      assert.deepEqual(JSON.parse(events[2]), { error: { message: 'Simulated upstream failure', type: 'server_error' } });
      assert.ok(!text.includes('[DONE]'));
    });

    test('broken-json (stream and non-stream)', async () => {
      const res = await fault('broken-json');
      assert.equal(res.status, 200);
      assert.equal(await res.text(), '{"id": "x", "choi');
      const text = await (await fault('broken-json', sreq)).text();
      assert.ok(text.includes('data: {"id":\n\n'));
      assert.throws(() => JSON.parse(parseSSE(text)[1]));
    });

    test('huge-line: one endless data line; the server sees the client close', async () => {
      const ctl = new AbortController();
      const res = await fault('huge-line:100000000', sreq, {}, CHAT);
      const reader = res.body.getReader();
      let size = 0;
      let first = null;
      for (let i = 0; i < 1000 && size < 512 * 1024; i += 1) {
        const { done, value } = await reader.read();
        if (done) break;
        first ??= Buffer.from(value.subarray(0, 20)).toString();
        assert.ok(!value.includes(10), 'no newline');
        size += value.length;
      }
      assert.ok(first.startsWith('data: {"id":"'));
      assert.ok(size >= 512 * 1024);
      const rec = sim.log.findLast((r) => r.fault === 'huge-line:100000000');
      assert.equal(rec.clientClosed, false);
      await reader.cancel();
      ctl.abort();
      assert.ok(await waitFor(() => rec.clientClosed === true), 'server must see the close');
    });

    test('huge-line of a given size is held open without newline', async () => {
      const ctl = new AbortController();
      const res = await post(sim, sreq, { 'x-simulator-fault': 'huge-line:1000' }, CHAT, { signal: ctl.signal });
      const reader = res.body.getReader();
      let size = 0;
      for (let i = 0; i < 100 && size < 1000; i += 1) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.length;
      }
      assert.equal(size, 1000);
      let timer;
      const timeout = new Promise((r) => (timer = setTimeout(r, 100, 'held')));
      assert.equal(await Promise.race([reader.read().then(() => 'more', () => 'error'), timeout]), 'held');
      clearTimeout(timer);
      ctl.abort();
    });

    test('invalid-utf8 puts raw 0xFF 0xFE into a content chunk', async () => {
      const got = await readAll(await fault('invalid-utf8', sreq));
      const at = got.bytes.indexOf(Buffer.from([0xff, 0xfe]));
      assert.ok(at > 0);
      const lineStart = got.bytes.lastIndexOf(Buffer.from('data: '), at);
      assert.ok(got.bytes.subarray(lineStart, at).toString().includes('"content":"'));
      assert.ok(got.text.endsWith('data: [DONE]\n\n'));
    });

    test('surrogate-split sends 😀 as two lone-surrogate escapes', async () => {
      const text = await (await fault('surrogate-split', sreq)).text();
      assert.ok(text.includes('"content":"\\ud83d"'));
      assert.ok(text.includes('"content":"\\ude00"'));
      const chunks = chunksOf(text);
      const joined = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
      assert.ok(joined.includes('😀'));
      assert.ok(joined.isWellFormed());
      const echo = await (await fault('surrogate-split', { ...sreq, messages: [{ role: 'user', content: 'echo:a😀b' }] })).text();
      const pieces = chunksOf(echo).map((c) => c.choices[0]?.delta.content).filter((p) => p !== undefined && p !== '');
      assert.deepEqual(pieces, ['a', '\ud83d', '\ude00', 'b']);
    });

    test('byte-split writes the same bytes one at a time', async () => {
      const body = { ...sreq, messages: [{ role: 'user', content: 'Grüße aus Köln' }] };
      const normal = await (await post(sim, body)).arrayBuffer();
      const got = await readAll(await fault('byte-split', body));
      assert.ok(Buffer.from(normal).equals(got.bytes));
      assert.ok(got.reads > 5, `${got.reads} reads`);
      const ns = await (await fault('byte-split', req)).json();
      assert.equal(ns.object, 'chat.completion');
    });

    test('crlf and cr line endings', async () => {
      const normal = mergeChunks(chunksOf(await (await post(sim, sreq)).text()));
      const crlf = await (await fault('crlf', sreq)).text();
      assert.ok(crlf.includes('\r\n\r\n'));
      assert.ok(!/[^\r]\n/.test(crlf));
      assert.deepEqual(mergeChunks(chunksOf(crlf)), normal);
      const cr = await (await fault('cr', sreq)).text();
      assert.ok(!cr.includes('\n'));
      assert.ok(cr.endsWith('data: [DONE]\r\r'));
      assert.deepEqual(mergeChunks(chunksOf(cr)), normal);
    });

    test('sse-extras: BOM, comments, event/id/retry fields, multi-line data', async () => {
      const normal = mergeChunks(chunksOf(await (await post(sim, sreq)).text()));
      const got = await readAll(await fault('sse-extras', sreq));
      assert.deepEqual([...got.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
      for (const s of [': keep-alive', 'event: message', 'id: 2', 'retry: 1000', 'data:{']) assert.ok(got.text.includes(s), s);
      assert.ok(/data: [^\n]*\ndata: /.test(got.text), 'a multi-line data event');
      assert.deepEqual(mergeChunks(chunksOf(got.text)), normal);
    });

    test('no-done ends cleanly without [DONE]', async () => {
      const res = await fault('no-done', { ...sreq, stream_options: { include_usage: true } });
      const got = await readAll(res);
      assert.equal(got.error, null);
      assert.ok(!got.text.includes('[DONE]'));
      const events = parseSSE(got.text).map((e) => JSON.parse(e));
      assert.ok(events.at(-1).usage);
    });

    test('late-end ends the body a while after [DONE], in its own write; the log names the client port', async () => {
      const res = await fault('late-end:150', sreq);
      const reader = res.body.getReader();
      let text = '';
      let doneAt;
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        text += Buffer.from(r.value).toString('utf8');
        if (text.endsWith('data: [DONE]\n\n')) doneAt ??= Date.now();
      }
      assert.ok(doneAt, '[DONE] was the last thing read before the end');
      assert.ok(Date.now() - doneAt >= 120, `the end came ${Date.now() - doneAt} ms after [DONE]`);
      assert.equal(lastRec().fault, 'late-end:150');
      assert.ok(Number.isInteger(lastRec().remotePort) && lastRec().remotePort > 0);
    });

    test('several faults at once, comma-separated', async () => {
      const text = await (await fault('crlf,byte-split,slow-first-byte:10', sreq)).text();
      assert.ok(text.endsWith('data: [DONE]\r\n\r\n'));
      assert.equal(lastRec().fault, 'crlf,byte-split,slow-first-byte:10');
    });

    test('the log records when the client aborts mid-stream', async () => {
      const ctl = new AbortController();
      const res = await post(sim, sreq, { 'x-simulator-fault': 'stall:5000', 'x-test-id': 'abort-1' }, CHAT, { signal: ctl.signal });
      const reader = res.body.getReader();
      let text = '';
      for (let i = 0; i < 50 && parseSSE(text).length < 2; i += 1) {
        const { done, value } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
      }
      const rec = sim.log.findLast((r) => r.headers['x-test-id'] === 'abort-1');
      assert.equal(rec.clientClosed, false);
      ctl.abort();
      assert.ok(await waitFor(() => rec.clientClosed === true));
      const viaHttp = await (await fetch(`${sim.url}/__sim/log`)).json();
      assert.equal(viaHttp.findLast((r) => r.headers['x-test-id'] === 'abort-1').clientClosed, true);
    });

    test('client abort during slow-first-byte is seen too', async () => {
      const ctl = new AbortController();
      const p = post(sim, req, { 'x-simulator-fault': 'slow-first-byte:5000', 'x-test-id': 'abort-2' }, CHAT, { signal: ctl.signal });
      assert.ok(await waitFor(() => sim.log.some((r) => r.headers['x-test-id'] === 'abort-2')));
      await new Promise((r) => setTimeout(r, 30));
      ctl.abort();
      await assert.rejects(p);
      const rec = sim.log.findLast((r) => r.headers['x-test-id'] === 'abort-2');
      assert.ok(await waitFor(() => rec.clientClosed === true));
    });
  });

  describe('static files', () => {
    let dir;
    let outside;
    let st;
    before(async () => {
      const base = fs.mkdtempSync(path.join(os.tmpdir(), 'meingpt-sim-'));
      dir = path.join(base, 'www');
      outside = path.join(base, 'pkg');
      fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
      fs.mkdirSync(outside);
      fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Demo für meinGPT</title>');
      fs.writeFileSync(path.join(dir, 'app.js'), 'export const x = 1;');
      fs.writeFileSync(path.join(dir, 'sub', 'mod.mjs'), 'export default 2;');
      fs.writeFileSync(path.join(dir, 'style.css'), 'body{}');
      fs.writeFileSync(path.join(base, 'secret.txt'), 'geheim');
      fs.writeFileSync(path.join(outside, 'meingpt_wasm_bg.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
      fs.writeFileSync(path.join(outside, 'index.js'), 'export {};');
      st = await startSimulator({ staticDir: dir, staticRoutes: { '/pkg/': outside } });
    });
    after(async () => {
      await st.close();
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    });

    test('serves files with the right MIME types and CORS', async () => {
      const cases = [
        ['/', 'text/html; charset=utf-8', 'Demo für meinGPT'],
        ['/index.html', 'text/html; charset=utf-8', 'Demo'],
        ['/app.js', 'text/javascript', 'export'],
        ['/sub/mod.mjs', 'text/javascript', 'export default'],
        ['/style.css', 'text/css; charset=utf-8', 'body'],
        ['/pkg/index.js', 'text/javascript', 'export'],
      ];
      for (const [p, type, needle] of cases) {
        const res = await fetch(st.url + p);
        assert.equal(res.status, 200, p);
        assert.equal(res.headers.get('content-type'), type, p);
        assert.equal(res.headers.get('access-control-allow-origin'), '*');
        assert.ok((await res.text()).includes(needle), p);
      }
      const wasm = await fetch(`${st.url}/pkg/meingpt_wasm_bg.wasm`);
      assert.equal(wasm.headers.get('content-type'), 'application/wasm');
      assert.deepEqual([...new Uint8Array(await wasm.arrayBuffer())].slice(0, 4), [0, 0x61, 0x73, 0x6d]);
      await WebAssembly.compile(await (await fetch(`${st.url}/pkg/meingpt_wasm_bg.wasm`)).arrayBuffer());
    });

    test('no directory traversal; missing files are 404; API routes still work', async () => {
      for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/sub/..%2f..%2fsecret.txt', '/pkg/..%2fsecret.txt', '/pkg/%2e%2e%5csecret.txt', '/..%5csecret.txt', '/%00']) {
        const res = await rawRequest(st, p);
        assert.ok([400, 403, 404].includes(res.status), `${p}: ${res.status}`);
        assert.ok(!res.body.includes('geheim'), p);
      }
      const missing = await fetch(`${st.url}/nope.js`);
      assert.equal(missing.status, 404);
      assert.equal((await missing.json()).status, 'error');
      const models = await fetch(`${st.url}/v1/models`);
      assert.equal(models.status, 200);
      await models.arrayBuffer();
    });
  });
});

describe('lifecycle', () => {
  test('close() ends pending stalls and huge lines at once', async () => {
    const s = await startSimulator();
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hallo' }], stream: true };
    const stalled = await post(s, body, { 'x-simulator-fault': 'stall:60000' });
    const slow = post(s, body, { 'x-simulator-fault': 'slow-first-byte:60000' }).catch((e) => e);
    const huge = await post(s, body, { 'x-simulator-fault': 'huge-line:1000' });
    const reading = readAll(stalled);
    const readingHuge = readAll(huge);
    await waitFor(() => s.log.length === 3);
    const t0 = Date.now();
    await s.close();
    assert.ok(Date.now() - t0 < 1000, `close took ${Date.now() - t0} ms`);
    assert.ok((await reading).error);
    assert.ok((await readingHuge).error);
    assert.ok((await slow) instanceof Error);
    assert.equal(s.log.some((r) => r.clientClosed), false);
    await s.close(); // idempotent
  });

  test('the log keeps the last 1000 records', async () => {
    const s = await startSimulator();
    try {
      for (let batch = 0; batch < 21; batch += 1) {
        await Promise.all(
          Array.from({ length: 50 }, async (_, i) => {
            const res = await fetch(`${s.url}/n/${batch * 50 + i}`);
            await res.arrayBuffer();
          }),
        );
      }
      assert.equal(s.log.length, 1000);
      const nums = s.log.map((r) => Number(r.path.split('/')[2]));
      assert.equal(Math.min(...nums), 50, 'the oldest 50 records were dropped');
      const viaHttp = await (await fetch(`${s.url}/__sim/log`)).json();
      assert.equal(viaHttp.length, 1000);
      const reset = await fetch(`${s.url}/__sim/reset`, { method: 'POST' });
      assert.equal(reset.status, 200);
      await reset.arrayBuffer();
      assert.equal(s.log.length, 0);
    } finally {
      await s.close();
    }
  });

  test('the CLI prints its URL and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [path.join(HERE, '..', 'cli.mjs'), '--port', '0', '--pacing', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise((resolve, reject) => {
        let out = '';
        const t = setTimeout(() => reject(new Error(`no output: ${out}`)), 5000);
        child.stdout.on('data', (d) => {
          out += d;
          const m = /meinGPT simulator listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1]);
          }
        });
        child.on('exit', () => reject(new Error(`exited: ${out}`)));
      });
      const res = await fetch(`${line}/v1/models`);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      const exit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      let timer;
      const code = await Promise.race([exit, new Promise((r) => (timer = setTimeout(r, 5000, 'timeout')))]);
      clearTimeout(timer);
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

describe('conversations as an app has them', () => {
  let sim;
  before(async () => {
    sim = await startSimulator({ now: () => NOW });
  });
  after(async () => {
    await sim.close();
  });
  const streamed = async (body) => {
    const res = await post(sim, { ...body, stream: true, stream_options: { include_usage: true } });
    assert.equal(res.status, 200);
    return mergeChunks(chunksOf((await readAll(res)).text));
  };

  test('tool round trip over streams: valid arguments, then an answer that uses the result', async () => {
    const tools = [WEATHER_TOOL, TIME_TOOL];
    const messages = [{ role: 'user', content: 'Wie wird das Wetter in Leipzig für 2 Tage? Nutze get_weather.' }];
    const first = await streamed({ model: 'claude-3-5-sonnet', messages, tools });
    const msg = first.choices[0].message;
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    assert.equal(msg.tool_calls.length, 1);
    const args = JSON.parse(msg.tool_calls[0].function.arguments);
    assert.deepEqual(validateSchema(args, WEATHER_TOOL.function.parameters), []);
    assert.equal(args.city, 'Leipzig');
    assert.equal(args.days, 2);
    assert.ok(first.usage.completion_tokens >= 2, 'argument pieces count as tokens');

    const result = JSON.stringify({ city: args.city, forecast: ['Regen', 'Sonne'], max_c: 17 });
    const next = [...messages, { role: 'assistant', content: null, tool_calls: msg.tool_calls }, { role: 'tool', tool_call_id: msg.tool_calls[0].id, content: result }];
    const second = await streamed({ model: 'claude-3-5-sonnet', messages: next, tools });
    assert.equal(second.choices[0].finish_reason, 'stop');
    assert.equal(second.choices[0].message.tool_calls, undefined);
    assert.ok(second.choices[0].message.content.startsWith(`Laut get_weather: ${result} `), second.choices[0].message.content);

    // Parallel calls: each result is answered once they are all back (the last tool message is quoted).
    const both = await streamed({ model: 'gpt-4o', messages: [{ role: 'user', content: 'get_weather in Ulm und get_time bitte' }], tools });
    const calls = both.choices[0].message.tool_calls;
    assert.deepEqual(calls.map((c) => c.function.name), ['get_weather', 'get_time']);
    for (const [i, c] of calls.entries()) assert.deepEqual(validateSchema(JSON.parse(c.function.arguments), tools[i].function.parameters), []);
  });

  test('temperature buckets change the wording in both languages, streamed too', async () => {
    for (const content of ['Erzähl mir etwas über Berlin', 'Tell me something about Berlin']) {
      const texts = [];
      for (const t of [0, 0.49, 0.5, 0.99, 1, 1.49, 1.5, 2]) {
        const body = { model: 'gpt-4o-mini', temperature: t, messages: [{ role: 'user', content }] };
        const plain = (await json(sim, body)).body.choices[0].message.content;
        assert.equal((await streamed(body)).choices[0].message.content, plain);
        texts.push(plain);
      }
      assert.deepEqual([texts[0] === texts[1], texts[2] === texts[3], texts[4] === texts[5], texts[6] === texts[7]], [true, true, true, true]);
      assert.equal(new Set(texts).size, 4, 'four wordings');
      const absent = (await json(sim, { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] })).body.choices[0].message.content;
      assert.equal(absent, texts[4], 'no temperature reads like 1');
    }
  });

  test('an unknown model or a tools request to a no-tools model is a JSON 400 even when streaming', async () => {
    for (const [body, message] of [
      [{ model: 'gpt-5-ultra', messages: [{ role: 'user', content: 'x' }], stream: true }, "Model 'gpt-5-ultra' not found"],
      [{ model: 'perplexity-sonar-pro', messages: [{ role: 'user', content: 'x' }], tools: [WEATHER_TOOL], stream: true }, "Model 'perplexity-sonar-pro' does not support tools"],
    ]) {
      const res = await post(sim, body);
      assert.equal(res.status, 400);
      assert.match(res.headers.get('content-type'), /^application\/json/);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.deepEqual(await res.json(), { status: 'error', message });
    }
  });

  test('`npm run simulator -- --port N --static www` serves the API and the demo page on that port', async () => {
    const port = await new Promise((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
    const root = path.join(HERE, '..', '..');
    // Its own process group, so that npm, the shell and node stop together.
    const child = spawn('npm', ['run', '--silent', 'simulator', '--', '--port', String(port), '--static', 'www'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    try {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      assert.ok(await waitFor(() => out.includes(`listening on http://127.0.0.1:${port}\n`), 15000), `output: ${out}`);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<script type="module" src="demo\.js"><\/script>/);
      const { body } = await json({ url: `http://127.0.0.1:${port}` }, { model: 'sonar', messages: [{ role: 'user', content: 'echo:da' }] });
      assert.equal(body.choices[0].message.content, 'da');
      assert.ok(body.citations.length > 0);
    } finally {
      if (child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
      await new Promise((resolve) => {
        const t = setTimeout(resolve, 5000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        if (child.exitCode !== null) resolve();
      });
    }
  });
});
