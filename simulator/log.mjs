// The request log (`sim.log`, `GET /__sim/log`): the last LOG_MAX records and at most
// LOG_MAX_BODY_BYTES of request bodies; the newest record always stays.

const LOG_MAX = 1000;
/** The log keeps request bodies up to this many bytes in all (older records go first). */
const LOG_MAX_BODY_BYTES = 32 * 1024 * 1024;

export function createRequestLog() {
  /** The records, oldest first: a live array (startSimulator returns it as `log`). */
  const records = [];
  const sizes = new WeakMap(); // record -> bytes of its body text
  let bytes = 0;

  function trim() {
    let drop = Math.max(0, records.length - LOG_MAX);
    let kept = bytes;
    for (let i = 0; i < drop; i += 1) kept -= sizes.get(records[i]) ?? 0;
    while (kept > LOG_MAX_BODY_BYTES && drop < records.length - 1) {
      kept -= sizes.get(records[drop]) ?? 0;
      drop += 1;
    }
    if (drop > 0) records.splice(0, drop);
    bytes = kept;
  }

  return {
    records,
    add(rec) {
      records.push(rec);
      trim();
    },
    /** Sets the body of a record (`n`: its size in bytes, counted against the bound). */
    setBody(rec, value, n) {
      if (!rec) return;
      rec.body = value;
      if (!records.includes(rec)) return;
      sizes.set(rec, n);
      bytes += n;
      trim();
    },
    clear() {
      records.length = 0;
      bytes = 0;
    },
    /** The records with `authorization` and `proxy-authorization` redacted. */
    redacted() {
      return records.map((r) => {
        const headers = { ...r.headers };
        if (headers.authorization !== undefined) headers.authorization = '[redacted]';
        if (headers['proxy-authorization'] !== undefined) headers['proxy-authorization'] = '[redacted]';
        return { ...r, headers };
      });
    },
  };
}
