import { type JSX, useEffect, useState } from 'react';

import { useServices } from '../app/services';
import { useI18n } from '../i18n/i18n';
import { formatBytes } from '../ui/format';
import { DownloadIcon, FileIcon } from '../ui/icons';
import { useErrorMessage } from '../ui/states';
import { useToast } from '../ui/toast';
import type { ArtifactRef } from './tool-output';

/** Files a tool produced: images shown inline, everything else as a download. */
export function ArtifactFiles({ files }: { files: readonly ArtifactRef[] }): JSX.Element | null {
  const { t } = useI18n();
  if (files.length === 0) return null;
  return (
    <div className="artifacts">
      <h3 className="artifacts-title">{t('tools.files')}</h3>
      <ul className="artifact-list">
        {files.map((file) =>
          file.contentType?.startsWith('image/') && file.contentType !== 'image/svg+xml' ? (
            <ArtifactImage key={file.artifactId} file={file} />
          ) : (
            <ArtifactDownload key={file.artifactId} file={file} />
          ),
        )}
      </ul>
    </div>
  );
}

/**
 * An image artifact, shown from its presigned URL. SVG is offered as a download instead:
 * opened as a document it could run script.
 */
function ArtifactImage({ file }: { file: ArtifactRef }): JSX.Element {
  const { api } = useServices();
  const { t } = useI18n();
  const [url, setUrl] = useState<string>();
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const controller = new AbortController();
    api.artifactDownload(file.artifactId, controller.signal).then(
      (download) => setUrl(download.url),
      () => !controller.signal.aborted && setFailed(true),
    );
    return () => controller.abort();
  }, [api, file.artifactId]);
  if (failed) return <ArtifactDownload file={file} />;
  return (
    <li className="artifact-image">
      {url ? (
        <img src={url} alt={file.name} loading="lazy" />
      ) : (
        <div
          className="artifact-image-placeholder"
          role="status"
          aria-label={t('tools.loadingImage')}
        />
      )}
      <ArtifactDownload file={file} compact />
    </li>
  );
}

function ArtifactDownload({
  file,
  compact = false,
}: {
  file: ArtifactRef;
  compact?: boolean;
}): JSX.Element {
  const { api } = useServices();
  const { t, locale } = useI18n();
  const toast = useToast();
  const describe = useErrorMessage();
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    try {
      const { url } = await api.artifactDownload(file.artifactId);
      // The presigned URL answers with Content-Disposition: attachment.
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.rel = 'noopener';
      anchor.download = file.name;
      anchor.click();
    } catch (error) {
      toast.show('error', `${t('tools.downloadFailed')} ${describe(error)}`);
    } finally {
      setBusy(false);
    }
  };
  const button = (
    <button
      type="button"
      className={compact ? 'artifact-download artifact-download-compact' : 'artifact-download'}
      onClick={() => void download()}
      disabled={busy}
      aria-label={t('tools.download', { name: file.name })}
    >
      {!compact && <FileIcon />}
      <span className="artifact-name">{file.name}</span>
      {file.sizeBytes !== undefined && (
        <span className="artifact-size">{formatBytes(file.sizeBytes, locale)}</span>
      )}
      <DownloadIcon size={16} />
    </button>
  );
  return compact ? button : <li>{button}</li>;
}
