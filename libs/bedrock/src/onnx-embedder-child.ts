/**
 * Runs the ONNX embedder in its own Node process (`node --import tsx`) and prints JSON: jest's
 * sandbox gives native addons typed arrays from another realm, which onnxruntime rejects, so
 * `onnx-embedder.spec.ts` drives the real runtime through this script. Not exported by the lib.
 *
 * Usage: onnx-embedder-child.ts <modelDir> <text>...
 */
import { createOnnxEmbedder } from './onnx-embedder';

async function main(): Promise<void> {
  const [modelDir, ...texts] = process.argv.slice(2);
  if (modelDir === undefined) throw new Error('usage: onnx-embedder-child.ts <modelDir> <text>...');
  const embedder = createOnnxEmbedder({ modelDir });
  try {
    const vectors = await embedder.embed(texts, { purpose: 'document' });
    process.stdout.write(
      JSON.stringify({ dimensions: embedder.dimensions, modelId: embedder.modelId, vectors }),
    );
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : '';
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : '';
    process.stdout.write(JSON.stringify({ error: { code, message: String(error), cause } }));
  }
}

void main();
