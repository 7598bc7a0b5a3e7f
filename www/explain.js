// Errors in plain words: what went wrong and what to do, from the package's typed errors.

/** { title, detail } for an error thrown by chatCompletion (or by the stream; `partial`: text had arrived). */
export function explain(e, { model, tools, baseUrl, partial }) {
  const msg = String(e?.message ?? e);
  if (e?.status === 400 || e?.status === 404) {
    if (/model/i.test(msg) && /not found|unknown|not exist/i.test(msg)) {
      return { title: 'Unknown model', detail: `The service does not know the model “${model}”. Pick another one.` };
    }
  }
  switch (e?.name) {
    case 'ValidationError':
      return {
        title: 'Not sent: the request is invalid',
        detail: `The package checked the request before sending it and refused “${e.param}”: ${msg}`,
      };
    case 'ToolsNotSupportedError': // a BadRequestError: the model cannot use tools
    case 'BadRequestError':
      if (tools && /tool/i.test(msg)) {
        return {
          title: 'This model cannot use tools',
          detail: `“${model}” does not support tools. Switch off “Tools”, or pick a model that supports them (for example gpt-4o-mini).`,
        };
      }
      return { title: 'The service refused the request', detail: `It said: ${msg}` };
    case 'AuthenticationError':
      return {
        title: 'The API key was not accepted',
        detail: 'The service answered 401: the key is missing or wrong. Enter a valid key in the settings.',
      };
    case 'PermissionDeniedError':
      return { title: 'No access', detail: 'The key is valid but has no access to the Chat Completions API (403).' };
    case 'NotFoundError':
      return { title: 'Nothing found at this address', detail: `${baseUrl}/chat/completions answered 404. Check the base URL.` };
    case 'RateLimitError':
      return {
        title: 'Too many requests',
        detail: 'The service asked to slow down (429). The package already waited and retried; try again in a moment.',
      };
    case 'InternalServerError':
      return {
        title: 'The service had a problem',
        detail: `It answered ${e.status} even after retries. This is not your fault; try again shortly.`,
      };
    case 'UnprocessableEntityError':
      return { title: 'The service could not process the request', detail: `It said: ${msg}` };
    case 'APIConnectionTimeoutError':
      return { title: 'No answer in time', detail: 'The server did not respond in time. Check that it is running and try again.' };
    case 'APIConnectionError':
      if (partial) {
        return { title: 'The answer broke off', detail: 'The connection closed in the middle of the answer; the text so far is kept above.' };
      }
      return {
        title: 'Connection failed',
        detail: `Could not reach ${baseUrl}, or the connection broke off. Is the server running, and does it allow this page (CORS)?`,
      };
    case 'APIError':
      return { title: 'The service reported an error', detail: `It said: ${msg}` };
    default:
      return { title: 'Something went wrong', detail: msg };
  }
}
