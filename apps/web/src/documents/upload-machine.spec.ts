import type { DocumentView } from '@lgm/contracts';

import { DOCUMENT_ID } from '../test-support/fake-socket';
import {
  contentTypeOf,
  phaseProgress,
  type UploadEvent,
  uploadReducer,
  type UploadState,
} from './upload-machine';

function documentView(overrides: Partial<DocumentView> = {}): DocumentView {
  return {
    id: DOCUMENT_ID,
    title: 'report.pdf',
    fileName: 'report.pdf',
    contentType: 'application/pdf',
    sizeBytes: 1000,
    status: 'pending',
    progress: 0,
    error: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const added: UploadEvent = {
  type: 'added',
  id: 'u1',
  fileName: 'report.pdf',
  sizeBytes: 1000,
  contentType: 'application/pdf',
};

function run(events: UploadEvent[], state: UploadState = []): UploadState {
  return events.reduce(uploadReducer, state);
}

describe('uploadReducer', () => {
  it('walks a file from queued to ready, with progress for the upload and then ingestion', () => {
    // Arrange
    const phases: string[] = [];
    const percents: number[] = [];
    const events: UploadEvent[] = [
      added,
      { type: 'requested', id: 'u1' },
      { type: 'created', id: 'u1', document: documentView() },
      { type: 'progress', id: 'u1', loaded: 250, total: 1000 },
      { type: 'progress', id: 'u1', loaded: 1000, total: 1000 },
      { type: 'uploaded', id: 'u1' },
      {
        type: 'document',
        id: 'u1',
        document: documentView({ status: 'processing', progress: 30 }),
      },
      { type: 'document', id: 'u1', document: documentView({ status: 'ready', progress: 100 }) },
    ];

    // Act
    let state: UploadState = [];
    for (const event of events) {
      state = uploadReducer(state, event);
      phases.push(state[0]?.phase ?? '');
      percents.push(state[0] ? phaseProgress(state[0]) : -1);
    }

    // Assert
    expect(phases).toEqual([
      'queued',
      'requesting',
      'uploading',
      'uploading',
      'uploading',
      'processing',
      'processing',
      'ready',
    ]);
    expect(percents).toEqual([0, 0, 0, 25, 100, 0, 30, 100]);
    expect(state[0]?.documentId).toBe(DOCUMENT_ID);
  });

  it('records an ingestion failure with its reason', () => {
    // Act
    const state = run([
      added,
      { type: 'requested', id: 'u1' },
      { type: 'created', id: 'u1', document: documentView() },
      { type: 'uploaded', id: 'u1' },
      {
        type: 'document',
        id: 'u1',
        document: documentView({
          status: 'failed',
          error: { code: 'PARSE_FAILED', message: 'The PDF is encrypted.' },
        }),
      },
    ]);

    // Assert
    expect(state[0]).toMatchObject({
      phase: 'failed',
      failedDuring: 'ingestion',
      error: { code: 'PARSE_FAILED', message: 'The PDF is encrypted.' },
    });
  });

  it.each([
    ['before the document exists', ['requested'], 'request'],
    ['while uploading', ['requested', 'created'], 'upload'],
  ] as const)('records a failure %s with its step', (_case, steps, failedDuring) => {
    // Arrange
    const before: UploadEvent[] = steps.map((step) =>
      step === 'created'
        ? { type: 'created', id: 'u1', document: documentView() }
        : { type: step, id: 'u1' },
    );

    // Act
    const state = run([added, ...before, { type: 'failed', id: 'u1', code: 'UPLOAD_NETWORK' }]);

    // Assert
    expect(state[0]).toMatchObject({
      phase: 'failed',
      failedDuring,
      error: { code: 'UPLOAD_NETWORK' },
    });
  });

  it.each([
    ['an unsupported type', { contentType: '' }, 'UNSUPPORTED_TYPE'],
    ['an empty file', { sizeBytes: 0 }, 'EMPTY_FILE'],
    ['a file over the limit', { sizeBytes: 2000, maxBytes: 1000 }, 'UPLOAD_TOO_LARGE'],
  ])('fails %s at once, without asking the API', (_case, overrides, code) => {
    // Act
    const state = run([{ ...added, ...overrides }]);

    // Assert
    expect(state[0]).toMatchObject({
      phase: 'failed',
      failedDuring: 'validation',
      error: { code },
    });
  });

  it('ignores events that do not fit the phase', () => {
    // Arrange
    const failed = run([
      added,
      { type: 'requested', id: 'u1' },
      { type: 'failed', id: 'u1', code: 'X' },
    ]);

    // Act
    const after = run(
      [
        { type: 'progress', id: 'u1', loaded: 5, total: 10 },
        { type: 'uploaded', id: 'u1' },
        { type: 'document', id: 'u1', document: documentView({ status: 'ready' }) },
      ],
      failed,
    );
    const early = run([
      added,
      { type: 'uploaded', id: 'u1' },
      { type: 'progress', id: 'u1', loaded: 1, total: 2 },
    ]);

    // Assert
    expect(after).toEqual(failed);
    expect(early[0]?.phase).toBe('queued');
  });

  it('never moves upload progress backwards', () => {
    // Act
    const state = run([
      added,
      { type: 'requested', id: 'u1' },
      { type: 'created', id: 'u1', document: documentView() },
      { type: 'progress', id: 'u1', loaded: 800, total: 1000 },
      { type: 'progress', id: 'u1', loaded: 100, total: 1000 },
    ]);

    // Assert
    expect(state[0]?.uploadProgress).toBe(0.8);
  });

  it('keeps several files apart and forgets a dismissed one', () => {
    // Act
    const state = run([
      added,
      { ...added, id: 'u2', fileName: 'notes.md', contentType: 'text/markdown' },
      { type: 'requested', id: 'u2' },
      { type: 'dismissed', id: 'u1' },
    ]);

    // Assert
    expect(state.map((item) => [item.id, item.phase])).toEqual([['u2', 'requesting']]);
  });
});

describe('contentTypeOf', () => {
  it.each([
    [{ name: 'a.pdf', type: 'application/pdf' }, 'application/pdf'],
    [{ name: 'notes.md', type: '' }, 'text/markdown'],
    [{ name: 'data.CSV', type: 'application/vnd.ms-excel' }, 'text/csv'],
    [{ name: 'page.html', type: 'text/html; charset=utf-8' }, 'text/html'],
    [{ name: 'photo.png', type: 'image/png' }, undefined],
  ])('%j → %s', (file, expected) => {
    expect(contentTypeOf(file)).toBe(expected);
  });
});
