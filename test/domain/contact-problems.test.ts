/**
 * What of a campaign's contacts the mail cannot use (domain/contact-problems.ts), on the mini
 * organisation: the branch without an address, told through its committee; the addresses the
 * mail server refused that the roster still names, counted, the latest reason kept; a refusal
 * that a later delivery or a mended roster has answered is no longer a problem.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseOrg } from '../../domain/org-loader';
import { contactProblems, problemsWithin, unitsReaching } from '../../domain/contact-problems';

const text = readFileSync(path.join(__dirname, '..', 'fixtures', 'mini-org.yaml'), 'utf8');
const org = parseOrg(text, 'mini-org.yaml');
const units = org.order;

describe('the contacts the mail cannot use', () => {
  it('knows whose messages can carry each address: its holder and the units below; the office’s, anyone’s', () => {
    const reach = unitsReaching(org);
    expect(reach.get('liu.yang@example.org')).toEqual(['b-mech-t1']);
    expect([...(reach.get('li.mech@example.org') ?? [])].sort()).toEqual(['b-mech-s1', 'b-mech-t1', 'c-mech']);
    expect(reach.has('office@example.org')).toBe(true);
    expect(reach.get('office@example.org')).toBeUndefined();
    expect(reach.has('stranger@example.org')).toBe(false);
  });

  it('names the unit without an address and who is told in its stead', () => {
    expect(contactProblems(org, units, [], []).noAddress).toEqual([
      {
        unitId: 'b-info-s1',
        unitName: '信息学院研究生党支部',
        toldInstead: { unitId: 'c-info', unitName: '信息学院党总支' },
      },
    ]);
    // Only the campaign's units count.
    expect(contactProblems(org, ['b-mech-t1'], [], []).noAddress).toEqual([]);
  });

  it('counts each refused address the roster names, with its holders and the latest reason', () => {
    const problems = contactProblems(
      org,
      units,
      [
        { at: '2010-09-20T01:00:00.000Z', recipients: ['yang.fan@example.org'], error: '550 no such user' },
        { at: '2010-09-22T01:00:00.000Z', recipients: ['Yang.Fan@example.org'], error: '552 mailbox full' },
        { at: '2010-09-21T01:00:00.000Z', recipients: ['chen.jing@example.org'], error: '550' },
        { at: '2010-09-21T01:00:00.000Z', recipients: ['stranger@example.net'], error: '550' },
        { at: '2010-09-19T01:00:00.000Z', recipients: ['office@example.org'], error: '550' },
      ],
      // chen.jing's mail went through after her refusal; yang.fan's only before his.
      [
        { at: '2010-09-23T01:00:00.000Z', recipients: ['chen.jing@example.org', 'li.mech@example.org'] },
        { at: '2010-09-19T01:00:00.000Z', recipients: ['yang.fan@example.org'] },
      ],
    );
    expect(problems.refused).toEqual([
      {
        email: 'yang.fan@example.org',
        times: 2,
        lastAt: '2010-09-22T01:00:00.000Z',
        error: '552 mailbox full',
        holders: [{ unitId: 'b-info-t1', unitName: '信息学院教工党支部', post: 'secretary', person: '杨帆' }],
      },
      {
        email: 'office@example.org',
        times: 1,
        lastAt: '2010-09-19T01:00:00.000Z',
        error: '550',
        holders: [
          {
            unitId: 'office',
            unitName: '校党委组织部（创先争优活动领导小组办公室）',
            post: 'secretary',
            person: '王主任',
          },
        ],
      },
    ]);
  });

  it('drops a refused address once the roster no longer names it', () => {
    const mended = parseOrg(
      text.replace(
        'secretary: { name: 杨帆, email: yang.fan@example.org }',
        'secretary: { name: 杨帆, email: yf@example.org }',
      ),
      'mended.yaml',
    );
    const failures = [{ at: '2010-09-20T01:00:00.000Z', recipients: ['yang.fan@example.org'], error: '550' }];
    expect(contactProblems(org, units, failures, []).refused).toHaveLength(1);
    expect(contactProblems(mended, units, failures, []).refused).toEqual([]);
  });

  it('names a liaison’s address as the liaison’s, and the office’s own mailbox as the unit’s', () => {
    const ownMailbox = parseOrg(
      text.replace(
        'secretary: { name: 王主任, email: office@example.org }',
        'secretary: { name: 王主任, email: wang@example.org }',
      ),
      'mailbox.yaml',
    );
    const refused = contactProblems(
      ownMailbox,
      units,
      [{ at: '2010-09-20T01:00:00.000Z', recipients: ['liu.yang@example.org', 'office@example.org'] }],
      [],
    ).refused;
    expect(refused.map((r) => [r.email, r.holders.map((h) => `${h.unitId}:${h.post}`)])).toEqual([
      ['liu.yang@example.org', ['b-mech-t1:liaison']],
      ['office@example.org', ['office:unit']],
    ]);
  });
});

describe('the contact problems a person may see', () => {
  it('keeps the units of her scope, and of each refused address only its holders there', () => {
    const shared = parseOrg(
      text.replace(
        'secretary: { name: 杨帆, email: yang.fan@example.org }',
        'secretary: { name: 杨帆, email: zhang.wei@example.org }',
      ),
      'shared.yaml',
    );
    const problems = contactProblems(
      shared,
      units,
      [{ at: '2010-09-20T01:00:00.000Z', recipients: ['zhang.wei@example.org'], error: '550' }],
      [],
    );
    expect(problems.refused[0]?.holders.map((x) => x.unitId)).toEqual(['b-mech-t1', 'b-info-t1']);
    const mech = new Set(['c-mech', 'b-mech-t1', 'b-mech-s1']);
    expect(problemsWithin(problems, (u) => mech.has(u))).toEqual({
      noAddress: [],
      refused: [{ ...problems.refused[0], holders: [problems.refused[0]!.holders[0]] }],
      deferred: [],
    });
    expect(problemsWithin(problems, (u) => u === 'b-info-s1')).toEqual({
      noAddress: problems.noAddress,
      refused: [],
      deferred: [],
    });
    expect(problemsWithin(problems, () => true)).toEqual(problems);
  });

  it('warns of the addresses deferred now, each once, from its first message, with the latest answer', () => {
    const problems = contactProblems(
      org,
      units,
      [],
      [],
      [
        {
          at: '2010-09-22T01:00:00.000Z',
          email: 'Chen.Jing@example.org',
          messageKey: 'k2',
          error: '452 mailbox full',
          stalled: true,
        },
        { at: '2010-09-21T01:00:00.000Z', email: 'chen.jing@example.org', messageKey: 'k1', error: '451 try later' },
        { at: '2010-09-23T01:00:00.000Z', email: 'li.mech@example.org', messageKey: 'k3' },
        // An address the roster no longer names is not the office's to mend.
        { at: '2010-09-21T01:00:00.000Z', email: 'stranger@example.net', messageKey: 'k4', error: '451' },
      ],
    );
    expect(problems.refused).toEqual([]);
    expect(problems.deferred).toEqual([
      {
        email: 'chen.jing@example.org',
        holders: [{ unitId: 'b-mech-s1', unitName: '机械学院本科生第一党支部', post: 'secretary', person: '陈静' }],
        messages: 2,
        since: '2010-09-21T01:00:00.000Z',
        error: '452 mailbox full',
        // One of the two is no longer asked again (its redelivery stopped).
        stalled: 1,
      },
      {
        email: 'li.mech@example.org',
        holders: [{ unitId: 'c-mech', unitName: '机械工程学院党委', post: 'secretary', person: '李书记' }],
        messages: 1,
        since: '2010-09-23T01:00:00.000Z',
        stalled: 0,
      },
    ]);
    // A branch secretary sees her own address only.
    expect(problemsWithin(problems, (u) => u === 'b-mech-s1').deferred.map((d) => d.email)).toEqual([
      'chen.jing@example.org',
    ]);
  });
});
