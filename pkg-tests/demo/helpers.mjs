// Helpers of the demo page tests: Chromium (playwright-core, Debian's /usr/bin/chromium), a page
// that records console errors and page errors, and the page's own controls.
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const APP = path.resolve(HERE, '..'); // pkg-tests/
export const ROOT = path.resolve(APP, '..');
export const OUT = path.join(APP, '.out');
export const INSTALLED = path.join(APP, 'node_modules', 'meingpt-wasm');
export const WWW = path.join(ROOT, 'www');
export const CHAT = '/api/openai/v1/chat/completions';
export const T = { timeout: 30_000 };

const { chromium } = createRequire(path.join(ROOT, 'package.json'))('playwright-core');

export function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    timeout: 20_000,
  });
}

/**
 * Opens the demo at `url` in a new page of `context` and waits until it is ready. `page.problems`
 * collects console errors/warnings and page errors; the statuses of Chromium's own "Failed to load
 * resource" lines (one per HTTP error response, e.g. a deliberate 400, or a net::ERR_ code for a connection
 * the simulator cut) go to `page.httpErrors`.
 */
export async function openDemo(context, url) {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.problems = [];
  page.httpErrors = [];
  page.on('console', (msg) => {
    const type = msg.type();
    if (type !== 'error' && type !== 'warning') return;
    const text = msg.text();
    const http = /^Failed to load resource: (?:the server responded with a status of (\d{3}) |net::(ERR_\w+))/.exec(text);
    if (type === 'error' && http) {
      page.httpErrors.push(http[1] ? Number(http[1]) : http[2]);
      return;
    }
    page.problems.push(`console.${type}: ${text} (${msg.location()?.url ?? ''})`);
  });
  page.on('pageerror', (err) => page.problems.push(`pageerror: ${err.stack ?? err.message}`));
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 15_000 });
  return page;
}

/** Sets a range or text input the way a user's edit does (value + input event). */
export function setValue(page, selector, value) {
  return page.$eval(
    selector,
    (el, v) => {
      el.value = v;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    },
    String(value),
  );
}

const doneCount = (page) => page.evaluate(() => Number(document.body.dataset.done ?? 0));

/** Types `text`, clicks Send; returns a promise that resolves when the page finished the turn. */
export async function send(page, text) {
  const before = await doneCount(page);
  await page.fill('#prompt', text);
  await page.click('#send');
  return () => page.waitForFunction((n) => Number(document.body.dataset.done ?? 0) > n, before, { timeout: 20_000 });
}

/** Sends and waits for the end of the turn. */
export async function sendAndWait(page, text) {
  const done = await send(page, text);
  await done();
}

/** Text of the last element matching `selector` (null when there is none). */
export function lastText(page, selector) {
  return page.evaluate((s) => {
    const all = document.querySelectorAll(s);
    return all.length ? all[all.length - 1].textContent : null;
  }, selector);
}

export async function waitFor(pred, ms = 5000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v || Date.now() >= until) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}
