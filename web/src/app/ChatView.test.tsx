// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { created, defaults, flush } from '../netra/testing/fakeSignalR';

vi.mock('@microsoft/signalr', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@microsoft/signalr')>();
  const fake = await import('../netra/testing/fakeSignalR');
  return { ...actual, HubConnectionBuilder: fake.FakeHubConnectionBuilder };
});

const { NetraClient, NetraProvider } = await import('../netra');
const { ChatView } = await import('./ChatView');
type UsePresenceResult = import('../netra').UsePresenceResult;

const presence: UsePresenceResult = { users: {}, isOnline: () => false, statusOf: () => 'offline', error: null };
const user = { id: 1, userName: 'demo', displayName: 'Demo' };

describe('ChatView', () => {
  let client: InstanceType<typeof NetraClient>;

  beforeEach(() => {
    created.length = 0;
    defaults.invoke = (method, ...args) => (method === 'Subscribe' ? { channel: args[0], lastSeq: 0, recovered: true, missed: [] } : undefined);
    // An empty chat; everything else (discovery included) is not there.
    const fetchStub = (async (url: string) =>
      url.includes('/api/chats/1/messages') ? new Response('[]', { status: 200 }) : new Response('', { status: 404 })) as unknown as typeof fetch;
    client = new NetraClient({ accessTokenFactory: () => 'tok', fetch: fetchStub });
  });
  afterEach(() => cleanup());

  it('an /agent command starts a run instead of a message, and the others stop seeing "typing" at once', async () => {
    render(
      <NetraProvider client={client}>
        <ChatView chatId={1} user={user} presence={presence} />
      </NetraProvider>,
    );
    await waitFor(() => expect(client.status.state).toBe('connected'));
    const hub = created.at(-1)!;
    await screen.findByText('No messages yet. Say hello!');

    const draft = screen.getByLabelText('Message');
    fireEvent.change(draft, { target: { value: '/agent what is 2 * 3?' } });
    expect(hub.calls('SetTyping')).toEqual([[1, true]]);
    fireEvent.keyDown(draft, { key: 'Enter' });
    await flush();

    // No timer had to run out: "stopped" went with the command.
    expect(hub.calls('SetTyping')).toEqual([[1, true], [1, false]]);
    expect(hub.streams.map((s) => [s.method, s.args])).toEqual([['StartAgentRun', [{ chatId: 1, prompt: 'what is 2 * 3?', agent: null }]]]);
    expect(hub.calls('SendMessage')).toEqual([]);
    expect((draft as HTMLTextAreaElement).value).toBe('');
  });
});
