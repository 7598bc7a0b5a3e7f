// What every runtime entry exports besides chatCompletion.
export * from './errors.js';
export { ChatCompletionStream } from './stream.js';
