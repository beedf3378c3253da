/** One request the fake server saw. */
export interface RecordedCall {
  url: string;
  method: string;
  body: unknown;
}

/**
 * A fetch for hook tests: answers `METHOD /path` from `answers` (a Response as is, anything else as JSON),
 * a POST it has no answer for with 204 and anything else with 404, and records every call in `calls`. A key
 * in `held` waits until the test calls its `release()`.
 */
export function fakeFetch(
  answers: Record<string, unknown>,
  calls: RecordedCall[],
  held: Record<string, { release(): void }> = {},
): typeof fetch {
  return (async (url: string, init: RequestInit) => {
    const path = url.replace(/^https?:\/\/[^/]+/, '');
    const method = init.method ?? 'GET';
    calls.push({ url: path, method, body: init.body ? JSON.parse(String(init.body)) : undefined });
    const key = `${method} ${path}`;
    if (key in held) await new Promise<void>((resolve) => (held[key] = { release: resolve }));
    // (A 204 must have a null body: new Response('', { status: 204 }) throws.)
    if (!(key in answers)) return method === 'POST' ? new Response(null, { status: 204 }) : new Response('', { status: 404 });
    const answer = answers[key];
    if (answer instanceof Response) return answer;
    return new Response(JSON.stringify(answer), { status: 200 });
  }) as unknown as typeof fetch;
}
