// A Lambda entry for template tests that skip bundling: NodejsFunction insists its entry exists
// even when nothing is bundled. The apps' real entries are bundled by app.spec.ts and `synth`.
export const handler = (): Promise<void> => Promise.resolve();
