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
  /** Default `https://app.meingpt.com/api/openai/v1`; the request goes to `${baseUrl}/chat/completions`. */
  baseUrl?: string;
  /** Alias of `baseUrl`, as OpenAI's own clients spell it. */
  baseURL?: string;
  signal?: AbortSignal;
  /** Per attempt, and the longest wait between two reads of a stream. Default 600000. */
  timeoutMs?: number;
  /** Extra attempts after a connection error, a timeout, 408, 409, 429 or >= 500. Default 2. */
  maxRetries?: number;
  /** Extra request headers; they override the defaults. */
  headers?: HeadersInit;
  /** A custom fetch, called as `fetch(url, init)`. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
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
  /** Server-Sent Events (`data: <json>\n\n` per chunk, then `data: [DONE]\n\n`), for `new Response(...)`. */
  toReadableStream(): ReadableStream<Uint8Array>;
  /** The content deltas alone. */
  textStream(): ReadableStream<string>;
  /** The completion assembled from the chunks: what a non-streaming call would have returned. */
  finalCompletion(): Promise<ChatCompletion>;
  /** Stops reading and closes the connection. */
  abort(): void;
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

/** Loads the wasm now instead of on the first call (optional). */
export declare function init(): Promise<void>;

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
export declare class BadRequestError extends APIError {
  readonly status: 400;
}
export declare class AuthenticationError extends APIError {
  readonly status: 401;
}
export declare class PermissionDeniedError extends APIError {
  readonly status: 403;
}
export declare class NotFoundError extends APIError {
  readonly status: 404;
}
export declare class UnprocessableEntityError extends APIError {
  readonly status: 422;
}
export declare class RateLimitError extends APIError {
  readonly status: 429;
}
export declare class InternalServerError extends APIError {
  readonly status: number;
}
/** The network failed or the body broke off. */
export declare class APIConnectionError extends APIError {
  readonly status: undefined;
}
/** `timeoutMs` passed with no response, or with no data between two reads of a stream. */
export declare class APIConnectionTimeoutError extends APIConnectionError {}
/** The caller aborted. */
export declare class APIUserAbortError extends APIError {
  readonly status: undefined;
}
