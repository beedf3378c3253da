// A stand-in for @microsoft/signalr's HubConnection, used with vi.mock at the module boundary:
// tests drive the server's side (invoke results, events, reconnects) by hand, with no network.
import type { HubConnectionState as State, IHttpConnectionOptions, IRetryPolicy } from '@microsoft/signalr';

// The real enum's values; not imported, because this module is loaded from inside vi.mock's
// factory for '@microsoft/signalr' (importing that module here would wait on itself).
const HubConnectionState = {
  Disconnected: 'Disconnected' as State.Disconnected,
  Connecting: 'Connecting' as State.Connecting,
  Connected: 'Connected' as State.Connected,
  Reconnecting: 'Reconnecting' as State.Reconnecting,
};
type HubConnectionState = State;

type Handler = (...args: unknown[]) => void;
/** What the client passed to `withUrl`, as the fake keeps it. */
export type FakeConnectionOptions = Pick<IHttpConnectionOptions, 'accessTokenFactory' | 'skipNegotiation' | 'transport'>;
export type InvokeImpl = (method: string, ...args: unknown[]) => unknown;

/**
 * What a new connection's invoke answers until a test sets its own invokeImpl, and whether it sends
 * `ConnectionEstablished` after each (re)connect, as Netra's server does (a test may turn that off and
 * send it itself).
 */
export const defaults: { invoke: InvokeImpl; establish: boolean } = { invoke: () => undefined, establish: true };

/** The `ConnectionEstablished` payload the fake sends. */
export const establishedEvent = {
  connectionId: 'fake-connection', userId: 7, userName: 'demo', protocolVersion: '1',
  keepAliveIntervalMs: 15000, clientTimeoutMs: 30000, serverTime: '2026-01-01T00:00:00+00:00',
};

export class FakeHubConnection {
  state: HubConnectionState = HubConnectionState.Disconnected;
  keepAliveIntervalInMilliseconds = 15_000;
  serverTimeoutInMilliseconds = 30_000;
  readonly handlers = new Map<string, Handler[]>();
  readonly invocations: { method: string; args: unknown[] }[] = [];
  invokeImpl: InvokeImpl = (method, ...args) => defaults.invoke(method, ...args);
  startImpl: () => Promise<void> = async () => undefined;
  stopCalls = 0;
  private reconnecting: ((e?: Error) => void)[] = [];
  private reconnected: ((id?: string) => void)[] = [];
  private closed: ((e?: Error) => void)[] = [];

  constructor(
    readonly url: string,
    readonly options: FakeConnectionOptions,
    readonly retryPolicy: IRetryPolicy | undefined,
  ) {}

  on(name: string, handler: Handler): void {
    this.handlers.set(name, [...(this.handlers.get(name) ?? []), handler]);
  }
  onreconnecting(cb: (e?: Error) => void): void {
    this.reconnecting.push(cb);
  }
  onreconnected(cb: (id?: string) => void): void {
    this.reconnected.push(cb);
  }
  onclose(cb: (e?: Error) => void): void {
    this.closed.push(cb);
  }
  async start(): Promise<void> {
    this.state = HubConnectionState.Connecting;
    try {
      await this.startImpl();
    } catch (e) {
      this.state = HubConnectionState.Disconnected;
      throw e;
    }
    this.state = HubConnectionState.Connected;
    this.establishSoon();
  }
  /** As the real one: a connection that was not disconnected closes, and onclose runs (without an error). */
  async stop(): Promise<void> {
    this.stopCalls++;
    if (this.state === HubConnectionState.Disconnected) return;
    this.close();
  }
  async invoke(method: string, ...args: unknown[]): Promise<unknown> {
    this.invocations.push({ method, args });
    if (this.state !== HubConnectionState.Connected) {
      throw new Error("Cannot send data if the connection is not in the 'Connected' State.");
    }
    return await this.invokeImpl(method, ...args);
  }

  /** Streams the test drives with `next`, `complete` and `error`; `disposed` once the client cancels. */
  readonly streams: FakeStream[] = [];
  stream<T>(method: string, ...args: unknown[]): { subscribe(s: StreamSubscriber<T>): { dispose(): void } } {
    this.invocations.push({ method, args });
    return {
      subscribe: (subscriber) => {
        const stream = new FakeStream(method, args, subscriber as StreamSubscriber<unknown>);
        this.streams.push(stream);
        return { dispose: () => stream.dispose() };
      },
    };
  }

  // --- the server's side ---
  emit(name: string, payload: unknown): void {
    for (const h of this.handlers.get(name) ?? []) h(payload);
  }
  dropConnection(error = new Error('WebSocket closed with status code: 1006')): void {
    this.state = HubConnectionState.Reconnecting;
    for (const cb of this.reconnecting) cb(error);
  }
  restoreConnection(): void {
    this.state = HubConnectionState.Connected;
    for (const cb of this.reconnected) cb('new-id');
    this.establishSoon();
  }
  /** As the server: `ConnectionEstablished` right after the handshake, unless `defaults.establish` is off. */
  private establishSoon(): void {
    if (defaults.establish) queueMicrotask(() => this.emit('ConnectionEstablished', establishedEvent));
  }
  close(error?: Error): void {
    this.state = HubConnectionState.Disconnected;
    for (const cb of this.closed) cb(error);
  }
  calls(method: string): unknown[][] {
    return this.invocations.filter((i) => i.method === method).map((i) => i.args);
  }
}

export interface StreamSubscriber<T> {
  next(value: T): void;
  error(error: unknown): void;
  complete(): void;
}

/** One `connection.stream(...)` call: the test plays the server's side of it. */
export class FakeStream {
  disposed = false;
  constructor(
    readonly method: string,
    readonly args: unknown[],
    private readonly subscriber: StreamSubscriber<unknown>,
  ) {}
  next(value: unknown): void {
    if (!this.disposed) this.subscriber.next(value);
  }
  complete(): void {
    if (!this.disposed) this.subscriber.complete();
  }
  error(error: unknown): void {
    if (!this.disposed) this.subscriber.error(error);
  }
  dispose(): void {
    this.disposed = true;
  }
}

export const created: FakeHubConnection[] = [];

export class FakeHubConnectionBuilder {
  private url = '';
  private options: FakeConnectionOptions = {};
  private policy: IRetryPolicy | undefined;
  withUrl(url: string, options: FakeConnectionOptions): this {
    this.url = url;
    this.options = options;
    return this;
  }
  withAutomaticReconnect(policy: IRetryPolicy): this {
    this.policy = policy;
    return this;
  }
  configureLogging(): this {
    return this;
  }
  build(): FakeHubConnection {
    const c = new FakeHubConnection(this.url, this.options, this.policy);
    created.push(c);
    return c;
  }
}

/** Resolves after pending promise callbacks have run. */
export const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise((r) => setTimeout(r, 0));
};
