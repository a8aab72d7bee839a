/**
 * What a re-imported roster would change (domain/roster-changes.ts), on the mini organisation:
 * the appointment, each post whose person or address changes (a secretary, a liaison added or
 * gone, the office's address), the branches only the roster has and the units it lacks; the same
 * roster changes nothing.
 */
import { readFileSync } from 'node:fs';
import { parseOrg } from '../../domain/org-loader';
import { rosterChanges } from '../../domain/roster-changes';

const text = readFileSync(`${__dirname}/../fixtures/mini-org.yaml`, 'utf8');
const before = parseOrg(text, 'mini-org.yaml');

describe('what a roster changes', () => {
  it('nothing, for the same roster', () => {
    expect(rosterChanges(before, parseOrg(text, 'again.yaml'))).toEqual({
      appointments: [],
      contacts: [],
      newBranches: [],
      missing: [],
    });
  });

  it('names each post changed, the appointment, the branch added and the unit gone', () => {
    const after = parseOrg(
      text
        // A new secretary of b-info-t1: an appointment and a contact change.
        .replace(
          'secretary: { name: 杨帆, email: yang.fan@example.org }',
          'secretary: { name: 钱进, email: qian.jin@example.org }',
        )
        // b-mech-t1's liaison leaves: the secretary is mailed from then on.
        .replace('    liaison: { name: 刘洋, email: liu.yang@example.org }\n', '')
        // b-info-s1's secretary, the same person, now with an address.
        .replace('secretary: { name: 黄磊 }', 'secretary: { name: 黄磊, email: huang.lei@example.org }')
        // The office's address.
        .replace('  email: office@example.org\n', '  email: zzb@example.org\n')
        // b-mech-s1 is gone from the roster; b-info-g1 is new.
        .replace(/ {2}- id: b-mech-s1\n( {4}.*\n)+?(?= {2}- id: b-info-t1)/, '')
        .concat(
          '  - id: b-info-g1\n    name: 信息学院研究生第二党支部\n    kind: 学生\n    parent: c-info\n    secretary: { name: 徐立 }\n',
        ),
      'roster.yaml',
    );
    const r = rosterChanges(before, after);
    expect(r.appointments).toEqual([
      { unitId: 'b-info-t1', unitName: '信息学院教工党支部', previous: '杨帆', secretary: '钱进' },
    ]);
    expect(r.contacts).toEqual([
      {
        unitId: 'office',
        unitName: before.units.office!.name,
        post: 'address',
        was: 'office@example.org',
        now: 'zzb@example.org',
      },
      {
        unitId: 'b-mech-t1',
        unitName: '机械学院教工第一党支部',
        post: 'liaison',
        was: '刘洋 <liu.yang@example.org>',
      },
      {
        unitId: 'b-info-t1',
        unitName: '信息学院教工党支部',
        post: 'secretary',
        was: '杨帆 <yang.fan@example.org>',
        now: '钱进 <qian.jin@example.org>',
      },
      {
        unitId: 'b-info-s1',
        unitName: '信息学院研究生党支部',
        post: 'secretary',
        was: '黄磊',
        now: '黄磊 <huang.lei@example.org>',
      },
    ]);
    expect(r.newBranches).toEqual(['b-info-g1']);
    expect(r.missing).toEqual(['b-mech-s1']);
  });
});
