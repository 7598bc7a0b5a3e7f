// A completion plan on the wire: one JSON body, or an SSE stream of chunks and `[DONE]`, with the
// faults that shape a reply applied (cut, stall, garbage, huge-line, broken-json, invalid-utf8,
// surrogate-split, byte-split, crlf, cr, sse-extras, no-done, late-end, error mid-stream).
import { flushThenDestroy, setStatus, sleep, tick, write, writeBytes } from './http.mjs';
import { MAX_GARBAGE_BYTES, MAX_HUGE_LINE_BYTES, MAX_WAIT_MS, garbagePieces, intArg, surrogateSplit } from './faults.mjs';
import { chunkObject, completionObject, streamChunks } from './reply.mjs';

export async function sendCompletion(ctx, plan, faults) {
  const { res } = ctx;
  const has = (n) => faults.find((f) => f.name === n);
  const headers = { 'content-type': 'application/json; charset=utf-8', 'x-request-id': ctx.requestId };
  if (has('garbage')) {
    const n = intArg(has('garbage').arg, 4096, 1, MAX_GARBAGE_BYTES);
    setStatus(ctx, 200);
    res.writeHead(200, { ...headers, 'content-length': n });
    for (const piece of garbagePieces(n)) if (!(await write(ctx, piece))) return;
    res.end();
    return;
  }
  if (has('broken-json')) {
    const broken = Buffer.from('{"id": "x", "choi');
    setStatus(ctx, 200);
    res.writeHead(200, { ...headers, 'content-length': broken.length });
    res.end(broken);
    return;
  }
  const body = Buffer.from(JSON.stringify(completionObject(plan)));
  setStatus(ctx, 200);
  res.writeHead(200, { ...headers, 'content-length': body.length });
  if (has('cut')) {
    if (await write(ctx, body.subarray(0, Math.floor(body.length / 2)))) await flushThenDestroy(ctx);
    return;
  }
  if (has('byte-split')) {
    if (await writeBytes(ctx, body)) res.end();
    return;
  }
  res.end(body);
}

export async function sendStream(ctx, plan, includeUsage, faults, pacing) {
  const { res, ctl } = ctx;
  const has = (n) => faults.find((f) => f.name === n);
  const nl = has('crlf') ? '\r\n' : has('cr') ? '\r' : '\n';
  const fix = (s) => (nl === '\n' ? s : s.replace(/\n/g, nl));
  const bytewise = !!has('byte-split');
  const extras = !!has('sse-extras');

  setStatus(ctx, 200);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
    'x-request-id': ctx.requestId,
  });
  res.flushHeaders();

  const junk = has('garbage');
  if (junk) {
    const first = `data: ${JSON.stringify(streamChunks(plan, includeUsage, plan.contentPieces)[0])}\n\n`;
    if (!(await write(ctx, Buffer.from(`${first}data: `)))) return;
    for (const piece of garbagePieces(intArg(junk.arg, 4096, 1, MAX_GARBAGE_BYTES))) {
      if (!(await write(ctx, piece.filter((b) => b !== 10 && b !== 13)))) return;
    }
    if (await write(ctx, Buffer.from('\n\n'))) res.end();
    return;
  }
  const huge = has('huge-line');
  if (huge) {
    await sendHugeLine(ctx, intArg(huge.arg, 8 * 1024 * 1024, 1, MAX_HUGE_LINE_BYTES));
    return;
  }

  // The events (strings or Buffers), built up front.
  let pieces = plan.contentPieces;
  if (has('surrogate-split')) pieces = surrogateSplit(pieces);
  const chunks = streamChunks(plan, includeUsage, pieces).map((c) => ({ obj: c }));
  if (has('invalid-utf8')) {
    const marker = '\u0001\u0002';
    const json = JSON.stringify(chunkObject(plan, { content: ` ungültig:${marker} ` }));
    const at = json.indexOf('\\u0001\\u0002');
    const buf = Buffer.concat([
      Buffer.from(fix(`data: ${json.slice(0, at)}`)),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(fix(`${json.slice(at + 12)}\n\n`)),
    ]);
    chunks.splice(Math.min(2, chunks.length), 0, { raw: buf });
  }
  if (has('broken-json')) chunks.splice(1, 0, { raw: fix('data: {"id":\n\n') });

  const events = [];
  if (extras) events.push(fix('\uFEFF: meinGPT simulator stream\nretry: 1000\n\n'));
  chunks.forEach((c, i) => {
    if (c.raw) {
      events.push(c.raw);
      return;
    }
    const json = JSON.stringify(c.obj);
    if (!extras) {
      events.push(fix(`data: ${json}\n\n`));
      return;
    }
    let ev = '';
    if (i % 2 === 0) ev += ': keep-alive\n\n';
    ev += `event: message\nid: ${i + 1}\n`;
    if (i === 1) ev += `${JSON.stringify(c.obj, null, 2).split('\n').map((l) => `data: ${l}`).join('\n')}\n`;
    else if (i === 2) ev += `data:${json}\n`;
    else ev += `data: ${json}\n`;
    ev += '\n';
    events.push(fix(ev));
  });

  const errorMid = has('error-mid-stream') || has('openai-error-mid-stream');
  const cut = has('cut');
  const cutAt = cut ? intArg(cut.arg, 3, 0, 1e9) : Infinity;
  const stall = has('stall');
  const stallMs = stall ? intArg(stall.arg, 10000, 0, MAX_WAIT_MS) : 0;

  const send = (data) => (bytewise ? writeBytes(ctx, data) : write(ctx, data));
  for (let i = 0; i < events.length; i += 1) {
    if (i >= cutAt) {
      await flushThenDestroy(ctx);
      return;
    }
    if (errorMid && i === 2) {
      const err = has('error-mid-stream')
        ? { status: 'error', message: 'Simulated upstream failure' }
        : { error: { message: 'Simulated upstream failure', type: 'server_error' } };
      if (await send(fix(`data: ${JSON.stringify(err)}\n\n`))) res.end();
      return;
    }
    if (stall && i === 2) {
      if (!(await sleep(stallMs, ctl.signal))) return;
    } else if (i > 0 && pacing > 0) {
      if (!(await sleep(pacing, ctl.signal))) return;
    }
    if (!(await send(events[i]))) return;
  }
  if (cutAt <= events.length) {
    await flushThenDestroy(ctx);
    return;
  }
  if (!has('no-done')) {
    if (pacing > 0 && !(await sleep(pacing, ctl.signal))) return;
    if (!(await send(fix('data: [DONE]\n\n')))) return;
  }
  const lateEnd = has('late-end');
  if (lateEnd && !(await sleep(intArg(lateEnd.arg, 50, 0, MAX_WAIT_MS), ctl.signal))) return;
  res.end();
}

async function sendHugeLine(ctx, total) {
  const { ctl } = ctx;
  const head = 'data: {"id":"';
  const piece = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  if (!(await write(ctx, head))) return;
  sent += head.length;
  while (sent < total) {
    const n = Math.min(piece.length, total - sent);
    if (!(await write(ctx, n === piece.length ? piece : piece.subarray(0, n)))) return;
    sent += n;
    await tick();
  }
  // Hold the line open, without a newline, until the client (or close()) ends it.
  await new Promise((resolve) => {
    if (ctl.signal.aborted) resolve();
    else ctl.signal.addEventListener('abort', resolve, { once: true });
  });
}
