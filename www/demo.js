// The demo page: a chat on top of chatCompletion(), imported from the package's browser entry as a
// plain ES module (no bundler). Model output only ever reaches the page as text (textContent,
// Text nodes), never as HTML.
import { chatCompletion } from './pkg/browser.js';
import { TOOLS, runTool } from './tools.js';
import { explain } from './explain.js';
import { initOwnApi } from './own-api.js';

const $ = (id) => document.getElementById(id);
const KEY_STORE = 'meingpt-demo.apiKey';
const SIM_KEY = 'sk-simulator-demo'; // the simulator accepts any key
const MAX_TOOL_ROUNDS = 4;
const DEFAULT_MODELS = [
  { id: 'gpt-4o-mini', supports_tools: true },
  { id: 'gpt-4o', supports_tools: true },
  { id: 'claude-3-5-sonnet', supports_tools: true },
  { id: 'mistral-large', supports_tools: true },
  { id: 'sonar', supports_tools: false },
  { id: 'deepseek-r1', supports_tools: true },
];
const EXAMPLES = [
  { label: 'Hallo', text: 'Hallo! Was kann meinGPT für unser Team tun?' },
  { label: 'English', text: 'Hello! Could you explain what WebAssembly is good for?' },
  { label: 'Weather tool', text: 'Wie ist das Wetter in Berlin? Nutze get_weather.', tools: true },
  { label: 'Multiply tool', text: 'Was ist 17 mal 23? Rechne mit multiply.', tools: true },
  { label: 'JSON answer', text: 'Fasse die Vorteile von meinGPT als JSON zusammen.', json: true },
];

const config = await loadConfig();
const origin = `${location.origin}/`;
const PRESETS = presetsFor(config);
const history = []; // the conversation as sent to the API
let running = null; // AbortController of the request in flight

// ---------------------------------------------------------------------------------------------
// Settings

function presetsFor(cfg) {
  const sim = cfg.mode === 'proxy' ? 'sim/api/openai/v1' : 'api/openai/v1';
  const list = [];
  if (cfg.mode === 'proxy') {
    list.push({
      id: 'server',
      label: 'meinGPT via this dev server',
      baseUrl: new URL('api/openai/v1', origin).href,
      keyOnServer: true,
      hint: `Calls go to ${cfg.upstream} through npm start's proxy, which adds MEINGPT_API_KEY. The key never reaches this page.`,
    });
  }
  list.push(
    {
      id: 'simulator',
      label: 'meinGPT simulator (local)',
      baseUrl: new URL(sim, origin).href,
      simulator: true,
      hint: 'The local simulator answers like meinGPT, offline and deterministic. Any API key works.',
    },
    {
      id: 'worker',
      label: 'Local Worker (wrangler dev)',
      baseUrl: 'http://127.0.0.1:8788/v1',
      hint: 'The Cloudflare Worker of examples/worker (wrangler dev, port 8788) holds the key as a secret; leave the key empty.',
    },
    {
      id: 'meingpt',
      label: 'meinGPT (direct)',
      baseUrl: 'https://app.meingpt.com/api/openai/v1',
      hint: 'Direct from the browser puts your key into this page. Prefer the Worker, or npm start with MEINGPT_API_KEY.',
    },
    { id: 'custom', label: 'Custom…', baseUrl: '', hint: 'Any OpenAI-compatible server; requests go to <base URL>/chat/completions.' },
  );
  return list;
}

async function loadConfig() {
  try {
    const r = await fetch('config.json', { cache: 'no-store' });
    if (r.ok) return await r.json();
  } catch {
    // fall through: a plain static server without config.json means the simulator
  }
  return { mode: 'simulator' };
}

function preset() {
  return PRESETS.find((p) => p.id === $('preset').value) ?? PRESETS[0];
}

function applyPreset() {
  const p = preset();
  if (p.id !== 'custom') $('baseUrl').value = p.baseUrl;
  $('presetHint').textContent = p.hint;
  $('simSection').hidden = !p.simulator;
  $('apiKey').disabled = !!p.keyOnServer;
  $('remember').disabled = !!p.keyOnServer;
  $('apiKey').placeholder = p.keyOnServer ? 'kept on the server' : 'sk_meingpt_…';
  $('keyHint').textContent = p.keyOnServer
    ? 'Not needed: the dev server adds the key.'
    : p.simulator
      ? 'Optional here: the simulator accepts any key.'
      : 'Sent only to the base URL above. Kept in memory; “Remember” keeps it in sessionStorage (this tab only).';
  $('badge').textContent = p.label;
  $('badge').dataset.kind = p.simulator ? 'sim' : p.keyOnServer ? 'real' : 'other';
  return loadModels(p);
}

async function loadModels(p) {
  let models = DEFAULT_MODELS;
  if (p.simulator) {
    try {
      const r = await fetch(new URL('models', `${p.baseUrl}/`));
      if (r.ok) models = (await r.json()).data;
    } catch {
      // keep the defaults
    }
  }
  const select = $('model');
  const keep = select.value;
  select.replaceChildren(
    ...models.map((m) => new Option(m.supports_tools === false ? `${m.id} (no tools)` : m.id, m.id)),
    new Option('Other…', ''),
  );
  select.value = models.some((m) => m.id === keep) ? keep : models[0].id;
  $('customModel').hidden = select.value !== '';
}

function initSettings() {
  $('preset').replaceChildren(...PRESETS.map((p) => new Option(p.label, p.id)));
  $('baseUrl').addEventListener('input', () => {
    if (preset().id !== 'custom' && $('baseUrl').value !== preset().baseUrl) {
      $('preset').value = 'custom';
      applyPreset();
    }
  });
  $('preset').addEventListener('change', applyPreset);
  $('model').addEventListener('change', () => {
    $('customModel').hidden = $('model').value !== '';
  });
  const showTemp = () => {
    $('tempOut').textContent = Number($('temperature').value).toFixed(1);
  };
  $('temperature').addEventListener('input', showTemp);
  showTemp();
  $('pacing').addEventListener('input', () => {
    $('pacingOut').textContent = `${$('pacing').value} ms`;
  });

  // The key: kept in memory only, unless "remember" is ticked; then in sessionStorage (this tab).
  const saved = sessionStorage.getItem(KEY_STORE);
  if (saved) {
    $('apiKey').value = saved;
    $('remember').checked = true;
  }
  const storeKey = () => {
    if ($('remember').checked && $('apiKey').value) sessionStorage.setItem(KEY_STORE, $('apiKey').value);
    else sessionStorage.removeItem(KEY_STORE);
  };
  $('apiKey').addEventListener('input', storeKey);
  $('remember').addEventListener('change', storeKey);

  for (const ex of EXAMPLES) {
    const b = document.createElement('button');
    b.className = 'chip';
    b.textContent = ex.label;
    b.title = ex.text;
    b.addEventListener('click', () => {
      $('prompt').value = ex.text;
      $('tools').checked = !!ex.tools;
      $('json').checked = !!ex.json;
      $('prompt').focus();
    });
    $('examples').append(b);
  }
  return applyPreset();
}

// ---------------------------------------------------------------------------------------------
// The transcript. Every text from the model goes in with textContent or as a Text node.

function addEntry(kind, label) {
  $('empty')?.remove();
  const el = document.createElement('div');
  el.className = `msg ${kind}`;
  const head = document.createElement('div');
  head.className = 'who';
  head.textContent = label;
  const body = document.createElement('div');
  body.className = 'body';
  el.append(head, body);
  $('log').append(el);
  scrollDown();
  return { el, body, head };
}

/** Keeps the newest text in view (the transcript scrolls, not the page). */
function scrollDown() {
  const log = $('log');
  log.scrollTop = log.scrollHeight;
}

function addNote(entry, text, cls = 'note') {
  const n = document.createElement('div');
  n.className = cls;
  n.textContent = text;
  entry.el.append(n);
  scrollDown();
  return n;
}

function setStats({ ttft, tps, usage, finish } = {}) {
  $('ttft').textContent = ttft === undefined ? '–' : `${Math.round(ttft)} ms`;
  $('tps').textContent = tps === undefined ? '–' : `${tps.toFixed(1)} tokens/s`;
  $('usage').textContent = usage
    ? `${usage.prompt_tokens} in · ${usage.completion_tokens} out · ${usage.total_tokens} total`
    : '–';
  $('finish').textContent = finish ?? '–';
}

function showJson(entry, text) {
  try {
    const value = JSON.parse(text);
    entry.body.textContent = JSON.stringify(value, null, 2);
    entry.body.classList.add('code');
    addNote(entry, '✓ valid JSON', 'note ok');
  } catch {
    addNote(entry, '✗ not valid JSON', 'note bad');
  }
}

/** A reasoning model's reasoning (`reasoning_content`, or `reasoning`), collapsed above its answer. */
function showReasoning(entry, message) {
  const text = message.reasoning_content ?? message.reasoning;
  if (typeof text !== 'string' || !text) return;
  const box = document.createElement('details');
  box.className = 'reasoning';
  const summary = document.createElement('summary');
  summary.textContent = 'Reasoning';
  const body = document.createElement('div');
  body.textContent = text;
  box.append(summary, body);
  entry.body.prepend(box);
}

function showCitations(entry, citations) {
  if (!Array.isArray(citations) || !citations.length) return;
  const box = document.createElement('div');
  box.className = 'sources';
  box.append('Sources: ');
  citations.forEach((url, i) => {
    const a = document.createElement('a');
    a.textContent = `[${i + 1}]`;
    a.title = String(url);
    if (/^https?:\/\//i.test(String(url))) a.href = String(url);
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    box.append(a, ' ');
  });
  entry.el.append(box);
}

// ---------------------------------------------------------------------------------------------
// Sending

function requestOptions(signal) {
  const p = preset();
  const typed = $('apiKey').value.trim();
  const apiKey = p.keyOnServer ? undefined : typed || (p.simulator ? SIM_KEY : undefined);
  const options = { baseUrl: $('baseUrl').value.trim(), signal, maxRetries: 2 };
  if (apiKey) options.apiKey = apiKey;
  if (p.simulator) {
    const headers = { 'x-simulator-pacing': $('pacing').value };
    const f = $('fault').selectedOptions[0];
    if (f?.value) {
      headers['x-simulator-fault'] = f.value;
      if (f.dataset.times) {
        headers['x-simulator-fault-times'] = f.dataset.times;
        headers['x-simulator-fault-key'] = `demo-${Date.now()}-${Math.random()}`;
      }
    }
    options.headers = headers;
  }
  return options;
}

const currentModel = () => $('model').value || $('customModel').value.trim();

function baseRequest() {
  const req = { model: currentModel(), messages: [...history], temperature: Number($('temperature').value) };
  if ($('json').checked) {
    req.response_format = { type: 'json_object' };
    req.messages.unshift({ role: 'system', content: 'Answer with one JSON object.' });
  }
  if ($('tools').checked) {
    req.tools = TOOLS.map((t) => t.definition);
    req.tool_choice = 'auto';
  }
  if ($('stream').checked) {
    req.stream = true;
    req.stream_options = { include_usage: true };
  }
  return req;
}

/** One request/response round; shows the answer as it arrives. Returns the assistant message. */
async function round(signal) {
  const t0 = performance.now();
  const req = baseRequest();
  let entry = null;
  const ensureEntry = () => (entry ??= addEntry('assistant', req.model));
  let completion;
  let firstAt;
  let pieces = 0;
  if (req.stream) {
    const stream = await chatCompletion(req, requestOptions(signal));
    const final = stream.finalCompletion();
    final.catch(() => {}); // read below; an abort also rejects it
    const reader = stream.textStream().getReader();
    let text = null;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!value) continue;
        if (firstAt === undefined) {
          firstAt = performance.now();
          setStats({ ttft: firstAt - t0 });
        }
        pieces += 1;
        if (!text) {
          text = document.createTextNode('');
          ensureEntry().body.append(text);
          entry.el.classList.add('typing');
        }
        text.appendData(value);
        scrollDown();
      }
    } catch (e) {
      if (firstAt !== undefined) {
        const now = performance.now();
        setStats({ ttft: firstAt - t0, tps: now > firstAt ? (pieces * 1000) / (now - firstAt) : undefined });
      }
      if (entry) {
        entry.el.classList.remove('typing');
        e.partial = text?.data ?? '';
        e.entry = entry;
      }
      throw e;
    }
    entry?.el.classList.remove('typing');
    completion = await final;
  } else {
    completion = await chatCompletion(req, requestOptions(signal));
    firstAt = performance.now();
  }
  const end = performance.now();
  const choice = completion.choices?.[0] ?? {};
  const message = choice.message ?? { role: 'assistant', content: '' };
  if (!req.stream && message.content) ensureEntry().body.textContent = message.content;
  if (message.reasoning_content || message.reasoning) showReasoning(ensureEntry(), message);
  if (entry && req.response_format && message.content) showJson(entry, message.content);
  if (entry) showCitations(entry, completion.citations);
  scrollDown();
  const tokens = completion.usage?.completion_tokens ?? pieces;
  setStats({
    ttft: firstAt - t0,
    tps: end - firstAt > 0 && tokens > 0 ? (tokens * 1000) / (end - firstAt) : undefined,
    usage: completion.usage,
    finish: choice.finish_reason,
  });
  return message;
}

function traceCall(call, result) {
  const entry = addEntry('tool', `tool · ${call.function.name}`);
  const line = (dir, text) => {
    const row = document.createElement('div');
    row.className = `trace ${dir}`;
    const tag = document.createElement('span');
    tag.className = 'tag';
    tag.textContent = dir === 'call' ? 'call' : 'result';
    const code = document.createElement('code');
    code.textContent = text;
    row.append(tag, code);
    entry.body.append(row);
  };
  line('call', `${call.function.name}(${call.function.arguments})`);
  line('result', JSON.stringify(result));
}

async function send() {
  const text = $('prompt').value.trim();
  if (!text || running) return;
  const ctl = new AbortController();
  running = ctl;
  $('send').disabled = true;
  $('stop').disabled = false;
  document.body.classList.add('busy');
  setStats();
  addEntry('user', 'You').body.textContent = text;
  const mark = history.length;
  history.push({ role: 'user', content: text });
  $('prompt').value = '';
  try {
    for (let i = 0; ; i += 1) {
      const message = await round(ctl.signal);
      const calls = message.tool_calls ?? [];
      const reply = calls.length ? { role: 'assistant', content: message.content ?? null, tool_calls: calls } : { role: 'assistant', content: message.content ?? '' };
      // A reasoning model's reasoning goes back with the turn: some providers refuse it otherwise.
      for (const k of ['reasoning_content', 'reasoning']) if (typeof message[k] === 'string') reply[k] = message[k];
      history.push(reply);
      if (!calls.length) break;
      if (i + 1 >= MAX_TOOL_ROUNDS) throw new Error(`stopped after ${MAX_TOOL_ROUNDS} tool rounds`);
      for (const call of calls) {
        const result = runTool(call);
        traceCall(call, result);
        history.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(result) });
      }
    }
  } catch (e) {
    if (e?.name === 'APIUserAbortError') {
      if (e.partial) history.push({ role: 'assistant', content: e.partial });
      addNote(e.entry ?? addEntry('system', 'Stopped'), '■ stopped', 'note stopped');
    } else {
      history.length = mark; // leave the failed turn out of the next request
      const { title, detail } = explain(e, {
        model: currentModel(),
        tools: $('tools').checked,
        baseUrl: $('baseUrl').value,
        partial: !!e?.partial,
      });
      const entry = addEntry('error', title);
      entry.body.textContent = detail;
      if (e?.message) addNote(entry, `${e.name ?? 'Error'}${e.status ? ` ${e.status}` : ''}: ${e.message}`, 'note detail');
    }
  } finally {
    running = null;
    $('send').disabled = false;
    $('stop').disabled = true;
    document.body.classList.remove('busy');
    document.body.dataset.done = String(Number(document.body.dataset.done ?? 0) + 1);
  }
}

$('send').addEventListener('click', send);
$('stop').addEventListener('click', () => running?.abort());
$('clear').addEventListener('click', () => {
  running?.abort();
  history.length = 0;
  $('log').replaceChildren();
  setStats();
});
$('prompt').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    send();
  }
});
await initSettings();
initOwnApi(() => requestOptions());
document.body.dataset.ready = 'true';
