/**
 * A message's recipients as a re-imported organisation names them (domain/recipients.ts): each
 * recipient replaced by whoever holds the same role towards the message's unit now, as
 * recipientsFor would choose them; what the new organisation cannot say is left as it was.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseOrg } from '../../domain/org-loader';
import { currentRecipients, recipientsFor } from '../../domain/recipients';

const text = readFileSync(path.join(__dirname, '..', 'fixtures', 'mini-org.yaml'), 'utf8');
const before = parseOrg(text, 'mini-org.yaml');
const after = parseOrg(
  text
    // b-mech-t1: a new liaison; b-mech-s1: a new secretary; c-mech: a new secretary; the office a new address.
    .replace(
      'liaison: { name: 刘洋, email: liu.yang@example.org }',
      'liaison: { name: 孙丽, email: sun.li@example.org }',
    )
    .replace(
      'secretary: { name: 陈静, email: chen.jing@example.org }',
      'secretary: { name: 周敏, email: zhou.min@example.org }',
    )
    .replace(
      'secretary: { name: 李书记, email: li.mech@example.org }',
      'secretary: { name: 钱书记, email: qian.mech@example.org }',
    )
    .replace('  email: office@example.org\n', '  email: zzb@example.org\n'),
  'mini-org-2.yaml',
);
const emails = (r: { to: { email: string }[]; cc: { email: string }[] }) => ({
  to: r.to.map((x) => x.email),
  cc: r.cc.map((x) => x.email),
});

describe('recipients readdressed to a re-imported organisation', () => {
  it('gives every role of a report’s ladder, escalation included, to whoever holds it now', () => {
    for (const unitId of ['b-mech-t1', 'b-mech-s1', 'b-info-t1'])
      for (const audiences of [
        ['unit'],
        ['unit', 'parent'],
        ['parent', 'office'],
        ['unit', 'parent', 'office'],
      ] as const) {
        const was = recipientsFor(before, unitId, [...audiences]);
        // Exactly what the new organisation would have chosen for the same step.
        expect([unitId, audiences, emails(currentRecipients(after, unitId, was))]).toEqual([
          unitId,
          audiences,
          emails(recipientsFor(after, unitId, [...audiences])),
        ]);
      }
    expect(
      emails(currentRecipients(after, 'b-mech-t1', recipientsFor(before, 'b-mech-t1', ['unit', 'parent']))),
    ).toEqual({
      to: ['sun.li@example.org'],
      cc: ['qian.mech@example.org'],
    });
  });

  it('gives a review’s mail to the reviewer’s secretary now, the liaison in copy', () => {
    const was = recipientsFor(before, 'c-mech', ['unit'], 'review');
    expect(emails(currentRecipients(after, 'c-mech', was))).toEqual(
      emails(recipientsFor(after, 'c-mech', ['unit'], 'review')),
    );
    expect(emails(currentRecipients(after, 'c-mech', was)).to).toEqual(['qian.mech@example.org']);
  });

  it('keeps a recipient the new organisation has no address for, and every one of a unit it no longer has', () => {
    const was = recipientsFor(before, 'b-mech-s1', ['unit', 'parent']);
    const noAddress = parseOrg(
      text.replace('secretary: { name: 陈静, email: chen.jing@example.org }', 'secretary: { name: 周敏 }'),
      'no-address.yaml',
    );
    expect(emails(currentRecipients(noAddress, 'b-mech-s1', was))).toEqual({
      to: ['chen.jing@example.org'],
      cc: ['li.mech@example.org'],
    });
    const gone = parseOrg(text.replace(/ {2}- id: b-mech-s1\n( {4}.*\n){4}/, ''), 'gone.yaml');
    expect(gone.units['b-mech-s1']).toBeUndefined();
    expect(emails(currentRecipients(gone, 'b-mech-s1', was))).toEqual(emails(was));
  });

  it('names nobody twice when the new contacts fold two roles into one person', () => {
    // The liaison of b-mech-t1 becomes the committee's secretary herself.
    const folded = parseOrg(
      text.replace(
        'liaison: { name: 刘洋, email: liu.yang@example.org }',
        'liaison: { name: 李书记, email: li.mech@example.org }',
      ),
      'folded.yaml',
    );
    const was = recipientsFor(before, 'b-mech-t1', ['unit', 'parent']);
    expect(emails(currentRecipients(folded, 'b-mech-t1', was))).toEqual({ to: ['li.mech@example.org'], cc: [] });
  });

  describe('a unit that had no address when the message was built', () => {
    const withAddress = parseOrg(
      text.replace('secretary: { name: 黄磊 }', 'secretary: { name: 黄磊, email: huang.lei@example.org }'),
      'with-address.yaml',
    );
    // As buildMessage flags it (domain/engine/mail-message.ts).
    const built = (org: typeof before, unitId: string, audiences: ('unit' | 'parent' | 'office')[], kind: string) => {
      const r = recipientsFor(org, unitId, audiences, kind.startsWith('review-') ? 'review' : 'report');
      return { to: r.to, cc: r.cc, kind, ...(r.unreachable ? { unitUnreachable: true as const } : {}) };
    };

    it('goes to the unit once the organisation gives it one, whoever was told instead in copy', () => {
      for (const [audiences, cc] of [
        [['unit'], ['zhao.info@example.org']],
        [['unit', 'parent'], ['zhao.info@example.org']],
        [
          ['unit', 'parent', 'office'],
          ['zhao.info@example.org', 'office@example.org'],
        ],
      ] as const) {
        const was = built(before, 'b-info-s1', [...audiences], 'escalation');
        expect(was).toMatchObject({ unitUnreachable: true, to: [{ email: 'zhao.info@example.org' }] });
        const now = currentRecipients(withAddress, 'b-info-s1', was);
        expect([audiences, emails(now), now.reachedUnit]).toEqual([
          audiences,
          { to: ['huang.lei@example.org'], cc: [...cc] },
          true,
        ]);
      }
    });

    it('stays with those told instead while the unit still has none', () => {
      const was = built(before, 'b-info-s1', ['unit', 'parent'], 'reminder');
      const now = currentRecipients(after, 'b-info-s1', was);
      expect([emails(now), now.reachedUnit]).toEqual([{ to: ['zhao.info@example.org'], cc: [] }, false]);
    });

    it('gives a review to the reviewer’s secretary once the reviewer has an address', () => {
      // A committee's file must give its secretary an address; an organisation held from before
      // that rule, or cut down by hand, may not.
      const reviewerWithout = structuredClone(before);
      const committee = reviewerWithout.units['c-info']!;
      committee.secretary = { name: '赵书记' };
      delete committee.email;
      const was = built(reviewerWithout, 'c-info', ['unit'], 'review-reminder');
      expect(was).toMatchObject({ unitUnreachable: true, to: [{ email: 'office@example.org' }] });
      const now = currentRecipients(before, 'c-info', was);
      expect([emails(now), now.reachedUnit]).toEqual([
        { to: ['zhao.info@example.org'], cc: ['office@example.org'] },
        true,
      ]);
      expect(now.to[0]?.role).toBe('reviewer');
    });

    it('leaves a message built with the unit reachable as it was', () => {
      expect(
        currentRecipients(withAddress, 'b-info-t1', built(before, 'b-info-t1', ['unit'], 'reminder')).reachedUnit,
      ).toBe(false);
    });
  });
});
