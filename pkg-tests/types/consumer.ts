// A TypeScript consumer of the installed meingpt-wasm, compiled by types.test.mjs with
// `tsc --strict --noEmit` (nodenext and bundler resolution). It uses every public type; the
// `@ts-expect-error` lines prove wrong usage is rejected (an unused directive fails the compile).
import {
  chatCompletion,
  validateRequest,
  init,
  ChatCompletionStream,
  MeinGPTError,
  ValidationError,
  APIError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  UnprocessableEntityError,
  RateLimitError,
  InternalServerError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
  runTools,
  runToolsStream,
  parse,
  ToolsNotSupportedError,
  SchemaValidationError,
  MaxStepsExceededError,
} from 'meingpt-wasm';
import type {
  TextContentPart,
  ImageContentPart,
  OtherContentPart,
  ContentPart,
  ToolCall,
  SystemMessage,
  UserMessage,
  AssistantMessage,
  ToolMessage,
  ChatMessage,
  FunctionTool,
  ToolChoice,
  ResponseFormat,
  ChatCompletionRequest,
  ChatCompletionStreamingRequest,
  ChatCompletionNonStreamingRequest,
  ChatCompletionOptions,
  CompletionUsage,
  ChatCompletionMessage,
  FinishReason,
  ChatCompletion,
  ToolCallDelta,
  ChatCompletionChunk,
  RunnableTool,
  RunToolsConfig,
  RunToolsResult,
  RunToolsEvent,
  ParsedCompletion,
  ParsedChatCompletionStream,
  RehydrateOptions,
  InitInput,
  InitOptions,
} from 'meingpt-wasm';

// ---------- Type-level assertions ----------
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
type IsAny<T> = 0 extends 1 & T ? true : false;

// ---------- Requests ----------
const text: TextContentPart = { type: 'text', text: 'Was zeigt dieses Bild? Grüße 🚀' };
const image: ImageContentPart = { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } };
const other: OtherContentPart = { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } };
const parts: ContentPart[] = [text, image, other];

const toolCall: ToolCall = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"München"}' } };
const system: SystemMessage = { role: 'system', content: 'Antworte kurz.' };
const developer: SystemMessage = { role: 'developer', content: [text], name: 'dev' };
const user: UserMessage = { role: 'user', content: parts, name: 'anna' };
const assistant: AssistantMessage = { role: 'assistant', content: null, tool_calls: [toolCall], refusal: null };
const tool: ToolMessage = { role: 'tool', content: '{"temperature": 21}', tool_call_id: 'call_1' };
const messages: ChatMessage[] = [system, developer, user, assistant, tool, { role: 'user', content: 'Danke!' }];

const weather: FunctionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Das Wetter in einer Stadt',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    strict: true,
  },
};
const choices: ToolChoice[] = ['auto', 'none', 'required', { type: 'function', function: { name: 'get_weather' } }];
const formats: ResponseFormat[] = [
  { type: 'text' },
  { type: 'json_object' },
  {
    type: 'json_schema',
    json_schema: { name: 'antwort', description: 'Eine Antwort', schema: { type: 'object' }, strict: true },
  },
];

const request: ChatCompletionNonStreamingRequest = {
  model: 'gpt-4o-mini',
  messages,
  tools: [weather],
  tool_choice: choices[3],
  response_format: formats[2],
  temperature: 0.7,
  stream: false,
  // Other fields are forwarded unchanged.
  top_p: 0.9,
  user: 'anna',
};
const streaming: ChatCompletionStreamingRequest = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Hallo!' }],
  stream: true,
  stream_options: { include_usage: true },
};

const controller = new AbortController();
const options: ChatCompletionOptions = {
  apiKey: 'sk_meingpt_test',
  baseUrl: 'https://app.meingpt.com/api/openai/v1',
  baseURL: 'https://app.meingpt.com/api/openai/v1',
  signal: controller.signal,
  timeoutMs: 30_000,
  maxRetries: 2,
  headers: { 'x-trace': '1' },
  fetch: (input: string, init: RequestInit) => fetch(input, init),
};
const headerForms: ChatCompletionOptions[] = [{ headers: new Headers() }, { headers: [['x-a', '1']] }, {}];

// init({ module }): a host hands the wasm over (a compiled module, bytes, a Response or a URL).
export async function initForms(module: WebAssembly.Module, bytes: Uint8Array): Promise<void> {
  const forms: InitInput[] = [module, bytes, new Response(null), new URL('https://example.test/x.wasm'), '/x.wasm'];
  const options: InitOptions = { module: Promise.resolve(forms[0]) };
  await init(options);
  await init({ module });
  await init({});
  // TypeScript declares WebAssembly.Module as an empty interface, so only null and undefined are refused.
  // @ts-expect-error null is no wasm
  await init({ module: null });
}

export async function nonStream(): Promise<string | null> {
  await init();
  await validateRequest(request);
  const completion = await chatCompletion(request, options);
  type _1 = Expect<Equal<typeof completion, ChatCompletion>>;
  type _2 = Expect<Equal<IsAny<typeof completion>, false>>;
  const id: string = completion.id;
  const object: 'chat.completion' = completion.object;
  const created: number = completion.created;
  const model: string = completion.model;
  const choice = completion.choices[0];
  const index: number = choice.index;
  const message: ChatCompletionMessage = choice.message;
  const role: 'assistant' = message.role;
  const content: string | null = message.content;
  const calls: ToolCall[] | undefined = message.tool_calls;
  const refusal: string | null | undefined = message.refusal;
  const finish: FinishReason | null = choice.finish_reason;
  const usage: CompletionUsage | undefined = completion.usage;
  const total: number | undefined = usage?.total_tokens;
  const prompt: number | undefined = usage?.prompt_tokens;
  const done: number | undefined = usage?.completion_tokens;
  const citations: unknown = completion.citations; // any other field the server sent
  void [id, object, created, model, index, role, calls, refusal, finish, total, prompt, done, citations];
  // A plain object literal with no `stream` picks the non-stream overload too.
  const inline = await chatCompletion({ model: 'sonar', messages: [{ role: 'user', content: 'Hallo' }] });
  type _3 = Expect<Equal<typeof inline, ChatCompletion>>;
  return content;
}

export async function streamed(): Promise<ChatCompletion> {
  // Narrowing by the `stream: true` overload: a literal and a typed request.
  const fromLiteral = await chatCompletion({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true });
  type _1 = Expect<Equal<typeof fromLiteral, ChatCompletionStream>>;
  const stream = await chatCompletion(streaming, { apiKey: 'sk_meingpt_test' });
  type _2 = Expect<Equal<typeof stream, ChatCompletionStream>>;

  for await (const chunk of stream) {
    type _3 = Expect<Equal<typeof chunk, ChatCompletionChunk>>;
    const object: 'chat.completion.chunk' = chunk.object;
    const delta = chunk.choices[0]?.delta;
    const piece: string | null | undefined = delta?.content;
    const role: 'assistant' | undefined = delta?.role;
    const toolDeltas: ToolCallDelta[] | undefined = delta?.tool_calls;
    const args: string | undefined = toolDeltas?.[0]?.function?.arguments;
    const callIndex: number | undefined = toolDeltas?.[0]?.index;
    const finish: FinishReason | null | undefined = chunk.choices[0]?.finish_reason;
    const usage: CompletionUsage | null | undefined = chunk.usage;
    void [object, piece, role, args, callIndex, finish, usage];
  }

  const sse = fromLiteral.toReadableStream();
  type _4 = Expect<Equal<typeof sse, ReadableStream<Uint8Array>>>;
  const response = new Response(sse, { headers: { 'content-type': 'text/event-stream' } });
  void response;

  const other = await chatCompletion(streaming);
  const textStream = other.textStream();
  type _5 = Expect<Equal<typeof textStream, ReadableStream<string>>>;
  const reader = textStream.getReader();
  const { value } = await reader.read();
  const piece: string | undefined = value;
  void piece;
  other.abort();

  const final = await stream.finalCompletion();
  type _6 = Expect<Equal<typeof final, ChatCompletion>>;
  return final;
}

export async function either(req: ChatCompletionRequest): Promise<string> {
  // A request whose `stream` is only known at run time: the union, narrowed by instanceof.
  const result = await chatCompletion(req);
  type _1 = Expect<Equal<typeof result, ChatCompletion | ChatCompletionStream>>;
  if (result instanceof ChatCompletionStream) {
    const final = await result.finalCompletion();
    return final.choices[0]?.message.content ?? '';
  }
  return result.choices[0]?.message.content ?? '';
}

export function describe(e: unknown): string {
  if (e instanceof ValidationError) {
    const param: string = e.param;
    return `${e.name}: ${param}: ${e.message}`;
  }
  if (e instanceof RateLimitError) {
    const status: 429 = e.status;
    return `retry later (${status})`;
  }
  if (e instanceof BadRequestError) {
    const status: 400 = e.status;
    return String(status);
  }
  if (e instanceof AuthenticationError || e instanceof PermissionDeniedError) return String(e.status);
  if (e instanceof NotFoundError || e instanceof UnprocessableEntityError) return String(e.status);
  if (e instanceof InternalServerError) {
    const status: number = e.status;
    return String(status);
  }
  if (e instanceof APIConnectionTimeoutError) {
    const status: undefined = e.status;
    return `timeout ${status}`;
  }
  if (e instanceof APIConnectionError) return `connection: ${e.message} ${String(e.cause)}`;
  if (e instanceof APIUserAbortError) {
    const status: undefined = e.status;
    return `aborted ${status}`;
  }
  if (e instanceof APIError) {
    const status: number | undefined = e.status;
    const body: unknown = e.body;
    const headers: Headers | undefined = e.headers;
    const requestId: string | null | undefined = headers?.get('x-request-id');
    return `${status} ${JSON.stringify(body)} ${requestId}`;
  }
  if (e instanceof MeinGPTError) {
    const err: Error = e;
    return err.message;
  }
  return String(e);
}

// Every error class is an Error subclass.
const errorClasses: Array<new (...args: never[]) => Error> = [
  MeinGPTError, ValidationError, APIError, BadRequestError, AuthenticationError, PermissionDeniedError,
  NotFoundError, UnprocessableEntityError, RateLimitError, InternalServerError, APIConnectionError,
  APIConnectionTimeoutError, APIUserAbortError,
];
void [errorClasses, headerForms, formats];

// ---------- Wrong usage is rejected ----------
export async function wrong(): Promise<void> {
  // @ts-expect-error temperature must be a number
  await chatCompletion({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], temperature: '0.5' });
  // @ts-expect-error unknown role
  await chatCompletion({ model: 'gpt-4o-mini', messages: [{ role: 'wizard', content: 'Hi' }] });
  // @ts-expect-error model is required
  await chatCompletion({ messages: [{ role: 'user', content: 'Hi' }] });
  // @ts-expect-error messages is required
  await chatCompletion({ model: 'gpt-4o-mini' });
  // @ts-expect-error a tool message needs tool_call_id
  const noCallId: ChatMessage = { role: 'tool', content: '42' };
  // @ts-expect-error tool_choice is 'auto' | 'none' | 'required' | {type:'function', function:{name}}
  const badChoice: ToolChoice = 'sometimes';
  // @ts-expect-error response_format type is text | json_object | json_schema
  const badFormat: ResponseFormat = { type: 'xml' };
  // @ts-expect-error json_schema needs its json_schema object
  const noSchema: ResponseFormat = { type: 'json_schema' };
  // @ts-expect-error tools are {type: 'function', function: {...}}
  const badTool: FunctionTool = { type: 'retrieval', function: { name: 'x' } };
  // @ts-expect-error apiKey is a string
  await chatCompletion(request, { apiKey: 42 });
  // @ts-expect-error an unknown option (typo of maxRetries) is an excess property
  await chatCompletion(request, { maxRetry: 3 });
  // @ts-expect-error a stream is not a ChatCompletion
  const notCompletion: ChatCompletion = await chatCompletion(streaming);
  // @ts-expect-error a completion has no stream methods
  (await chatCompletion(request)).toReadableStream();
  // @ts-expect-error a stream has no choices
  void (await chatCompletion(streaming)).choices;
  // @ts-expect-error ChatCompletionStream is not constructed by users
  const made = new ChatCompletionStream();
  const v = new ValidationError();
  // @ts-expect-error a ValidationError has no status
  void v.status;
  // @ts-expect-error param is read-only
  v.param = 'x';
  // @ts-expect-error textStream yields strings, not chunks
  const chunkReader: ReadableStream<ChatCompletionChunk> = (await chatCompletion(streaming)).textStream();
  void [noCallId, badChoice, badFormat, noSchema, badTool, notCompletion, made, chunkReader];
}

// ---------- Helpers (issue 6) ----------
export async function helpers(): Promise<void> {
  const weather: RunnableTool<{ city: string }> = {
    description: 'Wetter',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    run: async ({ city }, { signal, toolCallId, messages }) => ({ city, aborted: signal.aborted, toolCallId, n: messages.length }),
  };
  const config: RunToolsConfig = { tools: { get_weather: weather }, maxSteps: 4 };
  const base = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Wetter?' }] };
  const result: RunToolsResult = await runTools(base, config, { apiKey: 'k', toolsFallback: 'drop' });
  const steps: number = result.steps;
  const last: ChatMessage | undefined = result.messages.at(-1);
  for await (const event of runToolsStream(base, config)) {
    const e: RunToolsEvent = event;
    if (e.type === 'content') void e.delta.toUpperCase();
    if (e.type === 'tool_call_finished') void (e.error === true);
    if (e.type === 'done') void e.completion.choices;
  }
  type Person = { name: string };
  const rf = { type: 'json_schema' as const, json_schema: { name: 'p', schema: { type: 'object' } } };
  const parsed: ParsedCompletion<Person> = await parse<Person>({ ...base, response_format: rf });
  void parsed.parsed.name.toUpperCase();
  const ps: ParsedChatCompletionStream<Person> = await parse<Person>({ ...base, response_format: rf, stream: true });
  void (await ps.finalParsed()).parsed.name;
  const sse: ReadableStream<Uint8Array> = ps.toReadableStream({ format: 'ndjson' });
  const o: RehydrateOptions = { signal: new AbortController().signal, timeoutMs: 1000 };
  const again: ChatCompletionStream = await ChatCompletionStream.fromReadableStream(sse, o);
  const fromRes: ChatCompletionStream = await ChatCompletionStream.fromResponse(new Response(''));
  void again.finalCompletion();
  void fromRes;
  const e1: BadRequestError = new ToolsNotSupportedError();
  const e2 = new SchemaValidationError();
  const pointer: string = e2.pointer;
  const reason: string = e2.reason;
  const e3 = new MaxStepsExceededError();
  const history: ChatMessage[] = e3.messages;
  void [steps, last, e1, pointer, reason, history];
  // @ts-expect-error a tool needs run
  const noRun: RunnableTool = { description: 'x' };
  // @ts-expect-error toolsFallback is only 'drop'
  await chatCompletion(base, { toolsFallback: 'keep' });
  // @ts-expect-error toReadableStream formats are sse and ndjson
  ps.toReadableStream({ format: 'json' });
  // @ts-expect-error the parsed value has the given type
  void parsed.parsed.age;
  void noRun;
}

// meinGPT's other routes (issue 15): reasoning fields, embeddings, assistants, workflows, files.
import {
  embeddings,
  listAssistants,
  runAssistant,
  listWorkflows,
  getWorkflowInputs,
  runWorkflow,
  listAssistantFiles,
  uploadAssistantFile,
  getAssistantFile,
  replaceAssistantFile,
  deleteAssistantFile,
} from 'meingpt-wasm';
import type { EmbeddingsResponse, UploadFile, AssistantRunResult, WorkflowInput, KnowledgeSearchResult, AssistantFile } from 'meingpt-wasm';

export async function routes(): Promise<void> {
  const options = { apiKey: 'sk_meingpt_x', baseUrl: 'https://app.meingpt.com/api' };
  const floats: EmbeddingsResponse = await embeddings({ input: ['a', 'b'], dimensions: 256 }, options);
  const first: number = floats.data[0].embedding[0];
  const raw = await embeddings({ input: 'a', encoding_format: 'base64' });
  const b64: string = raw.data[0].embedding;
  const { assistants } = await listAssistants(options);
  const files: UploadFile[] = [new Blob(['x']), { name: 'a.txt', data: new Uint8Array(1) }];
  const run: AssistantRunResult = await runAssistant(assistants[0].id, { messages: [{ role: 'user', content: 'Hallo' }], files });
  const text: string = run.text;
  const usage = run.usage;
  const tokens = usage && 'promptTokens' in usage ? usage.promptTokens : usage?.input_tokens;
  const { workflows } = await listWorkflows();
  const inputs: WorkflowInput[] = (await getWorkflowInputs(workflows[0].id)).inputs;
  const result = await runWorkflow(workflows[0].id, { input: { [inputs[0].name]: 'x' }, language: 'de' });
  const sources: KnowledgeSearchResult[] | undefined = result.messages[0].knowledgeCollectionSearchResults;
  const list: AssistantFile[] = (await listAssistantFiles('a')).files;
  const up = await uploadAssistantFile('a', new File(['x'], 'x.txt'));
  await getAssistantFile('a', up.file.id);
  await replaceAssistantFile('a', up.file.id, { name: 'y.txt', data: new Uint8Array(2) });
  await deleteAssistantFile('a', up.file.id);
  const thought: string | null | undefined = (await chatCompletion({ model: 'deepseek-r1', messages: [] })).choices[0].message.reasoning_content;
  const events = runToolsStream({ model: 'deepseek-r1', messages: [] }, { tools: {} });
  for await (const e of events) {
    if (e.type === 'reasoning') void e.delta.length;
    if (e.type === 'done') void e.citations;
  }
  void [first, b64, text, tokens, sources, list, thought];
  // @ts-expect-error embeddings needs an input
  await embeddings({ model: 'text-embedding-3-large' });
  // @ts-expect-error a file needs a name when it is bytes
  await uploadAssistantFile('a', { data: new Uint8Array(1) });
  // @ts-expect-error base64 embeddings are strings
  const wrongType: number[] = raw.data[0].embedding;
  void wrongType;
}
