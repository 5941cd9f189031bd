import type { ModelsResponse } from '@lgm/contracts';
import { useEffect, useState, useSyncExternalStore } from 'react';

import type { ApiClient } from '../api/api-client';
import { useServices } from '../app/services';
import type { ChatState } from './chat-store';

/** The chat store's state, re-rendering on every change. */
export function useChatState(): ChatState {
  const { chat } = useServices();
  return useSyncExternalStore(chat.subscribe, chat.getSnapshot, chat.getSnapshot);
}

const modelRequests = new WeakMap<ApiClient, Promise<ModelsResponse>>();

export type ModelsState =
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly models: ModelsResponse }
  | { readonly status: 'error' };

/** GET /models, asked once per API client (the catalog does not change while the app runs). */
export function useModels(): ModelsState {
  const { api } = useServices();
  const [state, setState] = useState<ModelsState>({ status: 'loading' });
  useEffect(() => {
    let active = true;
    let request = modelRequests.get(api);
    if (!request) {
      request = api.models();
      modelRequests.set(api, request);
      request.catch(() => modelRequests.delete(api));
    }
    request.then(
      (models) => active && setState({ status: 'ready', models }),
      () => active && setState({ status: 'error' }),
    );
    return () => {
      active = false;
    };
  }, [api]);
  return state;
}

const KB_PREFIX = 'lgm.kb.';

/**
 * Whether a session answers from the knowledge base. Kept in this browser per session (the
 * session record has no such field): it is sent with each message as `options.knowledgeBase`.
 */
export function readKnowledgeBase(sessionId: string | undefined): boolean {
  if (!sessionId) return true;
  try {
    return window.localStorage.getItem(KB_PREFIX + sessionId) !== 'off';
  } catch {
    return true;
  }
}

export function writeKnowledgeBase(sessionId: string, enabled: boolean): void {
  try {
    if (enabled) window.localStorage.removeItem(KB_PREFIX + sessionId);
    else window.localStorage.setItem(KB_PREFIX + sessionId, 'off');
  } catch {
    // A preference that does not persist is still applied for this page.
  }
}
