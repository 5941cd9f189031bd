import type { DocumentView } from '@lgm/contracts';
import { useCallback, useEffect, useReducer, useRef } from 'react';

import { type ApiClient, ApiError } from '../api/api-client';
import { contentTypeOf, type UploadItem, uploadReducer } from './upload-machine';
import { UploadError, type UploadTransport } from './upload-transport';

export interface UseUploadsOptions {
  readonly api: ApiClient;
  readonly transport: UploadTransport;
  /** A document changed (created, progressed, ready, failed): the library shows it. */
  readonly onDocument: (document: DocumentView) => void;
  /** How many files go up at once. */
  readonly concurrency?: number;
  /** Milliseconds between two status polls of a document being ingested. */
  readonly pollIntervalMs?: number;
  readonly maxBytes?: number;
}

export interface Uploads {
  readonly items: readonly UploadItem[];
  addFiles(files: Iterable<File>): void;
  dismiss(id: string): void;
  clearFinished(): void;
}

let uploadCounter = 0;

/**
 * Runs the upload state machine for the files the user drops: a few at a time, each through
 * POST /documents, the presigned PUT and polling of GET /documents/:id until ingestion ends.
 */
export function useUploads({
  api,
  transport,
  onDocument,
  concurrency = 3,
  pollIntervalMs = 1500,
  maxBytes,
}: UseUploadsOptions): Uploads {
  const [items, dispatch] = useReducer(uploadReducer, []);
  const files = useRef(new Map<string, File>());
  const started = useRef(new Set<string>());
  const controller = useRef(new AbortController());
  const onDocumentRef = useRef(onDocument);
  onDocumentRef.current = onDocument;

  useEffect(() => {
    const current = new AbortController();
    controller.current = current;
    return () => current.abort();
  }, []);

  const run = useCallback(
    async (item: UploadItem) => {
      const file = files.current.get(item.id);
      const signal = controller.current.signal;
      if (!file) return;
      const { id } = item;
      try {
        dispatch({ type: 'requested', id });
        const created = await api.createDocument({
          fileName: file.name,
          contentType: item.contentType,
          sizeBytes: file.size,
        });
        if (signal.aborted) return;
        dispatch({ type: 'created', id, document: created.document });
        await transport(
          created.upload,
          file,
          ({ loaded, total }) => dispatch({ type: 'progress', id, loaded, total }),
          signal,
        );
        files.current.delete(id);
        dispatch({ type: 'uploaded', id });
        onDocumentRef.current(created.document);
        let document = created.document;
        while (!signal.aborted) {
          await delay(pollIntervalMs, signal);
          document = await api.getDocument(document.id, signal);
          dispatch({ type: 'document', id, document });
          onDocumentRef.current(document);
          if (document.status === 'ready' || document.status === 'failed') break;
        }
      } catch (error) {
        if (signal.aborted) return;
        const { code, message } =
          error instanceof ApiError || error instanceof UploadError
            ? error
            : { code: 'UPLOAD_FAILED', message: String(error) };
        dispatch({ type: 'failed', id, code, message });
      }
    },
    [api, transport, pollIntervalMs],
  );

  useEffect(() => {
    const busy = items.filter(
      (item) => started.current.has(item.id) && item.phase !== 'ready' && item.phase !== 'failed',
    ).length;
    const waiting = items.filter(
      (item) => item.phase === 'queued' && !started.current.has(item.id),
    );
    for (const item of waiting.slice(0, Math.max(0, concurrency - busy))) {
      started.current.add(item.id);
      void run(item);
    }
  }, [items, concurrency, run]);

  const addFiles = useCallback(
    (list: Iterable<File>) => {
      for (const file of list) {
        uploadCounter += 1;
        const id = `upload-${uploadCounter}`;
        files.current.set(id, file);
        dispatch({
          type: 'added',
          id,
          fileName: file.name,
          sizeBytes: file.size,
          contentType: contentTypeOf(file) ?? '',
          maxBytes,
        });
      }
    },
    [maxBytes],
  );
  const dismiss = useCallback((id: string) => {
    files.current.delete(id);
    dispatch({ type: 'dismissed', id });
  }, []);
  const clearFinished = useCallback(() => {
    for (const item of items) {
      if (item.phase === 'ready' || item.phase === 'failed') dismiss(item.id);
    }
  }, [items, dismiss]);

  return { items, addFiles, dismiss, clearFinished };
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
