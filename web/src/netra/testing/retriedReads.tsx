import { cleanup, renderHook, type RenderHookResult } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach } from 'vitest';
import { NetraClient } from '../NetraClient';
import { NetraProvider } from '../NetraProvider';
import { scriptedFetch } from './fakeApi';
import { created, defaults, type InvokeImpl } from './fakeSignalR';
import { pinRetryClock } from './retryClock';

export interface RetriedReads {
  /** The reads per path (with its query) since the test began, or since resetReads. */
  readonly reads: Record<string, number>;
  resetReads(): void;
  /** Renders `hook` under a client whose reads answer from `routes` (scriptedFetch). */
  mount<T>(routes: Record<string, (() => Response)[]>, hook: () => T): RenderHookResult<T, unknown>;
}

/**
 * The set-up the hooks' first-read retry tests share, registered in the calling describe: a fresh fake hub whose calls
 * answer with `invoke`, the retry clock pinned (pinRetryClock) and unpinned after each test, and `mount`. The test file
 * mocks '@microsoft/signalr' with the fake, as every hook test does.
 */
export function retriedReads(invoke: InvokeImpl = () => undefined): RetriedReads {
  let reads: Record<string, number> = {};
  let restoreClock = () => {};
  beforeEach(() => {
    created.length = 0;
    reads = {};
    defaults.invoke = invoke;
    restoreClock = pinRetryClock();
  });
  afterEach(() => {
    cleanup();
    restoreClock();
  });
  return {
    get reads() {
      return reads;
    },
    resetReads() {
      reads = {};
    },
    mount(routes, hook) {
      const client = new NetraClient({ accessTokenFactory: () => 'tok', fetch: scriptedFetch(routes, reads) });
      const wrapper = ({ children }: { children: ReactNode }) => <NetraProvider client={client}>{children}</NetraProvider>;
      return renderHook(hook, { wrapper });
    },
  };
}
