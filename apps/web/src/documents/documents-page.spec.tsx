import type { PresignedUploadView } from '@lgm/contracts';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';

import { documentView, fakeBackend } from '../test-support/fake-backend';
import { renderApp } from '../test-support/render-app';
import type { UploadProgress } from './upload-transport';
import { UploadError } from './upload-transport';

interface SentUpload {
  readonly upload: PresignedUploadView;
  readonly file: Blob;
  readonly progress: (progress: UploadProgress) => void;
  readonly finish: () => void;
  readonly fail: (error: Error) => void;
}

/** A storage the test drives: each PUT waits until the test finishes or fails it. */
function controlledTransport() {
  const sent: SentUpload[] = [];
  const transport = (
    upload: PresignedUploadView,
    file: Blob,
    progress: (progress: UploadProgress) => void,
  ) =>
    new Promise<void>((resolve, reject) => {
      sent.push({ upload, file, progress, finish: resolve, fail: reject });
    });
  return { sent, transport };
}

function file(name: string, type: string, size = 1000): File {
  return new File([new Uint8Array(size)], name, { type });
}

function drop(files: File[]): void {
  fireEvent.drop(screen.getByTestId('drop-zone'), { dataTransfer: { files } });
}

async function openLibrary(backend = fakeBackend(), transport = controlledTransport()) {
  const view = renderApp({ path: '/documents', backend, transport: transport.transport });
  await screen.findByRole('heading', { name: 'Documents', level: 1 });
  return { ...view, backend, transport };
}

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
});

describe('DocumentsPage', () => {
  it('uploads dropped files straight to storage and follows ingestion until ready', async () => {
    // Arrange
    const backend = fakeBackend();
    backend.documentScripts.set('report.pdf', [
      { status: 'processing', progress: 40 },
      { status: 'ready', progress: 100 },
    ]);
    backend.documentScripts.set('notes.md', [
      {
        status: 'failed',
        error: { code: 'PARSE_FAILED', message: 'The file has no text.' },
      },
    ]);
    const { transport } = await openLibrary(backend);

    // Act: two files at once
    drop([file('report.pdf', 'application/pdf'), file('notes.md', '')]);
    await waitFor(() => expect(transport.sent).toHaveLength(2));
    const [pdf, notes] = transport.sent;
    act(() => pdf?.progress({ loaded: 500, total: 1000 }));
    const uploading = screen.getByRole('progressbar', { name: 'Uploading: report.pdf' });
    const uploadingValue = uploading.getAttribute('aria-valuenow');
    await act(async () => {
      pdf?.finish();
      notes?.finish();
    });
    await act(() => jest.advanceTimersByTimeAsync(1500));
    const indexing = screen.getByRole('progressbar', { name: 'Indexing: report.pdf' });
    const indexingValue = indexing.getAttribute('aria-valuenow');
    await act(() => jest.advanceTimersByTimeAsync(1500));

    // Assert
    expect(backend.callsTo('POST', '/documents').map((call) => call.body)).toEqual([
      { fileName: 'report.pdf', contentType: 'application/pdf', sizeBytes: 1000 },
      { fileName: 'notes.md', contentType: 'text/markdown', sizeBytes: 1000 },
    ]);
    expect(pdf?.upload.url).toMatch(/^https:\/\/s3\.lgm\.test\/documents\//);
    expect(pdf?.upload.headers).toEqual({ 'content-type': 'application/pdf' });
    expect(uploadingValue).toBe('50');
    expect(indexingValue).toBe('40');
    const uploads = screen.getByRole('list', { name: 'Uploads' });
    const rows = within(uploads).getAllByTestId('upload-row');
    expect(rows[0]?.textContent).toContain('Ready');
    expect(rows[1]?.textContent).toContain('The document could not be read: The file has no text.');
    const library = screen.getByRole('list', { name: 'Library' });
    expect(
      within(library)
        .getAllByTestId('document-row')
        .map((row) => row.dataset['status']),
    ).toEqual(['failed', 'ready']);
  });

  it('refuses an unsupported file at once and reports a failed upload', async () => {
    // Arrange
    const { backend, transport } = await openLibrary();

    // Act
    drop([file('photo.png', 'image/png'), file('a.txt', 'text/plain')]);
    await waitFor(() => expect(transport.sent).toHaveLength(1));
    await act(async () => transport.sent[0]?.fail(new UploadError('UPLOAD_NETWORK', 0)));

    // Assert
    const rows = within(screen.getByRole('list', { name: 'Uploads' })).getAllByTestId('upload-row');
    expect(rows[0]?.textContent).toContain('This file type is not supported.');
    expect(rows[1]?.textContent).toContain('The upload was interrupted.');
    expect(backend.callsTo('POST', '/documents')).toHaveLength(1);

    // Act: clear the finished ones
    fireEvent.click(screen.getByRole('button', { name: 'Clear finished' }));

    // Assert
    expect(screen.queryByRole('list', { name: 'Uploads' })).toBeNull();
  });

  it('lists documents with status, deletes after confirmation and reindexes', async () => {
    // Arrange
    const backend = fakeBackend();
    backend.documents.push(
      documentView({ title: 'Budget 2026', fileName: 'budget.pdf' }),
      documentView({
        title: '회의록',
        fileName: 'minutes.docx',
        status: 'failed',
        error: { code: 'PARSE_FAILED', message: 'Encrypted.' },
      }),
    );
    await openLibrary(backend);
    const library = await screen.findByRole('list', { name: 'Library' });

    // Act: reindex the failed one
    fireEvent.click(within(library).getByRole('button', { name: 'Reindex 회의록' }));
    await screen.findByText('Reindexing “회의록”.');

    // Act: delete the first, cancelling once
    fireEvent.click(within(library).getByRole('button', { name: 'Delete Budget 2026' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete this document?' });
    const focused = document.activeElement?.textContent;
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    fireEvent.click(within(library).getByRole('button', { name: 'Delete Budget 2026' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete' }));

    // Assert
    expect(focused).toBe('Cancel');
    await waitFor(() => expect(screen.queryByText('Budget 2026')).toBeNull());
    expect(backend.callsTo('POST', `/documents/${backend.documents[0]?.id}/reindex`)).toHaveLength(
      1,
    );
    expect(backend.calls.filter((call) => call.method === 'DELETE')).toHaveLength(1);
    expect(within(library).getByTestId('document-row').dataset['status']).toBe('pending');
  });

  it('shows an empty library, and an error with a retry when the list fails', async () => {
    // Arrange
    const backend = fakeBackend();
    let fail = true;
    backend.on('GET /documents', () =>
      fail
        ? { status: 503, json: { error: { code: 'UNAVAILABLE', message: 'Down.' } } }
        : { status: 200, json: { items: [] } },
    );
    await openLibrary(backend);

    // Act
    const alert = await screen.findByRole('alert');
    fail = false;
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));

    // Assert
    expect(alert.textContent).toContain('The library could not be loaded.');
    expect(await screen.findByRole('heading', { name: 'Your library is empty' })).toBeTruthy();
  });

  it('highlights the document a citation points at', async () => {
    // Arrange
    const backend = fakeBackend();
    const cited = documentView({ title: 'Cited' });
    backend.documents.push(documentView({ title: 'Other' }), cited);

    // Act
    renderApp({ path: `/documents?document=${cited.id}`, backend });

    // Assert
    const row = (await screen.findByText('Cited')).closest('li');
    expect(row?.className).toContain('document-row-focused');
  });
});
