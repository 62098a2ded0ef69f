// A minimal Server-Sent Events reader over fetch, for tests: collects events and comments as they arrive.
export type SseEvent = { id?: string; event: string; data: unknown };

export type SseStream = {
  status: number;
  body: unknown;
  events: SseEvent[];
  comments: string[];
  // Waits until `count` events matching `matches` have arrived in all (never longer than `withinMs`), and returns them.
  waitFor: (count: number, matches?: (event: SseEvent) => boolean, withinMs?: number) => Promise<SseEvent[]>;
  waitForComment: (text: string, withinMs?: number) => Promise<void>;
  close: () => void;
};

export async function openSseStream(url: string, headers: Record<string, string>): Promise<SseStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let changed = () => undefined as void;
  let ended = false;
  const stream: SseStream = {
    status: response.status,
    body: undefined,
    events,
    comments,
    async waitFor(count, matches = () => true, withinMs = 10_000) {
      const deadline = Date.now() + withinMs;
      for (;;) {
        const found = events.filter(matches);
        if (found.length >= count) return found;
        if (ended || Date.now() > deadline) throw new Error(`expected ${count} events, got ${JSON.stringify(events)}${ended ? ' (stream ended)' : ''}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 50);
          changed = () => (clearTimeout(timer), resolve());
        });
      }
    },
    async waitForComment(text, withinMs = 10_000) {
      const deadline = Date.now() + withinMs;
      while (!comments.includes(text)) {
        if (ended || Date.now() > deadline) throw new Error(`no "${text}" comment; got ${JSON.stringify(comments)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: () => abort.abort(),
  };
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
    stream.body = await response.json();
    return stream;
  }
  void (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of response.body!) {
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffered.indexOf('\n\n')) !== -1) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const fields = block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).replace(/^ /, '')] as const);
          if (fields.every(([name]) => name === '')) comments.push(...fields.map(([, value]) => value));
          else {
            const field = (name: string) => fields.find(([key]) => key === name)?.[1];
            const data = field('data');
            events.push({ id: field('id'), event: field('event') ?? 'message', data: data === undefined ? undefined : JSON.parse(data) });
          }
          changed();
        }
      }
    } catch {
      // Aborted by close(), or the server ended the stream.
    } finally {
      ended = true;
      changed();
    }
  })();
  return stream;
}
