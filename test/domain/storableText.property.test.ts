import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findUnstorableText, isStorableWithin, nestingDepthExceeds } from '../../src/domain/input/storableText';

// Text with the characters the checks look for (NUL, lone and paired surrogates) and the one reserved key.
const text = fc.oneof(
  fc.string(),
  fc.array(fc.constantFrom('a', '\u0000', '\ud800', '\udc00', '\ud83d\ude00', 'é'), { maxLength: 4 }).map((parts) => parts.join('')),
  fc.constant('__proto__'),
);
// Bodies as JSON.parse makes them (a "__proto__" key stays an own key there).
const body = fc
  .letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, text, fc.double(), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(text, tie('value'), { maxKeys: 3 })),
  }))
  .value.map((value) => JSON.parse(JSON.stringify(value)) as unknown);

describe('the one-pass check of a request body', () => {
  it('passes exactly the bodies that are within the depth and whose text is all storable', () => {
    fc.assert(
      fc.property(body, fc.integer({ min: 1, max: 4 }), (value, maxDepth) => {
        expect(isStorableWithin(value, maxDepth)).toBe(!nestingDepthExceeds(value, maxDepth) && findUnstorableText(value) === undefined);
      }),
      { numRuns: 5_000 },
    );
  });
});
