// The chat completions route and the model list. `sim` is the server's context
// (`{ bodyLimit, pacingMs, generationMs, now, log, counters }`, made by server.mjs); `ctx` the request's.
import vm from 'node:vm';
import { HttpError, bearerKey, destroy, readBody, sendError, sendJson } from './http.mjs';
import { faultLabel, faultsFor, preFaults } from './faults.mjs';
import { MODELS, MODEL_CREATED, findModel } from './models.mjs';
import { ReplyTooLarge, buildCompletion } from './reply.mjs';
import { sendCompletion, sendStream } from './respond.mjs';
import { refusalText, validateChat } from './validate.mjs';

export const CHAT_PATHS = new Set(['/api/openai/v1/chat/completions', '/v1/chat/completions']);
export const MODEL_PATHS = new Set(['/api/openai/v1/models', '/v1/models']);
/** Time to build one reply (json_schema value, tool arguments, stream pieces) before the request is refused. */
export const GENERATION_MS = 2000;

// Building a reply runs under a vm timeout: the only bound that also stops a costly regular
// expression (a json_schema `pattern` such as `^(a+)+$` against a long user text) inside V8.
const GEN_CONTEXT = vm.createContext({});
const GEN_SCRIPT = new vm.Script('run()');

/** fn() with at most `ms` of CPU time; a longer run throws HttpError 400. */
function withinTime(fn, ms) {
  GEN_CONTEXT.run = fn;
  try {
    return GEN_SCRIPT.runInContext(GEN_CONTEXT, { timeout: ms });
  } catch (err) {
    if (err && err.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new HttpError(400, `Building the reply took over ${ms} ms (the simulator's limit): the schema or the input asks for too much`);
    }
    throw err;
  } finally {
    GEN_CONTEXT.run = undefined;
  }
}

/** GET the model list. */
export function sendModels(ctx) {
  sendJson(ctx, 200, {
    object: 'list',
    data: MODELS.map((m) => ({
      id: m.id,
      object: 'model',
      created: MODEL_CREATED,
      owned_by: m.owned_by,
      supports_tools: m.supports_tools,
      reasoning: m.reasoning,
    })),
  });
}

/** The body as JSON: `{ text, body, parsed }`, or null when the request is done (413, gone). */
async function chatBody(sim, ctx) {
  const got = await readBody(ctx.req, ctx.ctl.signal, sim.bodyLimit);
  if (got.aborted) return null;
  if (got.tooLarge) {
    sendError(ctx, 413, `Request body too large (limit ${sim.bodyLimit} bytes)`, got.hardLimit ? { connection: 'close' } : {});
    if (got.hardLimit) ctx.res.on('finish', () => destroy(ctx));
    return null;
  }
  const text = got.buf.toString('utf8');
  let body;
  let parsed = false;
  try {
    body = JSON.parse(text);
    parsed = true;
  } catch {
    body = undefined;
  }
  sim.log.setBody(ctx.rec, parsed ? body : text, got.buf.length);
  return { text, body, parsed };
}

/** The pacing of this request's stream: `x-simulator-pacing`, else the server's. */
function pacingOf(sim, req) {
  const h = req.headers['x-simulator-pacing'];
  if (typeof h === 'string' && h.trim() !== '' && Number.isFinite(Number(h))) return Math.min(60000, Math.max(0, Number(h)));
  return sim.pacingMs;
}

/** POST a chat completion: body, faults, auth, validation, then the reply. */
export async function handleChat(sim, ctx) {
  const { req } = ctx;
  const got = await chatBody(sim, ctx);
  if (!got) return;
  const { text, parsed } = got;
  let { body } = got;

  // Faults: header first, else model suffix `model@fault[:arg]`.
  let modelSuffix = null;
  if (parsed && body && typeof body === 'object' && !Array.isArray(body) && typeof body.model === 'string') {
    const at = body.model.indexOf('@');
    if (at >= 0) {
      modelSuffix = body.model.slice(at + 1);
      body = { ...body, model: body.model.slice(0, at) };
    }
  }
  const headerFault = req.headers['x-simulator-fault'];
  const spec = typeof headerFault === 'string' && headerFault.trim() ? headerFault.trim() : modelSuffix;
  let faults;
  try {
    faults = faultsFor(sim.counters, req, spec, text);
    if (ctx.rec) ctx.rec.fault = faultLabel(faults);
    if (await preFaults(ctx, faults, parsed && body?.stream === true)) return;
  } catch (err) {
    sendError(ctx, err.status || 400, err.message);
    return;
  }

  // Auth.
  const key = bearerKey(req);
  if (!key) return sendError(ctx, 401, 'Unauthorized: missing API key');
  if (key === 'sk-invalid') return sendError(ctx, 401, 'Unauthorized: invalid API key');
  if (key === 'sk-forbidden') return sendError(ctx, 403, 'Forbidden: this API key has no access to the chat completions API');

  // Body.
  if (!parsed) return sendError(ctx, 400, 'Invalid JSON in request body');
  const refused = validateChat(body);
  if (refused) return sendError(ctx, 400, refusalText(refused));
  const created = Math.floor(Number(sim.now()) / 1000);
  let plan;
  try {
    plan = withinTime(() => buildCompletion(body, findModel(body.model), created), sim.generationMs);
  } catch (err) {
    if (err instanceof ReplyTooLarge || err instanceof HttpError) return sendError(ctx, 400, err.message);
    throw err;
  }

  const responseFaults = faults.filter((f) => f.kind === 'response');
  if (body.stream === true) {
    const includeUsage = !!(body.stream_options && typeof body.stream_options === 'object' && body.stream_options.include_usage === true);
    await sendStream(ctx, plan, includeUsage, responseFaults, pacingOf(sim, req));
  } else {
    await sendCompletion(ctx, plan, responseFaults);
  }
}
