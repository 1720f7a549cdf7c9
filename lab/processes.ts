/**
 * The lab's processes: every one is started here, listed, and stopped by its own PID (SIGTERM, then
 * SIGKILL after a bounded wait). Nothing is stopped by name. Traffic goes to 127.0.0.1 only.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';

export const LOOPBACK = '127.0.0.1';

export class LabProcess {
  public log = '';
  private exited = false;

  constructor(public readonly name: string, public readonly child: ChildProcess) {
    child.stdout?.on('data', (d) => this.append(d));
    child.stderr?.on('data', (d) => this.append(d));
    child.once('exit', () => (this.exited = true));
  }

  public get pid(): number {
    return this.child.pid!;
  }

  public get running(): boolean {
    return !this.exited && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Send a signal to this process's PID and wait for it to exit; SIGKILL after `graceMs`. */
  public async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    process.kill(this.pid, signal);
    const timer = setTimeout(() => {
      if (this.running) process.kill(this.pid, 'SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(timer);
  }

  private append(d: Buffer): void {
    // keep the tail only: a log is for the error message when something does not start
    this.log = (this.log + d.toString()).slice(-20_000);
  }
}

/** Every process the lab started and has not stopped yet. */
export class ProcessList {
  private readonly list: LabProcess[] = [];

  public spawn(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): LabProcess {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const p = new LabProcess(name, child);
    child.once('error', (err) => (p.log += `\nspawn error: ${err.message}`));
    this.list.push(p);
    return p;
  }

  /** Stop every listed process, one PID at a time. */
  public async stopAll(): Promise<void> {
    for (const p of this.list.splice(0).reverse()) {
      await p.stop('SIGTERM', 3_000).catch(() => undefined);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll until `check` resolves true, at most `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string, log?: () => string): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${log ? `\n${log()}` : ''}`);
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: LOOPBACK, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** One GET to 127.0.0.1:port/path without keep-alive; resolves with the status code. */
export function probe(port: number, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: LOOPBACK, port, path: urlPath, agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
  });
}

/** The path of a Debian executable, or undefined. */
export function which(command: string): string | undefined {
  const r = spawnSync('/bin/sh', ['-c', `command -v ${command}`], { encoding: 'utf8', env: { PATH: labPath() } });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** PATH with the sbin directories, where Debian puts nginx and haproxy. */
export function labPath(): string {
  const extra = ['/usr/local/sbin', '/usr/sbin', '/sbin'];
  const parts = (process.env.PATH ?? '/usr/bin:/bin').split(':');
  return [...parts, ...extra.filter((d) => !parts.includes(d))].join(':');
}

/** The programs the lab runs and the Debian packages that provide them. */
export const REQUIRED_PROGRAMS: ReadonlyArray<{ command: string; pkg: string }> = [
  { command: 'nginx', pkg: 'nginx' },
  { command: 'haproxy', pkg: 'haproxy' },
  { command: 'redis-server', pkg: 'redis-server' },
  { command: 'redis-sentinel', pkg: 'redis-sentinel' },
];

export function missingPrograms(): string[] {
  return REQUIRED_PROGRAMS.filter((p) => which(p.command) === undefined).map((p) => p.pkg);
}

export function versionOf(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8', env: { PATH: labPath() } });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0].trim();
}

export function mkdirp(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return path.resolve(dir);
}
