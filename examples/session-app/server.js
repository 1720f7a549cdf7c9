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
  const redis = redisFromEnv(env);
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
    close: () => new Promise((resolve) => server.close(() => redis.quit().finally(resolve))),
  };
}

module.exports = { createApp, redisFromEnv };

if (require.main === module) {
  const app = createApp();
  const port = Number(process.env.PORT || 8080);
  app.server.listen(port, () => console.log(`session-app listening on ${port}`));
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => app.close().then(() => process.exit(0)));
  }
}
