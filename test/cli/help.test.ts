/**
 * `--help` describes everything: each command and subcommand, each of its arguments and
 * options, walked from the program itself so that a command added later is held to it too.
 */
import type { Command } from 'commander';
import { buildProgram } from '../../client/cli/main';

/** Every command, argument and option without a description, by its full name. */
function undescribed(c: Command, prefix = ''): string[] {
  return c.commands.flatMap((sub) => {
    const name = `${prefix}${sub.name()}`;
    return [
      ...(sub.description().trim() ? [] : [name]),
      ...sub.registeredArguments.filter((a) => !a.description.trim()).map((a) => `${name} <${a.name()}>`),
      ...sub.options.filter((o) => !o.description.trim()).map((o) => `${name} ${o.flags}`),
      ...undescribed(sub, `${name} `),
    ];
  });
}

describe('--help', () => {
  it('describes every command, argument and option', () => {
    const program = buildProgram();
    expect(program.commands.length).toBeGreaterThan(10);
    expect(undescribed(program)).toEqual([]);
    expect(program.options.filter((o) => !o.description.trim()).map((o) => o.flags)).toEqual([]);
  });
});
