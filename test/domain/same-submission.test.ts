/** A retried submission is the same person, text and files; the files in any order. */
import { sameSubmission } from '../../domain/engine/requests';

describe('sameSubmission', () => {
  const a = { by: '张伟', text: '方案', attachments: ['sha256:aa', 'sha256:bb'] };
  it('is the same person, text and files, in any order', () => {
    expect(sameSubmission(a, { ...a, attachments: ['sha256:bb', 'sha256:aa'] })).toBe(true);
    expect(sameSubmission({ by: 'x', text: 'y' }, { by: 'x', text: 'y', attachments: [] })).toBe(true);
  });
  it('is another submission when anything differs', () => {
    expect(sameSubmission(a, { ...a, by: '刘洋' })).toBe(false);
    expect(sameSubmission(a, { ...a, text: '方案 ' })).toBe(false);
    expect(sameSubmission(a, { ...a, attachments: ['sha256:aa'] })).toBe(false);
    expect(sameSubmission(a, { ...a, attachments: ['sha256:aa', 'sha256:cc'] })).toBe(false);
  });
});
