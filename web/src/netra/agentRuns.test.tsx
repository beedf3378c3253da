// @vitest-environment jsdom
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { created, defaults, flush, type FakeHubConnection } from './testing/fakeSignalR';

vi.mock('@microsoft/signalr', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@microsoft/signalr')>();
  const fake = await import('./testing/fakeSignalR');
  return { ...actual, HubConnectionBuilder: fake.FakeHubConnectionBuilder };
});

const { NetraClient } = await import('./NetraClient');
const { NetraProvider } = await import('./NetraProvider');
const { applyAgentEvent, interruptAgentRuns, useAgentRuns } = await import('./agentRuns');
type AgentEvent = import('./contracts').AgentEvent;

function agentEvent(step: number, type: AgentEvent['type'], over: Partial<AgentEvent> = {}): AgentEvent {
  return {
    runId: 'run-1', type, step, timestamp: '2026-01-01T00:00:00+00:00', userId: 1, chatId: 1, agent: 'demo',
    text: null, tool: null, code: null, message: null, ...over,
  };
}

let client: InstanceType<typeof NetraClient>;
let wrapper: (props: { children: ReactNode }) => ReactNode;

beforeEach(() => {
  created.length = 0;
  defaults.invoke = () => undefined;
  client = new NetraClient({ baseUrl: 'http://netra.test', accessTokenFactory: () => 'tok', fetch: (async () => new Response('', { status: 404 })) as typeof fetch });
  wrapper = ({ children }) => <NetraProvider client={client}>{children}</NetraProvider>;
});

afterEach(() => {
  cleanup();
});

async function connected(): Promise<FakeHubConnection> {
  await waitFor(() => expect(client.status.state).toBe('connected'));
  return created.at(-1)!;
}

describe('applyAgentEvent', () => {
  it('builds a run from its events, drops repeats, and ends it', () => {
    let runs = applyAgentEvent([], agentEvent(1, 'agent_started', { text: 'what is 6*7' }), false);
    runs = applyAgentEvent(runs, agentEvent(2, 'agent_thinking', { text: 'hmm' }), false);
    runs = applyAgentEvent(runs, agentEvent(3, 'tool_executing', { tool: 'calculator', text: '6*7' }), false);
    runs = applyAgentEvent(runs, agentEvent(3, 'tool_executing', { tool: 'calculator', text: '6*7' }), false);
    runs = applyAgentEvent(runs, agentEvent(4, 'partial_result', { text: '6*7 ' }), false);
    runs = applyAgentEvent(runs, agentEvent(5, 'partial_result', { text: '= 42.' }), false);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ prompt: 'what is 6*7', status: 'running', answer: '6*7 = 42.', lastStep: 5, mine: false });
    expect(runs[0]!.steps.map((s) => s.type)).toEqual(['agent_thinking', 'tool_executing']);

    const done = applyAgentEvent(runs, agentEvent(6, 'agent_completed', { text: '6*7 = 42.' }), false);
    expect(done[0]).toMatchObject({ status: 'completed', answer: '6*7 = 42.' });
    const failed = applyAgentEvent(runs, agentEvent(6, 'error', { code: 'CANCELLED', text: 'The run stopped.' }), false);
    expect(failed[0]!.status).toBe('error');
    expect(failed[0]!.error).toMatchObject({ code: 'CANCELLED', message: 'The run stopped.' });
  });

  it('interrupts runs going on (no longer ours to cancel), and an interrupted run that is heard from again goes on', () => {
    let runs = applyAgentEvent([], agentEvent(1, 'agent_started', { text: 'p' }), true);
    runs = applyAgentEvent(runs, agentEvent(1, 'agent_started', { runId: 'done' }), false);
    runs = applyAgentEvent(runs, agentEvent(2, 'error', { runId: 'done', code: 'INTERNAL', text: 'x' }), false);
    runs = interruptAgentRuns(runs);
    expect(runs.map((r) => [r.runId, r.status, r.mine])).toEqual([['run-1', 'interrupted', false], ['done', 'error', false]]);
    expect(applyAgentEvent(runs, agentEvent(2, 'agent_thinking', { text: 'still here' }), false)[0]).toMatchObject({ status: 'running', lastStep: 2 });
    expect(applyAgentEvent(runs, agentEvent(2, 'agent_completed', { text: 'a' }), false)[0]!.status).toBe('completed');
    // An old step changes nothing.
    expect(applyAgentEvent(runs, agentEvent(1, 'agent_started'), false)[0]!.status).toBe('interrupted');
  });

  it('starts a run a watcher joins midway at the step it sees', () => {
    const runs = applyAgentEvent([], agentEvent(4, 'partial_result', { text: 'late ' }), false);
    expect(runs[0]).toMatchObject({ prompt: null, answer: 'late ', lastStep: 4 });
  });
});

describe('useAgentRuns', () => {
  it('streams a run it starts, and the completed run leaves (its answer is a chat message)', async () => {
    const { result } = renderHook(() => useAgentRuns(1), { wrapper });
    const hub = await connected();

    act(() => result.current.start('what is 6*7'));
    const stream = hub.streams.at(-1)!;
    expect(stream.method).toBe('StartAgentRun');
    expect(stream.args).toEqual([{ chatId: 1, prompt: 'what is 6*7', agent: null }]);
    act(() => {
      stream.next(agentEvent(1, 'agent_started', { text: 'what is 6*7' }));
      stream.next(agentEvent(2, 'tool_executing', { tool: 'calculator', text: '6*7' }));
      stream.next(agentEvent(3, 'partial_result', { text: '42' }));
    });
    expect(result.current.runs).toHaveLength(1);
    expect(result.current.runs[0]).toMatchObject({ mine: true, status: 'running', answer: '42' });

    act(() => {
      stream.next(agentEvent(4, 'agent_completed', { text: '42' }));
      stream.complete();
    });
    await flush();
    expect(result.current.runs).toEqual([]);
    expect(result.current.error).toBeNull();
  });

  it('cancels a run it started: the stream is disposed and the run shows as cancelled', async () => {
    const { result } = renderHook(() => useAgentRuns(1), { wrapper });
    const hub = await connected();
    act(() => result.current.start('long task'));
    const stream = hub.streams.at(-1)!;
    act(() => stream.next(agentEvent(1, 'agent_started')));

    act(() => result.current.cancel('run-1'));
    await flush();

    expect(stream.disposed).toBe(true);
    expect(result.current.runs[0]).toMatchObject({ status: 'error' });
    expect(result.current.runs[0]!.error?.code).toBe('CANCELLED');
    expect(result.current.error).toBeNull();
    act(() => result.current.dismiss('run-1'));
    expect(result.current.runs).toEqual([]);
  });

  it('when the connection drops mid-run, the runs are interrupted, not "could not start"; an event brings one back, its answer message ends it', async () => {
    const { result } = renderHook(() => useAgentRuns(1), { wrapper });
    const hub = await connected();
    act(() => result.current.start('long task'));
    const stream = hub.streams.at(-1)!;
    act(() => {
      stream.next(agentEvent(1, 'agent_started', { text: 'long task' }));
      hub.emit('AgentEvent', agentEvent(1, 'agent_started', { runId: 'theirs', userId: 2 }));
      hub.emit('AgentEvent', agentEvent(1, 'agent_started', { runId: 'third', userId: 3 }));
    });

    act(() => {
      hub.dropConnection();
      stream.error(new Error('WebSocket closed with status code: 1006 (no reason given).'));
    });
    await flush();
    expect(result.current.error).toBeNull();
    expect(result.current.runs.map((r) => [r.runId, r.status, r.mine])).toEqual([
      ['run-1', 'interrupted', false], ['theirs', 'interrupted', false], ['third', 'interrupted', false],
    ]);

    act(() => hub.restoreConnection());
    act(() => {
      // 'theirs' went on (on its node): seen again. run-1 finished meanwhile: its answer is replayed into the chat.
      hub.emit('AgentEvent', agentEvent(5, 'partial_result', { runId: 'theirs', userId: 2, text: 'more' }));
      hub.emit('NewMessage', {
        id: 9, chatId: 1, seq: 1, senderId: 99, senderName: 'Netra Agent', content: 'done', attachment: null,
        clientMessageId: 'agent-run:run-1', timestamp: 't', editedAt: null, deleted: false,
      });
    });
    expect(result.current.runs.map((r) => [r.runId, r.status])).toEqual([['theirs', 'running'], ['third', 'interrupted']]);
    act(() => result.current.dismiss('third'));
    expect(result.current.runs.map((r) => r.runId)).toEqual(['theirs']);
  });

  it('a start lost before the run began is reported as an error', async () => {
    const { result } = renderHook(() => useAgentRuns(1), { wrapper });
    const hub = await connected();
    act(() => result.current.start('too late'));
    act(() => hub.streams.at(-1)!.error(new Error('WebSocket closed with status code: 1006 (no reason given).')));
    await waitFor(() => expect(result.current.error?.code).toBe('DISCONNECTED'));
    expect(result.current.runs).toEqual([]);
  });

  it("shows other members' runs of this chat only, and reports a refused start", async () => {
    const { result } = renderHook(() => useAgentRuns(1), { wrapper });
    const hub = await connected();

    act(() => {
      hub.emit('AgentEvent', agentEvent(1, 'agent_started', { runId: 'theirs', userId: 2 }));
      hub.emit('AgentEvent', agentEvent(1, 'agent_started', { runId: 'elsewhere', chatId: 7 }));
      hub.emit('AgentEvent', agentEvent(2, 'agent_thinking', { runId: 'theirs', userId: 2, text: 'reading' }));
    });
    expect(result.current.runs.map((r) => [r.runId, r.mine, r.steps.length])).toEqual([['theirs', false, 1]]);

    act(() => result.current.start('one too many'));
    act(() => hub.streams.at(-1)!.error(new Error('RATE_LIMITED: 3 agent runs per user may run at once')));
    await waitFor(() => expect(result.current.error?.code).toBe('RATE_LIMITED'));
  });
});
