// pdfjs-dist ships no types for its worker module; the loader only passes it through to pdfjs.
declare module 'pdfjs-dist/legacy/build/pdf.worker.mjs' {
  export const WorkerMessageHandler: unknown;
}
