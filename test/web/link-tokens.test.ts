/**
 * Signed link tokens: a genuine token verifies to exactly its target; changing any one byte of
 * it, to any other byte, never verifies (property test over random targets and flips).
 */
import fc from 'fast-check';
import { signLink, verifyLink, type LinkTarget } from '../../web/links';

const SECRET = 'property-test-link-secret-0123456789abcdef';
const key = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,30}$/);
const target: fc.Arbitrary<LinkTarget> = fc.record({
  campaignId: key,
  obligationKey: key,
  cycleKey: key,
  unitId: key,
  purpose: fc.constantFrom('submit' as const, 'review' as const),
});

describe('signed link tokens', () => {
  it('verify to their own target', () => {
    fc.assert(fc.property(target, (t) => expect(verifyLink(SECRET, signLink(SECRET, t))).toEqual(t)));
  });

  it('never verify with any byte changed', () => {
    fc.assert(
      fc.property(target, fc.nat(), fc.integer({ min: 1, max: 255 }), (t, at, delta) => {
        const token = Buffer.from(signLink(SECRET, t), 'latin1');
        const i = at % token.length;
        token[i] = (token[i]! + delta) % 256;
        expect(verifyLink(SECRET, token.toString('latin1'))).toBeUndefined();
      }),
      { numRuns: 5000 },
    );
  });

  it('do not verify under another secret, truncated, or extended', () => {
    fc.assert(
      fc.property(target, (t) => {
        const token = signLink(SECRET, t);
        expect(verifyLink(`${SECRET}x`, token)).toBeUndefined();
        expect(verifyLink(SECRET, token.slice(0, -1))).toBeUndefined();
        expect(verifyLink(SECRET, `${token}A`)).toBeUndefined();
      }),
    );
  });
});
