/**
 * Every `source:` of a shipped plan (the plan's, each phase's, each obligation's) quotes its
 * seed: the sentence must be found in the seed file the plan's header names. The seeds sit beside
 * the repository, at ../shared/seeds/ from its root, as the headers say; a machine's absolute
 * path is never written here. A missing seed folder fails the test: CI has it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { SHIPPED_PLANS } from '../../plans/load';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * The plans quote the seeds with ASCII or full-width commas as it reads best in YAML, and the
 * seeds (text taken from pages) break lines inside sentences, even inside "2012年7月": commas are
 * compared as full-width and whitespace is left out on both sides. Every other character counts.
 */
const normalise = (text: string): string => text.replace(/,/g, '，').replace(/\s+/g, '');

/** Every `source` string anywhere in the plan's YAML (phases keep theirs only in the file). */
function sources(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) sources(v, out);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (k === 'source' && typeof v === 'string') out.push(v);
      else sources(v, out);
    }
  return out;
}

describe('the seed sentences the plans quote', () => {
  it.each(SHIPPED_PLANS.map((f) => [path.basename(f), f]))('%s: every source: is in its seed', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const named = /^# Seed: (\.\.\/shared\/seeds\/\S+\.txt)/m.exec(text)?.[1];
    expect(named).toBeDefined();
    const seedFile = path.join(ROOT, named!);
    if (!existsSync(seedFile)) throw new Error(`seed ${named} not found beside the repository (${seedFile})`);
    const seed = normalise(readFileSync(seedFile, 'utf8'));
    const quoted = sources(parse(text));
    expect(quoted.length).toBeGreaterThan(5);
    expect(quoted.filter((s) => !seed.includes(normalise(s)))).toEqual([]);
  });

  it('tells a sentence that is not in the seed', () => {
    const seed = normalise('从2010年6月开始,\n到2012年7月。');
    expect(seed.includes(normalise('从2010年6月开始，到2012年7月。'))).toBe(true);
    expect(seed.includes(normalise('从2010年6月开始，到2012年8月。'))).toBe(false);
  });
});
