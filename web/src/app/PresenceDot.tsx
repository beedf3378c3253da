import type { PresenceChangedEvent } from '../netra';

const words = { online: 'online', away: 'away', offline: 'offline' } as const;

/** A coloured dot for a user's presence, with the state in words for screen readers (and tests). */
export function PresenceDot({ name, status }: { name: string; status: PresenceChangedEvent['status'] }) {
  return <span className={`dot ${status}`} role="img" aria-label={`${name} is ${words[status]}`} title={`${name}: ${words[status]}`} />;
}
