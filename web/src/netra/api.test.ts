import { describe, expect, it } from 'vitest';
import { request } from './api';

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

  it('reports an unreachable server as DISCONNECTED', async () => {
    const failing = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    await expect(request('http://x', '/api/chats', { fetch: failing })).rejects.toMatchObject({ code: 'DISCONNECTED' });
  });
});
