import { type JSX, useId, useState } from 'react';

import { useI18n } from '../i18n/i18n';
import { formatDuration } from '../ui/format';
import { AlertIcon, CheckIcon, ChevronIcon, TerminalIcon, ToolIcon } from '../ui/icons';
import { Spinner } from '../ui/states';
import { ArtifactFiles } from './artifact-files';
import {
  artifactsIn,
  codeOfInput,
  isCodeRunTool,
  parseCodeRun,
  parseJson,
  prettyInput,
  prettyOutput,
} from './tool-output';
import type { ToolCallView } from './turn-view';

/**
 * One tool call in an answer: a header (tool, server, status, duration) that expands to its
 * input and result. Code runs show their code, stdout, stderr and the files they produced.
 */
export function ToolCallCard({ call }: { call: ToolCallView }): JSX.Element {
  const { t, locale } = useI18n();
  const [open, setOpen] = useState(false);
  const bodyId = useId();
  const codeRun = isCodeRunTool(call.name);
  const run = codeRun ? parseCodeRun(call.output) : undefined;
  const files = run?.files ?? artifactsIn(parseJson(call.output));
  const displayName = call.name.includes('__')
    ? call.name.split('__').slice(1).join('__')
    : call.name;
  const statusLabel = t(`tools.status.${call.status}`);

  return (
    <div className={`tool-card tool-${call.status}`} data-testid="tool-call">
      <button
        type="button"
        className="tool-header"
        aria-expanded={open}
        aria-controls={bodyId}
        onClick={() => setOpen((value) => !value)}
      >
        <span className="tool-icon">
          {codeRun ? <TerminalIcon size={16} /> : <ToolIcon size={16} />}
        </span>
        <span className="tool-name">
          {codeRun ? t('tools.codeRun') : displayName}
          {call.server && <span className="tool-server">{call.server}</span>}
        </span>
        <span className={`tool-status tool-status-${call.status}`}>
          {call.status === 'running' ? (
            <Spinner size={12} />
          ) : call.status === 'success' ? (
            <CheckIcon size={14} />
          ) : (
            <AlertIcon size={14} />
          )}
          <span>{statusLabel}</span>
        </span>
        {call.durationMs !== undefined && (
          <span className="tool-duration">{formatDuration(call.durationMs, locale)}</span>
        )}
        <span className={`tool-chevron${open ? ' tool-chevron-open' : ''}`}>
          <ChevronIcon size={16} />
        </span>
      </button>
      {open && (
        <div id={bodyId} className="tool-body">
          <ToolInput call={call} codeRun={codeRun} />
          {call.status !== 'running' &&
            (run ? (
              <>
                {run.stdout && <OutputBlock label={t('tools.stdout')} text={run.stdout} />}
                {run.stderr && (
                  <OutputBlock label={t('tools.stderr')} text={run.stderr} tone="error" />
                )}
                {!run.stdout && !run.stderr && <p className="muted">{t('tools.noOutput')}</p>}
                {run.exitCode !== undefined && (
                  <p className="tool-exit">{t('tools.exitCode', { code: run.exitCode })}</p>
                )}
              </>
            ) : (
              <OutputBlock
                label={t('tools.result')}
                text={prettyOutput(call.output) || t('tools.noOutput')}
                tone={call.status === 'error' ? 'error' : undefined}
              />
            ))}
          {call.truncated && <p className="muted">{t('tools.truncated')}</p>}
        </div>
      )}
      {/* Produced files stay visible when the card is closed: they are the point of the run. */}
      {files.length > 0 && <ArtifactFiles files={files} />}
    </div>
  );
}

function ToolInput({
  call,
  codeRun,
}: {
  call: ToolCallView;
  codeRun: boolean;
}): JSX.Element | null {
  const { t } = useI18n();
  const code = codeRun ? codeOfInput(call.input) : undefined;
  if (code) {
    return <OutputBlock label={code.language || t('tools.input')} text={code.code} />;
  }
  const text = prettyInput(call.input);
  return text ? <OutputBlock label={t('tools.input')} text={text} /> : null;
}

function OutputBlock({
  label,
  text,
  tone,
}: {
  label: string;
  text: string;
  tone?: 'error';
}): JSX.Element {
  return (
    <section className={`tool-block${tone ? ` tool-block-${tone}` : ''}`}>
      <h3 className="tool-block-label">{label}</h3>
      <pre tabIndex={0}>{text}</pre>
    </section>
  );
}
