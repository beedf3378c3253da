import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { request } from './api';
import { NetraError } from './NetraError';
import { isPermanentRefusal, retryTransient } from './retry';
import { pinRetryClock } from './testing/retryClock';

/** The NetraError `request` rejects with for an answer of `status` with `body` (none: an empty body). */
const failureOf = (status: number, body?: object): Promise<NetraError> =>
  request<never>('http://x', '/api/chats', {
    fetch: (async () => new Response(body === undefined ? '' : JSON.stringify(body), { status })) as unknown as typeof fetch,
  }).catch((e: unknown) => e as NetraError);

describe('isPermanentRefusal', () => {
  it("keeps the server's codes: FORBIDDEN, NOT_FOUND, VALIDATION_FAILED, UNAUTHORIZED are permanent, INTERNAL and RATE_LIMITED not", async () => {
    const coded = async (status: number, code: string) => isPermanentRefusal(await failureOf(status, { title: 't', status, code }));
    expect(await coded(403, 'FORBIDDEN')).toBe(true);
    expect(await coded(404, 'NOT_FOUND')).toBe(true);
    expect(await coded(400, 'VALIDATION_FAILED')).toBe(true);
    expect(await coded(401, 'UNAUTHORIZED')).toBe(true);
    expect(await coded(503, 'INTERNAL')).toBe(false);
    expect(await coded(429, 'RATE_LIMITED')).toBe(false);
    // Hub errors carry no status: by their code alone.
    expect(isPermanentRefusal(NetraError.parse(new Error('HubException: FORBIDDEN: Not a member.')))).toBe(true);
    expect(isPermanentRefusal(NetraError.parse(new Error('INTERNAL: The database cannot be reached.')))).toBe(false);
  });

  it('judges an HTTP answer without a Netra code by its status: 4xx permanent, except 408, 425 and 429', async () => {
    for (const status of [400, 401, 403, 404, 405, 410, 413, 415, 422]) {
      const e = await failureOf(status);
      expect(e).toMatchObject({ code: 'HTTP_ERROR', status });
      expect(isPermanentRefusal(e), `bare ${status}`).toBe(true);
    }
    for (const status of [408, 425, 429, 500, 502, 503, 504]) {
      expect(isPermanentRefusal(await failureOf(status)), `bare ${status}`).toBe(false);
    }
    // A problem document with a code this client does not know counts as code-less.
    expect(isPermanentRefusal(await failureOf(404, { title: 'Not Found', code: 'NO_SUCH_ROUTE' }))).toBe(true);
  });

  it('counts a call that got no answer as transient', async () => {
    const unreachable = await request<never>('http://x', '/api/chats', {
      fetch: (async () => {
        throw new TypeError('fetch failed');
      }) as unknown as typeof fetch,
    }).catch((e: unknown) => e as NetraError);
    expect(unreachable.code).toBe('DISCONNECTED');
    expect(isPermanentRefusal(unreachable)).toBe(false);
    expect(isPermanentRefusal(NetraError.parse(new Error('WebSocket closed with status code: 1006')))).toBe(false);
  });
});

describe('retryTransient', () => {
  let restoreClock: () => void;
  beforeEach(() => {
    restoreClock = pinRetryClock();
  });
  afterEach(() => restoreClock());

  /** Runs retryTransient over `answers` (the last one repeating) through `request`, as a hook's read. */
  function run(answers: (() => Response)[]) {
    let tries = 0;
    const failures: NetraError[] = [];
    const done: unknown[] = [];
    const fetchStub = (async () => answers[Math.min(tries++, answers.length - 1)]!()) as unknown as typeof fetch;
    const stop = retryTransient(() => request<unknown>('http://x', '/api/chats', { fetch: fetchStub }), {
      done: (value) => done.push(value),
      failed: (e) => failures.push(e),
    });
    return { stop, failures, done, tries: () => tries };
  }

  it('does not retry a bare 404: one try, its error reported, no timer left', async () => {
    const read = run([() => new Response('', { status: 404 }), () => new Response('[]', { status: 200 })]);
    await vi.advanceTimersByTimeAsync(0);
    expect(read.failures).toMatchObject([{ code: 'HTTP_ERROR', status: 404 }]);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(read.tries()).toBe(1);
    expect(read.done).toEqual([]);
    read.stop();
  });

  it('retries a bare 502 with the backoff, and is done once an answer works', async () => {
    const read = run([() => new Response('Bad Gateway', { status: 502 }), () => new Response('[1]', { status: 200 })]);
    await vi.advanceTimersByTimeAsync(0);
    expect(read.failures).toMatchObject([{ code: 'HTTP_ERROR', status: 502 }]);
    await vi.advanceTimersByTimeAsync(500); // the first retry: below 500 ms
    expect(read.tries()).toBe(2);
    expect(read.done).toEqual([[1]]);
    read.stop();
  });
});
