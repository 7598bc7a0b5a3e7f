// Writes the bench results: results.json (everything measured) and RESULTS.md (tables, goals).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH, ROOT, ratio } from './lib.mjs';

const version = (file) => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')).version;
  } catch {
    return null;
  }
};

function git() {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'js', 'scripts', 'Cargo.toml', 'Cargo.lock'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${commit} (+ uncommitted changes in src/js/scripts)` : commit;
  } catch {
    return null;
  }
}

/** Machine, versions and date of this run. */
export function machine() {
  const cpus = os.cpus();
  const nm = path.join(ROOT, 'node_modules');
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.version,
    commit: git(),
    versions: {
      'meingpt-wasm': version(path.join(BENCH, 'node_modules', 'meingpt-wasm', 'package.json')),
      openai: version(path.join(nm, 'openai', 'package.json')),
      esbuild: version(path.join(nm, 'esbuild', 'package.json')),
      miniflare: version(path.join(nm, 'miniflare', 'package.json')),
      workerd: version(path.join(nm, 'workerd', 'package.json')),
    },
  };
}

const kb = (b) => `${(b / 1024).toFixed(1)} KiB`;
const x = (r) => (r == null ? '–' : `${r.toFixed(2)}×`);
const mark = (ok) => (ok == null ? '–' : ok ? 'yes' : '**no**');
const ms = (s) => `${s.min} / ${s.median}`;

function sizeSection(size, lines, goals) {
  const { ours, openai } = size;
  lines.push('## 1. Bytes shipped', '');
  lines.push('What a browser loads for one streaming call (bench/apps/browser-*.js, `esbuild --bundle --minify --format=esm`,');
  lines.push('platform browser, plus the `.wasm` the bundle loads); gzip -9 and brotli -11 from node:zlib.', '');
  lines.push('| client | file | raw | gzip | brotli |', '|---|---|---:|---:|---:|');
  for (const [name, s] of [['meingpt-wasm', ours], ['openai', openai]]) {
    for (const f of s.files) lines.push(`| ${name} | ${f.name} | ${kb(f.raw)} | ${kb(f.gzip)} | ${kb(f.brotli)} |`);
    lines.push(`| **${name}** | **total** | ${kb(s.total.raw)} | **${kb(s.total.gzip)}** | ${kb(s.total.brotli)} |`);
  }
  lines.push('', `Ratio meingpt-wasm / openai: gzip ${x(ratio(ours.total.gzip, openai.total.gzip))}, brotli ${x(ratio(ours.total.brotli, openai.total.brotli))}.`, '');
  // 36 KB as the issue counts (it puts openai's 86,450 B at "about 86 KB"): 36,000 B.
  goals.push(['shipped gzip (wasm + JS)', '≤ 36 KB (36,000 B)', `${kb(ours.total.gzip)} (${ours.total.gzip} B)`, ours.total.gzip <= 36_000]);
}

const STREAM_LABEL = { ours: 'meingpt-wasm `for await`', 'ours-text': 'meingpt-wasm `textStream()`', openai: 'openai `for await`', floor: 'floor (fetch + TextDecoder + split + JSON.parse)' };

function streamTable(r, lines) {
  lines.push('| client | ms (min / median) | items | median vs floor | median vs openai |', '|---|---:|---:|---:|---:|');
  for (const [name, s] of Object.entries(r)) {
    lines.push(`| ${STREAM_LABEL[name] ?? name} | ${ms(s)} | ${s.items} | ${x(ratio(s.median, r.floor.median))} | ${x(ratio(s.median, r.openai.median))} |`);
  }
  lines.push('');
}

function streamSection(stream, lines, goals) {
  const r = stream.results;
  lines.push('## 2. Stream consumption', '');
  lines.push(`One stream of ${stream.chunks} content chunks (${kb(stream.contentBytes)} of content, ${kb(stream.sseBytes)} of SSE), read to the end;`);
  lines.push(`ms min / median of ${r.ours.runs.length} runs after warm-up, client order rotated per round, a GC before each run.`, '');
  streamTable(r, lines);
  goals.push(['stream: meingpt-wasm vs openai (median)', '≤ 1.00×', x(ratio(r.ours.median, r.openai.median)), r.ours.median <= r.openai.median]);
  goals.push(['stream: meingpt-wasm vs floor (median)', '≤ 1.30×', x(ratio(r.ours.median, r.floor.median)), r.ours.median <= 1.3 * r.floor.median]);
  goals.push(['(17) stream, `for await` vs floor (median)', '≤ 0.90×', x(ratio(r.ours.median, r.floor.median)), r.ours.median <= 0.9 * r.floor.median]);
  const more = {
    obfuscation: ['The same text with OpenAI\'s `obfuscation` member after `choices`, different in every chunk', '(17) stream with `obfuscation`, `for await` vs floor (median)'],
    tools: ['The same text as one tool call\'s arguments, in as many pieces', '(17) tool-call argument stream, `for await` vs floor (median)'],
  };
  for (const [kind, [what, goal]] of Object.entries(more)) {
    const k = stream[kind];
    if (!k) continue;
    lines.push(`${what} (${kb(k.sseBytes)} of SSE):`, '');
    streamTable(k.results, lines);
    const { ours, floor } = k.results;
    goals.push([goal, '≤ 1.00×', x(ratio(ours.median, floor.median)), ours.median <= floor.median]);
  }
}

function roundtripSection(rt, lines, goals) {
  const r = rt.results;
  lines.push('## 3. Non-stream round trips', '');
  lines.push(`${rt.calls} small non-stream calls one after the other (keep-alive); ms for all of them, min / median of ${r.ours.runs.length} runs.`, '');
  lines.push('| client | ms (min / median) | µs per call (median) | median vs floor | median vs openai |', '|---|---:|---:|---:|---:|');
  const label = { ours: 'meingpt-wasm', openai: 'openai', floor: 'floor (fetch + JSON.parse)' };
  for (const [name, s] of Object.entries(r)) {
    lines.push(`| ${label[name]} | ${ms(s)} | ${Math.round((s.median * 1000) / rt.calls)} | ${x(ratio(s.median, r.floor.median))} | ${x(ratio(s.median, r.openai.median))} |`);
  }
  lines.push('');
  goals.push([`(17) ${rt.calls} sequential non-stream calls vs fetch + JSON.parse (median)`, '≤ 1.05×', x(ratio(r.ours.median, r.floor.median)), r.ours.median <= 1.05 * r.floor.median]);
}

function coldSection(cold, lines, goals) {
  const n = cold.node;
  lines.push('## 4. Cold start', '');
  lines.push(`Node: a fresh \`node\` process per run (bench/cold-child.mjs), ${n.ours.import.runs.length} runs per client after one warm-up round; ms`);
  lines.push('min / median. *import*: the dynamic `import()` of the client; *import + first call*: until the first non-stream answer');
  lines.push('arrived (wasm compiled, connection opened); *process start → answer*: since the process began (Node boot included).', '');
  lines.push('| client | import | import + first call | process start → answer | spawn → exit (wall) |', '|---|---:|---:|---:|---:|');
  const label = { ours: 'meingpt-wasm', openai: 'openai', floor: 'floor (plain fetch)' };
  for (const [name, s] of Object.entries(n)) lines.push(`| ${label[name]} | ${ms(s.import)} | ${ms(s.importAndCall)} | ${ms(s.sinceStart)} | ${ms(s.wall)} |`);
  lines.push('', `Ratio meingpt-wasm / openai (medians): import ${x(ratio(n.ours.import.median, n.openai.import.median))}, import + first call ${x(ratio(n.ours.importAndCall.median, n.openai.importAndCall.median))}.`, '');
  goals.push(['cold start: import + first call vs openai (median)', '≤ 1.00×', x(ratio(n.ours.importAndCall.median, n.openai.importAndCall.median)), n.ours.importAndCall.median <= n.openai.importAndCall.median]);
  const w = cold.workerd;
  lines.push(`workerd (Miniflare): a Worker bundled as wrangler does (bench/apps/worker-*.js), \`new Miniflare(...)\` until \`ready\`, then`);
  lines.push(`its first \`dispatchFetch\` (one call to the bench server); ${w.ours.total.runs.length} starts per Worker after one warm-up round; ms min / median.`, '');
  lines.push('| Worker | new Miniflare → ready | first dispatchFetch | total |', '|---|---:|---:|---:|');
  for (const [name, s] of Object.entries(w)) lines.push(`| ${label[name]} | ${ms(s.ready)} | ${ms(s.firstCall)} | ${ms(s.total)} |`);
  lines.push('', `Ratio meingpt-wasm / openai (median total): ${x(ratio(w.ours.total.median, w.openai.total.median))}.`, '');
}

/** Retained after the read (heap + external incl. wasm memory, after GC) minus start, in MB. */
const retained = (m) => Math.round((m.afterGc.heapUsed + m.afterGc.external - m.start.heapUsed - m.start.external) * 10) / 10;

function memorySection(memory, lines, goals) {
  const any = Object.values(memory)[0];
  lines.push('## 5. Memory', '');
  lines.push(`A ${any.mb} MB stream (${any.chunks} chunks, ${any.contentMB} MB of content), read with \`for await\`, deltas counted and`);
  lines.push('dropped; one process per client; MB sampled every 10 ms. *external* = `process.memoryUsage().external` (ArrayBuffers');
  lines.push('included: the wasm memory lives there). *retained* = heapUsed + external after the read and a GC, minus the start.', '');
  lines.push('| client | read ms | RSS start / 25% / 50% / 75% / peak / end | heapUsed start / peak / end / after GC | external start / 50% / peak / end / after GC | retained |');
  lines.push('|---|---:|---|---|---|---:|');
  const label = { ours: 'meingpt-wasm', openai: 'openai', floor: 'floor' };
  for (const [name, m] of Object.entries(memory)) {
    lines.push(
      `| ${label[name]} | ${m.ms} | ${m.start.rss} / ${m.q25.rss} / ${m.q50.rss} / ${m.q75.rss} / ${m.peak.rss} / ${m.end.rss} | ` +
        `${m.start.heapUsed} / ${m.peak.heapUsed} / ${m.end.heapUsed} / ${m.afterGc.heapUsed} | ` +
        `${m.start.external} / ${m.q50.external} / ${m.peak.external} / ${m.end.external} / ${m.afterGc.external} | ${retained(m)} MB |`,
    );
  }
  const o = memory.ours;
  const allowance = Math.round((2 * o.contentMB + 8) * 10) / 10;
  lines.push('', `Flat means: what stays after the read is at most what \`finalCompletion()\` may keep (the joined content, ${o.contentMB} MB,`);
  lines.push(`with room for a growing buffer: 2 × content + 8 MB = ${allowance} MB), not a function of the bytes streamed.`, '');
  goals.push([`memory flat: retained after a ${o.mb} MB read`, `≤ ${allowance} MB`, `${retained(o)} MB (peak RSS ${o.peak.rss} MB)`, retained(o) <= allowance]);
}

function concurrencySection(conc, lines) {
  const any = Object.values(conc)[0];
  lines.push('## 6. Concurrency', '');
  lines.push(`${any.streams} concurrent streams of ${any.chunksPerStream} chunks each (each with its own text), in one process per client;`);
  lines.push(`ms until all settled, min / median of ${any.runs.length} runs (the first opens the connections); errors and byte-exact streams per run.`, '');
  lines.push('| client | ms (min / median) | errors | byte-exact streams | median vs floor | max RSS |', '|---|---:|---:|---:|---:|---:|');
  const label = { ours: 'meingpt-wasm', openai: 'openai', floor: 'floor' };
  for (const [name, c] of Object.entries(conc)) {
    lines.push(`| ${label[name]} | ${c.min} / ${c.median} | ${c.errors.join(', ')} | ${c.exact.join(', ')} of ${c.streams} | ${x(ratio(c.median, conc.floor?.median))} | ${c.maxRssMB} MB |`);
  }
  for (const [name, c] of Object.entries(conc)) if (c.firstError) lines.push('', `First error of ${name}: \`${c.firstError.split('\n')[0]}\``);
  lines.push('');
}

function embeddingsSection(emb, lines) {
  const t = emb.times;
  lines.push('## 7. Embeddings', '');
  lines.push(`${emb.vectors.toLocaleString('en')} vectors of ${emb.dims.toLocaleString('en')} dimensions in one answer (bench/embeddings.mjs; no network: a custom`);
  lines.push('`fetch` answers with the prepared body, so the figures are the client\'s work). `embeddings()` asks for base64 unless');
  lines.push('a format is named and decodes it in wasm to float arrays; the floor is `JSON.parse` of the same floats as JSON');
  lines.push(`numbers. ms min / median of ${emb.runs} runs after one warm-up, a GC before each.`, '');
  lines.push('| what | ms (min / median) | median vs floor |', '|---|---:|---:|');
  const label = {
    parseFloats: '`JSON.parse` of the float body (floor)',
    oursFloats: '`embeddings()`, server sends floats',
    oursBase64: '`embeddings()`, server sends base64 (decoded in wasm)',
    parseBase64: '`JSON.parse` of the base64 body alone',
  };
  for (const [name, s] of Object.entries(t)) lines.push(`| ${label[name] ?? name} | ${ms(s)} | ${x(ratio(s.median, t.parseFloats.median))} |`);
  const { float, base64 } = emb.bytes;
  lines.push('', 'Bytes on the wire (the answer\'s JSON; gzip -6 from node:zlib, as a server might compress it):', '');
  lines.push('| encoding | raw | gzip |', '|---|---:|---:|');
  lines.push(`| float | ${kb(float.raw)} | ${kb(float.gzip)} |`);
  lines.push(`| base64 | ${kb(base64.raw)} | ${kb(base64.gzip)} |`);
  lines.push(`| base64 / float | ${x(ratio(base64.raw, float.raw))} | ${x(ratio(base64.gzip, float.gzip))} |`, '');
}

function workerdCpuSection(w, lines, goals) {
  const p = w.perAnswer;
  lines.push('## 8. Worker CPU time in workerd', '');
  lines.push(`CPU time of the workerd process (bench/worker-cpu.mjs; the workerd binary of node_modules/workerd run directly, one socket`);
  lines.push(`straight into the Worker), each Worker bundled as wrangler bundles it; upstream: the simulator's answer (recorded once, replayed on 127.0.0.1 by a server with a long keep-alive) to an`);
  lines.push(`echoed German text as ${p.proxy.events} SSE events, one write each, ${w.pacingMs} ms apart (as a model's tokens arrive), each answer read`);
  lines.push('to the end and checked by a client with ' + `${w.concurrency} requests in flight. Per answer: utime + stime from \`/proc/<pid>/stat\``);
  lines.push(`(CLK_TCK ${w.clkTck}) over ${w.answers} answers, minus the same process's idle CPU over the same wall time; median of ${w.rounds} rounds,`);
  lines.push(`the Workers' order rotated. ${w.retriedConnections} requests were sent again after their kept-alive connection was reset before any answer.`, '');
  lines.push('| Worker | CPU ms per answer (median) | min | vs pass-through |', '|---|---:|---:|---:|');
  const label = {
    passthrough: 'pass-through (`new Response(upstream.body, upstream)`, apps/worker-passthrough.js)',
    proxy: '**examples/worker** (the proxy on meingpt-wasm)',
    jspump: 'each upstream read handed on by a JS ReadableStream (apps/worker-jspump.js)',
    identity: 'each upstream read written by JS to an IdentityTransformStream (apps/worker-identity.js)',
    package: '`chatCompletion()` + `toReadableStream()` alone (apps/worker-package.js)',
    jsread: 'upstream read in JS to the end, short answer (apps/worker-jsread.js)',
  };
  for (const [name, s] of Object.entries(p)) {
    lines.push(`| ${label[name] ?? name} | ${s.cpuMsPerAnswer} | ${s.cpuMsPerAnswerMin} | ${x(ratio(s.cpuMsPerAnswer, p.passthrough.cpuMsPerAnswer))} |`);
  }
  const f = w.first;
  lines.push('', `A fresh workerd per start (${f.empty.runs.start.length} starts per kind after one warm-up round), CPU ms summed over its threads`);
  lines.push('(`/proc/<pid>/task/*/schedstat`, ns; clock ticks are 10 ms): *start* = spawn → listening (config, script evaluated,');
  lines.push('wasm compiled: on Cloudflare, start-up, not the request\'s CPU); *first request* = listening → the first answer read to the');
  lines.push('end (for the proxy: its wasm instantiated, the request validated, the call made); *main thread*: the same on the');
  lines.push('thread that runs the isolate alone (the rest: V8\'s background compilers, workerd\'s I/O threads); medians.', '');
  lines.push('| Worker, first request | start | first request | of it, main thread | first request − pass-through\'s | total − empty Worker |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  const d = (a, b) => Math.round((a - b) * 10) / 10;
  for (const [kind, s] of Object.entries(f)) {
    const mode = kind.split(' ')[1];
    const base = mode ? f[`passthrough ${mode}`] : undefined;
    lines.push(`| ${kind} | ${s.startMs} | ${s.firstRequestMs} | ${s.firstRequestMainThreadMs ?? '–'} | ${base ? d(s.firstRequestMs, base.firstRequestMs) : '–'} | ${d(s.totalMs, f.empty.totalMs)} |`);
  }
  lines.push('');
  const r = ratio(p.proxy.cpuMsPerAnswer, p.passthrough.cpuMsPerAnswer);
  goals.push(['(17) Worker proxy: CPU per streamed answer vs pass-through (median)', '≤ 1.20×', `${x(r)} (${p.proxy.cpuMsPerAnswer} vs ${p.passthrough.cpuMsPerAnswer} ms)`, r <= 1.2]);
  const own = d(f['proxy json'].firstRequestMs, f['passthrough json'].firstRequestMs);
  const all = d(f['proxy json'].totalMs, f.empty.totalMs);
  goals.push(['(17) Worker: instantiate + first (non-stream) request CPU, minus the pass-through\'s first request', '< 10 ms', `${own} ms (a fresh process's start included, minus an empty Worker's: ${all} ms)`, own < 10]);
}

/** Writes results.json and RESULTS.md into `dir`; returns their paths. */
export function writeReport(results, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const m = results.machine;
  const lines = ['# Bench results', ''];
  lines.push(`Written by \`npm run bench\` (bench/run.mjs; see bench/README.md) on ${m.date.replace('T', ' ').slice(0, 19)} UTC, in ${results.seconds} s.`, '');
  lines.push(`- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB RAM, ${m.os}; load average ${m.loadAverage.join(' / ')} at the start, ${(m.loadAverageEnd ?? []).join(' / ')} at the end`);
  lines.push('  (a shared machine: other sessions build and test in parallel, so timings are noisy; compare ratios within one run).');
  lines.push(`- Node ${m.node}; meingpt-wasm ${m.versions['meingpt-wasm']} (packed from pkg/, commit ${m.commit}); openai ${m.versions.openai};`);
  lines.push(`  esbuild ${m.versions.esbuild}; miniflare ${m.versions.miniflare}; workerd ${m.versions.workerd}.`);
  lines.push('- Loopback only: the bench server (bench/server.mjs) runs in its own process and answers with precomputed bytes.');
  lines.push('- Times in ms as **min / median** of the repetitions; ratios compare medians of the same run.', '');
  const goals = [];
  const body = [];
  if (results.size) sizeSection(results.size, body, goals);
  if (results.stream) streamSection(results.stream, body, goals);
  if (results.roundtrip) roundtripSection(results.roundtrip, body, goals);
  if (results.cold) coldSection(results.cold, body, goals);
  if (results.memory) memorySection(results.memory, body, goals);
  if (results.concurrency) concurrencySection(results.concurrency, body);
  if (results.embeddings) embeddingsSection(results.embeddings, body);
  if (results.workerdCpu) workerdCpuSection(results.workerdCpu, body, goals);
  lines.push('## Goals (issue 5; issue 17 marked (17))', '', '| goal | target | measured | met |', '|---|---|---|---|');
  for (const [goal, target, measured, ok] of goals) lines.push(`| ${goal} | ${target} | ${measured} | ${mark(ok)} |`);
  lines.push('', ...body);
  const md = path.join(dir, 'RESULTS.md');
  const json = path.join(dir, 'results.json');
  fs.writeFileSync(md, lines.join('\n'));
  fs.writeFileSync(json, JSON.stringify(results, null, 2) + '\n');
  console.log('\n' + lines.join('\n'));
  return { md, json };
}
