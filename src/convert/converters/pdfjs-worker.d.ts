// pdfjs-dist ships no types for its worker module; we only use its WorkerMessageHandler export.
declare module 'pdfjs-dist/legacy/build/pdf.worker.mjs' {
  export const WorkerMessageHandler: unknown;
}
