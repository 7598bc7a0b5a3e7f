// parse(): structured output checked against its JSON schema by the Rust validator (issue 6).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parse, chatCompletion, SchemaValidationError, ValidationError, MeinGPTError } from 'meingpt-wasm';
import { T, startSim, opts, uid, logFor, rejection, collect, fakeFetch, chunk, sseText, response, assertErrorClass, assertHealthy } from './helpers.mjs';

let sim;
before(async () => {
  sim = await startSim();
});
after(() => sim?.close());

const PERSON = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    alter: { type: 'integer', minimum: 0, maximum: 130 },
    sprache: { enum: ['de', 'en'] },
    adresse: { $ref: '#/$defs/adresse' },
    hobbys: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3 },
  },
  required: ['name', 'alter', 'sprache', 'adresse', 'hobbys'],
  additionalProperties: false,
  $defs: {
    adresse: {
      type: 'object',
      properties: { stadt: { type: 'string' }, plz: { type: 'string', pattern: '^\\S+$' } },
      required: ['stadt', 'plz'],
      additionalProperties: false,
    },
  },
};
const structured = (schema = PERSON, extra = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Beschreibe eine Person aus München.' }],
  response_format: { type: 'json_schema', json_schema: { name: 'person', schema, strict: true } },
  ...extra,
});

/** A fetch answering every request with one chat.completion whose message is `message`. */
function replying(message) {
  return fakeFetch(() =>
    response(
      JSON.stringify({
        id: 'chatcmpl-p',
        object: 'chat.completion',
        created: 1718000000,
        model: 'gpt-4o-mini',
        choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: 'stop' }],
      }),
    ),
  );
}
const fake = (fetch) => ({ apiKey: 'sk-x', baseUrl: 'http://fake.invalid/v1', fetch, maxRetries: 0 });
const GOOD = { name: 'Jörg', alter: 42, sprache: 'de', adresse: { stadt: 'München', plz: '80331' }, hobbys: ['Wandern'] };

test('parse: the simulator\'s reply parses and matches the schema', T, async () => {
  const { completion, parsed } = await parse(structured(), opts(sim));
  assert.equal(completion.object, 'chat.completion');
  assert.deepEqual(parsed, JSON.parse(completion.choices[0].message.content));
  assert.equal(typeof parsed.name, 'string');
  assert.ok(Number.isInteger(parsed.alter));
  assert.match(parsed.adresse.plz, /^\S+$/);
  // The same request through chatCompletion gives the very same completion.
  assert.deepEqual(await chatCompletion(structured(), opts(sim)), completion);
});

test('parse: a mismatch throws SchemaValidationError naming the JSON pointer', T, async () => {
  const cases = [
    [{ ...GOOD, alter: -1 }, '/alter', 'must be >= 0'],
    [{ ...GOOD, alter: 4.5 }, '/alter', 'must be integer, not number'],
    [{ ...GOOD, sprache: 'fr' }, '/sprache', 'must be one of ["de","en"]'],
    [{ ...GOOD, adresse: { stadt: 'Köln', plz: '50 667' } }, '/adresse/plz', 'must match the pattern "^\\\\S+$"'],
    [{ ...GOOD, adresse: { plz: '50667' } }, '/adresse/stadt', 'is required but missing'],
    [{ ...GOOD, hobbys: ['a', 7] }, '/hobbys/1', 'must be string, not number'],
    [{ ...GOOD, hobbys: [] }, '/hobbys', 'has too few items (minItems 1)'],
    [{ ...GOOD, 'a/b~c': 1 }, '/a~1b~0c', 'is not allowed (additionalProperties is false)'],
    [[GOOD], '', 'must be object, not array'],
  ];
  for (const [value, pointer, reason] of cases) {
    const content = JSON.stringify(value);
    const e = await rejection(parse(structured(), fake(replying({ content }))), content);
    assertErrorClass(e, SchemaValidationError, content);
    assert.equal(e.pointer, pointer, content);
    assert.equal(e.reason, reason, content);
    assert.equal(e.message, `JSON schema mismatch at ${pointer || '(root)'}: ${reason}`);
    assert.equal(e.completion.choices[0].message.content, content);
  }
  const ok = await parse(structured(), fake(replying({ content: JSON.stringify(GOOD) })));
  assert.deepEqual(ok.parsed, GOOD);
});

test('parse: content that is not JSON, a refusal, or no content are SchemaValidationErrors', T, async () => {
  const notJson = await rejection(parse(structured(), fake(replying({ content: '{"name": "abgeschnitten' }))));
  assertErrorClass(notJson, SchemaValidationError);
  assert.equal(notJson.pointer, '');
  assert.match(notJson.reason, /^is not JSON: unterminated string at byte \d+$/);
  const refused = await rejection(parse(structured(), fake(replying({ content: null, refusal: 'Dazu kann ich nichts sagen.' }))));
  assertErrorClass(refused, SchemaValidationError);
  assert.equal(refused.reason, 'the model refused: Dazu kann ich nichts sagen.');
  const empty = await rejection(parse(structured(), fake(replying({ content: null }))));
  assertErrorClass(empty, SchemaValidationError);
  assert.equal(empty.reason, 'the reply has no content');
});

test('parse: patterns follow ECMAScript RegExp (unicode mode), as JSON Schema says', T, async () => {
  const schema = { type: 'object', properties: { wort: { type: 'string', pattern: '^\\p{Lu}\\p{Ll}+$' }, kurz: { type: 'string', pattern: '^(?!x).{1,3}$' } } };
  const good = await parse(structured(schema), fake(replying({ content: '{"wort":"Ärger","kurz":"äöü"}' })));
  assert.deepEqual(good.parsed, { wort: 'Ärger', kurz: 'äöü' });
  const e = await rejection(parse(structured(schema), fake(replying({ content: '{"wort":"ärger"}' }))));
  assert.equal(e.pointer, '/wort');
  const e2 = await rejection(parse(structured(schema), fake(replying({ content: '{"kurz":"xab"}' }))));
  assert.equal(e2.pointer, '/kurz');
  // A pattern the engine refuses is not checked.
  const odd = await parse(structured({ properties: { a: { pattern: '(' } } }), fake(replying({ content: '{"a":"x"}' })));
  assert.deepEqual(odd.parsed, { a: 'x' });
});

test('parse: anyOf, oneOf, allOf, const, $ref recursion and boolean schemas', T, async () => {
  const schema = {
    $defs: { node: { type: 'object', properties: { wert: { anyOf: [{ type: 'string' }, { type: 'null' }] }, kinder: { type: 'array', items: { $ref: '#/$defs/node' } } }, required: ['wert'] } },
    type: 'object',
    properties: {
      baum: { $ref: '#/$defs/node' },
      art: { oneOf: [{ const: 'a' }, { const: 'b' }] },
      zahl: { allOf: [{ type: 'number' }, { exclusiveMaximum: 10 }] },
      nie: false,
    },
  };
  const reply = (v) => fake(replying({ content: JSON.stringify(v) }));
  const good = { baum: { wert: 'x', kinder: [{ wert: null, kinder: [{ wert: 'y' }] }] }, art: 'b', zahl: 9.5 };
  assert.deepEqual((await parse(structured(schema), reply(good))).parsed, good);
  const bad = [
    [{ baum: { wert: 'x', kinder: [{ wert: null, kinder: [{ wert: 3 }] }] } }, '/baum/kinder/0/kinder/0/wert'],
    [{ baum: { wert: 'x', kinder: [{}] } }, '/baum/kinder/0/wert'],
    [{ art: 'c' }, '/art'],
    [{ zahl: 10 }, '/zahl'],
    [{ nie: 1 }, '/nie'],
  ];
  for (const [value, pointer] of bad) {
    const e = await rejection(parse(structured(schema), reply(value)), JSON.stringify(value));
    assertErrorClass(e, SchemaValidationError);
    assert.equal(e.pointer, pointer, JSON.stringify(value));
  }
});

test('parse: needs response_format json_schema; nothing is sent otherwise', T, async () => {
  const id = uid('pf');
  for (const response_format of [undefined, { type: 'json_object' }, { type: 'json_schema' }]) {
    const e = await rejection(parse(structured(PERSON, { response_format }), opts(sim, {}, id)));
    assertErrorClass(e, ValidationError);
    assert.equal(e.param, 'response_format');
  }
  assert.equal(logFor(sim, id).length, 0);
  // A schema left out checks only that the content is JSON.
  const free = await parse(structured(undefined, { response_format: { type: 'json_schema', json_schema: { name: 'x' } } }), fake(replying({ content: '[1,"a"]' })));
  assert.deepEqual(free.parsed, [1, 'a']);
});

test('parse with stream: the stream reads as usual and finalParsed() checks the final completion', T, async () => {
  const request = structured(PERSON, { stream: true, stream_options: { include_usage: true } });
  const stream = await parse(request, opts(sim));
  const { items, error } = await collect(stream);
  assert.equal(error, undefined);
  assert.ok(items.length > 3);
  const { completion, parsed } = await stream.finalParsed();
  assert.deepEqual(completion, await stream.finalCompletion());
  assert.deepEqual(parsed, (await parse(structured(), opts(sim))).parsed);
  // finalParsed() alone drains the stream itself.
  const alone = await parse(request, opts(sim));
  assert.deepEqual((await alone.finalParsed()).parsed, parsed);

  const content = JSON.stringify({ ...GOOD, alter: 'alt' });
  const half = content.length >> 1;
  const body = sseText([chunk({ role: 'assistant', content: content.slice(0, half) }), chunk({ content: content.slice(half) }), chunk({}, { finish: 'stop' })]);
  const bad = await parse(request, fake(fakeFetch(() => response(body))));
  const e = await rejection(bad.finalParsed());
  assertErrorClass(e, SchemaValidationError);
  assert.ok(e instanceof MeinGPTError);
  assert.equal(e.pointer, '/alter');
  await assertHealthy(sim, 'after schema errors');
});
