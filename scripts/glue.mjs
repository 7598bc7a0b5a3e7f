// The build's rewrites of wasm-bindgen's output (scripts/build.mjs): short import names and the glue
// factory (DESIGN.md, "Never poisoned" and "Where the bytes are now"). They read text wasm-bindgen
// writes, so each one checks its input: every pattern must match exactly as often as it does in the
// output of the wasm-bindgen they were written for, and the exports the factory found must be the
// glue module's real exports; otherwise the build stops with a GlueChanged error naming the version
// (a silent half-rewrite would ship a glue that breaks only at run time). Tested by glue.test.mjs.

/** The wasm-bindgen whose output these rewrites were written for (Cargo.toml pins it with `=`). */
export const WRITTEN_FOR = '0.2.130';

/** The build error of a rewrite whose input is not what it was written for. */
export class GlueChanged extends Error {
  constructor(what, version) {
    super(
      `${what}. The build rewrites wasm-bindgen's output (scripts/glue.mjs) as wasm-bindgen ${WRITTEN_FOR} writes it; ` +
        `this output comes from wasm-bindgen ${version ?? 'of unknown version'}. Check each rewrite against it, ` +
        'then update the rewrite, its expected count and WRITTEN_FOR together.',
    );
    this.name = 'GlueChanged';
  }
}

/** Counts the matches of a global regex or a plain string. */
function count(text, pattern) {
  if (typeof pattern === 'string') return text.split(pattern).length - 1;
  return [...text.matchAll(pattern)].length;
}

/**
 * `text` with `pattern` (a string, or a regex with the g flag) replaced by `to`; throws GlueChanged
 * unless it matched exactly `times` times.
 */
export function replaceExactly(text, pattern, to, times, what, version) {
  if (typeof pattern !== 'string' && !pattern.global) throw new TypeError(`replaceExactly: ${pattern} needs the g flag`);
  const n = count(text, pattern);
  if (n !== times) {
    throw new GlueChanged(`${what}: ${pattern} matched ${n} time${n === 1 ? '' : 's'}, expected ${times}`, version);
  }
  return typeof pattern === 'string' ? text.split(pattern).join(to) : text.replace(pattern, to);
}

/** The glue's snippet imports (`./snippets/<crate hash>/js/errors.js`) as `./errors.js`: `files` is how many snippets there are. */
export function flatSnippets(text, files, version) {
  return replaceExactly(text, /\.\/snippets\/[^'"]+\/js\/([a-z]+\.js)/g, './$1', files, 'snippet imports', version);
}

/** Reads a wasm binary's sections: [{ id, start, end, at }] (`at`: the section's first byte). */
function sections(bytes) {
  if (bytes.readUInt32LE(0) !== 0x6d736100 || bytes.readUInt32LE(4) !== 1) throw new Error('not a wasm module (version 1)');
  const out = [];
  let p = 8;
  while (p < bytes.length) {
    const at = p;
    const id = bytes[p++];
    let size = 0;
    let shift = 0;
    let b;
    do {
      b = bytes[p++];
      size += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    out.push({ id, at, start: p, end: p + size });
    p += size;
  }
  if (p !== bytes.length) throw new Error('the wasm sections do not end at the end of the file');
  return out;
}

/** A byte reader over `bytes` from `p`. */
function reader(bytes, p) {
  const r = {
    p,
    leb() {
      let v = 0;
      let shift = 0;
      let b;
      do {
        b = bytes[r.p++];
        v += (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b & 0x80);
      return v;
    },
    bytes(n) {
      const s = bytes.subarray(r.p, r.p + n);
      r.p += n;
      return s;
    },
    name() {
      return new TextDecoder().decode(r.bytes(r.leb()));
    },
  };
  return r;
}

const uleb = (n) => {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
};

/** The names of a wasm module's exports. */
export function wasmExports(bytes) {
  const s = sections(bytes).find((x) => x.id === 7);
  if (!s) return [];
  const r = reader(bytes, s.start);
  const names = [];
  for (let i = r.leb(); i > 0; i -= 1) {
    names.push(r.name());
    r.p += 1; // kind
    r.leb(); // index
  }
  if (r.p !== s.end) throw new Error('the export section did not parse to its end');
  return names;
}

/**
 * Short import names. wasm-bindgen names each import `__wbg_<what>_<16 hex digits>`; the hashes do
 * not compress, and each name is written twice: in the wasm's import section and as a key of the
 * glue's import object. Both are renamed here to `a`, `b`, ... (the names only have to agree
 * between the two files). The import section is rewritten; the rest of the wasm is copied as it is.
 * Each old name must occur exactly once in the glue (its key in the import object). Returns the new
 * wasm bytes and glue text. Saves about 450 B gzip of what a browser loads (DESIGN.md).
 */
export function shortImports(bytes, glueText, version) {
  const name = (i) => {
    const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
    let s = '';
    do {
      s = letters[i % 52] + s;
      i = Math.floor(i / 52) - 1;
    } while (i >= 0);
    return s;
  };
  const s = sections(bytes).find((x) => x.id === 2);
  if (!s) throw new GlueChanged('shortImports: the wasm has no import section', version);
  const r = reader(bytes, s.start);
  const enc = new TextEncoder();
  const out = [];
  const count = r.leb();
  out.push(...uleb(count));
  const renames = new Map();
  for (let i = 0; i < count; i += 1) {
    const mod = r.bytes(r.leb());
    const old = r.name();
    const descStart = r.p;
    const kind = bytes[r.p++];
    const limits = () => {
      const flags = bytes[r.p++];
      r.leb();
      if (flags & 1) r.leb();
    };
    if (kind === 0) r.leb(); // function: type index
    else if (kind === 1) {
      r.p += 1; // table: reference type
      limits();
    } else if (kind === 2) limits(); // memory
    else if (kind === 3) r.p += 2; // global: value type, mutability
    else throw new GlueChanged(`shortImports: import kind ${kind} not handled`, version);
    if (renames.has(old)) throw new GlueChanged(`shortImports: the import ${old} is there twice`, version);
    const shortName = name(renames.size);
    renames.set(old, shortName);
    out.push(...uleb(mod.length), ...mod, ...uleb(shortName.length), ...enc.encode(shortName), ...bytes.subarray(descStart, r.p));
  }
  if (r.p !== s.end) throw new GlueChanged('shortImports: the import section did not parse to its end', version);
  // New names never clash with what is left: one or two letters, and every old name is longer.
  for (const [old, shortName] of renames) {
    if (!/^[\w$]+$/.test(old)) throw new GlueChanged(`shortImports: the import name ${JSON.stringify(old)} is no identifier`, version);
    glueText = replaceExactly(glueText, new RegExp(`(?<![\\w$])${old}(?![\\w$])`, 'g'), shortName, 1, `shortImports: the import ${old} in the glue`, version);
  }
  const section = [2, ...uleb(out.length), ...out];
  return { bytes: Buffer.concat([bytes.subarray(0, s.at), Buffer.from(section), bytes.subarray(s.end)]), glueText };
}

/**
 * Never poisoned (js/lazy.js): the glue keeps its instance in module variables, so a trapped instance
 * could not be replaced without the objects of the old one (streams, finalizers) calling into the new
 * one. So the whole glue goes into `createGlue(wrapExports)`: each call makes a separate glue with its
 * own instance, its exports wrapped by lazy.js (which notices a trap). The module's own exports are
 * forwarders to the live glue's functions and classes, set by `useGlue()` (live `export let`
 * bindings would be 19 B gzip less, but a Next.js client bundle broke them).
 *
 * `exportNames` are the raw glue module's real exports (build.mjs imports it); the functions and
 * classes (and enums) found in its text must be exactly those, plus `initSync` and `default`.
 * Returns the new text and the functions, classes and enums.
 */
export function glueFactory(text, exportNames, version) {
  const lines = text.split('\n');
  const imports = lines.filter((l) => /^import /.test(l));
  let body = lines.filter((l) => !/^import /.test(l)).join('\n');
  const fns = [...body.matchAll(/^export function (\w+)/gm)].map((m) => m[1]);
  const classes = [...body.matchAll(/^export class (\w+)/gm)].map((m) => m[1]);
  // Exported Rust enums: `export const Name = Object.freeze({ ... });`.
  const consts = [...body.matchAll(/^export const (\w+) = /gm)].map((m) => m[1]);
  const found = [...fns, ...classes, ...consts, 'initSync', 'default'].sort();
  const real = [...exportNames].sort();
  if (found.join() !== real.join()) {
    throw new GlueChanged(`glueFactory: the glue exports ${real.join(', ')}, its text shows ${found.join(', ')}`, version);
  }
  if (classes.length === 0) throw new GlueChanged('glueFactory: no class export (StreamCore) found', version);
  const once = (from, to, what) => {
    body = replaceExactly(body, from, to, 1, `glueFactory: ${what}`, version);
  };
  body = replaceExactly(body, /^export (class|function|const) /gm, '$1 ', fns.length + classes.length + consts.length, 'glueFactory: the exports', version);
  once(/^export \{ initSync, __wbg_init as default \};$/gm, '', 'the export list');
  // Every export goes through lazy.js's wrapper, which notices a trap.
  // The getters below read these module variables.
  once(/^let wasmModule, wasmInstance, wasm;$/gm, 'let wasmModule, wasmInstance, wasm;', 'the module variables');
  once('wasm = instance.exports;', 'wasm = wrapExports(instance.exports);', 'where the instance is kept');
  // initSync is only ever given a compiled module (the entries, lazy.js's newGlue()), which may
  // come from another realm (Next.js hands its edge sandbox modules compiled outside): no
  // `instanceof WebAssembly.Module` test, which such a module fails.
  once(/^\s*if \(!\(module instanceof WebAssembly\.Module\)\) \{\n\s*module = new WebAssembly\.Module\(module\);\n\s*\}\n/gm, '', "initSync's instanceof test");
  // The entries and lazy.js always pass a single object: the warnings about the old parameters
  // are dead code (and 100 B gzip of what a browser loads).
  once(
    /^\s*if \(module !== undefined\) \{\n\s*if \(Object\.getPrototypeOf\(module\) === Object\.prototype\) \{\n\s*\(\{module\} = module\)\n\s*\} else \{\n\s*console\.warn\([^\n]*\n\s*\}\n\s*\}\n/gm,
    '({ module } = module);\n',
    "initSync's warning about its old parameters",
  );
  once(
    /^\s*if \(module_or_path !== undefined\) \{\n\s*if \(Object\.getPrototypeOf\(module_or_path\) === Object\.prototype\) \{\n\s*\(\{module_or_path\} = module_or_path\)\n\s*\} else \{\n\s*console\.warn\([^\n]*\n\s*\}\n\s*\}\n/gm,
    '({ module_or_path } = module_or_path);\n',
    "__wbg_init's warning about its old parameters",
  );
  // The entries always pass the wasm (browser.js its own `new URL`); inside the factory this default
  // could no longer be tree-shaken, and would put a wasm URL into Node and Workers bundles.
  once(/^\s*if \(module_or_path === undefined\) \{\n\s*module_or_path = new URL\('[\w.]+_bg\.wasm', import\.meta\.url\);\n\s*\}\n/gm, '', "__wbg_init's default URL");
  const names = [...fns, ...classes, ...consts];
  const api = [...names, 'initSync', 'default: __wbg_init', 'get module() { return wasmModule; }', 'get memory() { return wasm?.memory; }'];
  return {
    fns,
    classes,
    consts,
    text: [
      ...imports,
      `export function createGlue(wrapExports) {\n${body}\nreturn { ${api.join(', ')} };\n}`,
      // Forwarders, not `export let` live bindings (19 B gzip less): Next.js 16's client bundle
      // called a reassigned `export let` class as undefined ("t.R is not a constructor",
      // pkg-tests/nextjs). Enums hold the same values in every glue: live bindings are fine there.
      'let glue;',
      ...(consts.length ? [`export let ${consts.join(', ')};`] : []),
      `export function useGlue(g) {\n  glue = g;${consts.length ? `\n  ({ ${consts.join(', ')} } = g);` : ''}\n}`,
      ...fns.map((f) => `export function ${f}(...a) {\n  return glue.${f}(...a);\n}`),
      ...classes.map((c) => `export function ${c}(...a) {\n  return new glue.${c}(...a);\n}`),
      '',
    ].join('\n'),
  };
}

/**
 * js/lazy.js declares which wasm exports may still run on a dead instance (AFTER_DEATH); every
 * other export refuses there. Each declared name must be an export of the wasm, and each class's
 * destructor (wasm-bindgen's `__wbg_<class>_free`, called by its FinalizationRegistry) must be
 * declared: a new class cannot make its finalizer throw, a renamed export cannot slip through.
 */
export function checkAfterDeath(declared, wasmNames, classes, version) {
  const missing = declared.filter((n) => !wasmNames.includes(n));
  if (missing.length) {
    throw new GlueChanged(`js/lazy.js AFTER_DEATH names ${missing.join(', ')}, which the wasm does not export`, version);
  }
  for (const c of classes) {
    const free = `__wbg_${c.toLowerCase()}_free`;
    if (!wasmNames.includes(free)) throw new GlueChanged(`the class ${c} has no destructor export ${free}`, version);
    if (!declared.includes(free)) throw new Error(`js/lazy.js AFTER_DEATH must name ${free}, the destructor of the exported class ${c}`);
  }
}
