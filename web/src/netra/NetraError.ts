import { ErrorCodes, type ErrorCode } from './contracts';

/**
 * Codes the client adds to the server's: the call never reached a connected server (DISCONNECTED,
 * QUEUE_FULL), an HTTP answer carried no Netra code (HTTP_ERROR, with the answer's status: a wrong
 * base URL, a proxy's 502), or a failure of another kind (UNKNOWN).
 */
export type ClientErrorCode = 'DISCONNECTED' | 'QUEUE_FULL' | 'HTTP_ERROR' | 'UNKNOWN';
export type NetraErrorCode = ErrorCode | ClientErrorCode;

const serverCodes = new Set<string>(Object.values(ErrorCodes));

/**
 * A failed Netra call. Hub errors arrive as `CODE: text` (e.g. `RATE_LIMITED: 60 messages per
 * minute; retry in 12 s`); `code` is the parsed code and `message` the text after it.
 */
export class NetraError extends Error {
  override readonly name = 'NetraError';

  constructor(
    readonly code: NetraErrorCode,
    message: string,
    readonly status?: number,
    /** How long an HTTP answer asked the caller to wait before trying again (its Retry-After), in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** True when the server refused the call (as opposed to the call not reaching it). */
  get fromServer(): boolean {
    return serverCodes.has(this.code);
  }

  /** Parses a `CODE: text` message; anything else becomes `fallback` with the whole text. */
  static parse(raw: unknown, fallback: ClientErrorCode = 'UNKNOWN'): NetraError {
    if (raw instanceof NetraError) return raw;
    const text = raw instanceof Error ? raw.message : String(raw);
    // The JS client may prefix server errors ("An unexpected error occurred invoking ... HubException: CODE: text").
    const m = /(?:^|\s)([A-Z][A-Z_]+): ([\s\S]*)$/.exec(text);
    if (m && serverCodes.has(m[1]!)) return new NetraError(m[1] as ErrorCode, m[2]!);
    return new NetraError(fallback, text);
  }
}
