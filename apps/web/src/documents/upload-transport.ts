import type { PresignedUploadView } from '@lgm/contracts';

export interface UploadProgress {
  readonly loaded: number;
  readonly total: number;
}

/** Sends a file's bytes to its presigned URL. */
export type UploadTransport = (
  upload: PresignedUploadView,
  file: Blob,
  onProgress: (progress: UploadProgress) => void,
  signal?: AbortSignal,
) => Promise<void>;

/** Why an upload to storage failed. */
export class UploadError extends Error {
  override readonly name = 'UploadError';
  constructor(
    readonly code: 'UPLOAD_REJECTED' | 'UPLOAD_NETWORK' | 'UPLOAD_ABORTED',
    readonly status: number,
  ) {
    super(`${code} (${status})`);
  }
}

/**
 * The browser transport: XMLHttpRequest, because fetch reports no upload progress. The PUT goes
 * straight to storage (S3) with exactly the signed headers; the API never sees the bytes.
 */
export const xhrUploadTransport: UploadTransport = (upload, file, onProgress, signal) =>
  new Promise<void>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(upload.method, upload.url);
    for (const [name, value] of Object.entries(upload.headers)) {
      // The browser sets these itself and refuses them from scripts.
      if (!/^(content-length|host)$/i.test(name)) xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress({ loaded: event.loaded, total: event.total });
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress({ loaded: file.size, total: file.size });
        resolve();
      } else {
        reject(new UploadError('UPLOAD_REJECTED', xhr.status));
      }
    };
    xhr.onerror = () => reject(new UploadError('UPLOAD_NETWORK', 0));
    xhr.onabort = () => reject(new UploadError('UPLOAD_ABORTED', 0));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
