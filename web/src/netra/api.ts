import { NetraError } from './NetraError';

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  token?: string | null;
  body?: unknown;
  /** A multipart body (e.g. an upload); the browser sets its content type. */
  form?: FormData;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

interface ProblemDetails {
  title?: string;
  detail?: string;
  code?: string;
}

/** A Retry-After header (seconds, or an HTTP date) as ms from now; undefined when absent or unreadable. */
function retryAfterHeaderMs(value: string | null): number | undefined {
  const text = value?.trim() ?? '';
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = text === '' ? Number.NaN : Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * One call to Netra's HTTP API. JSON in and out; failures (RFC 7807 problem details carrying a
 * `code`) become NetraError with that code and the detail as message, and the status and Retry-After.
 */
export async function request<T>(baseUrl: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  let response: Response;
  try {
    response = await doFetch(baseUrl + path, {
      method: options.method ?? (options.body === undefined && options.form === undefined ? 'GET' : 'POST'),
      headers,
      body: options.form ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new NetraError('DISCONNECTED', 'The server cannot be reached. Check your connection and try again.');
  }
  const text = await response.text();
  if (!response.ok) {
    let problem: ProblemDetails = {};
    try {
      problem = text ? (JSON.parse(text) as ProblemDetails) : {};
    } catch {
      problem = {};
    }
    const parsed = problem.code ? NetraError.parse(`${problem.code}: x`) : null;
    const code = parsed?.fromServer ? parsed.code : 'HTTP_ERROR';
    const message = problem.detail ?? problem.title ?? `HTTP ${response.status}`;
    throw new NetraError(code, message, response.status, retryAfterHeaderMs(response.headers.get('retry-after')));
  }
  return (text ? JSON.parse(text) : undefined) as T;
}
