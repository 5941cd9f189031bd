import { useEffect, useRef } from 'react';

import type { MessageKey } from '../i18n/en';

/** The keyboard shortcuts, as the settings page lists them. */
export const SHORTCUTS: readonly { action: MessageKey; keys: (mac: boolean) => string[] }[] = [
  { action: 'shortcuts.send', keys: () => ['Enter'] },
  { action: 'shortcuts.newline', keys: () => ['Shift', 'Enter'] },
  { action: 'shortcuts.newChat', keys: (mac) => [mac ? '⌘' : 'Ctrl', 'K'] },
  { action: 'shortcuts.stop', keys: () => ['Esc'] },
  { action: 'shortcuts.focus', keys: () => ['/'] },
];

export interface ShortcutHandlers {
  readonly onNewChat: () => void;
  readonly onFocusComposer: () => void;
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
}

/** Ctrl/⌘+K starts a new chat from anywhere; `/` outside a text field focuses the message box. */
export function useGlobalShortcuts(handlers: ShortcutHandlers): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        ref.current.onNewChat();
        return;
      }
      if (event.key === '/' && !event.ctrlKey && !event.metaKey && !isTyping(event.target)) {
        event.preventDefault();
        ref.current.onFocusComposer();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
