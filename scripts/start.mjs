// `npm start` (after setup and build): the demo page (www/) and the package (pkg/, under /pkg/) on
// 127.0.0.1, talking to the meinGPT simulator. With MEINGPT_API_KEY set, the page talks to the real
// service (MEINGPT_BASE_URL, default meinGPT) through a proxy here that adds the key, so the key never
// reaches the browser; the simulator stays reachable under /sim/.
// Without a key the simulator itself is the server and answers CORS `*` (it holds no key; any page may
// use it, which is what makes it useful for an app on another port). With a key, this server answers
// only to its own Host and adds the key only to the demo page's own calls: see dev-guard.mjs.
// PORT picks the port (default 8787, the origin examples/worker allows; taken -> a free one); the URL
// is printed once listening.
import http from 'node:http';
import path from 'node:path';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { startSimulator } from '../simulator/server.mjs';
import { root } from './lib.mjs';
import { API_PREFIX, ROUTES, browserProblem, hostAllowed, isJson, routeOf, sameOriginTarget, upstreamUrl } from './dev-guard.mjs';

const wantPort = Number(process.env.PORT ?? 8787);
const key = process.env.MEINGPT_API_KEY?.trim();
const upstream = (process.env.MEINGPT_BASE_URL || 'https://app.meingpt.com/api/openai/v1').replace(/\/+$/, '');
const simOpts = {
  pacingMs: 30,
  staticDir: path.join(root, 'www'),
  staticRoutes: { '/pkg/': path.join(root, 'pkg') },
};
const SIM = '/sim/';
const PASS_BACK = ['content-type', 'retry-after', 'retry-after-ms', 'x-request-id'];

/** Listens on `port`, or on a free port when it is taken; resolves to the port. */
async function listen(start) {
  for (const port of [wantPort, 0]) {
    try {
      return await start(port);
    } catch (e) {
      if (e.code !== 'EADDRINUSE' || port === 0) throw e;
      console.log(`port ${port} is in use, picking a free one`);
    }
  }
}

/** Forwards one request to `target`, streaming the answer back as it arrives. */
async function forward(req, res, target, headers) {
  const ac = new AbortController();
  res.on('close', () => ac.abort());
  try {
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Readable.toWeb(req);
    const r = await fetch(target, { method: req.method, headers, body, duplex: 'half', signal: ac.signal, redirect: 'manual' });
    const out = { 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };
    for (const h of PASS_BACK) if (r.headers.has(h)) out[h] = r.headers.get(h);
    res.writeHead(r.status, out);
    res.flushHeaders();
    if (r.body) {
      for await (const chunk of r.body) if (!res.write(chunk)) await once(res, 'drain');
    }
    res.end();
  } catch (e) {
    if (res.headersSent) res.destroy();
    else {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', message: `dev server proxy: ${e.cause?.code ?? e.message}` }));
    }
  }
}

function requestHeaders(req, names) {
  const out = {};
  for (const h of names) if (typeof req.headers[h] === 'string') out[h] = req.headers[h];
  return out;
}

let sim;
let server;
let url;
if (!key) {
  sim = await listen((port) => startSimulator({ ...simOpts, port }));
  url = `${sim.url}/`;
  console.log(`meinGPT demo on the simulator: ${url}`);
} else {
  sim = await startSimulator({ ...simOpts, port: 0 });
  server = http.createServer((req, res) => {
    const u = req.url ?? '/';
    const port = server.address().port;
    const refuse = (status, message, extra = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...extra });
      res.end(JSON.stringify({ status: 'error', message }));
    };
    // Every request: this server's own name, or nothing (a DNS-rebinding page sends its own host name).
    if (!hostAllowed(req.headers.host, port)) return refuse(421, `Host ${String(req.headers.host).slice(0, 100)} is not this server (use ${url})`);
    if (u === API_PREFIX.slice(0, -1) || u.startsWith(API_PREFIX)) {
      // The real service: only an exact route, only from this origin, only JSON; then the body's type
      // travels, plus the key from this server's environment.
      const route = routeOf(req.method, u);
      if (!route) return refuse(404, `Not forwarded: ${req.method} ${u.slice(0, 200)} (the dev server forwards only ${ROUTES.map((r) => `${r.method} ${r.path}`).join(', ')})`);
      const problem = browserProblem(req.headers, port);
      if (problem) return refuse(403, `${problem}: the dev server adds the key only to the demo page's own calls`);
      if (!isJson(req.headers['content-type'])) return refuse(415, 'Content-Type must be application/json');
      const target = upstreamUrl(upstream, route);
      if (!target) return refuse(500, 'MEINGPT_BASE_URL gives no usable URL for this route');
      const headers = { ...requestHeaders(req, ['content-type', 'accept']), authorization: `Bearer ${key}` };
      forward(req, res, target, headers);
    } else if (u === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ mode: 'proxy', upstream }));
    } else {
      // The simulator (under /sim/) and the static files: passed through with their own headers, never
      // the key; the target must stay on the simulator (no `@host` or absolute-form request target).
      const target = sameOriginTarget(sim.url, u.startsWith(SIM) ? u.slice(SIM.length - 1) : u);
      if (!target) return refuse(400, 'Bad request target');
      const { host, connection, 'content-length': _len, 'transfer-encoding': _te, ...headers } = req.headers;
      forward(req, res, target, headers);
    }
    return undefined;
  });
  const port = await listen(
    (p) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(p, '127.0.0.1', () => {
          server.off('error', reject);
          resolve(server.address().port);
        });
      }),
  );
  url = `http://127.0.0.1:${port}/`;
  console.log(`meinGPT demo on the real service (${upstream}, key kept on this server): ${url}`);
}
console.log('Press Ctrl+C to stop.');

const stop = () => {
  server?.close();
  server?.closeAllConnections();
  sim.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
