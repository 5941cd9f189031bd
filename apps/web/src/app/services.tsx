import { createContext, type JSX, type ReactNode, useContext } from 'react';

import type { ApiClient } from '../api/api-client';
import type { ChatStore } from '../chat/chat-store';
import type { UploadTransport } from '../documents/upload-transport';
import type { FetchLike } from '../fetch-like';
import type { RuntimeConfig } from '../runtime-config';
import type { ChatSocket } from '../socket/chat-socket';

/** What signed-in pages talk to. Built once per sign-in by the shell; fakes in tests. */
export interface AppServices {
  readonly config: RuntimeConfig;
  readonly api: ApiClient;
  readonly socket: ChatSocket;
  readonly chat: ChatStore;
  readonly upload: UploadTransport;
  /** Plain fetch (health checks of the platform status panel). */
  readonly fetchFn: FetchLike;
}

const ServicesContext = createContext<AppServices | undefined>(undefined);

export function ServicesProvider({
  services,
  children,
}: {
  services: AppServices;
  children: ReactNode;
}): JSX.Element {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices needs a ServicesProvider');
  return services;
}
