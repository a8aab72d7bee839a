/**
 * Generates a plausible university organisation: the office, committees of every kind and
 * branches of every kind (教工/学生/机关/教辅后勤) with secretaries, some liaisons and
 * example.org addresses. Deterministic: the same size gives the same organisation. The shipped
 * sample (plans/orgs/sample-university.*) is its 6-committee, 40-branch output; benchmarks use
 * it for 100, 1,000 and 5,000 branches.
 */
import type { OrgInput } from '../domain/org-schema';
import type { BranchKind } from '../domain/plan-schema';

const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '赵',
  '黄',
  '周',
  '吴',
  '徐',
  '孙',
  '胡',
  '朱',
  '高',
  '林',
  '何',
  '郭',
  '马',
  '罗',
];
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀英',
  '华',
  '慧',
];

interface CommitteeSpec {
  id: string;
  name: string;
  short: string;
  kind: '直属党委' | '党总支' | '直属党支部';
  /** The branch kinds this committee has, in the order its branches cycle through them. */
  kinds: BranchKind[];
}

const BASE_COMMITTEES: CommitteeSpec[] = [
  { id: 'c-mech', name: '机械工程学院党委', short: '机械学院', kind: '直属党委', kinds: ['教工', '学生', '学生'] },
  {
    id: 'c-info',
    name: '信息与电气工程学院党委',
    short: '信电学院',
    kind: '直属党委',
    kinds: ['教工', '学生', '学生'],
  },
  { id: 'c-med', name: '医学院党总支', short: '医学院', kind: '党总支', kinds: ['教工', '学生'] },
  { id: 'c-admin', name: '机关党委', short: '机关', kind: '直属党委', kinds: ['机关'] },
  { id: 'c-logi', name: '后勤与教辅党总支', short: '后勤教辅', kind: '党总支', kinds: ['教辅后勤'] },
  { id: 'c-marx', name: '马克思主义学院党总支', short: '马院', kind: '党总支', kinds: ['教工', '学生'] },
];

function committeesFor(count: number): CommitteeSpec[] {
  const out = BASE_COMMITTEES.slice(0, count);
  for (let i = out.length; i < count; i++) {
    out.push({
      id: `c-${String(i + 1).padStart(3, '0')}`,
      name: `第${i + 1}学院党委`,
      short: `第${i + 1}学院`,
      kind: '直属党委',
      kinds: ['教工', '学生', '学生'],
    });
  }
  return out;
}

const person = (n: number): string =>
  `${SURNAMES[n % SURNAMES.length]}${GIVEN[(n * 7 + Math.floor(n / SURNAMES.length)) % GIVEN.length]}`;

function branchName(c: CommitteeSpec, kind: BranchKind, ordinal: number): string {
  switch (kind) {
    case '教工':
      return `${c.short}教工第${ordinal}党支部`;
    case '学生':
      return ordinal % 2 === 0
        ? `${c.short}研究生第${ordinal / 2}党支部`
        : `${c.short}本科生第${(ordinal + 1) / 2}党支部`;
    case '机关':
      return (
        ['党政办公室党支部', '组织人事党支部', '教务处党支部', '科研处党支部', '财务处党支部', '学生工作党支部'][
          ordinal - 1
        ] ?? `机关第${ordinal}党支部`
      );
    case '教辅后勤':
      return (
        ['图书馆党支部', '后勤服务中心第一党支部', '后勤服务中心第二党支部', '现代教育技术中心党支部', '校医院党支部'][
          ordinal - 1
        ] ?? `教辅后勤第${ordinal}党支部`
      );
  }
}

export interface GenerateOptions {
  committees: number;
  branches: number;
  /** Members to list for the first branch (the rest keep theirs in the branch's own records). */
  members?: number;
}

export function generateOrg(opts: GenerateOptions): OrgInput {
  const committees = committeesFor(opts.committees);
  const counters = new Map<string, number>();
  const branches: NonNullable<OrgInput['branches']> = [];
  let n = 0;
  for (let i = 0; i < opts.branches; i++) {
    const c = committees[i % committees.length]!;
    const index = (counters.get(c.id) ?? 0) + 1;
    counters.set(c.id, index);
    const kind = c.kinds[(index - 1) % c.kinds.length]!;
    const kindKey = `${c.id}/${kind}`;
    const ordinal = (counters.get(kindKey) ?? 0) + 1;
    counters.set(kindKey, ordinal);
    const id = `b-${c.id.slice(2)}-${String(index).padStart(opts.branches > 999 ? 4 : 2, '0')}`;
    const secretary = person(n++);
    branches.push({
      id,
      name: branchName(c, kind, ordinal) + (opts.branches > 60 ? `（${index}）` : ''),
      kind,
      parent: c.id,
      secretary: { name: secretary, email: `${id}.secretary@example.org` },
      // Every third branch names a liaison who receives the mail.
      ...(index % 3 === 0 ? { liaison: { name: person(n++), email: `${id}.liaison@example.org` } } : {}),
    });
  }
  const first = branches[0];
  return {
    office: {
      id: 'office',
      name: '校党委组织部（创先争优活动领导小组办公室）',
      email: 'cxzy-office@example.org',
      secretary: { name: '组织部部长', email: 'cxzy-office@example.org' },
    },
    committees: committees.map((c, i) => ({
      id: c.id,
      name: c.name,
      kind: c.kind,
      secretary: { name: person(1000 + i * 7), email: `${c.id}.secretary@example.org` },
    })),
    branches,
    members: first
      ? Array.from({ length: opts.members ?? 0 }, (_, i) => ({
          id: `m-${first.id.slice(2)}-${i + 1}`,
          name: person(500 + i),
          branch: first.id,
          email: `${first.id}.m${i + 1}@example.org`,
        }))
      : [],
  };
}
