// CORS with an origin allowlist. CORS only tells browsers which pages may read the answers; it is
// not authentication (any non-browser client can send any Origin, or none).

const EXPOSED = 'retry-after, retry-after-ms, x-request-id';
const TOKEN_LIST = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\s*,\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;

/** Whether a request's Origin may use the Worker (requests without Origin are not from a browser page). */
export function originAllowed(origin, allowed) {
  return origin === null || allowed.includes('*') || allowed.includes(origin);
}

/** The CORS headers for an allowed browser origin (none without an Origin header). */
export function corsHeaders(origin) {
  if (origin === null) return {};
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSED, vary: 'origin' };
}

/** The answer to a preflight (OPTIONS) of an allowed origin (`methods`: the route's, comma-separated). */
export function preflight(request, origin, methods = 'POST') {
  const asked = request.headers.get('access-control-request-headers');
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders(origin),
      'access-control-allow-methods': `${methods}, OPTIONS`,
      'access-control-allow-headers': asked && TOKEN_LIST.test(asked) ? asked : 'authorization, content-type',
      'access-control-max-age': '86400',
      vary: 'origin, access-control-request-headers',
    },
  });
}
