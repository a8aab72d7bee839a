/**
 * Size limits: plan, organisation and behaviour files over their limit are refused before they
 * are read, and an organisation whose campaign input Temporal could not take is refused before
 * anything is sent, with a message that says so and what to do.
 */
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { Client, Connection } from '@temporalio/client';
import { loadOrgFile, loadPlanFile } from '../../plans/load';
import { loadBehaviourFile } from '../../rehearsal/behaviour-file';
import { parseOrg } from '../../domain/org-loader';
import { parsePlan } from '../../domain/plan-loader';
import { generateOrg } from '../../plans/generate-org';
import { checkCampaignInputSize, MAX_FILE_BYTES } from '../../domain/limits';
import { CampaignClient } from '../../client/campaigns';

const PLAN = path.resolve(__dirname, '..', 'fixtures', 'mini-plan.yaml');

describe('file size limits', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'size-limits-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each([
    ['plan', loadPlanFile, 'PLAN_INVALID', 'a plan file'],
    ['organisation', loadOrgFile, 'ORG_INVALID', 'an organisation file'],
    ['behaviour', loadBehaviourFile, 'BEHAVIOUR_INVALID', 'a behaviour file'],
  ] as const)('refuses a 50 MB %s file unread', async (kind, load, code, aFile) => {
    const file = path.join(dir, `huge-${kind}.yaml`);
    await writeFile(file, '');
    await truncate(file, 50_000_000); // sparse: nothing to read, only its size to know
    const err = (await load(file).catch((e: unknown) => e)) as Error & { code?: string };
    expect(err.code).toBe(code);
    expect(err.message).toContain(`${file} (root): the file is 50.0 MB; ${aFile} may be at most`);
    expect(err.message).toContain('refused unread');
  });

  it('refuses text over the limit in the pure parsers too (a file that grew, a web upload)', () => {
    const text = `id: x\n# ${'x'.repeat(MAX_FILE_BYTES.plan)}\n`;
    expect(() => parsePlan(text, 'upload.yaml')).toThrow(/the file is 1\.0 MB; a plan file may be at most 1\.0 MB/);
  });
});

describe('the campaign input limit', () => {
  const org = (branches: number) =>
    parseOrg(stringify(generateOrg({ committees: 40, branches })), `org-${branches}.yaml`);

  it('takes 6,000 branches, and refuses 8,000 saying why and what to do', async () => {
    const plan = await loadPlanFile(PLAN);
    expect(() => checkCampaignInputSize(plan, org(6000))).not.toThrow();
    const err = (() => {
      try {
        checkCampaignInputSize(plan, org(8000));
      } catch (e) {
        return e as Error & { code?: string };
      }
      throw new Error('accepted');
    })();
    expect(err.code).toBe('CAMPAIGN_TOO_LARGE');
    expect(err.message).toMatch(/8000 branches\) is 2\.\d MB, over the 1\.9 MB a campaign may carry/);
    expect(err.message).toContain("Temporal's payload limit (2 MiB): about 7,000 branches fit");
    expect(err.message).toContain('Split the organisation into campaigns of fewer committees');
  });

  it('is checked by the client before anything goes to the server', async () => {
    const plan = await loadPlanFile(PLAN);
    // Nothing listens here: the refusal must come before the first call.
    const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1s' });
    const cc = new CampaignClient(new Client({ connection }));
    await expect(cc.start({ plan, org: org(8000), taskQueue: 'none' })).rejects.toMatchObject({
      code: 'CAMPAIGN_TOO_LARGE',
    });
    await connection.close();
  });
});
