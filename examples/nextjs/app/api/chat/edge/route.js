// POST /api/chat/edge: the same handler on the edge runtime (Vercel Edge Functions). Next.js 16
// calls this runtime deprecated but still builds and runs it; meingpt-wasm takes its `edge-light`
// entry here, which imports the wasm as a compiled module.
export const runtime = 'edge';
export { POST } from '../../../../lib/chat.js';
