// Static files for GET/HEAD (the demo page, the built package): URL prefix -> directory, the
// longest prefix first; no way out of a directory.
import fs from 'node:fs';
import path from 'node:path';
import { destroy, sendError, setStatus } from './http.mjs';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.cjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
};

/** The static routes of the options: `staticRoutes` (prefix -> dir), then `staticDir` at '/'. */
export function staticRoutes(opts) {
  const routes = [];
  if (opts.staticRoutes && typeof opts.staticRoutes === 'object') {
    for (const [prefix, dir] of Object.entries(opts.staticRoutes)) routes.push({ prefix, dir: path.resolve(dir) });
  }
  if (opts.staticDir) routes.push({ prefix: '/', dir: path.resolve(opts.staticDir) });
  routes.sort((a, b) => b.prefix.length - a.prefix.length);
  return routes;
}

/** Serves the file `pathname` names under one of `routes`; false when there is none. */
export async function serveStatic(ctx, routes, pathname) {
  const { req, res } = ctx;
  const route = routes.find((r) => pathname.startsWith(r.prefix) || `${pathname}/` === r.prefix);
  if (!route) return false;
  let rel;
  try {
    rel = decodeURIComponent(pathname.slice(route.prefix.length));
  } catch {
    sendError(ctx, 400, 'Bad request path');
    return true;
  }
  if (rel.includes('\0')) {
    sendError(ctx, 400, 'Bad request path');
    return true;
  }
  const segments = rel.split(/[\\/]+/);
  if (segments.includes('..')) {
    sendError(ctx, 403, 'Forbidden path');
    return true;
  }
  const root = route.dir;
  let file = path.resolve(root, `.${path.sep}${rel}`);
  if (file !== root && !file.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) {
    sendError(ctx, 403, 'Forbidden path');
    return true;
  }
  let st;
  try {
    st = await fs.promises.stat(file);
    if (st.isDirectory()) {
      file = path.join(file, 'index.html');
      st = await fs.promises.stat(file);
    }
  } catch {
    return false;
  }
  if (!st.isFile()) return false;
  const type = MIME[path.extname(file).toLowerCase()] || 'application/octet-stream';
  setStatus(ctx, 200);
  res.writeHead(200, { 'content-type': type, 'content-length': st.size, 'cache-control': 'no-store' });
  if (req.method === 'HEAD') {
    res.end();
    return true;
  }
  const stream = fs.createReadStream(file);
  stream.on('error', () => destroy(ctx));
  res.on('close', () => stream.destroy());
  stream.pipe(res);
  return true;
}
