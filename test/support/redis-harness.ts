import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { K8sObject } from './synth';

/**
 * Runs the Redis and Sentinel pods of a synthesized RedisSessionStore as local processes on
 * real `redis-server` / `redis-sentinel`: the ConfigMap files as they are rendered, the container
 * command and environment as they are rendered, with Kubernetes' env resolution (fieldRef,
 * secretKeyRef, `$(VAR)` expansion) and every pod host name mapped to 127.0.0.1 and a free port.
 */

/** Whether the real servers are installed; in CI their absence is a failure, elsewhere a loud skip. */
export function redisAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  const found =
    spawnSync('/bin/sh', ['-c', 'command -v redis-server && command -v redis-sentinel'], { encoding: 'utf8', env: { PATH: env.PATH } }).status === 0;
  if (!found) {
    const message =
      'redis-server / redis-sentinel not found: the end-to-end tests of the generated Redis configuration need them. ' +
      'Install with: apt-get install -y redis-server redis-sentinel';
    if (env.CI) {
      throw new Error(`${message} (CI is set, so this fails instead of skipping)`);
    }
    // eslint-disable-next-line no-console
    console.warn(`\n!!! SKIPPING END-TO-END REDIS TESTS !!!\n${message}\n`);
  }
  return found;
}

/** Whether openssl is installed (the TLS test makes its certificates with it); in CI its absence is a failure. */
export function opensslAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  const found = spawnSync('/bin/sh', ['-c', 'command -v openssl'], { encoding: 'utf8', env: { PATH: env.PATH } }).status === 0;
  if (!found) {
    const message = 'openssl not found: the TLS end-to-end test makes its certificates with it. Install with: apt-get install -y openssl';
    if (env.CI) {
      throw new Error(`${message} (CI is set, so this fails instead of skipping)`);
    }
    // eslint-disable-next-line no-console
    console.warn(`\n!!! SKIPPING THE TLS END-TO-END TEST !!!\n${message}\n`);
  }
  return found;
}

/**
 * The server flavours the end-to-end suites run on: Valkey (the default image) and Redis. The store's scripts
 * take `valkey-*` when it is installed and `redis-*` otherwise (assets/redis/common.sh); a harness of flavour
 * `redis` runs them with a PATH on which `valkey-*` does not exist.
 */
export type Flavour = 'valkey' | 'redis';

const FLAVOUR_BINARIES: Record<Flavour, string[]> = {
  valkey: ['valkey-server', 'valkey-sentinel', 'valkey-cli'],
  redis: ['redis-server', 'redis-sentinel', 'redis-cli'],
};

/**
 * The flavours installed here, each as one `describe` label. In CI a missing one is a failure; elsewhere it is
 * skipped with a visible message.
 */
export function availableFlavours(env: NodeJS.ProcessEnv = process.env): Flavour[] {
  const found: Flavour[] = [];
  for (const flavour of ['valkey', 'redis'] as Flavour[]) {
    const bins = FLAVOUR_BINARIES[flavour];
    const ok = spawnSync('/bin/sh', ['-c', bins.map((b) => `command -v ${b}`).join(' && ')], { encoding: 'utf8', env: { PATH: env.PATH } }).status === 0;
    if (ok) {
      found.push(flavour);
      continue;
    }
    const message = `${bins.join(' / ')} not found: the end-to-end tests run on ${flavour} too. ` +
      (flavour === 'valkey' ? 'Install with: apt-get install -y -t bookworm-backports valkey-server valkey-sentinel valkey-tools' : 'Install with: apt-get install -y redis-server redis-sentinel');
    if (env.CI) throw new Error(`${message} (CI is set, so this fails instead of skipping)`);
    // eslint-disable-next-line no-console
    console.warn(`\n!!! SKIPPING END-TO-END TESTS ON ${flavour.toUpperCase()} !!!\n${message}\n`);
  }
  return found;
}

/**
 * `describe(name, ...)` once per installed flavour, named `<flavour>: <name>`, the body given the flavour; with
 * `ready` false (another tool the suite needs is missing, already reported) or no flavour installed, one visible
 * skipped block.
 */
export function describeOnFlavours(name: string, body: (flavour: Flavour) => void, ready = true): void {
  const flavours = ready ? availableFlavours() : [];
  if (flavours.length === 0) describe.skip(name, () => test('skipped: a server or tool is missing (see the warning above)', () => undefined));
  for (const flavour of flavours) describe(`${flavour}: ${name}`, () => body(flavour));
}

const shimDirs = new Map<Flavour, string>();

/**
 * A PATH for the store's scripts on which only `flavour`'s binaries exist: a directory of links to every program
 * on the PATH, without the other flavour's (made once per process).
 */
export function flavourPath(flavour: Flavour): string {
  let dir = shimDirs.get(flavour);
  if (!dir) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `cdk8s-stateless-${flavour}-bin-`));
    const hidden = FLAVOUR_BINARIES[flavour === 'valkey' ? 'redis' : 'valkey'].join(' ');
    // linked by a shell, so this process reads no directory outside the repository and the temporary folder
    const script = [
      'IFS=:',
      'for d in $SEARCH; do',
      '  [ -d "$d" ] || continue',
      '  for f in "$d"/*; do',
      '    n="${f##*/}"',
      '    case " $HIDDEN " in *" $n "*) continue ;; esac',
      '    [ -e "$SHIM/$n" ] || ln -s "$f" "$SHIM/$n"',
      '  done',
      'done',
    ].join('\n');
    // the shell finds `ln` in the system folders even when the tests' PATH lacks them (a skipped suite still builds
    // its harness, e.g. with a PATH of node alone); it links what it finds on the tests' PATH (SEARCH)
    const r = spawnSync('/bin/sh', ['-c', script], {
      env: { PATH: '/usr/bin:/bin', SEARCH: process.env.PATH ?? '', SHIM: dir, HIDDEN: hidden },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`could not make the ${flavour} PATH: ${r.stderr}`);
    shimDirs.set(flavour, dir);
  }
  return dir;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export interface PodProcess {
  readonly name: string;
  readonly port: number;
  process?: ChildProcess;
  log: string;
}

export class StoreHarness {
  public readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-stateless-e2e-'));
  private readonly configDir = path.join(this.dir, 'config');
  private readonly pods = new Map<string, PodProcess>();
  /** The test's certificates (tls.crt, tls.key, ca.crt) standing in for the mounted TLS Secret; cli() then speaks TLS. */
  public tlsDir?: string;
  /** pod FQDN (as rendered) -> 127.0.0.1:port */
  private readonly addresses = new Map<string, string>();

  /** The PATH of every process this harness starts: `flavour`'s binaries only. */
  public readonly path: string;
  /** The command-line client of the flavour. */
  public readonly cliBinary: string;

  constructor(
    private readonly objects: K8sObject[],
    private readonly secrets: Record<string, Record<string, string>>,
    public readonly flavour: Flavour = 'redis',
  ) {
    this.path = flavourPath(flavour);
    this.cliBinary = FLAVOUR_BINARIES[flavour][2];
    fs.mkdirSync(this.configDir);
    const config = objects.find((o) => o.kind === 'ConfigMap')!;
    for (const [file, text] of Object.entries(config.data as Record<string, string>)) {
      fs.writeFileSync(path.join(this.configDir, file), text);
    }
  }

  /** Give every pod of every StatefulSet a loopback address with a free port. */
  public async allocate(): Promise<void> {
    for (const sts of this.objects.filter((o) => o.kind === 'StatefulSet')) {
      for (let i = 0; i < sts.spec.replicas; i++) {
        const name = `${sts.metadata.name}-${i}`;
        const port = await freePort();
        this.pods.set(name, { name, port, log: '' });
      }
    }
  }

  public pod(name: string): PodProcess {
    const pod = this.pods.get(name);
    if (!pod) throw new Error(`no pod ${name}`);
    return pod;
  }

  /** The environment of a pod's container, resolved as the kubelet would, with host names mapped to loopback. */
  public environment(podName: string): Record<string, string> {
    const sts = this.statefulSetOf(podName);
    const container = sts.spec.template.spec.containers[0];
    const namespace = sts.metadata.namespace ?? 'default';
    const env: Record<string, string> = {};
    for (const e of container.env) {
      let value: string;
      if (e.valueFrom?.fieldRef) {
        value = { 'metadata.name': podName, 'metadata.namespace': namespace }[e.valueFrom.fieldRef.fieldPath as string]!;
      } else if (e.valueFrom?.secretKeyRef) {
        value = this.secrets[e.valueFrom.secretKeyRef.name]?.[e.valueFrom.secretKeyRef.key];
        // the kubelet leaves an optional reference to a missing Secret unset; a required one fails the pod
        if (value === undefined && e.valueFrom.secretKeyRef.optional) continue;
        if (value === undefined) throw new Error(`secret ${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key} missing`);
      } else {
        value = String(e.value).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name) => env[name] ?? m);
      }
      env[e.name] = value;
    }
    // directories: ConfigMap mount, memory emptyDir, data volume
    env.CONFIG_DIR = this.configDir;
    env.RUNTIME_DIR = this.ensureDir(podName, 'run');
    env.DATA_DIR = this.ensureDir(podName, 'data');
    if (env.TLS_DIR !== undefined) {
      if (!this.tlsDir) throw new Error(`${podName} mounts a TLS Secret: set harness.tlsDir`);
      env.TLS_DIR = this.tlsDir;
    }
    // host names -> loopback
    for (const key of ['REDIS_NODES', 'SENTINEL_NODES']) {
      if (env[key]) env[key] = env[key].split(' ').map((entry) => this.loopback(entry, namespace)).join(' ');
    }
    return env;
  }

  /**
   * The session environment of a client container (e.g. a bound StatelessWebApp's), resolved as the
   * kubelet would, with every store host name mapped to its loopback address.
   */
  public clientEnvironment(container: any, namespace: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const e of container.env ?? []) {
      if (e.valueFrom?.secretKeyRef) {
        const value = this.secrets[e.valueFrom.secretKeyRef.name]?.[e.valueFrom.secretKeyRef.key];
        if (value === undefined) throw new Error(`secret ${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key} missing`);
        env[e.name] = value;
      } else {
        env[e.name] = String(e.value);
      }
    }
    if (env.REDIS_SENTINELS) {
      env.REDIS_SENTINELS = env.REDIS_SENTINELS.split(',').map((entry) => this.loopback(entry, namespace)).join(',');
    }
    return env;
  }

  /**
   * Start a pod's container: its command with its environment (plus `overrides`). Resolves when it answers
   * PING; with `wait: false` it resolves at once (a container that waits for its peers before it listens).
   */
  public async start(podName: string, options: { wait?: boolean; overrides?: Record<string, string> } = {}): Promise<void> {
    const pod = this.pod(podName);
    const sts = this.statefulSetOf(podName);
    const container = sts.spec.template.spec.containers[0];
    const [cmd, ...args] = (container.command as string[]).map((a) => a.replace('/etc/redis', this.configDir));
    const env = { ...this.environment(podName), ...(options.overrides ?? {}) };
    const child = spawn(cmd, args, { env: { PATH: this.path, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    pod.process = child;
    child.stdout!.on('data', (d) => (pod.log += d.toString()));
    child.stderr!.on('data', (d) => (pod.log += d.toString()));
    if (options.wait === false) return;
    await this.waitFor(() => this.cli(pod.port, ['PING'], env.REDIS_PASSWORD) === 'PONG', 30_000, `${podName} to answer PING\n${pod.log}`);
  }

  /**
   * The pod is deleted and created again (node drain, node-pool upgrade, power loss): its process is killed,
   * its emptyDir volumes are lost, and only what is on a volume from the StatefulSet's volumeClaimTemplates
   * (a PersistentVolumeClaim) survives. Start it again with start().
   */
  public async recreate(podName: string): Promise<void> {
    await this.kill(podName);
    const spec = this.statefulSetOf(podName).spec;
    const claims = new Set((spec.volumeClaimTemplates ?? []).map((c: any) => c.metadata.name));
    const mounts: { name: string; mountPath: string }[] = spec.template.spec.containers[0].volumeMounts;
    // the directories the harness gives the mounts (see environment())
    const dirs: Record<string, string> = { '/run/redis': 'run', '/data': 'data' };
    for (const m of mounts) {
      const sub = dirs[m.mountPath];
      if (sub && !claims.has(m.name)) fs.rmSync(path.join(this.dir, podName, sub), { recursive: true, force: true });
    }
    const pod = this.pod(podName);
    pod.log = '';
  }

  /** The pod's PersistentVolumeClaims are replaced by new, empty ones (a volume lost with its node or zone). */
  public wipeVolumes(podName: string): void {
    fs.rmSync(path.join(this.dir, podName, 'data'), { recursive: true, force: true });
  }

  /** Send a signal to a pod's process without waiting for it to exit (SIGSTOP/SIGCONT: a stalled process). */
  public signal(podName: string, signal: NodeJS.Signals): void {
    const child = this.pod(podName).process;
    if (!child || child.exitCode !== null) throw new Error(`${podName} is not running`);
    child.kill(signal);
  }

  /** Run a pod's lifecycle script (e.g. its preStop hook) with the pod's environment; resolves with its output. */
  public async runScript(podName: string, command: string[], overrides?: Record<string, string>): Promise<string> {
    const [cmd, ...args] = command.map((a) => a.replace('/etc/redis', this.configDir));
    const child = spawn(cmd, args, { env: { PATH: this.path, ...this.environment(podName), ...(overrides ?? {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d.toString()));
    child.stderr!.on('data', (d) => (out += d.toString()));
    // 'close', not 'exit': the output streams are drained by then
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    if (code !== 0) throw new Error(`${command.join(' ')} exited ${code}: ${out}`);
    return out;
  }

  /** Run a pod's readiness probe once, as the kubelet does: its exec command, success when it exits 0. */
  public async probeOnce(podName: string, kind: 'startupProbe' | 'readinessProbe' = 'readinessProbe'): Promise<boolean> {
    const command: string[] = this.container(podName)[kind].exec.command;
    try {
      await this.runScript(podName, command);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Wait until the kubelet would mark the pod Ready, with the rendered probes' timing: the startup probe every
   * `periodSeconds` from the container's start until it succeeds, then the readiness probe likewise (one success
   * makes the pod Ready). Resolves with the milliseconds it took.
   */
  public async becomeReady(podName: string, timeoutMs = 120_000): Promise<number> {
    const started = Date.now();
    for (const kind of ['startupProbe', 'readinessProbe'] as const) {
      const period = (this.container(podName)[kind].periodSeconds ?? 10) * 1000;
      for (;;) {
        const at = Date.now();
        if (await this.probeOnce(podName, kind)) break;
        if (Date.now() - started > timeoutMs) throw new Error(`${podName} not Ready after ${timeoutMs} ms\n${this.pod(podName).log}`);
        await new Promise((r) => setTimeout(r, Math.max(0, period - (Date.now() - at))));
      }
    }
    return Date.now() - started;
  }

  /**
   * Delete a pod as the StatefulSet controller or an eviction does, and let it come back: the preStop hook (if the
   * container has one), then SIGTERM; the pod is created again (emptyDir volumes lost, claims kept), started, and
   * this resolves once it is Ready by the probes' timing (becomeReady), as the controller waits before the next pod.
   */
  public async restartPod(podName: string): Promise<{ preStop: string; readyMs: number }> {
    const hook: string[] | undefined = this.container(podName).lifecycle?.preStop?.exec?.command;
    const preStop = hook ? await this.runScript(podName, hook) : '';
    await this.stop(podName);
    await this.recreate(podName);
    await this.start(podName, { wait: false });
    return { preStop, readyMs: await this.becomeReady(podName) };
  }

  /** SIGTERM a pod's process and wait for it (the kubelet after preStop). */
  public async stop(podName: string): Promise<void> {
    return this.kill(podName, 'SIGTERM');
  }

  /** The container of a pod's StatefulSet. */
  public container(podName: string): any {
    return this.statefulSetOf(podName).spec.template.spec.containers[0];
  }

  /** SIGKILL a pod's process (a crash, an eviction, a node failure), or send another signal; waits for the exit. */
  public async kill(podName: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const pod = this.pod(podName);
    const child = pod.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    if (signal === 'SIGKILL') child.kill('SIGCONT'); // a stopped process would not exit on SIGTERM
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
    pod.process = undefined;
  }

  /**
   * One redis-cli call; returns trimmed stdout (errors included, as redis-cli prints them). With a password it
   * authenticates as ACL user `user` (the store's `admin` by default: the store's password belongs to it).
   */
  public cli(port: number, args: string[], password?: string, input?: string, user = 'admin'): string {
    const env: NodeJS.ProcessEnv = { PATH: this.path };
    const auth: string[] = [];
    if (password !== undefined) {
      env.REDISCLI_AUTH = password;
      auth.push('--user', user);
    }
    const tls = this.tlsDir ? ['--tls', '--cacert', path.join(this.tlsDir, 'ca.crt')] : [];
    const r = spawnSync(this.cliBinary, [...tls, ...auth, '-h', '127.0.0.1', '-p', String(port), '--raw', ...args], { env, encoding: 'utf8', input, timeout: 15_000 });
    return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  }

  public async waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<number> {
    const start = Date.now();
    while (Date.now() - start < timeoutMs) {
      if (check()) return Date.now() - start;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }

  /** Stop every process and remove the directory. */
  public async close(): Promise<void> {
    for (const name of this.pods.keys()) await this.kill(name);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  public logs(): string {
    return [...this.pods.values()].map((p) => `--- ${p.name}\n${p.log}`).join('\n');
  }

  private loopback(entry: string, namespace: string): string {
    const host = entry.slice(0, entry.lastIndexOf(':'));
    // "<pod>.<service>.<namespace>.svc.<domain>": the pod name is the first label
    const podName = host.split('.')[0];
    const pod = this.pod(podName);
    if (!host.includes(`.${namespace}.`)) throw new Error(`${host} is not in namespace ${namespace}`);
    this.addresses.set(host, `127.0.0.1:${pod.port}`);
    return `127.0.0.1:${pod.port}`;
  }

  private statefulSetOf(podName: string): K8sObject {
    const stsName = podName.slice(0, podName.lastIndexOf('-'));
    const sts = this.objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === stsName);
    if (!sts) throw new Error(`no StatefulSet for ${podName}`);
    return sts;
  }

  private ensureDir(podName: string, sub: string): string {
    const dir = path.join(this.dir, podName, sub);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }
}
