import type { AgentRunView, NetraError } from '../netra';

function stepText(step: AgentRunView['steps'][number]): string {
  return step.type === 'tool_executing' ? `Using ${step.tool ?? 'a tool'}: ${step.text ?? ''}` : (step.text ?? '');
}

/** The chat's agent runs as they happen: who asked, each step, the answer so far; Cancel for runs started here. */
export function AgentRuns({
  runs, selfId, error, onCancel, onDismiss,
}: {
  runs: AgentRunView[];
  selfId: number;
  error: NetraError | null;
  onCancel: (runId: string) => void;
  onDismiss: (runId: string) => void;
}) {
  if (runs.length === 0 && !error) return null;
  return (
    <section className="agent-runs" aria-label="Agent runs">
      {error && (
        <p className="error" role="alert">
          The agent could not start: {error.message}
        </p>
      )}
      {runs.map((run) => (
        <article key={run.runId} className={`agent-run ${run.status}`} aria-label={`Agent run ${run.runId}`}>
          <header className="meta">
            <span className="sender">{run.agent} agent</span>
            <span>
              {run.status === 'running' ? 'working' : run.status === 'interrupted' ? 'out of sight' : 'stopped'} for{' '}
              {run.userId === selfId ? 'you' : `user ${run.userId}`}
              {run.prompt ? `: “${run.prompt}”` : ''}
            </span>
          </header>
          {/* Agent text is rendered as text, never as HTML. */}
          <ol className="agent-steps">
            {run.steps.map((step) => (
              <li key={step.step} className={step.type}>
                {stepText(step)}
              </li>
            ))}
          </ol>
          {run.answer && <div className="body agent-answer">{run.answer}</div>}
          {run.status === 'running' && run.mine && (
            <button type="button" className="link" onClick={() => onCancel(run.runId)}>
              Cancel
            </button>
          )}
          {run.status === 'interrupted' && (
            <div className="state" role="status">
              The connection dropped while the agent was working. If it finishes, its answer appears in the chat.{' '}
              <button type="button" className="link" onClick={() => onDismiss(run.runId)}>
                Dismiss
              </button>
            </div>
          )}
          {run.status === 'error' && (
            <div className="state failed" role="alert">
              {run.error?.message}{' '}
              <button type="button" className="link" onClick={() => onDismiss(run.runId)}>
                Dismiss
              </button>
            </div>
          )}
        </article>
      ))}
    </section>
  );
}
