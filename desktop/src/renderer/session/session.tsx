import { createContext, useContext, type ReactNode } from 'react';
import type { SessionInfo } from '@govdesk/shared';
import { useCoreQuery, type CoreError, type Loadable } from '../data/core.tsx';

type Session = Loadable<SessionInfo | null, CoreError<'session.current'>>;

const SessionContext = createContext<Session | null>(null);

/**
 * Who is signed in, as core says and its `session.changed` events follow.
 * It sits beside the language (main.tsx), not under it, so that a start asks
 * core for both at once rather than one after the other.
 */
export function CoreSession({ children }: { children: ReactNode }) {
  const session = useCoreQuery('session.current', {}, { updateOn: { 'session.changed': (changed) => changed } });
  return <SessionContext value={session}>{children}</SessionContext>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside CoreSession');
  return session;
}
