// The bench server: answers `POST .../chat/completions` with precomputed bytes, as fast as it can,
// so the server is never the bottleneck. Run as its own process (bench/run.mjs forks it) so it never
// takes the client's time; it reports `{ url }` over IPC once listening on 127.0.0.1.
//
// The request's `model` picks the answer (see payloads.mjs `models`):
//   bench-small              the non-stream completion
//   bench-stream-<n>-<seed>[-obfuscation|-tools]  an SSE stream of n content chunks (built once, then cached)
//   bench-big-<mb>           about mb MB of SSE: a ~1 MB block of events written again and again
import http from 'node:http';
import { headEvent, contentEvents, tailEvents, streamBody, smallBody } from './payloads.mjs';

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': 'req_bench' };
const JSON_HEADERS = { 'content-type': 'application/json', 'x-request-id': 'req_bench' };
const BLOCK_CHUNKS = 3600;

const small = Buffer.from(smallBody());
const streams = new Map();
const bigBlock = Buffer.from(contentEvents(0, BLOCK_CHUNKS).join(''));
const bigHead = Buffer.from(headEvent());
const bigTail = Buffer.from(tailEvents(0));

/** The cached body of a stream. */
function stream(chunks, seed, kind = 'content') {
  const key = `${chunks}-${seed}-${kind}`;
  let body = streams.get(key);
  if (!body) {
    body = Buffer.from(streamBody(chunks, seed, kind));
    streams.set(key, body);
  }
  return body;
}

/** Writes ~mb MB: head, the block repeated (waiting for drain), tail. */
function writeBig(res, mb) {
  const times = Math.ceil((mb * 1024 * 1024) / bigBlock.length);
  res.writeHead(200, SSE_HEADERS);
  res.write(bigHead);
  let i = 0;
  let closed = false;
  const more = () => {
    while (i < times) {
      i += 1;
      if (!res.write(bigBlock)) return void res.once('drain', more);
    }
    if (!closed) res.end(bigTail);
  };
  res.on('close', () => {
    closed = true;
  });
  more();
}

function answer(req, res, body) {
  const m = /"model"\s*:\s*"([^"]*)"/.exec(body);
  const model = m ? m[1] : '';
  let n;
  if (!/\/chat\/completions$/.test(req.url) || req.method !== 'POST') {
    res.writeHead(404, JSON_HEADERS).end('{"error":{"message":"not found"}}');
  } else if (req.headers.authorization !== undefined && !req.headers.authorization.startsWith('Bearer ')) {
    res.writeHead(401, JSON_HEADERS).end('{"error":{"message":"bad key"}}');
  } else if (model === 'bench-small') {
    res.writeHead(200, JSON_HEADERS).end(small);
  } else if ((n = /^bench-stream-(\d+)-(\d+)(?:-(obfuscation|tools))?$/.exec(model))) {
    res.writeHead(200, SSE_HEADERS).end(stream(Number(n[1]), Number(n[2]), n[3]));
  } else if ((n = /^bench-big-(\d+)$/.exec(model))) {
    writeBig(res, Number(n[1]));
  } else {
    res.writeHead(400, JSON_HEADERS).end(JSON.stringify({ error: { message: `unknown bench model ${model}` } }));
  }
}

const server = http.createServer({ keepAliveTimeout: 120_000, requestTimeout: 0, headersTimeout: 60_000 }, (req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d) => {
    body += d;
  });
  req.on('end', () => answer(req, res, body));
});
server.maxRequestsPerSocket = 0;

/** Prebuilds the stream bodies named in `warm` (a list of [chunks, seed]). */
function prebuild(warm) {
  for (const [chunks, seed, kind] of warm) stream(chunks, seed, kind);
}

process.on('message', (msg) => {
  if (msg?.prebuild) {
    prebuild(msg.prebuild);
    process.send({ prebuilt: msg.prebuild.length });
  }
});
process.on('disconnect', () => process.exit(0));

server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  const { port } = server.address();
  const url = `http://127.0.0.1:${port}`;
  if (process.send) process.send({ url });
  else console.log(url);
});
