// Run by bun.test.mjs under Bun (npm `bun`): the package from node_modules, as a Bun app imports it.
import * as api from 'meingpt-wasm';
import { run } from '../runtimes/scenario.mjs';

const [baseUrl, apiKey] = process.argv.slice(2);
const result = await run(api, { baseUrl, apiKey });
result.entry = import.meta.resolve('meingpt-wasm').split('/').at(-1); // which entry the runtime took
console.log(JSON.stringify(result));
