// Run by deno.test.mjs under Deno (npm `deno`): the package from node_modules, as a Deno app (or a
// Deno Deploy, Netlify Edge or Supabase Edge function) imports it. Prints the scenario's result.
import * as api from 'meingpt-wasm';
import { run } from '../runtimes/scenario.mjs';

const [baseUrl, apiKey] = Deno.args;
const result = await run(api, { baseUrl, apiKey });
result.entry = import.meta.resolve('meingpt-wasm').split('/').at(-1); // which entry the runtime took
console.log(JSON.stringify(result));
