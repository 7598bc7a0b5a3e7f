// Types of meingpt-wasm. One file for every runtime entry (node, browser, workerd).

// ---------- Requests ----------

export interface TextContentPart {
  type: 'text';
  text: string;
}
export interface ImageContentPart {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}
/** Any other content part is forwarded as is. */
export interface OtherContentPart {
  type: string;
  [key: string]: unknown;
}
export type ContentPart = TextContentPart | ImageContentPart | OtherContentPart;

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface SystemMessage {
  role: 'system' | 'developer';
  content: string | ContentPart[];
  name?: string;
}
export interface UserMessage {
  role: 'user';
  content: string | ContentPart[];
  name?: string;
}
export interface AssistantMessage {
  role: 'assistant';
  content?: string | ContentPart[] | null;
  tool_calls?: ToolCall[];
  refusal?: string | null;
  /** A reasoning model's reasoning (DeepSeek's name), kept for the next turn. */
  reasoning_content?: string | null;
  /** The same, as some other OpenAI-compatible servers name it. */
  reasoning?: string | null;
  name?: string;
}
export interface ToolMessage {
  role: 'tool';
  content: string | ContentPart[];
  tool_call_id: string;
}
export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

export interface FunctionTool {
  type: 'function';
  function: {
    /** `^[A-Za-z0-9_-]{1,64}$`, unique among the tools. */
    name: string;
    description?: string;
    /** A JSON Schema for the arguments. */
    parameters?: Record<string, unknown>;
    strict?: boolean;
  };
}

export type ToolChoice =
  | 'auto'
  | 'none'
  | 'required'
  | { type: 'function'; function: { name: string } };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean; description?: string };
    };

/** The request body, as OpenAI and meinGPT define it. Other fields are forwarded unchanged. */
export interface ChatCompletionRequest {
  model: string;
  messages: ChatMessage[];
  response_format?: ResponseFormat;
  stream?: boolean;
  /** 0 to 2. */
  temperature?: number;
  tools?: FunctionTool[];
  tool_choice?: ToolChoice;
  stream_options?: { include_usage?: boolean };
  [key: string]: unknown;
}
export interface ChatCompletionStreamingRequest extends ChatCompletionRequest {
  stream: true;
}
export interface ChatCompletionNonStreamingRequest extends ChatCompletionRequest {
  stream?: false;
}

export interface ChatCompletionOptions {
  /** Sent as `Authorization: Bearer <apiKey>`; may be omitted for a proxy that adds it. */
  apiKey?: string;
  /**
   * Default `https://app.meingpt.com/api/openai/v1`. Parsed as a URL: the request goes to its path
   * plus `/chat/completions`, its query kept. A fragment, userinfo, a protocol-relative or a
   * non-http(s) URL is a `ValidationError` (`param` `baseUrl`). A path starting with `/` (a
   * same-origin proxy) is allowed.
   */
  baseUrl?: string;
  /** Alias of `baseUrl`, as OpenAI's own clients spell it. */
  baseURL?: string;
  signal?: AbortSignal;
  /**
   * Per attempt, the longest wait for the response; for a stream, also the longest time without
   * an event (comments and keep-alive bytes do not count). Default 600000.
   */
  timeoutMs?: number;
  /** Extra attempts after a connection error, a timeout, 408, 409, 429 or >= 500. Default 2. */
  maxRetries?: number;
  /**
   * Follow 3xx redirects. Default false: a redirect is an `APIError` naming it, so the
   * conversation never goes to an origin the caller did not name.
   */
  followRedirects?: boolean;
  /**
   * Largest response body accepted, streams included (bytes). Default 67108864 (64 MiB). Past it
   * the call fails with `ResponseTooLargeError` and is not retried.
   */
  maxResponseBytes?: number;
  /** Extra request headers; they override the defaults. */
  headers?: HeadersInit;
  /** A custom fetch, called as `fetch(url, init)`. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /**
   * When a 400 answers a request with tools because the model cannot use them
   * (`ToolsNotSupportedError`): `'drop'` sends the request once more without `tools`,
   * `tool_choice` and `parallel_tool_calls`.
   */
  toolsFallback?: 'drop';
}

// ---------- Responses ----------

export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [key: string]: unknown;
}

export interface ChatCompletionMessage {
  role: 'assistant';
  content: string | null;
  refusal?: string | null;
  tool_calls?: ToolCall[];
  /** A reasoning model's reasoning text (`deepseek-r1`, ...), as sent; joined like content in `finalCompletion()`. */
  reasoning_content?: string | null;
  /** The same, as some other servers name it. */
  reasoning?: string | null;
  [key: string]: unknown;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call' | (string & {});

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: ChatCompletionMessage;
    finish_reason: FinishReason | null;
    logprobs?: unknown;
    [key: string]: unknown;
  }>;
  usage?: CompletionUsage;
  /** Every other field the server sent (a Perplexity model's `citations`, for example). */
  [key: string]: unknown;
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: {
      role?: 'assistant';
      content?: string | null;
      refusal?: string | null;
      tool_calls?: ToolCallDelta[];
      /** A reasoning model's reasoning piece (usually before the first content). */
      reasoning_content?: string | null;
      reasoning?: string | null;
      [key: string]: unknown;
    };
    finish_reason: FinishReason | null;
    [key: string]: unknown;
  }>;
  usage?: CompletionUsage | null;
  [key: string]: unknown;
}

/**
 * A streamed response. Read it one way, once: iterate it, or `toReadableStream()`, or
 * `textStream()`; `finalCompletion()` works alongside any of them.
 */
export declare class ChatCompletionStream implements AsyncIterable<ChatCompletionChunk> {
  private constructor();
  [Symbol.asyncIterator](): AsyncIterator<ChatCompletionChunk>;
  /**
   * Server-Sent Events (`data: <json>\n\n` per chunk, then `data: [DONE]\n\n`), for `new Response(...)`;
   * with `format: 'ndjson'` one chunk's JSON per line (no `[DONE]`), as openai-node reads it.
   */
  toReadableStream(options?: { format?: 'sse' | 'ndjson' }): ReadableStream<Uint8Array>;
  /** The content deltas alone. */
  textStream(): ReadableStream<string>;
  /** The completion assembled from the chunks: what a non-streaming call would have returned. */
  finalCompletion(): Promise<ChatCompletion>;
  /** Stops reading and closes the connection. */
  abort(): void;
  /**
   * A stream over what `toReadableStream()` gave (SSE or NDJSON, told apart by the first byte),
   * e.g. a Worker's response body in the browser: decoded exactly like a server's answer.
   */
  static fromReadableStream(
    readable: ReadableStream<Uint8Array | string>,
    options?: RehydrateOptions,
  ): Promise<ChatCompletionStream>;
  /** The same over a fetch `Response`; a non-2xx status rejects with its `APIError` subclass. */
  static fromResponse(response: Response, options?: RehydrateOptions): Promise<ChatCompletionStream>;
}

export interface RehydrateOptions {
  signal?: AbortSignal;
  /** The longest wait for an event (comments and keep-alive bytes do not count). Default 600000. */
  timeoutMs?: number;
  /** Largest body accepted (bytes). Default 67108864 (64 MiB). */
  maxResponseBytes?: number;
}

// ---------- Calls ----------

/** Sends a chat completion request. Never throws synchronously: failures reject the promise. */
export declare function chatCompletion(
  request: ChatCompletionStreamingRequest,
  options?: ChatCompletionOptions,
): Promise<ChatCompletionStream>;
export declare function chatCompletion(
  request: ChatCompletionNonStreamingRequest,
  options?: ChatCompletionOptions,
): Promise<ChatCompletion>;
export declare function chatCompletion(
  request: ChatCompletionRequest,
  options?: ChatCompletionOptions,
): Promise<ChatCompletion | ChatCompletionStream>;

/** Checks a request without sending it; rejects with the `ValidationError` a call would give. */
export declare function validateRequest(request: ChatCompletionRequest): Promise<void>;

// ---------- Helpers ----------

/** A tool `runTools()` can call: its definition for the model and the function that runs it. */
export interface RunnableTool<Args = any> {
  description?: string;
  /** JSON Schema of the arguments; they are checked against it before `run`. */
  parameters?: Record<string, unknown>;
  strict?: boolean;
  /** Its result goes back to the model: a string as is, anything else as JSON. */
  run: (args: Args, context: { signal: AbortSignal; toolCallId: string; messages: ChatMessage[] }) => unknown;
}

export interface RunToolsConfig {
  /** Tool name (`^[A-Za-z0-9_-]{1,64}$`) to tool. */
  tools: Record<string, RunnableTool>;
  /** Most model calls in the loop. Default 10; the model still asking for tools then throws `MaxStepsExceededError`. */
  maxSteps?: number;
}

export interface RunToolsResult {
  /** The final completion (the one without tool calls). */
  completion: ChatCompletion;
  /** The whole conversation: the request's messages, then every assistant and tool message. */
  messages: ChatMessage[];
  /** Model calls made. */
  steps: number;
}

export type RunToolsEvent =
  | { type: 'content'; step: number; delta: string }
  /** A reasoning model's reasoning piece (`reasoning_content` or `reasoning` of the delta). */
  | { type: 'reasoning'; step: number; delta: string }
  | { type: 'step'; step: number; completion: ChatCompletion }
  | { type: 'tool_call_started'; step: number; id: string; name: string; arguments: string }
  | { type: 'tool_call_finished'; step: number; id: string; name: string; result: string; error: boolean }
  | ({ type: 'done'; /** The final completion's `citations` (Perplexity-like models), when it has them. */ citations?: unknown } & RunToolsResult);

/**
 * Calls the model, runs the tool calls it asks for (in parallel), sends back their results, and
 * repeats until an answer without tool calls. Arguments that are not JSON or do not match the
 * tool's schema, and tools that throw, go back to the model as the tool's result. `signal` and
 * `timeoutMs` bound the whole loop.
 */
export declare function runTools(
  request: ChatCompletionNonStreamingRequest,
  config: RunToolsConfig,
  options?: ChatCompletionOptions,
): Promise<RunToolsResult>;

/** `runTools()` streaming each step: content deltas, tool calls, steps, and finally `done`. */
export declare function runToolsStream(
  request: ChatCompletionRequest,
  config: RunToolsConfig,
  options?: ChatCompletionOptions,
): AsyncIterable<RunToolsEvent>;

export interface ParsedCompletion<T> {
  completion: ChatCompletion;
  /** The content, parsed and checked against `response_format.json_schema.schema`. */
  parsed: T;
}

export interface ParsedChatCompletionStream<T> extends ChatCompletionStream {
  /** `finalCompletion()`, parsed and checked; rejects with `SchemaValidationError`. */
  finalParsed(): Promise<ParsedCompletion<T>>;
}

/**
 * Structured output: sends a `response_format: {type: 'json_schema'}` request and checks the reply
 * against the schema; a mismatch rejects with `SchemaValidationError` naming the JSON pointer.
 */
export declare function parse<T = unknown>(
  request: ChatCompletionStreamingRequest,
  options?: ChatCompletionOptions,
): Promise<ParsedChatCompletionStream<T>>;
export declare function parse<T = unknown>(
  request: ChatCompletionNonStreamingRequest,
  options?: ChatCompletionOptions,
): Promise<ParsedCompletion<T>>;

// ---------- meinGPT's other routes (MEINGPT-API.md) ----------
// Each takes `options` as `chatCompletion` does (key, timeouts, retries, signal, fetch, the same
// errors). Their `baseUrl` is the API root (default `https://app.meingpt.com/api`); a `baseUrl`
// ending in `/openai/v1` (chat's) has that suffix removed, so one `baseUrl` serves every function.
// Responses are the server's JSON as sent: fields these types do not name are kept. Fields marked
// "varies" differ between meinGPT's doc versions; read them defensively.

export interface EmbeddingsRequest {
  /** A non-empty string, an array of non-empty strings, an array of token ids, or an array of such arrays. */
  input: string | string[] | number[] | number[][];
  /** Documented as unused by meinGPT; the only model named is `text-embedding-3-large`. */
  model?: string;
  /**
   * Left out: base64 is asked for (a quarter of the bytes on the wire) and decoded, so `embedding`
   * is `number[]`. `'float'`: floats are asked for. `'base64'`: the strings come back as sent.
   */
  encoding_format?: 'float' | 'base64';
  /** Whole number >= 1: the vectors' length. */
  dimensions?: number;
  user?: string;
  [key: string]: unknown;
}

export interface Embedding<E = number[]> {
  object: 'embedding';
  embedding: E;
  index: number;
  [key: string]: unknown;
}

export interface EmbeddingsResponse<E = number[]> {
  object: 'list';
  data: Array<Embedding<E>>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number; [key: string]: unknown };
  [key: string]: unknown;
}

/** `POST /openai/v1/embeddings`. Float arrays, whether the server sent floats or base64. */
export declare function embeddings(
  request: EmbeddingsRequest & { encoding_format: 'base64' },
  options?: ChatCompletionOptions,
): Promise<EmbeddingsResponse<string>>;
export declare function embeddings(request: EmbeddingsRequest, options?: ChatCompletionOptions): Promise<EmbeddingsResponse<number[]>>;

/**
 * A file to upload: a `Blob` or `File` (sent as it is, streamed by fetch; in Node
 * `fs.openAsBlob(path)` reads it from disk as it is sent), or bytes with a name.
 */
export type UploadFile =
  | Blob
  | { name: string; data: Blob | ArrayBuffer | ArrayBufferView; type?: string }
  | ((ArrayBuffer | ArrayBufferView) & { name: string; type?: string });

export interface AssistantSummary {
  id: string;
  name: string;
  [key: string]: unknown;
}

/** `GET /assistants/v1/`: every assistant the key's user may use (no pagination). */
export declare function listAssistants(options?: ChatCompletionOptions): Promise<{ assistants: AssistantSummary[]; [key: string]: unknown }>;

export interface AssistantRun {
  /** At least one message, checked as `chatCompletion` checks its messages. */
  messages: ChatMessage[];
  /** Documents for this run: sent as `multipart/form-data` (parts named `files`). */
  files?: UploadFile[];
}

export interface AssistantRunResult {
  /** The answer. */
  text: string;
  model?: string;
  /**
   * Varies: no documented item shape (tool calls, tool results, reasoning); an older page shows
   * content-part messages (`{ role: 'assistant', content: [{ type: 'text', text }] }`).
   */
  messages?: Array<{ role: string; content?: unknown; [key: string]: unknown }>;
  /**
   * Varies: `{ promptTokens, completionTokens }` in the reference pages; `{ input_tokens,
   * output_tokens, cache_creation_input_tokens, cache_read_input_tokens }` on an older page.
   */
  usage?:
    | { promptTokens: number; completionTokens: number; [key: string]: unknown }
    | { input_tokens: number; output_tokens: number; cache_creation_input_tokens?: number; cache_read_input_tokens?: number; [key: string]: unknown };
  /** Varies: may be absent. */
  citations?: string[];
  [key: string]: unknown;
}

/** `POST /assistants/v1/{assistantId}/run` (no streaming is documented). 403: not available to this user. */
export declare function runAssistant(assistantId: string, run: AssistantRun, options?: ChatCompletionOptions): Promise<AssistantRunResult>;

/** Varies: item fields are not documented; expect at least an id and a name. */
export interface WorkflowSummary {
  id: string;
  name: string;
  [key: string]: unknown;
}

/** `GET /workflows/v1/user-workflows`. 403: the workflow API is not enabled for the organisation. */
export declare function listWorkflows(options?: ChatCompletionOptions): Promise<{ status: 'success'; workflows: WorkflowSummary[]; [key: string]: unknown }>;

export interface WorkflowInput {
  name: string;
  type: string;
  description?: string;
  defaultValue?: unknown;
  options?: Array<{ label: string; value: string; [key: string]: unknown }>;
  [key: string]: unknown;
}

/** `GET /workflows/v1/workflow-inputs/{workflowId}`. 404: unknown workflow. */
export declare function getWorkflowInputs(workflowId: string, options?: ChatCompletionOptions): Promise<{ status: 'success'; inputs: WorkflowInput[]; [key: string]: unknown }>;

export interface WorkflowRun {
  /** The workflow's input names (see `getWorkflowInputs`) to their values. */
  input: Record<string, unknown>;
  /** Only on an older page: `de` (default), `en`, `es`, `it`, `fr`. */
  language?: string;
  [key: string]: unknown;
}

export interface KnowledgeSearchResult {
  knowledgeCollectionId: string;
  knowledgeCollectionName: string;
  queries: string[];
  resultComponents: Array<{ documentId: string; documentTitle: string; score: number; result: string; sourceNumber: number; [key: string]: unknown }>;
  [key: string]: unknown;
}

export interface WorkflowRunResult {
  status: 'success';
  messages: Array<{ role: string; content: string; model?: string; knowledgeCollectionSearchResults?: KnowledgeSearchResult[]; [key: string]: unknown }>;
  documentUrl?: string;
  /** Varies: echoed only on an older page. */
  workflowId?: string;
  /** Varies: echoed only on an older page. */
  input?: Record<string, unknown>;
  [key: string]: unknown;
}

/** `POST /workflows/v1/{workflowId}/run`. 403: not enabled for the organisation; 404: unknown workflow. */
export declare function runWorkflow(workflowId: string, run: WorkflowRun, options?: ChatCompletionOptions): Promise<WorkflowRunResult>;

export interface AssistantFile {
  id: string;
  originalName: string;
  mimeType: string;
  size: number;
  createdAt?: string;
  updatedAt?: string;
  [key: string]: unknown;
}

export interface AssistantFileUpload {
  success: boolean;
  assistantId: string;
  file: { id: string; originalName: string; size: number; mimeType: string; uploadedAt?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * `GET /assistant-files/v1/assistants/{assistantId}/files` (premium; VIEW, EDIT or OWNER rights).
 * 403: not enabled, or no permission; 404: unknown assistant.
 */
export declare function listAssistantFiles(assistantId: string, options?: ChatCompletionOptions): Promise<{ files: AssistantFile[]; count: number; assistantId: string; [key: string]: unknown }>;
/** `POST` on the same path with one part `file` (at most 150 MB; EDIT or OWNER rights). */
export declare function uploadAssistantFile(assistantId: string, file: UploadFile, options?: ChatCompletionOptions): Promise<AssistantFileUpload>;
/** `GET .../files/{documentId}`. Varies: meinGPT names this operation but not its method or answer (the API's pattern is used). */
export declare function getAssistantFile(assistantId: string, documentId: string, options?: ChatCompletionOptions): Promise<{ [key: string]: unknown }>;
/** `PUT .../files/{documentId}` with a `file` part. Varies: method and answer not published (the API's pattern is used). */
export declare function replaceAssistantFile(assistantId: string, documentId: string, file: UploadFile, options?: ChatCompletionOptions): Promise<{ [key: string]: unknown }>;
/** `DELETE .../files/{documentId}`. Varies: answer not published (`{}` for an empty one). */
export declare function deleteAssistantFile(assistantId: string, documentId: string, options?: ChatCompletionOptions): Promise<{ [key: string]: unknown }>;


/**
 * Where `init({ module })` may take the wasm (`meingpt_wasm_bg.wasm`) from: a compiled module (for
 * hosts that refuse to compile wasm at run time, such as Vercel's Edge Runtime and Workers), its
 * bytes, a fetch Response, or a URL to fetch.
 */
export type InitInput = WebAssembly.Module | BufferSource | Response | URL | string;

/** Options of `init()`. */
export interface InitOptions {
  /** The wasm, given by the host instead of loaded the entry's own way. */
  module?: InitInput | Promise<InitInput>;
}

/**
 * Loads the wasm now instead of on the first call (optional). With `{ module }` it uses the wasm the
 * host gives; only the first load counts, later calls change nothing. A wasm that cannot be found,
 * fetched or compiled rejects with a `MeinGPTError` that says how to serve it.
 */
export declare function init(options?: InitOptions): Promise<void>;

// ---------- Errors ----------

/** Base class of every error this package throws. */
export declare class MeinGPTError extends Error {}

/** The request was refused before anything was sent. */
export declare class ValidationError extends MeinGPTError {
  /** Path of the field, e.g. `temperature`, `messages[2].role`, `tool_choice.function.name`. */
  readonly param: string;
}

/** The server answered with an error status, or sent an error inside a stream. */
export declare class APIError extends MeinGPTError {
  /** HTTP status; undefined for connection errors and aborts. */
  readonly status: number | undefined;
  /** The response body: parsed JSON, or its text when it is not JSON. */
  readonly body: unknown;
  readonly headers: Headers | undefined;
}
// BEGIN generated by `cargo run --example boundary` from src/error.rs: do not edit
/** HTTP 400. */
export declare class BadRequestError extends APIError {
  readonly status: 400;
}
/** HTTP 401. */
export declare class AuthenticationError extends APIError {
  readonly status: 401;
}
/** HTTP 403. */
export declare class PermissionDeniedError extends APIError {
  readonly status: 403;
}
/** HTTP 404. */
export declare class NotFoundError extends APIError {
  readonly status: 404;
}
/** HTTP 422. */
export declare class UnprocessableEntityError extends APIError {
  readonly status: 422;
}
/** HTTP 429. */
export declare class RateLimitError extends APIError {
  readonly status: 429;
}
/** HTTP 500 and above. */
export declare class InternalServerError extends APIError {
  readonly status: number;
}
// END generated
/** The response (a stream included) grew past `maxResponseBytes`; never retried. */
export declare class ResponseTooLargeError extends APIError {
  readonly status: number;
}
/** The network failed or the body broke off. */
export declare class APIConnectionError extends APIError {
  readonly status: undefined;
}
/** `timeoutMs` passed with no response, or with no event between two events of a stream. */
export declare class APIConnectionTimeoutError extends APIConnectionError {}
/** The caller aborted. */
export declare class APIUserAbortError extends APIError {
  readonly status: undefined;
}

/** A 400 answered a request with tools because the model cannot use them (see `toolsFallback`). */
export declare class ToolsNotSupportedError extends BadRequestError {}

/** A reply (`parse()`) or tool arguments do not match their JSON schema. */
export declare class SchemaValidationError extends MeinGPTError {
  /** JSON pointer of the offending value: `''` for the whole value, `/items/0/name` inside it. */
  readonly pointer: string;
  /** What is wrong there (`message` is `JSON schema mismatch at <pointer>: <reason>`). */
  readonly reason: string;
  /** The completion whose reply did not match (`parse()`). */
  readonly completion: ChatCompletion | undefined;
}

/** `runTools()`: the model still asked for tools after `maxSteps` calls. */
export declare class MaxStepsExceededError extends MeinGPTError {
  /** The conversation so far. */
  readonly messages: ChatMessage[];
}
