// `npm start`: the meinGPT simulator serving a minimal demo page on 127.0.0.1 (the full demo is
// the next step). With MEINGPT_API_KEY set, the page talks to the real service instead, through
// a small proxy here that adds the key, so the key never reaches the browser.
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { startSimulator } from '../simulator/server.mjs';
import { root } from './lib.mjs';

const port = Number(process.env.PORT ?? 8787);
const key = process.env.MEINGPT_API_KEY;
const upstream = (process.env.MEINGPT_BASE_URL ?? 'https://app.meingpt.com/api/openai/v1').replace(/\/+$/, '');
const sim = await startSimulator({
  port: key ? 0 : port,
  pacingMs: 30,
  staticDir: path.join(root, 'www'),
  staticRoutes: { '/pkg/': path.join(root, 'pkg') },
});

let server;
if (key) {
  server = http.createServer(async (req, res) => {
    const api = '/api/openai/v1/';
    const target = req.url.startsWith(api) ? `${upstream}/${req.url.slice(api.length)}` : `${sim.url}${req.url}`;
    const headers = { 'content-type': req.headers['content-type'] ?? 'application/json' };
    if (req.url.startsWith(api)) headers.authorization = `Bearer ${key}`;
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    try {
      const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Readable.toWeb(req);
      const r = await fetch(target, { method: req.method, headers, body, duplex: 'half', signal: ac.signal });
      res.writeHead(r.status, {
        'content-type': r.headers.get('content-type') ?? 'application/octet-stream',
        'cache-control': 'no-cache',
      });
      if (r.body) for await (const chunk of r.body) res.write(chunk);
      res.end();
    } catch (e) {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', message: `proxy: ${e.message}` }));
    }
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  console.log(`meinGPT demo (real service at ${upstream}, key kept on this server): http://127.0.0.1:${port}/`);
} else {
  console.log(`meinGPT demo (simulator): ${sim.url}/`);
}
console.log('Press Ctrl+C to stop.');
const stop = () => {
  server?.close();
  sim.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
