/**
 * No tracked file names a path of one machine (a checkout under /work/, a home folder): the seed
 * plans once named their seed file that way, and a plan, fixture or script that does so works on
 * that machine alone. Files name their neighbours by relative paths (`../shared/seeds/<file>`).
 */
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const ROOT = path.join(__dirname, '..', '..');
/** `/work/…`, `/root/…`, `/home/…` at the start of a path, not inside a URL's path or a word. */
const MACHINE_PATH = /(?<![\w.~/-])\/(?:work|root|home)\//;

function machinePathsIn(text: string): string[] {
  return text.split('\n').filter((line) => MACHINE_PATH.test(line));
}

describe('tracked files', () => {
  it('name no absolute path of one machine', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      // This file spells the paths it looks for.
      .filter((f) => f !== '' && !f.startsWith('node_modules/') && f !== 'test/architecture/machine-paths.test.ts');
    expect(files).toContain('plans/003-changchun.yaml');
    const found = files.flatMap((f) => {
      const bytes = readFileSync(path.join(ROOT, f));
      if (bytes.includes(0)) return []; // binary: images, a workbook
      return machinePathsIn(bytes.toString('utf8')).map((line) => `${f}: ${line.trim()}`);
    });
    expect(found).toEqual([]);
  });

  it('are searched for the forms such a path takes', () => {
    expect(
      machinePathsIn("seed: /work/shared/seeds/003.txt\nseed: '/root/seeds/x'\nsee /home/li/plan.yaml"),
    ).toHaveLength(3);
    expect(machinePathsIn('seed: ../shared/seeds/003.txt\nhttps://example.org/home/\n~/home/x')).toEqual([]);
  });
});
