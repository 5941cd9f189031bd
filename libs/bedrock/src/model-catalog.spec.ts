import { costOf, findModel, getModel, MODEL_CATALOG } from './model-catalog';

describe('model catalog', () => {
  it('finds entries by our id and by Bedrock id', () => {
    expect(getModel('nova-pro').bedrockModelId).toBe('us.amazon.nova-pro-v1:0');
    expect(findModel('us.amazon.nova-pro-v1:0')?.id).toBe('nova-pro');
    expect(findModel('nope')).toBeUndefined();
  });

  it('rejects unknown ids with MODEL_NOT_IN_CATALOG', () => {
    expect(() => getModel('gpt-imaginary')).toThrow(
      expect.objectContaining({ code: 'MODEL_NOT_IN_CATALOG', status: 400 }),
    );
    expect(() => costOf('gpt-imaginary', { inputTokens: 1, outputTokens: 1 })).toThrow(
      expect.objectContaining({ code: 'MODEL_NOT_IN_CATALOG' }),
    );
  });

  it('converts usage to dollars at list price', () => {
    // Sonnet: $0.003 / 1k in, $0.015 / 1k out
    expect(costOf('claude-sonnet-4-5', { inputTokens: 10_000, outputTokens: 2_000 })).toBe(0.06);
    // Haiku 4.5: $0.001 / 1k in, $0.005 / 1k out
    expect(costOf('claude-haiku-4-5', { inputTokens: 2_000, outputTokens: 500 })).toBe(0.0045);
    // Nova Micro: $0.000035 / 1k in, $0.00014 / 1k out
    expect(costOf('nova-micro', { inputTokens: 1_000_000, outputTokens: 1_000_000 })).toBe(0.175);
    // Embeddings bill input only
    expect(costOf('titan-embed-text-v2', { inputTokens: 1_000_000, outputTokens: 0 })).toBe(0.02);
    expect(costOf('nova-lite', { inputTokens: 0, outputTokens: 0 })).toBe(0);
  });

  it('has unique ids and sane limits', () => {
    const ids = MODEL_CATALOG.flatMap((entry) => [entry.id, entry.bedrockModelId]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const entry of MODEL_CATALOG) {
      expect(entry.contextWindow).toBeGreaterThan(0);
      expect(entry.inputPricePer1k).toBeGreaterThan(0);
      if (entry.kind === 'chat') expect(entry.maxOutputTokens).toBeGreaterThan(0);
    }
  });
});
