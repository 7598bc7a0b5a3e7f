// A test Worker for robustness.test.mjs: runs the shared fault cases, the trap scenario and soak streams
// inside workerd, with the package as a Worker imports it. POST / with JSON:
//   {mode:'case', name, id, apiKey}  -> runCase() of that case
//   {mode:'trap', apiKey}            -> runTrapScenario() with the package's test-only trap hook
//   {mode:'soak', request, options}  -> {sse, content, wasmMemory}: toReadableStream() read to the
//                                       end, finalCompletion() alongside, the wasm memory size
//   {mode:'unhandled'}               -> the unhandled rejections this isolate saw
import * as api from 'meingpt-wasm';
// The very module the package's workerd entry imports (esbuild resolves both to one file).
import { __trapForTests, __memoryForTests } from '../node_modules/meingpt-wasm/lazy.js';
import { FAULT_CASES, runCase, runTrapScenario } from '../fault-cases.mjs';

const unhandled = [];
addEventListener('unhandledrejection', (event) => {
  unhandled.push(`${event.reason?.name}: ${event.reason?.message}`);
  event.preventDefault();
});

export default {
  async fetch(req, env) {
    const { mode, name, id, apiKey, request, options } = await req.json();
    const baseUrl = `${env.SIM_URL}/api/openai/v1`;
    switch (mode) {
      case 'case': {
        const c = FAULT_CASES.find((x) => x.name === name);
        if (!c) return new Response(`no case ${name}`, { status: 400 });
        return Response.json(await runCase(api, c, { apiKey, baseUrl, id }));
      }
      case 'trap':
        return Response.json(await runTrapScenario(api, __trapForTests, { apiKey, baseUrl }));
      case 'soak': {
        const stream = await api.chatCompletion(request, { ...options, baseUrl });
        const final = stream.finalCompletion();
        const reader = stream.toReadableStream().getReader();
        const decoder = new TextDecoder();
        let sse = '';
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          sse += decoder.decode(value, { stream: true });
        }
        return Response.json({ sse, content: (await final).choices[0].message.content, wasmMemory: __memoryForTests() });
      }
      case 'unhandled':
        return Response.json(unhandled);
      default:
        return new Response(`unknown mode ${mode}`, { status: 400 });
    }
  },
};
