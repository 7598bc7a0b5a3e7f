// The shared request fixtures (tests/fixtures/requests.json) against the simulator: the verdict and
// the field of src/validate.rs on each case (tests/request_fixtures.rs holds the package to them),
// or, where the server differs on purpose, the case's own `server` verdict.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startSimulator } from '../server.mjs';
import { TOOL_NAME_PATTERN, TOOL_NAME_RE, refusalText, validateChat } from '../validate.mjs';

const doc = JSON.parse(fs.readFileSync(new URL('../../tests/fixtures/requests.json', import.meta.url), 'utf8'));
/** What the server should answer: the package's verdict unless the case says otherwise. */
const serverVerdict = (c) => c.server ?? { valid: c.valid, param: c.param };

let sim;
before(async () => {
  sim = await startSimulator({ now: 1718000000000 });
});
after(() => sim.close());

test('the fixtures hold enough cases, and every difference says why', () => {
  assert.ok(doc.cases.length >= 90, `only ${doc.cases.length} cases`);
  assert.ok(doc.cases.some((c) => c.valid) && doc.cases.some((c) => !c.valid));
  for (const c of doc.cases) {
    if (c.server) assert.ok(typeof c.server.why === 'string' && c.server.why.length > 10, `${c.name}: server verdict without why`);
    if (!serverVerdict(c).valid) assert.equal(typeof serverVerdict(c).param, 'string', `${c.name}: no param`);
  }
});

test('the tool-name pattern is the one of src/validate.rs, at its edges', () => {
  assert.equal(TOOL_NAME_PATTERN, doc.toolNamePattern);
  const { accepted, refused } = doc.toolNames;
  assert.ok(accepted.some((n) => n.length === 64) && refused.some((n) => n.length === 65));
  for (const n of accepted) assert.ok(TOOL_NAME_RE.test(n), `${JSON.stringify(n)} should match`);
  for (const n of refused) assert.ok(!TOOL_NAME_RE.test(n), `${JSON.stringify(n)} should not match`);
});

test('validateChat gives every case its verdict and names the same field', () => {
  const wrong = [];
  for (const c of doc.cases) {
    const want = serverVerdict(c);
    const got = validateChat(c.request);
    if (want.valid && got) wrong.push(`${c.name}: refused at ${got.param} (${got.message})`);
    else if (!want.valid && !got) wrong.push(`${c.name}: accepted, should be refused at ${want.param}`);
    else if (!want.valid && got.param !== want.param) wrong.push(`${c.name}: names ${got.param}, the fixture ${want.param}`);
    else if (!want.valid && !c.server && c.says && !got.message.includes(c.says)) wrong.push(`${c.name}: ${JSON.stringify(got.message)} lacks ${JSON.stringify(c.says)}`);
  }
  assert.deepEqual(wrong, []);
});

test('over HTTP: 200 for the valid cases, 400 naming the field for the others', async () => {
  const wrong = [];
  for (const c of doc.cases) {
    const want = serverVerdict(c);
    const res = await fetch(`${sim.url}/api/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
      body: JSON.stringify(c.request),
    });
    const text = await res.text();
    if (want.valid) {
      if (res.status !== 200) wrong.push(`${c.name}: ${res.status} ${text.slice(0, 200)}`);
      continue;
    }
    const body = JSON.parse(text);
    const refused = validateChat(c.request);
    if (res.status !== 400) wrong.push(`${c.name}: status ${res.status}`);
    else if (body.message !== refusalText(refused)) wrong.push(`${c.name}: message ${body.message}`);
    // The answer names the field, unless it is meinGPT's own words (clients match on those).
    else if (!refused.plain && !body.message.startsWith(`${want.param} `) && !body.message.startsWith(`${want.param}: `)) {
      wrong.push(`${c.name}: ${JSON.stringify(body.message)} does not start with ${want.param}`);
    }
  }
  assert.deepEqual(wrong, []);
});
