import { e2e, REDIS, SENTINELS, sleep, Store } from './redis-faults';

// Recoveries: a cold restart after a failover, Sentinels restarted while the primary is down (test/redis-faults.ts)
jest.setTimeout(180_000);

e2e('cold restart after a failover', (flavour) => {
  const store = new Store(flavour);
  afterAll(() => store.h.close());

  test('pod 0 fails, a replica is promoted, writes continue, every pod is recreated: no acknowledged write is lost', async () => {
    await store.boot();
    const before = Array.from({ length: 30 }, (_, i) => `session:before-${i}`);
    for (const k of before) expect(store.waited('sessions-0', k, 2)).toBe(true);

    // pod 0 (the primary) fails; the Sentinels promote a replica
    await store.h.kill('sessions-0');
    const promoted = await store.settled(['sessions-1', 'sessions-2']);
    expect(promoted).not.toBe('sessions-0');
    // writes continue on the promoted primary, acknowledged by the remaining replica
    const after = Array.from({ length: 30 }, (_, i) => `session:after-${i}`);
    for (const k of after) expect(store.waited(promoted, k, 1)).toBe(true);
    await sleep(1500); // appendfsync everysec: on disk within a second

    // every pod is deleted and created again (node-pool upgrade, power loss): only volumes survive
    for (const pod of [...REDIS, ...SENTINELS]) await store.h.recreate(pod);
    // both StatefulSets create their pods in parallel
    await Promise.all([...REDIS, ...SENTINELS].map((p) => store.h.start(p, { wait: false })));
    const primary = await store.settled(REDIS, 90_000);

    // the promoted node comes back as primary, unless the Sentinels fail over again during the recovery (on a busy
    // machine the promoted pod can miss sentinelDownAfter while it loads its data): either way the old primary
    // did not elect itself, and no acknowledged write is lost (below)
    expect(REDIS).toContain(primary);
    expect(store.h.pod('sessions-0').log).toContain('this node holds data and no Sentinel reports a primary yet');
    // it joined the primary the Sentinels named (not itself)
    const joined = /Sentinels report the primary 127\.0\.0\.1:(\d+)/.exec(store.h.pod('sessions-0').log);
    expect(joined?.[1]).toBeDefined();
    expect(joined?.[1]).not.toBe(String(store.port('sessions-0')));
    // every acknowledged write is on every node
    for (const pod of REDIS) {
      await store.h.waitFor(() => store.missing(pod, [...before, ...after]).length === 0, 30_000, `${pod} to hold every write`);
    }
  });
});

e2e('two of three Sentinels restarted while the primary is down', (flavour) => {
  const store = new Store(flavour);
  afterAll(() => store.h.close());

  test('the restarted majority, on fresh volumes, still promotes a replica; the acknowledged session survives', async () => {
    await store.boot();
    expect(store.waited('sessions-0', 'session:rider-7', 2)).toBe(true);

    await store.h.kill('sessions-0');
    // two Sentinels are rescheduled onto new, empty volumes while the primary is down: they can learn the
    // replicas neither from their saved state nor from the primary
    for (const s of ['sessions-sentinel-0', 'sessions-sentinel-1']) {
      await store.h.recreate(s);
      store.h.wipeVolumes(s);
    }
    await Promise.all(['sessions-sentinel-0', 'sessions-sentinel-1'].map((s) => store.h.start(s)));
    const started = Date.now();
    const promoted = await store.settled(['sessions-1', 'sessions-2'], 60_000);
    // eslint-disable-next-line no-console
    console.log(`restarted Sentinels: ${promoted} promoted ${Date.now() - started} ms after they started`);
    expect(['sessions-1', 'sessions-2']).toContain(promoted);
    expect(store.cli(promoted, ['GET', 'session:rider-7'])).toBe('v');
  });
});
