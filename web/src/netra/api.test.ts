import { describe, expect, it } from 'vitest';
import { request } from './api';
import type { NetraError } from './NetraError';

const respond = (status: number, body: unknown) =>
  (async () => new Response(body === undefined ? '' : JSON.stringify(body), { status })) as unknown as typeof fetch;

describe('request', () => {
  it('sends JSON with the bearer token and parses the answer', async () => {
    let seen: RequestInit | undefined;
    const fetchSpy = (async (_url: string, init?: RequestInit) => {
      seen = init;
      return new Response(JSON.stringify({ id: 1 }), { status: 201 });
    }) as unknown as typeof fetch;
    const result = await request<{ id: number }>('http://x', '/api/chats', { token: 'tok', body: { title: 't' }, fetch: fetchSpy });
    expect(result).toEqual({ id: 1 });
    expect(seen?.method).toBe('POST');
    expect((seen?.headers as Record<string, string>).authorization).toBe('Bearer tok');
  });

  it('posts a multipart form as is, without a JSON content type', async () => {
    let seen: RequestInit | undefined;
    const fetchSpy = (async (_url: string, init?: RequestInit) => {
      seen = init;
      return new Response(JSON.stringify({ path: '/uploads/a.png' }), { status: 201 });
    }) as unknown as typeof fetch;
    const form = new FormData();
    form.append('file', new Blob(['hi']), 'a.txt');
    await request('http://x', '/api/uploads', { token: 'tok', form, fetch: fetchSpy });
    expect(seen?.method).toBe('POST');
    expect(seen?.body).toBe(form);
    expect((seen?.headers as Record<string, string>)['content-type']).toBeUndefined();
  });

  it('turns problem details into NetraError with their code and detail', async () => {
    const problem = { title: 'Forbidden', status: 403, detail: 'You are not a member of chat 7.', code: 'FORBIDDEN' };
    await expect(request('http://x', '/api/chats/7/messages', { fetch: respond(403, problem) }))
      .rejects.toMatchObject({ code: 'FORBIDDEN', message: 'You are not a member of chat 7.', status: 403 });
    await expect(request('http://x', '/nope', { fetch: respond(502, undefined) }))
      .rejects.toMatchObject({ code: 'HTTP_ERROR', status: 502 });
  });

  it('carries a Retry-After (seconds, or an HTTP date) as retryAfterMs, and none without one', async () => {
    const problem = { title: 'Service Unavailable', status: 503, code: 'INTERNAL', detail: 'The database (PostgreSQL) cannot be reached right now.' };
    const answer = (headers: Record<string, string>) =>
      (async () => new Response(JSON.stringify(problem), { status: 503, headers })) as unknown as typeof fetch;
    await expect(request('http://x', '/api/chats/1/messages', { fetch: answer({ 'Retry-After': '5' }) }))
      .rejects.toMatchObject({ code: 'INTERNAL', status: 503, retryAfterMs: 5000 });
    const at = new Date(Date.now() + 30_000).toUTCString();
    const dated = await request<never>('http://x', '/x', { fetch: answer({ 'Retry-After': at }) }).catch((e: unknown) => e as NetraError);
    expect(dated.retryAfterMs).toBeGreaterThan(28_000);
    expect(dated.retryAfterMs).toBeLessThanOrEqual(30_000);
    const none = await request<never>('http://x', '/x', { fetch: answer({}) }).catch((e: unknown) => e as NetraError);
    expect(none.retryAfterMs).toBeUndefined();
  });

  it('reports an unreachable server as DISCONNECTED', async () => {
    const failing = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    await expect(request('http://x', '/api/chats', { fetch: failing })).rejects.toMatchObject({ code: 'DISCONNECTED' });
  });
});
