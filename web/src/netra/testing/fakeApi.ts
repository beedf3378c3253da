/** One request the fake server saw. */
export interface RecordedCall {
  url: string;
  method: string;
  body: unknown;
}

/**
 * A fetch for hook tests: answers `METHOD /path` from `answers` (a Response as a fresh copy each time, anything
 * else as JSON), a POST it has no answer for with 204 and anything else with 404, and records every call in
 * `calls`. A key in `held` waits until the test calls its `release()`. Asked again (a hook retrying a read that
 * failed), a key gets the same answer: a Response's body can be read only once, so handing out the same object
 * twice would fail the second read with a TypeError ("Body is unusable") instead of the test's answer.
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
    if (answer instanceof Response) return answer.clone();
    return new Response(JSON.stringify(answer), { status: 200 });
  }) as unknown as typeof fetch;
}

/** A 503 INTERNAL as the server answers while PostgreSQL is down, asking to wait `retryAfterS`. */
export const databaseDown = (retryAfterS = 5): Response =>
  new Response(
    JSON.stringify({ title: 'Service Unavailable', status: 503, code: 'INTERNAL', detail: 'The database (PostgreSQL) cannot be reached right now.' }),
    { status: 503, headers: { 'Retry-After': String(retryAfterS) } },
  );

/** A 200 with `body` as JSON. */
export const ok = (body: unknown): Response => new Response(JSON.stringify(body), { status: 200 });

/**
 * A fetch for retry tests: `GET path` (with its query) answers from `routes[path]` in order, the last
 * one repeating, and counts each read in `reads[path]`; anything else is a 404.
 */
export function scriptedFetch(routes: Record<string, (() => Response)[]>, reads: Record<string, number>): typeof fetch {
  return (async (url: string | URL | Request) => {
    const path = String(url).replace(/^https?:\/\/[^/]+/, '');
    const answers = routes[path];
    if (!answers) return new Response('', { status: 404 });
    const n = reads[path] ?? 0;
    reads[path] = n + 1;
    return answers[Math.min(n, answers.length - 1)]!();
  }) as typeof fetch;
}
