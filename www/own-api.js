// The "Assistants & workflows" view: meinGPT's own API through the package (loaded on first use,
// like the functions themselves). Server text reaches the page only as text (textContent).
import { listAssistants, runAssistant, listWorkflows, getWorkflowInputs, runWorkflow } from './pkg/browser.js';

const $ = (id) => document.getElementById(id);

/** `options()`: the chat's options (base URL, key, simulator headers) at the time of a call. */
export function initOwnApi(options) {
  let loaded = false;
  $('ownApi').addEventListener('toggle', () => {
    if ($('ownApi').open && !loaded) {
      loaded = true;
      load();
    }
  });

  async function load() {
    try {
      const [{ assistants }, { workflows }] = await Promise.all([listAssistants(options()), listWorkflows(options())]);
      $('assistant').replaceChildren(...assistants.map((a) => new Option(a.name, a.id)));
      $('workflow').replaceChildren(...workflows.map((w) => new Option(w.name, w.id)));
      await showInputs();
    } catch (e) {
      loaded = false; // opening the view again retries
      fail($('assistantOut'), e);
    }
  }

  async function showInputs() {
    const box = $('workflowInputs');
    box.replaceChildren();
    if (!$('workflow').value) return;
    try {
      const { inputs } = await getWorkflowInputs($('workflow').value, options());
      for (const i of inputs) {
        const label = document.createElement('label');
        label.textContent = i.description ? `${i.name}: ${i.description}` : i.name;
        const field = Array.isArray(i.options) && i.options.length ? document.createElement('select') : Object.assign(document.createElement('input'), { type: 'text' });
        if (field instanceof HTMLSelectElement) field.append(...i.options.map((o) => new Option(o.label, o.value)));
        if (i.defaultValue != null) field.value = String(i.defaultValue);
        field.dataset.name = i.name;
        label.append(field);
        box.append(label);
      }
    } catch (e) {
      fail($('workflowOut'), e);
    }
  }
  $('workflow').addEventListener('change', showInputs);

  $('runAssistant').addEventListener('click', () =>
    busy($('runAssistant'), $('assistantOut'), async (out) => {
      const messages = [{ role: 'user', content: $('assistantPrompt').value }];
      const files = [...$('assistantFiles').files];
      const r = await runAssistant($('assistant').value, { messages, files }, options());
      out.textContent = r.text;
      if (Array.isArray(r.citations) && r.citations.length) out.append(list(r.citations.map(String)));
    }),
  );

  $('runWorkflow').addEventListener('click', () =>
    busy($('runWorkflow'), $('workflowOut'), async (out) => {
      const input = {};
      for (const f of $('workflowInputs').querySelectorAll('[data-name]')) input[f.dataset.name] = f.value;
      const r = await runWorkflow($('workflow').value, { input }, options());
      out.textContent = (r.messages ?? []).map((m) => m.content).join('\n');
      // The knowledge-search sources the workflow used, as meinGPT numbers them.
      const sources = (r.messages ?? []).flatMap((m) => m.knowledgeCollectionSearchResults ?? []).flatMap((k) => k.resultComponents ?? []);
      if (sources.length) out.append(list(sources.map((s) => `[${s.sourceNumber}] ${s.documentTitle} (${s.score}): ${s.result}`)));
    }),
  );
}

function list(items) {
  const ol = document.createElement('ol');
  for (const t of items) {
    const li = document.createElement('li');
    li.textContent = t;
    ol.append(li);
  }
  return ol;
}

function fail(out, e) {
  out.classList.add('error');
  out.textContent = `${e?.name ?? 'Error'}: ${e?.message ?? e}`;
}

async function busy(button, out, run) {
  button.disabled = true;
  out.classList.remove('error');
  out.textContent = '…';
  try {
    await run(out);
  } catch (e) {
    fail(out, e);
  } finally {
    button.disabled = false;
  }
}
