// `npm start`: the meinGPT simulator and a minimal demo page on 127.0.0.1 (the full demo is the
// next step). With MEINGPT_API_KEY set, the page talks to the real service through this server,
// which adds the key, so the key never reaches the browser.
import path from 'node:path';
import { startSimulator } from '../simulator/server.mjs';
import { root } from './lib.mjs';

const port = Number(process.env.PORT ?? 8787);
const sim = await startSimulator({
  port,
  pacingMs: 30,
  staticDir: path.join(root, 'www'),
  staticRoutes: { '/pkg/': path.join(root, 'pkg') },
});
console.log(`meinGPT demo: ${sim.url}/`);
console.log('Press Ctrl+C to stop.');
const stop = () => sim.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
