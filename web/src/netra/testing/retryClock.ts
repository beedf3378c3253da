import { vi } from 'vitest';

/**
 * Fake timers, and Math.random pinned to the longest waits the full-jitter backoff allows (just below
 * each cap), so that a retry is due at a known time: never before the test has seen the failure, and
 * never sooner than a Retry-After asks. Returns the function that undoes both.
 */
export function pinRetryClock(): () => void {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  const random = vi.spyOn(Math, 'random').mockReturnValue(0.999);
  return () => {
    random.mockRestore();
    vi.useRealTimers();
  };
}
