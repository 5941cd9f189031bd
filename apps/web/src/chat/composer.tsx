import { MAX_USER_MESSAGE_CHARACTERS, type ModelsResponse } from '@lgm/contracts';
import {
  type FormEvent,
  forwardRef,
  type JSX,
  type KeyboardEvent,
  useImperativeHandle,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';

import { useI18n } from '../i18n/i18n';
import { BookIcon, SendIcon, StopIcon } from '../ui/icons';

export interface ComposerHandle {
  focus(): void;
  setText(text: string): void;
}

export interface ComposerProps {
  readonly streaming: boolean;
  readonly disabled?: boolean;
  readonly onSend: (text: string) => void;
  readonly onStop: () => void;
  readonly models?: ModelsResponse;
  readonly model?: string;
  readonly onModelChange: (model: string) => void;
  readonly knowledgeBase: boolean;
  readonly onKnowledgeBaseChange: (enabled: boolean) => void;
}

/**
 * Where the user writes. Enter sends and Shift+Enter starts a new line; while an input method is
 * composing (Korean, Japanese, Chinese), Enter belongs to the IME and sends nothing.
 */
export const Composer = forwardRef<ComposerHandle, ComposerProps>(function Composer(
  {
    streaming,
    disabled = false,
    onSend,
    onStop,
    models,
    model,
    onModelChange,
    knowledgeBase,
    onKnowledgeBaseChange,
  },
  ref,
): JSX.Element {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const textarea = useRef<HTMLTextAreaElement>(null);

  useImperativeHandle(ref, () => ({
    focus: () => textarea.current?.focus(),
    setText: (value) => {
      setText(value);
      textarea.current?.focus();
    },
  }));

  // Grow with the text up to a limit, then scroll.
  useLayoutEffect(() => {
    const element = textarea.current;
    if (!element) return;
    element.style.height = 'auto';
    element.style.height = `${Math.min(element.scrollHeight, 240)}px`;
  }, [text]);

  const trimmed = text.trim();
  const tooLong = text.length > MAX_USER_MESSAGE_CHARACTERS;
  const canSend = trimmed !== '' && !tooLong && !streaming && !disabled;

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!canSend) return;
    onSend(trimmed);
    setText('');
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key !== 'Enter' || event.shiftKey) return;
    if (event.nativeEvent.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    submit();
  };

  const modelOptions = models?.models ?? [];
  const selectedModel = model ?? models?.defaultModel ?? '';
  // A long display name is cut with an ellipsis in a narrow composer; the title keeps all of it.
  const selectedName = modelOptions.find((option) => option.id === selectedModel)?.displayName;
  return (
    <form className="composer" onSubmit={submit} aria-label={t('composer.label')}>
      <label htmlFor="composer-input" className="visually-hidden">
        {t('composer.label')}
      </label>
      <textarea
        id="composer-input"
        ref={textarea}
        className="composer-input"
        rows={1}
        value={text}
        placeholder={t('composer.placeholder')}
        aria-describedby="composer-hint"
        aria-invalid={tooLong || undefined}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        disabled={disabled}
      />
      <div className="composer-toolbar">
        <div className="composer-options">
          {modelOptions.length > 0 && (
            <label className="model-picker">
              <span className="visually-hidden">{t('composer.model')}</span>
              <select
                value={selectedModel}
                onChange={(event) => onModelChange(event.target.value)}
                disabled={streaming}
                title={selectedName}
              >
                {modelOptions.map((option) => (
                  <option key={option.id} value={option.id}>
                    {option.displayName}
                  </option>
                ))}
              </select>
            </label>
          )}
          <button
            type="button"
            role="switch"
            aria-checked={knowledgeBase}
            className={`toggle-chip${knowledgeBase ? ' toggle-chip-on' : ''}`}
            onClick={() => onKnowledgeBaseChange(!knowledgeBase)}
            title={t('composer.knowledgeBaseHint')}
          >
            <BookIcon size={15} />
            {t('composer.knowledgeBase')}
          </button>
        </div>
        <p id="composer-hint" className={`composer-hint${tooLong ? ' composer-hint-error' : ''}`}>
          {tooLong
            ? t('composer.tooLong', { max: MAX_USER_MESSAGE_CHARACTERS })
            : t('composer.hint')}
        </p>
        {streaming ? (
          <button
            type="button"
            className="send-button stop-button"
            onClick={onStop}
            aria-label={t('composer.stop')}
            title={t('composer.stop')}
          >
            <StopIcon size={16} />
          </button>
        ) : (
          <button
            type="submit"
            className="send-button"
            disabled={!canSend}
            aria-label={t('composer.send')}
            title={t('composer.send')}
          >
            <SendIcon size={18} />
          </button>
        )}
      </div>
    </form>
  );
});
