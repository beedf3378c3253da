import { useCallback, useEffect, useRef, useState } from 'react';
import { AgentEventTypes, type AgentEvent } from './contracts';
import { useConnectionState, useNetra, useNetraEvent } from './hooks';
import { NetraError } from './NetraError';

/**
 * `interrupted`: the connection dropped while the run was going on, so its events (not stored,
 * never replayed) may have been missed. It may still be going on (on the server, or on another node
 * if only this connection dropped): a later event makes it `running` again, and its answer, which
 * is stored in the chat, ends it. If the server itself went away, it never finishes.
 */
export type AgentRunStatus = 'running' | 'completed' | 'error' | 'interrupted';

/** The clientMessageId of the chat message that holds a run's answer (`agent-run:{runId}`). */
export const agentAnswerClientMessageId = (runId: string): string => `agent-run:${runId}`;

/** What a chat shows of one agent run, built from its events. */
export interface AgentRunView {
  runId: string;
  agent: string;
  userId: number;
  /** Started from this tab (it holds the stream and may cancel it). */
  mine: boolean;
  status: AgentRunStatus;
  prompt: string | null;
  /** The thinking and tool steps, in step order. */
  steps: AgentEvent[];
  /** The answer so far: the partial results concatenated (the whole answer once completed). */
  answer: string;
  /** For a run that ended with `error`: its code and text. */
  error: NetraError | null;
  lastStep: number;
}

/**
 * Applies one event to the runs: creates the run on its first event (a watcher may join mid-run),
 * drops a repeated or older step (events carry `step`), and ends the run on `agent_completed` or
 * `error`. Pure, so the order rules are tested without a connection.
 */
export function applyAgentEvent(runs: readonly AgentRunView[], event: AgentEvent, mine: boolean): AgentRunView[] {
  const existing = runs.find((r) => r.runId === event.runId);
  if (existing && event.step <= existing.lastStep) return runs as AgentRunView[];
  const run: AgentRunView = existing ?? {
    runId: event.runId, agent: event.agent, userId: event.userId, mine, status: 'running', prompt: null,
    steps: [], answer: '', error: null, lastStep: 0,
  };
  // An event of an interrupted run: it is still going on, and seen again.
  const next: AgentRunView = { ...run, lastStep: event.step, status: run.status === 'interrupted' ? 'running' : run.status };
  switch (event.type) {
    case AgentEventTypes.AgentStarted:
      next.prompt = event.text;
      break;
    case AgentEventTypes.AgentThinking:
    case AgentEventTypes.ToolExecuting:
      next.steps = [...run.steps, event];
      break;
    case AgentEventTypes.PartialResult:
      next.answer = run.answer + (event.text ?? '');
      break;
    case AgentEventTypes.AgentCompleted:
      next.status = 'completed';
      next.answer = event.text ?? run.answer;
      break;
    case AgentEventTypes.Error:
      next.status = 'error';
      next.error = NetraError.parse(`${event.code ?? 'INTERNAL'}: ${event.text ?? ''}`);
      break;
  }
  return existing ? runs.map((r) => (r === existing ? next : r)) : [...runs, next];
}

/**
 * The connection dropped (or the tab's own stream of the run broke): runs going on are
 * `interrupted`, and no longer this tab's to cancel (a stream does not survive a reconnect).
 * `runId` limits it to one run.
 */
export function interruptAgentRuns(runs: readonly AgentRunView[], runId?: string): AgentRunView[] {
  return runs.map((r) => (r.status === 'running' && (runId === undefined || r.runId === runId) ? { ...r, status: 'interrupted', mine: false } : r));
}

export interface UseAgentRunsResult {
  /** Runs in progress, and runs that failed (until dismissed). A completed run leaves: its answer is a chat message. */
  runs: AgentRunView[];
  /** Starts a run of the default agent linked to the chat. */
  start: (prompt: string) => void;
  cancel: (runId: string) => void;
  dismiss: (runId: string) => void;
  /** Why the last start was refused (VALIDATION_FAILED, RATE_LIMITED, DISCONNECTED, ...). */
  error: NetraError | null;
}

/**
 * The agent runs of a chat: the ones this tab starts (streamed to it) and everyone else's (the
 * `AgentEvent`s of the chat's channel, which the tab follows while the chat is open). When the
 * connection drops, runs going on become `interrupted` (see AgentRunStatus); the answer arriving
 * as a chat message (live or replayed) ends a run whose completion was missed.
 */
export function useAgentRuns(chatId: number | null): UseAgentRunsResult {
  const client = useNetra();
  const { state } = useConnectionState();
  const [runs, setRuns] = useState<AgentRunView[]>([]);
  const [error, setError] = useState<NetraError | null>(null);
  const controllers = useRef(new Map<string, AbortController>());

  useEffect(() => {
    setRuns([]);
    setError(null);
    const mine = controllers.current;
    return () => {
      // Leaving the chat does not cancel runs: they go on and their answers land in the chat.
      mine.clear();
    };
  }, [chatId]);

  const apply = useCallback((event: AgentEvent, mine: boolean) => {
    setRuns((current) => applyAgentEvent(current, event, mine).filter((r) => r.status !== 'completed'));
  }, []);

  useNetraEvent('AgentEvent', (event) => {
    if (chatId !== null && event.chatId === chatId) apply(event, false);
  });
  useNetraEvent('NewMessage', (m) => {
    if (chatId === null || m.chatId !== chatId || !m.clientMessageId.startsWith(agentAnswerClientMessageId(''))) return;
    setRuns((current) => current.filter((r) => agentAnswerClientMessageId(r.runId) !== m.clientMessageId));
  });
  useEffect(() => {
    if (state !== 'reconnecting' && state !== 'disconnected') return;
    controllers.current.clear();
    setRuns((current) => interruptAgentRuns(current));
  }, [state]);

  const start = useCallback(
    (prompt: string) => {
      if (chatId === null) return;
      setError(null);
      const controller = new AbortController();
      let runId: string | null = null;
      client
        .startAgentRun(
          { chatId, prompt, agent: null },
          (event) => {
            runId = event.runId;
            controllers.current.set(event.runId, controller);
            apply(event, true);
          },
          controller.signal,
        )
        .catch((e: unknown) => {
          const failure = NetraError.parse(e, 'DISCONNECTED');
          if (failure.code === 'CANCELLED') return;
          if (runId === null) {
            setError(failure); // refused, or lost before it started
            return;
          }
          // It had started: the stream broke (the server ends a run it stops with an `error` event).
          controllers.current.delete(runId);
          const id = runId;
          setRuns((current) => interruptAgentRuns(current, id));
        });
    },
    [apply, chatId, client],
  );

  const cancel = useCallback((runId: string) => {
    controllers.current.get(runId)?.abort();
    controllers.current.delete(runId);
    setRuns((current) =>
      current.map((r) =>
        r.runId === runId && r.status === 'running'
          ? { ...r, status: 'error', error: new NetraError('CANCELLED', 'You cancelled the run. Nothing was stored.') }
          : r,
      ),
    );
  }, []);

  const dismiss = useCallback((runId: string) => {
    setRuns((current) => current.filter((r) => r.runId !== runId));
  }, []);

  return { runs, start, cancel, dismiss, error };
}
