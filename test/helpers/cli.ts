/** The command line run as a person runs it: a Node process of its own, its exit code and what it printed. */
import { execFile } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** How long the command took, in ms (for a test's message, never for an assertion). */
  ms: number;
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'client', 'cli', 'main.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, ...env } },
      (err, stdout, stderr) =>
        resolve({
          code: err ? Number((err as { code?: number }).code ?? 1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
          ms: Date.now() - started,
        }),
    );
  });
}
