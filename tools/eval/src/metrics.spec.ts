import { mean, ndcgAt, recallAt } from './metrics';

const judged = new Map([
  ['a', 2],
  ['b', 1],
  ['c', 1],
  ['z', 0],
]);

describe('recallAt', () => {
  it('counts relevant documents in the first k, ignoring grade-0 judgements', () => {
    // Arrange
    const ranked = ['z', 'a', 'x', 'b', 'c'];

    // Act / Assert: relevant = {a, b, c}.
    expect(recallAt(ranked, judged, 1)).toBe(0);
    expect(recallAt(ranked, judged, 2)).toBeCloseTo(1 / 3, 12);
    expect(recallAt(ranked, judged, 4)).toBeCloseTo(2 / 3, 12);
    expect(recallAt(ranked, judged, 10)).toBe(1);
  });

  it('counts a repeated document once and skips queries with nothing relevant', () => {
    expect(recallAt(['a', 'a'], judged, 2)).toBeCloseTo(1 / 3, 12);
    expect(recallAt(['a'], new Map([['a', 0]]), 10)).toBeUndefined();
  });
});

describe('ndcgAt', () => {
  it('is 1 for the ideal order', () => {
    expect(ndcgAt(['a', 'b', 'c'], judged, 10)).toBeCloseTo(1, 12);
  });

  it('discounts graded gains by log2(rank + 1)', () => {
    // DCG of [z, b, a] = 0/1 + 1/log2(3) + 2/log2(4) = 0.630930 + 1 = 1.630930
    // IDCG of [2, 1, 1] = 2/1 + 1/log2(3) + 1/log2(4) = 2 + 0.630930 + 0.5 = 3.130930
    expect(ndcgAt(['z', 'b', 'a'], judged, 10)).toBeCloseTo(1.63093 / 3.13093, 5);
    expect(ndcgAt(['z', 'b', 'a'], judged, 10)).toBeCloseTo(0.520909, 6);
  });

  it('cuts both the ranking and the ideal at k', () => {
    // k = 1: DCG = 1 (b), IDCG = 2 (a).
    expect(ndcgAt(['b', 'a'], judged, 1)).toBe(0.5);
    // A repeat takes no slot: [a, a, b] at k = 2 is [a, b], the ideal.
    expect(ndcgAt(['a', 'a', 'b'], judged, 2)).toBeCloseTo(1, 12);
  });

  it('is undefined without relevant documents and 0 when none is found', () => {
    expect(ndcgAt(['a'], new Map(), 10)).toBeUndefined();
    expect(ndcgAt(['x', 'y'], judged, 10)).toBe(0);
  });
});

describe('mean', () => {
  it('averages defined values only', () => {
    expect(mean([1, undefined, 0])).toBe(0.5);
    expect(mean([undefined])).toBeNaN();
  });
});
