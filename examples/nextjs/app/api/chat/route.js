// POST /api/chat on the Node runtime (what Next.js 16 recommends).
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';
export { POST } from '../../../lib/chat.js';
