/**
 * A leader review is found by Temporal's visibility on the dev server, where search attributes
 * are real: by the raw query, by `list` under each of its filters (the CLI, the API and the
 * console's lists), by `status`'s count, and on "my open deadlines" (/me) of the committee
 * secretary who owes it. The review is told from a report by its obligation key `<report>.review`
 * and its status's role. Before v0.15 a review started without search attributes and none of
 * these found it (workflows/deadline.ts startReview, REVIEW_SEARCH_ATTRIBUTES).
 */
import type { WorkflowExecutionInfo } from '@temporalio/client';
import {
  CampaignIdKey,
  CommitteeIdKey,
  CycleKeyKey,
  DeadlineStateKey,
  ObligationKeyKey,
  UnitIdKey,
} from '../../domain/engine/search-attributes';
import { principalFor } from '../../web/access';
import { openDeadlinesFor } from '../../web/routes/sign-in';
import { verifyLink } from '../../web/links';
import { eventually, startWebHarness, type WebHarness } from '../helpers/web';

const REVIEW_ID = 'mini/quarterly-report.review/2010-Q3/b-mech-t1';

let h: WebHarness;
beforeAll(async () => {
  h = await startWebHarness();
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

describe("a leader review in Temporal's visibility", () => {
  it('is found with its own attributes by every list of deadlines, and told from the reports', async () => {
    // b-mech-t1 reports on time (the Q3 reports are open, due 25 September): its review, owed
    // by its committee c-mech, starts at once.
    await eventually('the Q3 report of b-mech-t1 open', async () => {
      const rows = await h.campaigns.list('mini', { unit: 'b-mech-t1', obligation: 'quarterly-report' });
      return rows.length === 1 ? rows : undefined;
    });
    await h.campaigns.submit('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1', {
      by: 'zhang.wei@example.org',
      text: '第三季度工作汇报',
    });

    // The raw query, as Temporal's UI or `temporal workflow list` asks it.
    const query = `CampaignId = 'mini' AND ObligationKey = 'quarterly-report.review' AND ExecutionStatus = 'Running'`;
    const found = await eventually('the review in visibility', async () => {
      const out: WorkflowExecutionInfo[] = [];
      for await (const w of h.campaigns.client.workflow.list({ query })) out.push(w);
      return out.length > 0 ? out : undefined;
    });
    expect(found.map((w) => w.workflowId)).toEqual([REVIEW_ID]);
    const attrs = found[0]!.typedSearchAttributes;
    expect({
      campaign: attrs.get(CampaignIdKey),
      unit: attrs.get(UnitIdKey),
      committee: attrs.get(CommitteeIdKey),
      obligation: attrs.get(ObligationKeyKey),
      cycle: attrs.get(CycleKeyKey),
      state: attrs.get(DeadlineStateKey),
    }).toEqual({
      campaign: 'mini',
      unit: 'c-mech',
      committee: 'c-mech',
      obligation: 'quarterly-report.review',
      cycle: '2010-Q3',
      state: 'green',
    });

    // `list` (the CLI's, the API's and the console's): found under each filter that names it …
    const ids = async (filter: Parameters<WebHarness['campaigns']['list']>[1]) =>
      (await h.campaigns.list('mini', filter)).map((s) => s.deadlineId);
    const review = (await h.campaigns.list('mini', { obligation: 'quarterly-report.review' }))[0];
    expect(review).toMatchObject({ deadlineId: REVIEW_ID, role: 'review', unitId: 'c-mech' });
    expect(await ids({ unit: 'c-mech' })).toEqual([REVIEW_ID]);
    expect(await ids({ committee: 'c-mech' })).toContain(REVIEW_ID);
    expect(await ids({ cycle: '2010-Q3' })).toContain(REVIEW_ID);
    expect(await ids({})).toContain(REVIEW_ID);
    // … and never among the reports of its obligation, or under another committee or unit.
    expect(await ids({ obligation: 'quarterly-report' })).not.toContain(REVIEW_ID);
    expect(await ids({ committee: 'c-info' })).not.toContain(REVIEW_ID);
    expect(await ids({ unit: 'b-mech-t1' })).not.toContain(REVIEW_ID);
    const roles = new Map((await h.campaigns.list('mini')).map((s) => [s.deadlineId, s.role]));
    expect([...roles].filter(([id, role]) => (role === 'review') !== id.includes('.review/'))).toEqual([]);

    // `status`: the review is among the open deadlines counted by colour, and counted apart.
    expect(await h.campaigns.openReviewCount('mini')).toBe(1);
    const counts = await h.campaigns.deadlineCounts('mini');
    const open = (await h.campaigns.list('mini')).filter((s) => s.state !== 'closed');
    expect(counts.green + counts.blue + counts.yellow + counts.red).toBe(open.length);

    // /me of 李书记, c-mech's secretary: the review, with a link to review b-mech-t1's report.
    const li = principalFor(h.deps.org.current, 'li.mech@example.org')!;
    const mine = (await openDeadlinesFor(h.deps, li)).filter((d) => d.status.role === 'review');
    expect(mine.map((d) => d.status.deadlineId)).toEqual([REVIEW_ID]);
    expect(verifyLink(h.config.LINK_SECRET, mine[0]!.token)).toMatchObject({
      campaignId: 'mini',
      obligationKey: 'quarterly-report',
      cycleKey: '2010-Q3',
      unitId: 'b-mech-t1',
      purpose: 'review',
    });
    // …and not on the /me of the branch whose report it reviews.
    const zhang = principalFor(h.deps.org.current, 'zhang.wei@example.org')!;
    expect((await openDeadlinesFor(h.deps, zhang)).filter((d) => d.status.role === 'review')).toEqual([]);
  }, 120_000);
});
