// The installed package as TypeScript users and package linters see it:
//  - consumer.ts compiled with `tsc --strict --noEmit` against pkg-tests/node_modules/meingpt-wasm
//    (module nodenext, and module esnext + moduleResolution bundler; target es2022, lib es2022 + dom);
//  - a broken twin of consumer.ts must fail, so the compile really checks the package's types;
//  - publint (strict) and `attw --pack --profile esm-only` (the package is ESM-only by design).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const APP = path.resolve(HERE, '..'); // pkg-tests/
const ROOT = path.resolve(APP, '..');
const OUT = path.join(APP, '.out', 'types');
const INSTALLED = path.join(APP, 'node_modules', 'meingpt-wasm');
const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));
const TSC = requireFromRoot.resolve('typescript/bin/tsc');
const ATTW = path.join(ROOT, 'node_modules', '.bin', 'attw');

/** Runs a command with a time limit; resolves {code, out}. */
function run(cmd, args, { timeoutMs = 30000, cwd = APP } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(cmd)} ${args.join(' ')} timed out after ${timeoutMs} ms\n${out}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** A tsconfig in .out/types/ compiling `file` (in this folder, so 'meingpt-wasm' resolves from pkg-tests/). */
function tsconfig(name, file, resolution) {
  const config = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: 'es2022',
      lib: ['es2022', 'dom'],
      types: [],
      skipLibCheck: false,
      exactOptionalPropertyTypes: false,
      ...(resolution === 'nodenext'
        ? { module: 'nodenext', moduleResolution: 'nodenext' }
        : { module: 'esnext', moduleResolution: 'bundler' }),
    },
    files: [file],
  };
  const p = path.join(OUT, `tsconfig.${name}.json`);
  fs.writeFileSync(p, JSON.stringify(config, null, 2));
  return p;
}

before(() => {
  assert.ok(!fs.lstatSync(INSTALLED).isSymbolicLink(), 'meingpt-wasm is installed from the tarball, not linked');
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
}, { timeout: 10000 });

for (const resolution of ['nodenext', 'bundler']) {
  test(`consumer.ts compiles with tsc --strict (${resolution}), every @ts-expect-error used`, { timeout: 60000 }, async () => {
    const project = tsconfig(`consumer-${resolution}`, path.join(HERE, 'consumer.ts'), resolution);
    const { code, out } = await run(process.execPath, [TSC, '-p', project, '--pretty', 'false', '--listFiles']);
    const errors = out.split('\n').filter((l) => /error TS\d+/.test(l));
    assert.deepEqual(errors, [], out);
    assert.equal(code, 0, out);
    // The types came from the installed package (its exports map's `types`), nothing else.
    const files = out.split('\n').map((l) => l.trim()).filter((l) => l.includes('meingpt-wasm'));
    assert.deepEqual(files, [path.join(INSTALLED, 'index.d.ts')]);
  });
}

test('a broken consumer fails to compile (the check has teeth)', { timeout: 60000 }, async () => {
  // consumer.ts with its @ts-expect-error directives removed: each wrong line must be an error.
  const src = fs.readFileSync(path.join(HERE, 'consumer.ts'), 'utf8');
  const expected = (src.match(/^\s*\/\/ @ts-expect-error/gm) || []).length;
  assert.ok(expected >= 15, `${expected} @ts-expect-error lines`);
  // In .out/types/: it still resolves meingpt-wasm from pkg-tests/node_modules, as an ES module.
  const broken = path.join(OUT, 'broken-consumer.ts');
  fs.writeFileSync(broken, src.replace(/^\s*\/\/ @ts-expect-error.*$/gm, '// (directive removed)'));
  {
    const project = tsconfig('broken', broken, 'nodenext');
    const { code, out } = await run(process.execPath, [TSC, '-p', project, '--pretty', 'false']);
    assert.notEqual(code, 0);
    const errorLines = new Set(
      out
        .split('\n')
        .filter((l) => l.includes('broken-consumer.ts(') && /error TS\d+/.test(l))
        .map((l) => /\((\d+),\d+\)/.exec(l)[1]),
    );
    // One (or more) errors on each line that had a directive: the line after it.
    const lines = src.split('\n');
    const wanted = lines.flatMap((l, i) => (/^\s*\/\/ @ts-expect-error/.test(l) ? [String(i + 2)] : []));
    assert.deepEqual(wanted.filter((n) => !errorLines.has(n)), [], out);
    assert.deepEqual([...errorLines].filter((n) => !wanted.includes(n)), [], `errors only on the wrong lines\n${out}`);
  }
});

test('publint (strict) finds nothing in the installed package', { timeout: 30000 }, async () => {
  const { publint } = await import(requireFromRoot.resolve('publint'));
  const { formatMessage } = await import(requireFromRoot.resolve('publint/utils'));
  const pkg = JSON.parse(fs.readFileSync(path.join(INSTALLED, 'package.json'), 'utf8'));
  const { messages } = await publint({ pkgDir: INSTALLED, level: 'suggestion', strict: true, pack: false });
  const shown = messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`);
  assert.deepEqual(shown.filter((m) => !m.startsWith('suggestion:')), []);
  if (shown.length) console.log(`publint suggestions:\n${shown.join('\n')}`);
});

test('attw --pack --profile esm-only: no problem', { timeout: 60000 }, async () => {
  const { code, out } = await run(ATTW, ['--pack', INSTALLED, '--profile', 'esm-only', '--format', 'json'], { timeoutMs: 50000 });
  let report;
  try {
    report = JSON.parse(out.slice(out.indexOf('{')));
  } catch {
    assert.fail(`attw did not print JSON (exit ${code}):\n${out}`);
  }
  // esm-only ignores the node10 and node16-cjs resolutions (a require() of an ESM-only package).
  const problems = Object.values(report.problems ?? report.analysis?.problems ?? {})
    .flat()
    .filter((p) => !['node10', 'node16-cjs'].includes(p.resolutionKind));
  assert.deepEqual(problems, []);
  assert.equal(code, 0, out.slice(0, 2000));
  const entry = report.analysis.entrypoints['.'];
  for (const kind of ['node16-esm', 'bundler']) {
    assert.equal(entry.resolutions[kind].resolution?.fileName?.endsWith('/meingpt-wasm/index.d.ts'), true, `${kind} finds index.d.ts`);
  }
  assert.ok(!fs.readdirSync(INSTALLED).some((f) => f.endsWith('.tgz')), 'attw removed its tarball');
});
