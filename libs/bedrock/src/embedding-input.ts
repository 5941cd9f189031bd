import { ValidationError } from '@lgm/core';

/**
 * Checks a batch before any request: an empty text or one over the model's limit fails the whole
 * batch up front with the index of the offending text, rather than half-way through the calls.
 */
export function assertEmbeddableTexts(
  texts: readonly string[],
  limits: { readonly modelName: string; readonly maxCharacters: number },
): void {
  texts.forEach((text, index) => {
    if (typeof text !== 'string' || text.trim() === '') {
      throw new ValidationError(`Text ${index} is empty; ${limits.modelName} cannot embed it.`, {
        code: 'EMBEDDING_INPUT_EMPTY',
        details: { index },
      });
    }
    if (text.length > limits.maxCharacters) {
      throw new ValidationError(
        `Text ${index} has ${text.length} characters; ${limits.modelName} takes at most ${limits.maxCharacters}.`,
        { code: 'EMBEDDING_INPUT_TOO_LONG', details: { index, length: text.length } },
      );
    }
  });
}
