// Run by cjs.test.mjs: a CommonJS app that loads the package with require() (Node >= 20.19 loads
// this ESM package that way; it has no top-level await). The scenario itself is ESM, imported.
const api = require('meingpt-wasm');

(async () => {
  const { run } = await import('../runtimes/scenario.mjs');
  const esm = await import('meingpt-wasm');
  const [baseUrl, apiKey] = process.argv.slice(2);
  const result = await run(api, { baseUrl, apiKey });
  // One module instance for require() and import: the same classes, so instanceof holds across both.
  result.sameAsImport = api.MeinGPTError === esm.MeinGPTError && api.chatCompletion === esm.chatCompletion;
  console.log(JSON.stringify(result));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
