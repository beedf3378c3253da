import type { IRetryPolicy, RetryContext } from '@microsoft/signalr';

export interface BackoffOptions {
  /** Delay cap for the first retry, doubled on each further one. */
  baseMs?: number;
  /** No delay exceeds this. */
  capMs?: number;
  /** Give up (the connection closes) after this many retries; default: never. */
  maxRetries?: number;
  /** For tests. */
  random?: () => number;
}

/**
 * Full-jitter capped exponential backoff ("Exponential Backoff And Jitter", AWS): the n-th retry
 * waits a uniformly random time in [0, min(cap, base * 2^n)), so that a server restart is not
 * met by every client at the same instant. Used by withAutomaticReconnect and the first start.
 */
export class JitteredBackoffPolicy implements IRetryPolicy {
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly maxRetries: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 500;
    this.capMs = options.capMs ?? 30_000;
    this.maxRetries = options.maxRetries ?? Number.POSITIVE_INFINITY;
    this.random = options.random ?? Math.random;
  }

  nextRetryDelayInMilliseconds(context: RetryContext): number | null {
    if (context.previousRetryCount >= this.maxRetries) return null;
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** Math.min(context.previousRetryCount, 30));
    return Math.floor(this.random() * ceiling);
  }
}
