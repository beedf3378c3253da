import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { createChatStore, type ChatStore } from './chatStore';
import type { NetraClient } from './NetraClient';

export interface NetraContextValue {
  client: NetraClient;
  chatStore: ChatStore;
}

const NetraContext = createContext<NetraContextValue | null>(null);

export interface NetraProviderProps {
  /** Created once, outside render (e.g. when the user signs in), and passed in. */
  client: NetraClient;
  children?: ReactNode;
}

/** Starts the client's one connection when mounted, stops it when unmounted, and hands it down. */
export function NetraProvider({ client, children }: NetraProviderProps) {
  // The stores live as long as the provider (a new client, e.g. another user, gets fresh ones).
  const [value, setValue] = useState<NetraContextValue>(() => ({ client, chatStore: createChatStore() }));
  if (value.client !== client) setValue({ client, chatStore: createChatStore() });

  useEffect(() => {
    void client.start();
    return () => {
      void client.stop();
    };
  }, [client]);

  return <NetraContext.Provider value={value}>{children}</NetraContext.Provider>;
}

export function useNetraContext(): NetraContextValue {
  const value = useContext(NetraContext);
  if (!value) throw new Error('Netra hooks must be used inside <NetraProvider>.');
  return value;
}
