'use strict';
/**
 * The seed's HelloWorldServlet, made stateless: POST stores `lang` in the user's session, GET reads it
 * back, and the session lives in Redis, so any replica can serve any request.
 *
 * It reads exactly the environment variables that StatelessWebApp injects with the generic preset
 * (SessionEnvPreset.GENERIC):
 *   standalone: REDIS_URL (redis:// or rediss://), REDIS_PASSWORD
 *   Sentinel:   REDIS_SENTINELS (host:port,...), REDIS_SENTINEL_MASTER, REDIS_PASSWORD, REDIS_SENTINEL_PASSWORD, REDIS_TLS
 *   and, with a RedisSessionStore (one ACL user per app): REDIS_USERNAME, REDIS_SENTINEL_USERNAME, REDIS_KEY_PREFIX
 * plus PORT (default 8080) and SESSION_TTL_SECONDS (default 1800).
 *
 * Optional, for the affinity lab (lab/, docs/affinity-lab.md); unset, the app behaves as above:
 *   HOST=<address>        listen on this address only. Default: all interfaces.
 *   SESSION_STORE=memory  keep sessions in this process's memory (what a sticky app does; they die with it).
 *                         Default: redis.
 *   SERVICE_TIME_MS=<ms>  a bounded per-instance capacity: one serialized worker holds every request
 *                         (except /healthz) for a fixed service time, so queueing, not the machine's
 *                         cores, decides latency. Default: 0 (no limit).
 *   QUEUE_LIMIT=<n>       with SERVICE_TIME_MS, answer 503 at once when n requests already wait (a full
 *                         backlog drops requests). Default: 0 (unbounded).
 */
const crypto = require('node:crypto');
const http = require('node:http');
const os = require('node:os');
const Redis = require('ioredis');

const SESSION_COOKIE = 'sid';

/** A Redis client from the StatelessWebApp environment. */
function redisFromEnv(env) {
  const password = env.REDIS_PASSWORD || undefined;
  // a RedisSessionStore gives each app its own ACL user and key prefix (REDIS_USERNAME, REDIS_KEY_PREFIX)
  const username = env.REDIS_USERNAME || undefined;
  const keyPrefix = env.REDIS_KEY_PREFIX || '';
  if (env.REDIS_SENTINELS) {
    const sentinels = env.REDIS_SENTINELS.split(',').map((entry) => {
      const at = entry.lastIndexOf(':');
      return { host: entry.slice(0, at), port: Number(entry.slice(at + 1)) };
    });
    const tls = env.REDIS_TLS === 'true' ? {} : undefined;
    return new Redis({
      sentinels,
      name: env.REDIS_SENTINEL_MASTER,
      username,
      password,
      keyPrefix,
      sentinelUsername: env.REDIS_SENTINEL_USERNAME || undefined,
      sentinelPassword: env.REDIS_SENTINEL_PASSWORD || undefined,
      tls,
      enableTLSForSentinelMode: Boolean(tls),
      // after a failover, reconnect to the primary the Sentinels name (never write to a demoted one)
      failoverDetector: true,
    });
  }
  if (env.REDIS_URL) {
    return new Redis(env.REDIS_URL, { username, password, keyPrefix });
  }
  throw new Error('No session store configured: set REDIS_URL, or REDIS_SENTINELS and REDIS_SENTINEL_MASTER (StatelessWebApp injects them).');
}

/**
 * Sessions in this process's memory (SESSION_STORE=memory), behind the few ioredis calls the handler
 * makes (ping, hget, expire, multi().hset().expire().exec(), quit), so the handler is the same in both modes.
 */
function memorySessions() {
  const sessions = new Map(); // key -> { fields, expiresAt }
  const live = (key) => {
    const s = sessions.get(key);
    if (s && s.expiresAt <= Date.now()) sessions.delete(key);
    return sessions.get(key);
  };
  const store = {
    ping: async () => 'PONG',
    hget: async (key, field) => {
      const s = live(key);
      return s && field in s.fields ? s.fields[field] : null;
    },
    hset: async (key, field, value) => {
      const s = live(key) || { fields: {}, expiresAt: Infinity };
      s.fields[field] = String(value);
      sessions.set(key, s);
      return 1;
    },
    expire: async (key, seconds) => {
      const s = live(key);
      if (!s) return 0;
      s.expiresAt = Date.now() + seconds * 1000;
      return 1;
    },
    multi: () => {
      const ops = [];
      const chain = {
        hset: (...args) => (ops.push(() => store.hset(...args)), chain),
        expire: (...args) => (ops.push(() => store.expire(...args)), chain),
        exec: async () => {
          const out = [];
          for (const op of ops) out.push([null, await op()]);
          return out;
        },
      };
      return chain;
    },
    quit: async () => 'OK',
  };
  return store;
}

/** The session store the environment asks for: Redis (default) or this process's memory. */
function sessionStoreFromEnv(env) {
  const kind = env.SESSION_STORE || 'redis';
  if (kind === 'memory') return memorySessions();
  if (kind === 'redis') return redisFromEnv(env);
  throw new Error(`SESSION_STORE must be "redis" or "memory", got "${kind}".`);
}

class Overloaded extends Error {}

/**
 * A bounded per-instance capacity (SERVICE_TIME_MS, QUEUE_LIMIT): one worker, a FIFO queue, and a fixed
 * service time per request. `admit()` resolves when the worker has spent the service time on this
 * request, or rejects with Overloaded when the queue is full. Without SERVICE_TIME_MS it admits at once.
 */
function capacityFromEnv(env) {
  const serviceMs = Number(env.SERVICE_TIME_MS || 0);
  const queueLimit = Number(env.QUEUE_LIMIT || 0);
  for (const [name, value] of [['SERVICE_TIME_MS', serviceMs], ['QUEUE_LIMIT', queueLimit]]) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number of ${name === 'QUEUE_LIMIT' ? 'requests' : 'milliseconds'} >= 0, got "${env[name]}".`);
  }
  if (serviceMs === 0) return { admit: async () => undefined, stats: () => ({ serviceMs, queueLimit, waiting: 0, served: 0, dropped: 0 }) };
  const waiting = [];
  let busy = false;
  let served = 0;
  let dropped = 0;
  const next = () => {
    const done = waiting.shift();
    if (!done) {
      busy = false;
      return;
    }
    busy = true;
    setTimeout(() => {
      served++;
      done();
      next();
    }, serviceMs);
  };
  return {
    admit: () =>
      new Promise((resolve, reject) => {
        if (queueLimit > 0 && waiting.length >= queueLimit) {
          dropped++;
          return reject(new Overloaded(`${waiting.length} requests already waiting`));
        }
        waiting.push(resolve);
        if (!busy) next();
      }),
    stats: () => ({ serviceMs, queueLimit, waiting: waiting.length, served, dropped }),
  };
}

function cookies(req) {
  const out = {};
  for (const part of (req.headers.cookie || '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 4096) reject(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function createApp(env = process.env) {
  const redis = sessionStoreFromEnv(env);
  const capacity = capacityFromEnv(env);
  const ttl = Number(env.SESSION_TTL_SECONDS || 1800);
  const instance = env.INSTANCE_NAME || os.hostname();

  const server = http.createServer(async (req, res) => {
    const send = (status, text, headers = {}) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-served-by': instance, ...headers });
      res.end(text + '\n');
    };
    try {
      const url = new URL(req.url, 'http://localhost');
      if (url.pathname === '/healthz') {
        return (await redis.ping()) === 'PONG' ? send(200, 'ok') : send(503, 'session store unavailable');
      }
      try {
        await capacity.admit();
      } catch (err) {
        if (err instanceof Overloaded) return send(503, `overloaded: ${err.message}`, { 'retry-after': '1' });
        throw err;
      }
      let sid = cookies(req)[SESSION_COOKIE];
      const headers = {};
      if (!sid || !/^[0-9a-f]{32}$/.test(sid)) {
        sid = crypto.randomBytes(16).toString('hex');
        headers['set-cookie'] = `${SESSION_COOKIE}=${sid}; Path=/; HttpOnly; SameSite=Lax`;
      }
      const key = `session:${sid}`;
      if (req.method === 'POST') {
        const lang = new URLSearchParams(await readBody(req)).get('lang') || url.searchParams.get('lang');
        if (!lang) return send(400, 'lang is required', headers);
        await redis.multi().hset(key, 'lang', lang).expire(key, ttl).exec();
        return send(200, `Language: ${lang}`, headers);
      }
      if (req.method === 'GET') {
        const lang = await redis.hget(key, 'lang');
        if (lang !== null) await redis.expire(key, ttl);
        return send(200, `Language: ${lang}`, headers);
      }
      return send(405, 'method not allowed', { allow: 'GET, POST' });
    } catch (err) {
      return send(503, `session store error: ${err.message}`);
    }
  });

  return {
    server,
    redis,
    capacity,
    close: () => new Promise((resolve) => server.close(() => redis.quit().finally(resolve))),
  };
}

module.exports = { createApp, redisFromEnv, sessionStoreFromEnv, capacityFromEnv };

if (require.main === module) {
  const app = createApp();
  const port = Number(process.env.PORT || 8080);
  // HOST (optional, e.g. 127.0.0.1 in the affinity lab): the address to listen on; default all interfaces, as in a pod
  app.server.listen(port, process.env.HOST || undefined, () => console.log(`session-app listening on ${process.env.HOST || ''}:${port}`));
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => app.close().then(() => process.exit(0)));
  }
}
