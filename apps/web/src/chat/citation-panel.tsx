import type { Citation } from '@lgm/contracts';
import { type JSX, useEffect, useRef } from 'react';

import { useI18n } from '../i18n/i18n';
import { Link, paths } from '../router/router';
import { BookIcon, CloseIcon, ExternalIcon } from '../ui/icons';

/** "p. 3" or "pp. 3–5", or nothing when the document has no pages. */
export function usePageLabel(): (citation: Citation) => string | undefined {
  const { t } = useI18n();
  return ({ pageStart, pageEnd }) => {
    if (pageStart === null) return undefined;
    if (pageEnd === null || pageEnd === pageStart) return t('citations.page', { page: pageStart });
    return t('citations.pages', { from: pageStart, to: pageEnd });
  };
}

/**
 * The sources of an answer, with the one the user clicked opened: the passage, its document,
 * page and headings, and a link to the document in the library. The passage is document text:
 * shown as text, never interpreted.
 */
export function CitationPanel({
  citations,
  selectedId,
  onSelect,
  onClose,
}: {
  citations: readonly Citation[];
  selectedId: string;
  onSelect: (id: string) => void;
  onClose: () => void;
}): JSX.Element {
  const { t } = useI18n();
  const pageLabel = usePageLabel();
  const heading = useRef<HTMLHeadingElement>(null);
  const selected = citations.find((citation) => citation.id === selectedId);

  useEffect(() => {
    heading.current?.focus();
  }, [selectedId]);

  return (
    <aside
      className="citation-panel"
      aria-labelledby="citation-panel-title"
      data-testid="citation-panel"
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <header className="citation-panel-header">
        <h2 id="citation-panel-title">
          <BookIcon size={18} /> {t('citations.title')}
        </h2>
        <button
          type="button"
          className="icon-button"
          onClick={onClose}
          aria-label={t('citations.close')}
        >
          <CloseIcon />
        </button>
      </header>
      {selected && (
        <article className="citation-detail" aria-labelledby="citation-detail-title">
          <p className="citation-number">{t('citations.source', { id: selected.id })}</p>
          <h3 id="citation-detail-title" ref={heading} tabIndex={-1} className="citation-title">
            {selected.title}
          </h3>
          <dl className="citation-facts">
            {pageLabel(selected) && (
              <div>
                <dt>{t('citations.pageLabel')}</dt>
                <dd>{pageLabel(selected)}</dd>
              </div>
            )}
            {selected.headingPath.length > 0 && (
              <div>
                <dt>{t('citations.section')}</dt>
                <dd>
                  <ol className="heading-path" aria-label={t('citations.section')}>
                    {selected.headingPath.map((part, index) => (
                      <li key={index}>{part}</li>
                    ))}
                  </ol>
                </dd>
              </div>
            )}
          </dl>
          <blockquote className="citation-passage">{selected.text}</blockquote>
          <Link
            to={`${paths.documents}?document=${encodeURIComponent(selected.documentId)}`}
            className="button button-secondary citation-open"
          >
            <ExternalIcon size={16} />
            {t('citations.open')}
          </Link>
        </article>
      )}
      {citations.length > 1 && (
        <nav aria-label={t('citations.all')} className="citation-list">
          <h3 className="citation-list-title">{t('citations.all')}</h3>
          <ol>
            {citations.map((citation) => (
              <li key={citation.id}>
                <button
                  type="button"
                  className={`citation-item${citation.id === selectedId ? ' citation-item-active' : ''}`}
                  aria-current={citation.id === selectedId ? 'true' : undefined}
                  onClick={() => onSelect(citation.id)}
                >
                  <span className="citation-item-number">{citation.id}</span>
                  <span className="citation-item-title">{citation.title}</span>
                  {pageLabel(citation) && (
                    <span className="citation-item-page">{pageLabel(citation)}</span>
                  )}
                </button>
              </li>
            ))}
          </ol>
        </nav>
      )}
    </aside>
  );
}
