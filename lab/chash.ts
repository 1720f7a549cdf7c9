/* eslint-disable no-bitwise -- CRC-32 and 32-bit ring arithmetic, as chash.c computes them */
/**
 * The consistent-hash ring of ingress-nginx's `affinity-mode: balanced`, computed: `sticky_balanced.lua`
 * (kubernetes/ingress-nginx controller-v1.15.1, rootfs/etc/nginx/lua/balancer/) builds `resty_chash:new(nodes)` over
 * `util.get_nodes(backend.endpoints)` (one node per endpoint, named `<address>:<port>`, weight 1), and looks a user's
 * random key up with `instance:find(key)`. resty.chash is openresty/lua-resty-balancer v0.05 (the version
 * images/nginx/rootfs/build.sh builds, `LUA_RESTY_BALANCER=v0.05`):
 *
 * - lib/resty/chash.lua `_precompute`: `CONSISTENT_POINTS = 160` points per server of weight 1, from
 *   `base_hash = bxor(crc32(tostring(id)), 0xffffffff)`, then `chash_point_sort`;
 * - chash.c `chash_point_init_crc`: point i is the CRC-32 continued from `base_hash` over the 4 bytes (little-endian)
 *   of point i-1 (0 for the first), then finalised, i.e. crc32(id .. le32(previous point));
 * - lib/resty/chash.lua `_find_id` / `find`: `crc32(key)`, then the first point whose hash is >= it, or the first
 *   point of the ring. `crc32` is `ngx.crc32_short`, the standard CRC-32 (IEEE 802.3, as zlib).
 *
 * The lab's nginx stands in with `hash ... consistent` (ketama, another ring); this file gives the re-pinned share of
 * the real ring for the same scale-out, without a proxy.
 */

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE) of bytes, continuing from a raw (not finalised) state. */
function crcUpdate(state: number, bytes: Uint8Array): number {
  let c = state >>> 0;
  for (const b of bytes) c = (TABLE[(c ^ b) & 0xff] ^ (c >>> 8)) >>> 0;
  return c >>> 0;
}

/** `ngx.crc32_short`: the standard CRC-32 of a string's UTF-8 bytes. */
export function crc32(value: string): number {
  return (crcUpdate(0xffffffff, Buffer.from(value, 'utf8')) ^ 0xffffffff) >>> 0;
}

/** Points per server of weight 1 (`CONSISTENT_POINTS`). */
export const CONSISTENT_POINTS = 160;

interface Point {
  readonly hash: number;
  readonly node: string;
}

/** The ring of resty.chash over endpoints of weight 1. */
export class RestyChash {
  private readonly points: Point[];

  constructor(nodes: readonly string[]) {
    const points: Point[] = [];
    for (const node of nodes) {
      const base = (crc32(node) ^ 0xffffffff) >>> 0;
      let previous = 0;
      for (let i = 0; i < CONSISTENT_POINTS; i++) {
        const bytes = new Uint8Array([previous & 0xff, (previous >>> 8) & 0xff, (previous >>> 16) & 0xff, (previous >>> 24) & 0xff]);
        const hash = (crcUpdate(base, bytes) ^ 0xffffffff) >>> 0;
        points.push({ hash, node });
        previous = hash;
      }
    }
    this.points = points.sort((a, b) => a.hash - b.hash);
  }

  /** The endpoint of a key: the first point at or after crc32(key), wrapping to the first. */
  public find(key: string): string {
    return this.owner(crc32(key));
  }

  /** The endpoint that owns a hash. */
  public owner(hash: number): string {
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid].hash >= hash) hi = mid;
      else lo = mid + 1;
    }
    return (this.points[lo] ?? this.points[0]).node;
  }

  /** The hashes where ownership can change: every point (a hash owns up to and including its point). */
  public boundaries(): number[] {
    return this.points.map((p) => p.hash);
  }
}

/**
 * The share of all keys (of the 2^32 hashes, exactly) that the ring over `after` sends to another endpoint than the ring
 * over `before`: the re-pinned share of a scale-out for users whose keys are random, as sticky_balanced's are.
 */
export function repinnedShare(before: readonly string[], after: readonly string[]): number {
  const a = new RestyChash(before);
  const b = new RestyChash(after);
  const cuts = [...new Set([...a.boundaries(), ...b.boundaries()])].sort((x, y) => x - y);
  let moved = 0;
  let from = 0;
  // each interval (from, cut] has one owner in each ring; the one after the last cut wraps to the first points
  for (const cut of cuts) {
    if (a.owner(cut) !== b.owner(cut)) moved += cut - from + (from === 0 ? 1 : 0);
    from = cut;
  }
  if (a.owner(0xffffffff) !== b.owner(0xffffffff)) moved += 0xffffffff - from;
  return moved / 2 ** 32;
}

/** Endpoints `10.<a>.<b>.<c>:8080`, as pod addresses, from a seeded generator. */
export function randomEndpoints(count: number, next: () => number): string[] {
  const out = new Set<string>();
  while (out.size < count) out.add(`10.${Math.floor(next() * 256)}.${Math.floor(next() * 256)}.${1 + Math.floor(next() * 254)}:8080`);
  return [...out];
}

/**
 * The mean re-pinned share of a scale-out from c to n endpoints over `sets` random endpoint sets (the c endpoints stay,
 * n-c are added), and the lowest and highest share seen.
 */
export function meanRepinnedShare(c: number, n: number, sets: number, seed: number): { mean: number; min: number; max: number } {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  let sum = 0;
  let min = 1;
  let max = 0;
  for (let i = 0; i < sets; i++) {
    const endpoints = randomEndpoints(n, next);
    const share = repinnedShare(endpoints.slice(0, c), endpoints);
    sum += share;
    min = Math.min(min, share);
    max = Math.max(max, share);
  }
  return { mean: sum / sets, min, max };
}
