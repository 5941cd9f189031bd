import { DOCUMENT_CONTENT_TYPES, type DocumentView } from '@lgm/contracts';
import {
  type ChangeEvent,
  type DragEvent,
  type JSX,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';

import type { ApiError } from '../api/api-client';
import { useServices } from '../app/services';
import { type MessageKey } from '../i18n/en';
import { useI18n } from '../i18n/i18n';
import { useRouter } from '../router/router';
import { ConfirmDialog } from '../ui/dialog';
import { formatBytes } from '../ui/format';
import {
  AlertIcon,
  CheckIcon,
  CloseIcon,
  FileIcon,
  RefreshIcon,
  SearchIcon,
  TrashIcon,
  UploadIcon,
} from '../ui/icons';
import { EmptyState, ErrorState, Skeleton, Spinner, useErrorMessage } from '../ui/states';
import { useToast } from '../ui/toast';
import { isActive, phaseProgress, type UploadItem } from './upload-machine';
import { useUploads } from './use-uploads';

const ACCEPT = Object.entries(DOCUMENT_CONTENT_TYPES)
  .flatMap(([type, extensions]) => [type, ...extensions])
  .join(',');

type LibraryState =
  | { readonly status: 'loading' }
  | { readonly status: 'error'; readonly error: ApiError }
  | { readonly status: 'ready'; readonly documents: readonly DocumentView[]; nextCursor?: string };

/** The documents library: upload by drag and drop or picker, watch ingestion, delete, reindex. */
export function DocumentsPage(): JSX.Element {
  const { api, upload } = useServices();
  const { t, plural } = useI18n();
  const toast = useToast();
  const describe = useErrorMessage();
  const { search } = useRouter();
  const focusId = new URLSearchParams(search).get('document') ?? undefined;
  const [library, setLibrary] = useState<LibraryState>({ status: 'loading' });
  const [filter, setFilter] = useState('');
  const [confirmDelete, setConfirmDelete] = useState<DocumentView>();
  const [busyIds, setBusyIds] = useState<ReadonlySet<string>>(new Set());
  const [round, setRound] = useState(0);

  const upsert = useCallback((document: DocumentView) => {
    setLibrary((current) => {
      if (current.status !== 'ready') return current;
      const exists = current.documents.some((d) => d.id === document.id);
      return {
        ...current,
        documents: exists
          ? current.documents.map((d) => (d.id === document.id ? document : d))
          : [document, ...current.documents],
      };
    });
  }, []);

  const uploads = useUploads({ api, transport: upload, onDocument: upsert });

  useEffect(() => {
    const controller = new AbortController();
    setLibrary({ status: 'loading' });
    api.listDocuments({ limit: 100 }, controller.signal).then(
      (page) => setLibrary({ status: 'ready', documents: page.items, nextCursor: page.nextCursor }),
      (error: ApiError) => !controller.signal.aborted && setLibrary({ status: 'error', error }),
    );
    return () => controller.abort();
  }, [api, round]);

  // Documents ingesting that no upload of this page follows (reindexed, uploaded elsewhere).
  const uploading = useMemo(
    () => new Set(uploads.items.filter(isActive).map((item) => item.documentId)),
    [uploads.items],
  );
  const pendingIds = useMemo(
    () =>
      library.status === 'ready'
        ? library.documents
            .filter(
              (d) => (d.status === 'pending' || d.status === 'processing') && !uploading.has(d.id),
            )
            .map((d) => d.id)
        : [],
    [library, uploading],
  );
  const pendingKey = pendingIds.join(',');
  useEffect(() => {
    if (!pendingKey) return undefined;
    const controller = new AbortController();
    const timer = setInterval(() => {
      for (const id of pendingKey.split(',')) {
        api.getDocument(id, controller.signal).then(upsert, () => undefined);
      }
    }, 2000);
    return () => {
      clearInterval(timer);
      controller.abort();
    };
  }, [api, pendingKey, upsert]);

  const reindex = async (document: DocumentView) => {
    setBusyIds((ids) => new Set(ids).add(document.id));
    try {
      const result = await api.reindexDocument(document.id);
      upsert(result.document);
      toast.show('info', t('documents.reindexStarted', { title: document.title }));
    } catch (error) {
      toast.show('error', `${t('documents.reindexFailed')} ${describe(error)}`);
    } finally {
      setBusyIds((ids) => {
        const next = new Set(ids);
        next.delete(document.id);
        return next;
      });
    }
  };

  const remove = async (document: DocumentView) => {
    setBusyIds((ids) => new Set(ids).add(document.id));
    try {
      await api.deleteDocument(document.id);
      setLibrary((current) =>
        current.status === 'ready'
          ? { ...current, documents: current.documents.filter((d) => d.id !== document.id) }
          : current,
      );
      toast.show('success', t('documents.deleted', { title: document.title }));
    } catch (error) {
      toast.show('error', `${t('documents.deleteFailed')} ${describe(error)}`);
    } finally {
      setConfirmDelete(undefined);
      setBusyIds((ids) => {
        const next = new Set(ids);
        next.delete(document.id);
        return next;
      });
    }
  };

  const visible =
    library.status === 'ready'
      ? library.documents.filter(
          (d) =>
            !uploading.has(d.id) &&
            (filter === '' ||
              `${d.title} ${d.fileName}`.toLowerCase().includes(filter.toLowerCase())),
        )
      : [];

  return (
    <div className="page documents-page">
      <header className="page-header">
        <div>
          <h1>{t('documents.title')}</h1>
          <p className="page-lead">{t('documents.lead')}</p>
        </div>
      </header>

      <DropZone onFiles={uploads.addFiles} />

      {uploads.items.length > 0 && (
        <section className="card uploads" aria-labelledby="uploads-heading">
          <div className="card-header">
            <h2 id="uploads-heading">{t('documents.uploads')}</h2>
            {uploads.items.some((item) => !isActive(item)) && (
              <button type="button" className="button button-ghost" onClick={uploads.clearFinished}>
                {t('documents.clearFinished')}
              </button>
            )}
          </div>
          <ul className="upload-list" aria-label={t('documents.uploads')}>
            {uploads.items.map((item) => (
              <UploadRow key={item.id} item={item} onDismiss={() => uploads.dismiss(item.id)} />
            ))}
          </ul>
        </section>
      )}

      <section className="card library" aria-labelledby="library-heading">
        <div className="card-header">
          <h2 id="library-heading">
            {t('documents.library')}
            {library.status === 'ready' && (
              <span className="count-badge">
                {plural('documents.count', library.documents.length)}
              </span>
            )}
          </h2>
          <label className="search-field search-field-compact">
            <SearchIcon size={16} />
            <span className="visually-hidden">{t('documents.filter')}</span>
            <input
              type="search"
              value={filter}
              placeholder={t('documents.filter')}
              onChange={(event) => setFilter(event.target.value)}
            />
          </label>
        </div>
        {library.status === 'loading' && <Skeleton lines={4} label={t('documents.loading')} />}
        {library.status === 'error' && (
          <ErrorState
            title={t('documents.loadFailed')}
            error={library.error}
            onRetry={() => setRound((n) => n + 1)}
          />
        )}
        {library.status === 'ready' && library.documents.length === 0 && (
          <EmptyState icon={<FileIcon size={28} />} title={t('documents.empty.title')}>
            <p>{t('documents.empty.body')}</p>
          </EmptyState>
        )}
        {library.status === 'ready' && library.documents.length > 0 && visible.length === 0 && (
          <p className="muted empty-filter">{t('documents.noMatch')}</p>
        )}
        {visible.length > 0 && (
          <ul className="document-list" aria-label={t('documents.library')}>
            {visible.map((document) => (
              <DocumentRow
                key={document.id}
                document={document}
                focused={document.id === focusId}
                busy={busyIds.has(document.id)}
                onReindex={() => void reindex(document)}
                onDelete={() => setConfirmDelete(document)}
              />
            ))}
          </ul>
        )}
      </section>

      {confirmDelete && (
        <ConfirmDialog
          title={t('documents.deleteTitle')}
          body={<p>{t('documents.deleteBody', { title: confirmDelete.title })}</p>}
          confirmLabel={t('action.delete')}
          busy={busyIds.has(confirmDelete.id)}
          onConfirm={() => void remove(confirmDelete)}
          onCancel={() => setConfirmDelete(undefined)}
        />
      )}
    </div>
  );
}

/** Drop files here, or pick them: the whole area is a button for keyboard users. */
export function DropZone({ onFiles }: { onFiles: (files: File[]) => void }): JSX.Element {
  const { t } = useI18n();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const depth = useRef(0);

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    depth.current = 0;
    setOver(false);
    const files = Array.from(event.dataTransfer?.files ?? []);
    if (files.length > 0) onFiles(files);
  };
  const onChange = (event: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(event.target.files ?? []);
    if (files.length > 0) onFiles(files);
    event.target.value = '';
  };
  return (
    <div
      className={`drop-zone${over ? ' drop-zone-over' : ''}`}
      data-testid="drop-zone"
      onDragEnter={(event) => {
        event.preventDefault();
        depth.current += 1;
        setOver(true);
      }}
      onDragOver={(event) => event.preventDefault()}
      onDragLeave={() => {
        depth.current -= 1;
        if (depth.current <= 0) setOver(false);
      }}
      onDrop={onDrop}
    >
      <div className="drop-zone-icon">
        <UploadIcon size={26} />
      </div>
      <p className="drop-zone-title">{t('documents.drop.title')}</p>
      <p className="drop-zone-hint">{t('documents.drop.hint')}</p>
      <button type="button" className="button" onClick={() => input.current?.click()}>
        {t('documents.drop.choose')}
      </button>
      <input
        ref={input}
        type="file"
        multiple
        accept={ACCEPT}
        className="visually-hidden"
        tabIndex={-1}
        aria-label={t('documents.drop.choose')}
        onChange={onChange}
      />
    </div>
  );
}

const PHASE_LABEL: Readonly<Record<UploadItem['phase'], MessageKey>> = {
  queued: 'upload.phase.queued',
  requesting: 'upload.phase.requesting',
  uploading: 'upload.phase.uploading',
  processing: 'upload.phase.processing',
  ready: 'upload.phase.ready',
  failed: 'upload.phase.failed',
};

export function UploadRow({
  item,
  onDismiss,
}: {
  item: UploadItem;
  onDismiss: () => void;
}): JSX.Element {
  const { t, locale } = useI18n();
  const reason = useUploadFailure();
  const percent = phaseProgress(item);
  const showBar = item.phase === 'uploading' || item.phase === 'processing';
  return (
    <li className={`upload-row upload-${item.phase}`} data-testid="upload-row">
      <div className="upload-icon">
        {item.phase === 'ready' ? (
          <CheckIcon />
        ) : item.phase === 'failed' ? (
          <AlertIcon />
        ) : (
          <FileIcon />
        )}
      </div>
      <div className="upload-main">
        <div className="upload-line">
          <span className="upload-name" title={item.fileName}>
            {item.fileName}
          </span>
          <span className="upload-size">{formatBytes(item.sizeBytes, locale)}</span>
        </div>
        {showBar && (
          <div
            className="progress"
            role="progressbar"
            aria-label={t('upload.progressLabel', {
              phase: t(PHASE_LABEL[item.phase]),
              name: item.fileName,
            })}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
          >
            <span
              className={`progress-fill${item.phase === 'processing' ? ' progress-fill-ingest' : ''}`}
              style={{ width: `${percent}%` }}
            />
          </div>
        )}
        <p className="upload-status" aria-live="polite">
          {item.phase === 'failed'
            ? reason(item)
            : `${t(PHASE_LABEL[item.phase])}${showBar ? ` · ${percent}%` : ''}`}
        </p>
      </div>
      {!isActive(item) && (
        <button
          type="button"
          className="icon-button"
          onClick={onDismiss}
          aria-label={t('documents.dismissUpload', { name: item.fileName })}
        >
          <CloseIcon size={16} />
        </button>
      )}
    </li>
  );
}

/** Why an upload failed, in words. */
function useUploadFailure(): (item: UploadItem) => string {
  const { t } = useI18n();
  return (item) => {
    const code = item.error?.code ?? '';
    switch (code) {
      case 'UNSUPPORTED_TYPE':
      case 'UNSUPPORTED_MEDIA_TYPE':
        return t('upload.error.type');
      case 'UPLOAD_TOO_LARGE':
      case 'PAYLOAD_TOO_LARGE':
        return t('upload.error.tooLarge');
      case 'EMPTY_FILE':
        return t('upload.error.empty');
      case 'UPLOAD_NETWORK':
      case 'NETWORK_ERROR':
        return t('upload.error.network');
      case 'UPLOAD_REJECTED':
        return t('upload.error.rejected');
      default:
        if (item.failedDuring === 'ingestion') {
          return item.error?.message
            ? t('upload.error.ingestionWith', { reason: item.error.message })
            : t('upload.error.ingestion');
        }
        return item.error?.message ?? t('error.generic');
    }
  };
}

const STATUS_LABEL: Readonly<Record<DocumentView['status'], MessageKey>> = {
  pending: 'documents.status.pending',
  processing: 'documents.status.processing',
  ready: 'documents.status.ready',
  failed: 'documents.status.failed',
};

export function DocumentRow({
  document,
  focused,
  busy,
  onReindex,
  onDelete,
}: {
  document: DocumentView;
  focused: boolean;
  busy: boolean;
  onReindex: () => void;
  onDelete: () => void;
}): JSX.Element {
  const { t, locale, formatDate } = useI18n();
  const ref = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (focused) ref.current?.scrollIntoView?.({ block: 'center' });
  }, [focused]);
  const ingesting = document.status === 'pending' || document.status === 'processing';
  return (
    <li
      ref={ref}
      className={`document-row${focused ? ' document-row-focused' : ''}`}
      aria-labelledby={`doc-${document.id}`}
      data-testid="document-row"
      data-status={document.status}
    >
      <div className="document-icon" aria-hidden="true">
        <FileIcon />
      </div>
      <div className="document-main">
        <h3 id={`doc-${document.id}`} className="document-title" title={document.fileName}>
          {document.title}
        </h3>
        <p className="document-meta">
          {document.fileName} · {formatBytes(document.sizeBytes, locale)} ·{' '}
          <time dateTime={document.createdAt}>
            {formatDate(document.createdAt, { dateStyle: 'medium' })}
          </time>
        </p>
        {ingesting && (
          <div
            className="progress progress-small"
            role="progressbar"
            aria-label={t('documents.ingesting', { title: document.title })}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={document.progress}
          >
            <span
              className="progress-fill progress-fill-ingest"
              style={{ width: `${document.progress}%` }}
            />
          </div>
        )}
        {document.status === 'failed' && (
          <p className="document-error">
            {document.error?.message
              ? t('upload.error.ingestionWith', { reason: document.error.message })
              : t('upload.error.ingestion')}
          </p>
        )}
      </div>
      <span className={`status-badge status-${document.status}`}>
        {ingesting && <Spinner size={11} />}
        {t(STATUS_LABEL[document.status])}
        {document.status === 'processing' && ` ${document.progress}%`}
      </span>
      <div className="row-actions">
        <button
          type="button"
          className="icon-button"
          onClick={onReindex}
          disabled={busy || ingesting}
          aria-label={t('documents.reindex', { title: document.title })}
          title={t('documents.reindexShort')}
        >
          <RefreshIcon size={16} />
        </button>
        <button
          type="button"
          className="icon-button icon-button-danger"
          onClick={onDelete}
          disabled={busy}
          aria-label={t('documents.delete', { title: document.title })}
          title={t('action.delete')}
        >
          <TrashIcon size={16} />
        </button>
      </div>
    </li>
  );
}
