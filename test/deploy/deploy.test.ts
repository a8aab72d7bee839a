/**
 * The deployment examples in deploy/ are what the service reads: the temporal.toml profiles load
 * with the connection module (strictly: an unknown key fails), the example environment passes the
 * web service's schema (which includes the worker's), and systemd accepts the units, which run
 * files of this project and give a draining worker longer than its grace to stop.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadTemporalSettings, securityOf } from '../../config/temporal-connection';
import { parseWebConfig } from '../../web/config';

const ROOT = path.resolve(__dirname, '..', '..');
const DEPLOY = path.join(ROOT, 'deploy');
const TOML = path.join(DEPLOY, 'temporal.toml.example');

/** KEY=value lines of an environment file, as systemd's EnvironmentFile reads them. */
function envFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** `Key=value` settings of a unit file's [Service] section. */
function serviceSettings(file: string): Record<string, string> {
  const text = readFileSync(file, 'utf8');
  const section = text.slice(text.indexOf('[Service]'), text.indexOf('[Install]'));
  return Object.fromEntries(
    section
      .split('\n')
      .map((l) => /^([A-Za-z]+)=(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
}

describe('deploy/', () => {
  it('temporal.toml.example: a self-hosted cluster with mTLS, Temporal Cloud with an API key', () => {
    const campus = loadTemporalSettings({ TEMPORAL_CONFIG_FILE: TOML, TEMPORAL_PROFILE: 'campus' });
    expect(campus).toMatchObject({ address: 'temporal.example.edu.cn:7233', namespace: 'campaigns' });
    expect(securityOf(campus)).toBe('mtls');
    expect(campus.resolved.tls?.serverName).toBe('temporal.example.edu.cn');
    const cloud = loadTemporalSettings({ TEMPORAL_CONFIG_FILE: TOML, TEMPORAL_PROFILE: 'cloud' });
    expect(cloud.address).toMatch(/\.tmprl\.cloud:7233$/);
    expect(securityOf(cloud)).toBe('tls');
    expect(cloud.resolved.apiKey).toBeDefined();
    // The key from the environment wins over the file's placeholder.
    const fromEnv = loadTemporalSettings({
      TEMPORAL_CONFIG_FILE: TOML,
      TEMPORAL_PROFILE: 'cloud',
      TEMPORAL_API_KEY: 'k',
    });
    expect(fromEnv.resolved.apiKey).toBe('k');
    expect(securityOf(loadTemporalSettings({ TEMPORAL_CONFIG_FILE: TOML }))).toBe('plain');
  });

  it('campaign.env.example passes the service’s configuration schema', () => {
    const env = { ...envFile(path.join(DEPLOY, 'campaign.env.example')), TEMPORAL_CONFIG_FILE: TOML };
    const config = parseWebConfig(env);
    expect(config.temporal.profile).toBe('campus');
    expect(config.METRICS_PORT).toBe(9464);
    // The web's probes on a port of their own: not the worker's (one file for both) nor the one people reach.
    expect(config.WEB_METRICS_PORT).toBe(9465);
    expect(config.WEB_PORT).toBe(8080);
    expect(config.SHUTDOWN_GRACE_SECONDS).toBe(30);
  });

  it.each(['campaign-worker.service', 'campaign-web.service'])('%s: systemd accepts it', async (unit) => {
    const file = path.join(DEPLOY, unit);
    const r = await promisify(execFile)('systemd-analyze', ['verify', '--man=no', file]).then(
      (o) => ({ code: 0, stderr: o.stderr }),
      (e: { code?: number; stderr?: string }) => ({ code: e.code ?? 1, stderr: e.stderr ?? '' }),
    );
    expect(r).toEqual({ code: 0, stderr: '' });
    const s = serviceSettings(file);
    const script = /--import tsx (\S+)$/.exec(s.ExecStart ?? '')?.[1];
    expect(script && existsSync(path.join(ROOT, script))).toBe(true);
    expect(s.KillSignal).toBe('SIGTERM');
    if (unit === 'campaign-worker.service') {
      const grace = Number(envFile(path.join(DEPLOY, 'campaign.env.example')).SHUTDOWN_GRACE_SECONDS);
      expect(Number(s.TimeoutStopSec)).toBeGreaterThan(grace + 10);
    }
  });
});
