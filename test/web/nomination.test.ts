/**
 * Nominating advanced branches through the link form and the API (fastify.inject, dev server):
 * plan 003 rehearsed from Friday 1 June 2012, its 2012 commendation nominations open, last year's
 * university grades in the ledger (mech-1 A, mech-2 B). The form asks for the nominees; a B
 * nominee is refused with the Chinese-first message and nothing is recorded (the same deadline then
 * takes the A nominee's report); a unit that is not a branch is refused naming the field.
 */
import path from 'node:path';
import { loadPlanFile } from '../../plans/load';
import { DEFAULT_GRADING_POLICY } from '../../domain/grading';
import { signLink } from '../../web/links';
import { eventually, openLink, postLink, startWebHarness, TEST_API_TOKEN, type WebHarness } from '../helpers/web';

const ROOT = path.resolve(__dirname, '..', '..');
const C = 'changchun-2010';
const OB = 'nominations-2012';
const office = { authorization: `Bearer ${TEST_API_TOKEN}` };
const REFUSED_B = '不能推荐党支部 mech-2 为先进党支部：其最近一次学校定级（2011年）为 B';

describe('nominating advanced branches in the web console and the API', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness({
      plan: await loadPlanFile(path.join(ROOT, 'plans', '003-changchun.yaml')),
      org: path.join(ROOT, 'test', 'fixtures', 'grading-org.yaml'),
      from: '2012-06-01T09:00',
    });
    await eventually('units in the ledger', async () => ((await h.ledger.units(C)).length > 0 ? true : undefined));
    await h.ledger.grades().importPast({
      campaignId: C,
      year: 2011,
      step: 'final',
      by: 'office@example.org',
      at: '2012-01-10T02:00:00.000Z',
      sourceName: '2011.csv',
      policy: DEFAULT_GRADING_POLICY,
      entries: [
        { unitId: 'mech-1', grade: 'A', row: 2 },
        { unitId: 'mech-2', grade: 'B', row: 3 },
      ],
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('the link form asks for the nominees, refuses a B branch and takes an A one', async () => {
    const token = signLink(h.config.LINK_SECRET, {
      campaignId: C,
      obligationKey: OB,
      cycleKey: 'once',
      unitId: 'mech-3',
      purpose: 'submit',
    });
    const page = await eventually('the nomination form', async () => {
      const { res } = await openLink(h, token);
      return res.body.includes('name="nominees"') ? res : undefined;
    });
    expect(page.statusCode).toBe(200);

    const refused = await postLink(h, token, { text: '推荐材料见附件', nominees: 'mech-1、mech-2' });
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain(REFUSED_B);

    const accepted = await postLink(h, token, { text: '推荐材料见附件', nominees: 'mech-1' });
    expect(accepted.statusCode).toBe(303);
    expect((await openLink(h, token)).res.body).toContain('推荐先进党支部：mech-1');
  });

  it('the API: nominees in the body, a B branch refused (409), a committee refused naming the field (400)', async () => {
    const submit = (nominees: string[]) =>
      h.app.inject({
        method: 'POST',
        url: `/api/v1/campaigns/${C}/deadlines/${OB}/once/mech-4/submit`,
        headers: office,
        payload: { text: '推荐材料见附件', nominees },
      });
    const b = await submit(['mech-2']);
    expect(b.statusCode).toBe(409);
    expect(b.json().detail).toContain(REFUSED_B);
    const committee = await submit(['c-mech']);
    expect(committee.statusCode).toBe(400);
    expect(committee.json().detail).toContain('nominees：c-mech 不是本次活动的党支部');
    const a = await submit(['mech-1']);
    expect(a.statusCode).toBe(200);
    expect(a.json()).toMatchObject({ unitId: 'mech-4', onTime: true });
  });
});
