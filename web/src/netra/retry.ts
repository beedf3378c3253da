import type { IRetryPolicy } from '@microsoft/signalr';
import { JitteredBackoffPolicy } from './backoff';
import { NetraError } from './NetraError';

/**
 * The server's refusals that trying again cannot change: a re-subscribe refused with one of these
 * drops the channel, and a call retried with retryTransient stops. The server's other codes
 * (INTERNAL while PostgreSQL is down, RATE_LIMITED, ...) are retried. The .NET client keeps the
 * same list (for the hub's refusals).
 */
const PermanentRefusals: ReadonlySet<string> = new Set(['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED', 'UNAUTHORIZED']);

/** 4xx statuses a later try may be answered differently: Request Timeout, Too Early, Too Many Requests. */
const TransientClientStatuses: ReadonlySet<number> = new Set([408, 425, 429]);

/**
 * Whether trying a call again cannot change the answer: a refusal with one of the server's codes
 * FORBIDDEN, NOT_FOUND, VALIDATION_FAILED, UNAUTHORIZED (the refusals that make the client drop a
 * channel), or an HTTP answer without a Netra code (HTTP_ERROR: a wrong base URL, a proxy that does
 * not route /api) whose status is a 4xx other than 408, 425 and 429 (a bare 404, 401, 405, ...).
 * Any other failure is transient: one the client retries for a followed channel (and for
 * `subscribe(..., { retry: true })`), and the hooks retry for the HTTP read they start with. That is
 * the server's other codes (INTERNAL, RATE_LIMITED, ...), a code-less 408, 425, 429 or 5xx (a 502
 * from a proxy while the server restarts), and a call that got no answer (DISCONNECTED: fetch threw,
 * or the hub is out of reach).
 */
export function isPermanentRefusal(error: NetraError): boolean {
  if (error.fromServer) return PermanentRefusals.has(error.code);
  const status = error.status;
  return error.code === 'HTTP_ERROR' && status !== undefined && status >= 400 && status < 500 && !TransientClientStatuses.has(status);
}

/**
 * The wait a failure asks for, in ms; 0 when it names none: an HTTP answer's Retry-After
 * (NetraError.retryAfterMs), or a hub error's "retry in N s" ("RATE_LIMITED: ...; retry in 12 s").
 */
export function retryAfterMs(error: NetraError): number {
  const m = /\bretry in (\d+(?:\.\d+)?) ?s\b/i.exec(error.message);
  return Math.max(error.retryAfterMs ?? 0, m ? Math.ceil(Number(m[1]) * 1000) : 0);
}

/**
 * How long to wait before the next try of a call that failed `previousRetryCount` times in a row,
 * the last time with `error`: what `policy` says (full jitter, capped), but never less than the
 * server asks (retryAfterMs). Null when the policy gives up.
 */
export function retryDelayMs(policy: IRetryPolicy, previousRetryCount: number, error: NetraError): number | null {
  const backoff = policy.nextRetryDelayInMilliseconds({ previousRetryCount, elapsedMilliseconds: 0, retryReason: error });
  return backoff === null ? null : Math.max(backoff, retryAfterMs(error));
}

/**
 * Calls `attempt` until it works: a failure that is not a permanent refusal (isPermanentRefusal) is
 * retried after retryDelayMs, as the client retries a re-subscribe (a new JitteredBackoffPolicy
 * unless `policy` is given). `failed` gets every failure (the last one too, when it is a refusal),
 * `done` the result once. The returned function stops it for good: the waiting retry is called off
 * (no timer is left), and the answer of an attempt still on its way is dropped.
 */
export function retryTransient<T>(
  attempt: () => Promise<T>,
  report: { done(value: T): void; failed(error: NetraError): void },
  policy: IRetryPolicy = new JitteredBackoffPolicy(),
): () => void {
  let stopped = false;
  let retries = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = () => {
    timer = null;
    new Promise<T>((resolve) => resolve(attempt())).then(
      (value) => {
        if (!stopped) report.done(value);
      },
      (error: unknown) => {
        if (stopped) return;
        const e = NetraError.parse(error);
        report.failed(e);
        if (stopped || isPermanentRefusal(e)) return;
        const delay = retryDelayMs(policy, retries++, e);
        if (delay !== null) timer = setTimeout(run, delay);
      },
    );
  };
  run();
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
}
