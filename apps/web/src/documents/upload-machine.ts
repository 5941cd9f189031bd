import {
  baseMediaType,
  documentContentTypeFor,
  type DocumentView,
  isDocumentContentType,
} from '@lgm/contracts';

/**
 * One file's way into the library: `queued` → `requesting` (POST /documents) → `uploading`
 * (PUT to the presigned URL, with progress) → `processing` (ingestion, polled, with progress) →
 * `ready`, or `failed` at any step with the reason.
 */
export type UploadPhase = 'queued' | 'requesting' | 'uploading' | 'processing' | 'ready' | 'failed';

export interface UploadItem {
  /** Local id (the file is not a document yet). */
  readonly id: string;
  readonly fileName: string;
  readonly sizeBytes: number;
  /** The media type that will be declared to the API. */
  readonly contentType: string;
  readonly phase: UploadPhase;
  /** 0–1 of the bytes sent. */
  readonly uploadProgress: number;
  /** 0–100 of ingestion, as the API reports it. */
  readonly ingestProgress: number;
  readonly documentId?: string;
  readonly error?: { readonly code: string; readonly message?: string };
  /** The step that failed. */
  readonly failedDuring?: 'validation' | 'request' | 'upload' | 'ingestion';
}

export type UploadEvent =
  | {
      readonly type: 'added';
      readonly id: string;
      readonly fileName: string;
      readonly sizeBytes: number;
      readonly contentType: string;
      /** Largest size accepted; larger files fail at once. */
      readonly maxBytes?: number;
    }
  | { readonly type: 'requested'; readonly id: string }
  | { readonly type: 'created'; readonly id: string; readonly document: DocumentView }
  | {
      readonly type: 'progress';
      readonly id: string;
      readonly loaded: number;
      readonly total: number;
    }
  | { readonly type: 'uploaded'; readonly id: string }
  | { readonly type: 'document'; readonly id: string; readonly document: DocumentView }
  | {
      readonly type: 'failed';
      readonly id: string;
      readonly code: string;
      readonly message?: string;
    }
  | { readonly type: 'dismissed'; readonly id: string };

export type UploadState = readonly UploadItem[];

/** The media type to declare for a file: the browser's when it is a document type, else by name. */
export function contentTypeOf(file: { name: string; type: string }): string | undefined {
  if (file.type && isDocumentContentType(file.type)) return baseMediaType(file.type);
  return documentContentTypeFor(file.name);
}

const ORDER: Readonly<Record<UploadPhase, number>> = {
  queued: 0,
  requesting: 1,
  uploading: 2,
  processing: 3,
  ready: 4,
  failed: 4,
};

/**
 * The pure transition function. Events that do not fit the item's phase are ignored (a late
 * progress event after a failure, a poll answer after the item was dismissed), so the async
 * steps can report without checking each other.
 */
export function uploadReducer(state: UploadState, event: UploadEvent): UploadState {
  if (event.type === 'added') {
    if (state.some((item) => item.id === event.id)) return state;
    const base: UploadItem = {
      id: event.id,
      fileName: event.fileName,
      sizeBytes: event.sizeBytes,
      contentType: event.contentType,
      phase: 'queued',
      uploadProgress: 0,
      ingestProgress: 0,
    };
    const invalid = !event.contentType
      ? 'UNSUPPORTED_TYPE'
      : event.sizeBytes === 0
        ? 'EMPTY_FILE'
        : event.maxBytes !== undefined && event.sizeBytes > event.maxBytes
          ? 'UPLOAD_TOO_LARGE'
          : undefined;
    const item: UploadItem = invalid
      ? { ...base, phase: 'failed', error: { code: invalid }, failedDuring: 'validation' }
      : base;
    return [...state, item];
  }
  if (event.type === 'dismissed') return state.filter((item) => item.id !== event.id);
  return state.map((item) => (item.id === event.id ? transition(item, event) : item));
}

function transition(item: UploadItem, event: UploadEvent): UploadItem {
  if (item.phase === 'failed' || item.phase === 'ready') return item;
  switch (event.type) {
    case 'requested':
      return item.phase === 'queued' ? { ...item, phase: 'requesting' } : item;
    case 'created':
      return item.phase === 'requesting'
        ? { ...item, phase: 'uploading', documentId: event.document.id }
        : item;
    case 'progress':
      if (item.phase !== 'uploading' || event.total <= 0) return item;
      // Progress only moves forward (a retried chunk can report less).
      return {
        ...item,
        uploadProgress: Math.max(item.uploadProgress, Math.min(1, event.loaded / event.total)),
      };
    case 'uploaded':
      return item.phase === 'uploading'
        ? { ...item, phase: 'processing', uploadProgress: 1, ingestProgress: 0 }
        : item;
    case 'document': {
      if (ORDER[item.phase] < ORDER.processing) return item;
      const { status, progress, error } = event.document;
      if (status === 'ready') return { ...item, phase: 'ready', ingestProgress: 100 };
      if (status === 'failed') {
        return {
          ...item,
          phase: 'failed',
          failedDuring: 'ingestion',
          error: error ?? { code: 'INGESTION_FAILED' },
        };
      }
      return { ...item, ingestProgress: Math.max(item.ingestProgress, progress) };
    }
    case 'failed': {
      const failedDuring =
        item.phase === 'processing'
          ? 'ingestion'
          : item.phase === 'uploading'
            ? 'upload'
            : 'request';
      return {
        ...item,
        phase: 'failed',
        failedDuring,
        error: { code: event.code, message: event.message },
      };
    }
    default:
      return item;
  }
}

/** The percentage the item's bar shows: of the bytes while uploading, then of ingestion. */
export function phaseProgress(item: UploadItem): number {
  switch (item.phase) {
    case 'uploading':
      return Math.round(item.uploadProgress * 100);
    case 'processing':
      return item.ingestProgress;
    case 'ready':
      return 100;
    default:
      return 0;
  }
}

/** Items still moving. */
export function isActive(item: UploadItem): boolean {
  return item.phase !== 'ready' && item.phase !== 'failed';
}
