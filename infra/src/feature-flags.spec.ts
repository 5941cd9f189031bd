import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';

import { FEATURE_FLAGS } from './feature-flags';

describe('FEATURE_FLAGS', () => {
  it('decides every flag the installed aws-cdk-lib recommends', () => {
    const undecided = Object.keys(CURRENTLY_RECOMMENDED_FLAGS).filter(
      (flag) => !(flag in FEATURE_FLAGS),
    );

    // A new flag can change logical ids or defaults of deployed resources: read its
    // documentation, then add it to feature-flags.ts with the value you chose.
    expect(undecided).toEqual([]);
  });
});
