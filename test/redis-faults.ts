import { RedisSessionStore, RedisTopology } from '../src';
import { StoreHarness, describeOnFlavours, Flavour } from './support/redis-harness';
import { K8sObject, newChart, synth } from './support/synth';

/**
 * The store under faults, shared by test/redis-faults.test.ts and test/redis-faults-stall.test.ts (two files, so
 * Jest runs them side by side). Data loss and availability under faults, on real redis-server / redis-sentinel with the
 * configuration exactly as synthesized (test/support/redis-harness.ts). Each test counts the writes the store
 * acknowledged before the fault and finds them after recovery.
 *
 * "Acknowledged" has two strengths here, as in the README's store section:
 * - a WAITed write: SET, then `WAIT <replicas> <timeout>` answered with the number of replicas asked for;
 * - a plain write: SET answered OK.
 */
export const PASSWORD = 'fault-injection pa55';
const SECRETS = { 'sessions-auth': { password: PASSWORD } };
export const e2e = (name: string, body: (flavour: Flavour) => void) => describeOnFlavours(name, body);
export const REDIS = ['sessions-0', 'sessions-1', 'sessions-2'];
export const SENTINELS = ['sessions-sentinel-0', 'sessions-sentinel-1', 'sessions-sentinel-2'];


function sentinelStore(): K8sObject[] {
  const chart = newChart('shop');
  new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL });
  return synth(chart);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Store {
  public readonly h: StoreHarness;
  constructor(flavour: Flavour) {
    this.h = new StoreHarness(sentinelStore(), SECRETS, flavour);
  }

  public async boot(): Promise<void> {
    await this.h.allocate();
    await Promise.all([...REDIS, ...SENTINELS].map((p) => this.h.start(p)));
    await this.settled(REDIS);
  }

  public port(pod: string): number {
    return this.h.pod(pod).port;
  }

  public cli(pod: string, args: string[], input?: string): string {
    return this.h.cli(this.port(pod), args, PASSWORD, input);
  }

  public role(pod: string): string {
    return this.cli(pod, ['ROLE']).split('\n')[0];
  }

  /** The pod every answering Sentinel names as primary, when they agree. */
  public agreedPrimary(sentinels = SENTINELS): string | undefined {
    const answers = sentinels.map((s) => this.cli(s, ['SENTINEL', 'get-master-addr-by-name', 'mymaster']).split('\n'));
    const ports = new Set(answers.map((a) => a[1]));
    if (ports.size !== 1) return undefined;
    return REDIS.find((p) => String(this.port(p)) === [...ports][0]);
  }

  /** Every Sentinel agrees on one primary, it acts as primary, and every other running server replicates from it in sync. */
  public async settled(running: string[], timeoutMs = 60_000): Promise<string> {
    let primary: string | undefined;
    await this.h.waitFor(
      () => {
        primary = this.agreedPrimary();
        if (!primary || !running.includes(primary) || this.role(primary) !== 'master') return false;
        const online = (this.cli(primary, ['INFO', 'replication']).match(/state=online/g) ?? []).length;
        return online === running.length - 1;
      },
      timeoutMs,
      `the Sentinels to agree on a primary with ${running.length - 1} replicas online\n${this.h.logs()}`,
    );
    return primary!;
  }

  /** SET then WAIT for `replicas` on one connection: whether the write was acknowledged by that many replicas. */
  public waited(pod: string, key: string, replicas: number): boolean {
    const reply = this.cli(pod, [], `SET ${key} v\nWAIT ${replicas} 5000\n`).split('\n');
    return reply[0] === 'OK' && Number(reply[1]) >= replicas;
  }

  public missing(pod: string, keys: string[]): string[] {
    return keys.filter((k) => this.cli(pod, ['EXISTS', k]) !== '1');
  }
}
