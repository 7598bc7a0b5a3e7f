'use client';
// The page: posts the conversation to the route (no key here), re-hydrates the SSE answer with
// ChatCompletionStream.fromResponse and renders its tokens as they arrive. `?runtime=edge` uses the
// edge route instead of the Node one.
import { useState } from 'react';
import { ChatCompletionStream } from 'meingpt-wasm';

export default function Page() {
  const [input, setInput] = useState('Hallo! Wie ist das Wetter in München?');
  const [answer, setAnswer] = useState('');
  const [status, setStatus] = useState('bereit');

  async function send(event) {
    event.preventDefault();
    const edge = new URLSearchParams(window.location.search).get('runtime') === 'edge';
    setAnswer('');
    setStatus('läuft');
    try {
      const response = await fetch(edge ? '/api/chat/edge' : '/api/chat', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: input }] }),
      });
      // A non-2xx answer rejects with its APIError subclass (AuthenticationError, ...).
      const stream = await ChatCompletionStream.fromResponse(response);
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta?.content;
        if (delta) setAnswer((a) => a + delta);
      }
      setStatus('fertig');
    } catch (e) {
      setStatus(`Fehler: ${e.name}: ${e.message}`);
    }
  }

  return (
    <main>
      <h1>meingpt-wasm mit Next.js</h1>
      <form onSubmit={send}>
        <input id="message" value={input} onChange={(e) => setInput(e.target.value)} style={{ width: '80%' }} />
        <button id="send" type="submit">Senden</button>
      </form>
      <p id="status">{status}</p>
      <pre id="answer" style={{ whiteSpace: 'pre-wrap' }}>{answer}</pre>
    </main>
  );
}
