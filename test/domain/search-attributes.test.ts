/**
 * The search attributes are defined once (domain/engine/search-attributes.ts) and registered from
 * there: scripts/start.sh reads the dev server's flags from scripts/search-attribute-flags.ts one
 * word a line (`mapfile -t`), and the README's cluster loop reads them two lines at a time. A
 * namespace already running has these names registered, so a rename must fail here, as must a
 * visibility query that names an attribute no server registers.
 */
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { SEARCH_ATTRIBUTE_KEYS } from '../../domain/engine/search-attributes';
import { deadlineListQuery } from '../../client/campaigns';

const ROOT = path.join(__dirname, '..', '..');

describe('the search attributes', () => {
  it("are the flags start.sh passes to the dev server, one word a line, in the CLI's spelling", () => {
    // As start.sh runs it: mapfile -t search_attributes < <(npx tsx scripts/search-attribute-flags.ts)
    const out = execFileSync('npx', ['tsx', 'scripts/search-attribute-flags.ts'], { cwd: ROOT, encoding: 'utf8' });
    const words = out.split('\n').filter((line) => line !== '');
    expect(words).toEqual([
      ...['CampaignId', 'UnitId', 'CommitteeId', 'ObligationKey', 'CycleKey', 'DeadlineState'].flatMap((name) => [
        '--search-attribute',
        `${name}=Keyword`,
      ]),
    ]);
    expect(SEARCH_ATTRIBUTE_KEYS.map((k) => k.name)).toEqual(
      words.filter((_, i) => i % 2 === 1).map((w) => w.slice(0, w.indexOf('='))),
    );
    // start.sh hands the words to the dev server as they are (quoted: each flag and value one word).
    expect(readFileSync(path.join(ROOT, 'scripts', 'start.sh'), 'utf8')).toMatch(
      /mapfile -t search_attributes < <\(npx tsx scripts\/search-attribute-flags\.ts\)[\s\S]*start-dev[\s\S]*"\$\{search_attributes\[@\]\}"/,
    );
  });

  it('are the only custom attributes the list query names', () => {
    const q = deadlineListQuery('c1', {
      committee: 'c-a',
      unit: 'b-1',
      obligation: 'plan',
      cycle: '2010-Q3',
      state: 'red',
    });
    const named = [...q.matchAll(/(\w+) (?:=|!=|IN) /g)].map((m) => m[1]);
    const builtIn = ['WorkflowType', 'ExecutionStatus'];
    expect(named.filter((n) => !builtIn.includes(n!)).sort()).toEqual(SEARCH_ATTRIBUTE_KEYS.map((k) => k.name).sort());
    expect(q).toContain("DeadlineState = 'red'");
  });
});
