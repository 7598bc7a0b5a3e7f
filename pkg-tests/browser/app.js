// The web-app entry: bundled by browser.test.mjs with esbuild (--bundle --format=esm, browser
// condition) as a user's app would be; the package's .wasm is copied next to the bundle.
import * as api from 'meingpt-wasm';
import { scenarios } from './scenario.js';

window.meingpt = scenarios(api);
document.getElementById('status').textContent = 'bereit – bundled ✓';
