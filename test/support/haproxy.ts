import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * runs the synthesized haproxy.cfg of a store's primary endpoint on the real `haproxy`
 * (Debian package; `.ci/run` installs it), with only its addresses rewritten to loopback, as the Redis
 * harness does for the Redis and Sentinel pods.
 */

/** Whether `haproxy` is installed; in CI its absence is a failure, elsewhere a loud skip. */
export function haproxyAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  const found = spawnSync('/bin/sh', ['-c', 'command -v haproxy'], { encoding: 'utf8', env: { PATH: env.PATH } }).status === 0;
  if (!found) {
    const message = 'haproxy not found: the end-to-end tests of the primary endpoint need it. Install with: apt-get install -y haproxy';
    if (env.CI) {
      throw new Error(`${message} (CI is set, so this fails instead of skipping)`);
    }
    // eslint-disable-next-line no-console
    console.warn(`\n!!! SKIPPING END-TO-END HAPROXY TESTS !!!\n${message}\n`);
  }
  return found;
}

/**
 * The rendered haproxy.cfg with every address mapped to loopback: the Redis frontend and the health frontend
 * bind 127.0.0.1 on the given ports, and each `server` (a Redis pod's DNS name) becomes 127.0.0.1 and that
 * pod's port. Nothing else changes; a line that does not match fails loudly.
 */
export function loopbackHaproxyConfig(cfg: string, ports: { redis: number; health: number }, podPort: (pod: string) => number): string {
  let out = cfg;
  const replace = (pattern: RegExp, by: (m: RegExpMatchArray) => string, expected: number) => {
    const matches = [...out.matchAll(pattern)];
    if (matches.length !== expected) throw new Error(`expected ${expected} match(es) of ${pattern} in haproxy.cfg, found ${matches.length}`);
    out = out.replace(pattern, (...args) => by(args as unknown as RegExpMatchArray));
  };
  replace(/^ {2}bind :6379$/gm, () => `  bind 127.0.0.1:${ports.redis}`, 1);
  replace(/^ {2}bind :8404$/gm, () => `  bind 127.0.0.1:${ports.health}`, 1);
  // a server line may end in options (with TLS: check-ssl, verify, ca-file), kept as they are
  const servers = [...out.matchAll(/^ {2}server (\S+) "([^".]+)\.[^"]+:6379"(.*)$/gm)].length;
  if (servers === 0) throw new Error('no server line in haproxy.cfg');
  replace(/^ {2}server (\S+) "([^".]+)\.[^"]+:6379"(.*)$/gm, (m) => `  server ${m[1]} 127.0.0.1:${podPort(m[2])}${m[3]}`, servers);
  return out;
}

export class HaproxyProcess {
  public log = '';
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-stateless-haproxy-'));
  private child?: ChildProcess;

  constructor(private readonly cfg: string, private readonly env: Record<string, string>) {}

  /** `haproxy -c` on the configuration: the parser's verdict and its output. */
  public check(): { ok: boolean; output: string } {
    const file = this.write();
    const r = spawnSync('haproxy', ['-c', '-f', file], { env: { PATH: process.env.PATH!, ...this.env }, encoding: 'utf8', timeout: 15_000 });
    return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  }

  /** Start it in the foreground (as the container does: master-worker, no daemon). */
  public start(): void {
    const file = this.write();
    this.child = spawn('haproxy', ['-W', '-db', '-f', file], { env: { PATH: process.env.PATH!, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.log += d.toString()));
    this.child.stderr!.on('data', (d) => (this.log += d.toString()));
  }

  /** Stop it (SIGKILL: nothing to flush) and remove its directory. */
  public async close(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private write(): string {
    const file = path.join(this.dir, 'haproxy.cfg');
    fs.writeFileSync(file, this.cfg);
    return file;
  }
}
