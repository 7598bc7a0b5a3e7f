// meinGPT simulator: a local stand-in for meinGPT's OpenAI-compatible Chat Completions API and its
// other routes. Node built-ins only. See README.md in this folder.
//
// This file starts the server and dispatches requests; the rest lives by concern: http.mjs (answers,
// CORS, bodies, writes), chat.mjs (the chat route and the model list), validate.mjs (request checks),
// faults.mjs (fault table, parsing, the faults before the reply), respond.mjs (a reply on the wire
// with its faults), reply.mjs (what the reply says), routes.mjs (meinGPT's other routes), static.mjs
// (files), log.mjs (the request log).
import http from 'node:http';
import { destroy, isLoopback, sendError, sendJson, setCors, setStatus } from './http.mjs';
import { CHAT_PATHS, GENERATION_MS, MODEL_PATHS, handleChat, sendModels } from './chat.mjs';
import { createFaultCounters } from './faults.mjs';
import { createRequestLog } from './log.mjs';
import { createRoutes } from './routes.mjs';
import { serveStatic, staticRoutes } from './static.mjs';

export { MODELS } from './models.mjs';
export { FAULT_NAMES } from './faults.mjs';

/**
 * Start a simulator.
 * @param {object} [opts]
 * @param {number} [opts.port=0]
 * @param {string} [opts.host='127.0.0.1']
 * @param {number} [opts.pacingMs=0] delay between streamed chunks
 * @param {string} [opts.staticDir] serve files under it for GET/HEAD
 * @param {Record<string,string>} [opts.staticRoutes] URL prefix -> directory
 * @param {number} [opts.bodyLimit=1048576]
 * @param {() => number | number} [opts.now=Date.now] clock in ms for `created`
 * @returns {Promise<{url: string, port: number, host: string, close: () => Promise<void>, log: object[], resetFaults: () => void}>}
 */
export async function startSimulator(opts = {}) {
  const hostGiven = Object.prototype.hasOwnProperty.call(opts, 'host') && opts.host !== undefined;
  const host = hostGiven ? String(opts.host) : '127.0.0.1';
  if (!hostGiven && !isLoopback(host)) throw new Error('meinGPT simulator binds only to loopback unless opts.host is given');
  const port = opts.port === undefined ? 0 : Number(opts.port);
  const log = createRequestLog();
  const counters = createFaultCounters();
  /** What the handlers share: the options in effect, the log and the fault counters. */
  const sim = {
    bodyLimit: opts.bodyLimit === undefined ? 1024 * 1024 : Math.max(0, Number(opts.bodyLimit)),
    pacingMs: Math.max(0, Number(opts.pacingMs) || 0),
    generationMs: opts.generationMs === undefined ? GENERATION_MS : Math.max(1, Number(opts.generationMs) || GENERATION_MS),
    now: typeof opts.now === 'function' ? opts.now : typeof opts.now === 'number' ? () => opts.now : Date.now,
    log,
    counters,
    files: staticRoutes(opts),
    other: createRoutes(
      { countFault: (key) => counters.count(key), logBody: (rec, body, n) => log.setBody(rec, body, n), now: () => sim.now() },
      { fileLimit: opts.fileLimit },
    ),
  };
  const server = http.createServer({ noDelay: true });
  const conn = trackConnections(server, log);
  server.on('request', (req, res) => conn.accept(req, res, (ctx, pathname) => dispatch(sim, ctx, pathname)));
  await new Promise((resolve, reject) => {
    const onError = (err) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', () => {});
  const actualPort = server.address().port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${actualPort}`,
    port: actualPort,
    host,
    close: conn.close,
    log: log.records,
    resetFaults: () => counters.clear(),
  };
}

/**
 * The server's sockets and requests in flight: a request gets its `ctx` and a log record (except
 * `/__sim/*`); `close()` ends them all at once and resolves when the server is closed.
 */
function trackConnections(server, log) {
  const sockets = new Set();
  const active = new Set();
  let closing = false;
  let closePromise = null;
  let seq = 0;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    if (closing) socket.destroy();
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable && !socket.destroyed) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  return {
    accept(req, res, handle) {
      seq += 1;
      const url = typeof req.url === 'string' ? req.url : '/';
      const q = url.indexOf('?');
      const pathname = q >= 0 ? url.slice(0, q) : url;
      const ctx = { req, res, ctl: new AbortController(), serverDestroyed: false, requestId: `req_sim_${String(seq).padStart(6, '0')}`, rec: null };
      if (!pathname.startsWith('/__sim/')) {
        // remotePort: the client's port; requests with the same one came over the same connection.
        ctx.rec = { method: req.method, path: url, headers: { ...req.headers }, body: null, fault: null, status: null, clientClosed: false, remotePort: req.socket.remotePort };
        log.add(ctx.rec);
      }
      active.add(ctx);
      req.on('error', () => {});
      res.on('error', () => {});
      res.on('close', () => {
        if (!res.writableFinished && !ctx.serverDestroyed && !closing && ctx.rec) ctx.rec.clientClosed = true;
        ctx.ctl.abort();
        active.delete(ctx);
      });
      handle(ctx, pathname).catch(() => {
        if (res.destroyed) return;
        if (!res.headersSent) sendError(ctx, 500, 'Internal simulator error');
        else destroy(ctx);
      });
    },
    close() {
      if (closePromise) return closePromise;
      closing = true;
      closePromise = new Promise((resolve) => {
        server.close(() => resolve());
      });
      for (const ctx of active) {
        ctx.serverDestroyed = true;
        ctx.ctl.abort();
      }
      for (const s of sockets) s.destroy();
      return closePromise;
    },
  };
}

/** One request: preflight, the simulator's own paths, the models, chat, meinGPT's other routes, files. */
async function dispatch(sim, ctx, pathname) {
  const { req, res } = ctx;
  setCors(req, res);
  const method = req.method;
  const read = method === 'GET' || method === 'HEAD';
  if (method === 'OPTIONS') {
    setStatus(ctx, 204);
    res.writeHead(204, { 'access-control-max-age': '600', 'content-length': '0' });
    res.end();
    return;
  }
  if (pathname === '/__sim/log' && read) return sendJson(ctx, 200, sim.log.redacted());
  if (pathname === '/__sim/reset' && method === 'POST') {
    sim.log.clear();
    sim.counters.clear();
    sim.other.reset();
    return sendJson(ctx, 200, { status: 'ok' });
  }
  if (MODEL_PATHS.has(pathname) && read) return sendModels(ctx);
  if (CHAT_PATHS.has(pathname) && method === 'POST') return handleChat(sim, ctx);
  if (await sim.other.handle(ctx, pathname, method)) return undefined;
  if (read && sim.files.length && (await serveStatic(ctx, sim.files, pathname))) return undefined;
  return sendError(ctx, 404, `Not found: ${method} ${pathname.slice(0, 200)}`);
}
