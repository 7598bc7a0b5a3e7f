// Checks what scenario.mjs returned in one runtime: the same answers as in Node.
import assert from 'node:assert/strict';

export function checkScenario(r) {
  for (const name of ['chatCompletion', 'init', 'runTools', 'ChatCompletionStream', 'MeinGPTError', 'APIUserAbortError']) {
    assert.ok(r.exports.includes(name), `exports ${name}: ${r.exports.join(', ')}`);
  }
  assert.equal(r.plain.object, 'chat.completion');
  assert.ok(r.plain.content.length > 10, r.plain.content);
  assert.ok(r.stream.isStream, 'a ChatCompletionStream');
  assert.ok(r.stream.chunks >= 3, `chunks: ${r.stream.chunks}`);
  assert.equal(r.stream.text, r.plain.content, 'the stream says what the plain call said');
  assert.equal(r.validation.name, 'ValidationError');
  assert.equal(r.validation.param, 'temperature');
  assert.ok(r.validation.is.ValidationError && r.validation.is.MeinGPTError, JSON.stringify(r.validation));
  assert.equal(r.auth.status, 401);
  assert.ok(r.auth.is.AuthenticationError && r.auth.is.APIError && r.auth.is.MeinGPTError, JSON.stringify(r.auth));
  assert.ok(r.abort, 'the aborted stream failed');
  assert.ok(r.abort.is.APIUserAbortError && r.abort.is.MeinGPTError, JSON.stringify(r.abort));
  assert.equal(r.tools.steps, 2);
  assert.deepEqual(r.tools.calls, [{ city: 'München' }]);
  assert.deepEqual(r.tools.roles, ['user', 'assistant', 'tool', 'assistant']);
  assert.match(r.tools.final, /get_weather: \{"city":"München","temperatur":21/);
}

/** A wasm that could not be loaded: a MeinGPTError (not a bare TypeError) saying how to serve it. */
export function checkLoadError(e, how) {
  assert.ok(e, 'the call failed');
  assert.equal(e.name, 'MeinGPTError', JSON.stringify(e));
  assert.ok(e.is.MeinGPTError, JSON.stringify(e));
  assert.match(e.message, /^meingpt-wasm could not load meingpt_wasm_bg\.wasm: /);
  assert.match(e.message, how);
  assert.match(e.message, /init\(\{ module \}\)/);
}
