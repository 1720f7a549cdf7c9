import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * the store's metrics on real tools: Debian's `prometheus-redis-exporter` (the same exporter as the
 * sidecar's image, an older release) scrapes the real Redis servers, and `promtool` (Debian `prometheus`)
 * checks and evaluates the synthesized PrometheusRule on what it scraped. `.ci/run` installs both.
 */

/** Whether the exporter and promtool are installed; in CI their absence is a failure, elsewhere a loud skip. */
export function metricsToolsAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  const found = spawnSync('/bin/sh', ['-c', 'command -v prometheus-redis-exporter && command -v promtool'], { encoding: 'utf8', env: { PATH: env.PATH } }).status === 0;
  if (!found) {
    const message =
      'prometheus-redis-exporter / promtool not found: the end-to-end tests of the store\'s metrics and alerts need them. ' +
      'Install with: apt-get install -y prometheus-redis-exporter prometheus';
    if (env.CI) {
      throw new Error(`${message} (CI is set, so this fails instead of skipping)`);
    }
    // eslint-disable-next-line no-console
    console.warn(`\n!!! SKIPPING END-TO-END METRICS TESTS !!!\n${message}\n`);
  }
  return found;
}

/** One sample of a scrape: metric name, the label text inside the braces (as exported), and the value. */
export interface Sample {
  readonly name: string;
  readonly labels: string;
  readonly value: number;
}

/** Parse the Prometheus text format (comments skipped). */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable metrics line: ${line}`);
    out.push({ name: m[1], labels: m[2] ?? '', value: Number(m[3]) });
  }
  return out;
}

export class ExporterProcess {
  public log = '';
  private child?: ChildProcess;

  constructor(private readonly env: Record<string, string>, private readonly port: number) {}

  public async start(): Promise<void> {
    this.child = spawn('prometheus-redis-exporter', [], {
      env: { PATH: process.env.PATH!, ...this.env, REDIS_EXPORTER_WEB_LISTEN_ADDRESS: `127.0.0.1:${this.port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d) => (this.log += d.toString()));
    this.child.stderr!.on('data', (d) => (this.log += d.toString()));
    const started = Date.now();
    while (Date.now() - started < 10_000) {
      try {
        if ((await fetch(`http://127.0.0.1:${this.port}/health`)).status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`exporter did not start:\n${this.log}`);
  }

  public async scrape(): Promise<Sample[]> {
    return parseMetrics(await (await fetch(`http://127.0.0.1:${this.port}/metrics`)).text());
  }

  public async close(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

/** `promtool` in a scratch directory; returns its exit status and output. */
export function promtool(args: string[], files: Record<string, string>): { ok: boolean; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-stateless-promtool-'));
  try {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    const r = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
