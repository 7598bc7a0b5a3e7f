// The checks of `npm start`'s key-holding proxy (scripts/start.mjs), kept apart so that each rule reads
// on its own. The dev server holds MEINGPT_API_KEY; any web page the developer opens can send requests
// to 127.0.0.1, so nothing gets the key unless it is provably the demo page's own call:
// - Host: exactly `127.0.0.1:<port>` or `localhost:<port>` (a DNS-rebinding page sends its own name);
// - Origin / Sec-Fetch-Site: absent (not a browser page) or this server's own origin;
// - Content-Type: application/json (a cross-site form or `no-cors` fetch cannot send it without a
//   CORS preflight, which this server never grants);
// - the route: an exact path and method from ROUTES, compared on the raw request target (so `..`,
//   `%2e%2e`, `%2F`, double encoding, a query or a trailing slash never match);
// - the upstream URL built from it must stay under MEINGPT_BASE_URL.

/** The routes forwarded with the key: the only calls the demo page makes through this server. */
export const ROUTES = Object.freeze([{ method: 'POST', path: '/api/openai/v1/chat/completions', upstream: '/chat/completions' }]);

/** The prefix under which nothing but ROUTES is answered (and nothing goes to the simulator). */
export const API_PREFIX = '/api/';

/** The Host values this server answers to (lowercase; a browser never sends anything else for them). */
export function ownHosts(port) {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** The origins of the pages this server serves. */
export function ownOrigins(port) {
  return ownHosts(port).map((h) => `http://${h}`);
}

/**
 * Whether the Host header names this server. Exact match after lowercasing (Host is case-insensitive):
 * a trailing dot, another port, an IPv6 form, a missing or repeated header, or `localhost.evil.example`
 * all fail.
 */
export function hostAllowed(host, port) {
  return typeof host === 'string' && ownHosts(port).includes(host.toLowerCase());
}

/**
 * Why a request's browser headers rule it out as the demo page's own call, or null when they do not.
 * Origin `null` (sandboxed frames, file: pages, some redirects) and any foreign origin are refused;
 * a missing Origin passes only when Sec-Fetch-Site (sent by current browsers, also on requests
 * without Origin) is absent or says the request came from this origin or from the user.
 */
export function browserProblem(headers, port) {
  const origin = headers.origin;
  if (origin !== undefined && !ownOrigins(port).includes(origin)) return `Origin ${String(origin).slice(0, 100)} is not this server's`;
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site ${String(site).slice(0, 40)} is not same-origin`;
  return null;
}

/** Whether the Content-Type is JSON (`application/json`, parameters such as charset allowed). */
export function isJson(contentType) {
  if (typeof contentType !== 'string') return false;
  return contentType.split(';')[0].trim().toLowerCase() === 'application/json';
}

/** The route of a raw request target and method: exact path, no query; null when none matches. */
export function routeOf(method, target) {
  return ROUTES.find((r) => r.path === target && r.method === method) ?? null;
}

/**
 * The upstream URL of a route, or null when it would leave the upstream's prefix (a check that holds
 * even if ROUTES one day gains a path built from the request).
 */
export function upstreamUrl(upstream, route) {
  let base;
  let url;
  try {
    base = new URL(`${upstream}/`);
    url = new URL(`${upstream}${route.upstream}`);
  } catch {
    return null;
  }
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname) || url.search || url.hash) return null;
  const rest = url.pathname.slice(base.pathname.length);
  if (`/${rest}` !== route.upstream) return null;
  return url.href;
}

/** Whether `target` + the base stays on `base`'s origin (no `@userinfo`, no absolute-form target). */
export function sameOriginTarget(base, target) {
  if (typeof target !== 'string' || !target.startsWith('/')) return null;
  let url;
  try {
    url = new URL(`${base}${target}`);
  } catch {
    return null;
  }
  return url.origin === new URL(base).origin ? url.href : null;
}
