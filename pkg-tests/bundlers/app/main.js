// The web app both bundlers build with no config: it imports the package by its bare name, as any
// app does; the page then runs the shared scenario (bundlers.test.mjs calls window.meingpt.run).
import * as api from 'meingpt-wasm';
import { run, describeError } from '../../runtimes/scenario.mjs';

window.meingpt = {
  run: (o) => run(api, o),
  init: () => api.init().then(() => null, (e) => describeError(api, e)),
};
document.getElementById('status').textContent = 'bereit';
