import { useEffect } from 'react';
import { useConnectionState, useNetra } from '../netra';
import { signOut } from './session';

/** Says so while the connection is not up; nothing when it is. */
export function ConnectionBanner() {
  const client = useNetra();
  const { state, attempt, error } = useConnectionState();

  useEffect(() => {
    if (state === 'disconnected' && error?.code === 'UNAUTHORIZED') signOut('Your session has expired. Please sign in again.');
  }, [state, error]);

  if (state === 'connected' || state === 'idle') return null;
  if (state === 'connecting' && attempt === 0) {
    return <div className="banner info" role="status">Connecting…</div>;
  }
  if (state === 'connecting' || state === 'reconnecting') {
    return (
      <div className="banner warn" role="status">
        Reconnecting… {attempt > 0 && <>attempt {attempt}</>}
        <span className="sub"> Messages you send now are kept and go out when the connection is back.</span>
      </div>
    );
  }
  return (
    <div className="banner error" role="alert">
      Disconnected{error ? `: ${error.code === 'CONNECTION_LIMIT' ? 'you have too many tabs open. Close one and reconnect.' : error.message}` : '.'}{' '}
      <button type="button" className="link" onClick={() => void client.start()}>
        Reconnect
      </button>
    </div>
  );
}
