import { isHostName, PropChecker } from '../prop-checks';

/**
 * How the Redis behind a session store is organised.
 */
export enum RedisTopology {
  /** One Redis server. Simple, and a single point of failure for every session. */
  STANDALONE = 'standalone',
  /** One primary, replicas, and Redis Sentinels that promote a replica when the primary fails. */
  SENTINEL = 'sentinel',
}

/**
 * Everything a client needs to reach a session store. Never contains a password:
 * only the Secret that holds it.
 */
export interface SessionStoreConnection {
  /** Standalone or Sentinel. */
  readonly topology: RedisTopology;
  /**
   * Standalone: host name of the Redis server.
   * Sentinel: host name of the Service in front of all Sentinels.
   */
  readonly host: string;
  /** Port on `host` (Redis: 6379, Sentinel: 26379 by convention). */
  readonly port: number;
  /**
   * Sentinel only: every Sentinel as `host:port`, for clients that take a list.
   * @default - none (standalone)
   */
  readonly sentinels?: string[];
  /**
   * Sentinel only: the name of the monitored master set.
   * @default - none (standalone)
   */
  readonly sentinelMasterName?: string;
  /** Whether clients must connect with TLS. */
  readonly tls: boolean;
  /** Name of the Secret holding the password. */
  readonly passwordSecretName: string;
  /** Key in that Secret. */
  readonly passwordSecretKey: string;
  /**
   * Sentinel only: whether the Sentinels require the same password (Redis 6.2+ `requirepass` on Sentinel).
   * @default false
   */
  readonly sentinelRequiresPassword?: boolean;
  /** Whether the store runs outside the cluster (managed Redis); this library synthesizes nothing for it. */
  readonly external: boolean;
  // the optional primary endpoint (src/session/primary-endpoint.ts)
  /**
   * Sentinel only: host name of the store's primary endpoint (`<store>-primary`, an HAProxy in front of the
   * current primary), for clients without Sentinel support.
   * @default - none (no primary endpoint)
   */
  readonly primaryEndpointHost?: string;
  /**
   * Port of the primary endpoint.
   * @default - none (no primary endpoint)
   */
  readonly primaryEndpointPort?: number;
}

/**
 * A client that binds to a session store.
 */
export interface SessionStoreClient {
  /** Name of the client app (used in labels and messages). */
  readonly name: string;
  /**
   * Namespace of the client's pods.
   * @default - the namespace of the store
   */
  readonly namespace?: string;
}

/**
 * What a client must carry to be let in.
 */
export interface SessionStoreAccess {
  /**
   * Labels the client's pods must carry; the store's NetworkPolicy admits pods with them.
   * @default - none (the store is not guarded by a NetworkPolicy of this library)
   */
  readonly podLabels?: { [key: string]: string };
  /**
   * The client's own user (Redis 6+ / Valkey ACL), on the Redis servers and, in the Sentinel topology, on the
   * Sentinels.
   * @default - no user name: the client authenticates with the password only (the `default` user)
   */
  readonly username?: string;
  /**
   * The Secret holding the client's own password.
   * @default - the connection's `passwordSecretName`
   */
  readonly passwordSecretName?: string;
  /**
   * Key of the password in that Secret.
   * @default - the connection's `passwordSecretKey`
   */
  readonly passwordSecretKey?: string;
  /**
   * The only key prefix the client may read and write; its session library must be configured to use it
   * (the presets pass it on).
   * @default - no restriction
   */
  readonly keyPrefix?: string;
}

/**
 * A session store an app can bind to.
 */
export interface ISessionStore {
  /** How to reach the store. */
  readonly connection: SessionStoreConnection;

  /**
   * Admit a client. Called once per binding app (and its canaries share the binding).
   */
  grantAccess(client: SessionStoreClient): SessionStoreAccess;
}

/**
 * Props of `SessionStore.external`.
 */
export interface ExternalSessionStoreProps {
  /** Host name of the managed Redis endpoint, or of its Sentinel endpoint when `sentinelMasterName` is set. */
  readonly host: string;
  /**
   * Port of the endpoint.
   * @default 6379, or 26379 with `sentinelMasterName`
   */
  readonly port?: number;
  /**
   * Whether to connect with TLS. Managed Redis offerings (ElastiCache with in-transit encryption, Memorystore
   * with TLS, Azure Cache) expect it.
   * @default true
   */
  readonly tls?: boolean;
  /** Name of the Secret (in the app's namespace) that holds the password or auth token. */
  readonly passwordSecretName: string;
  /**
   * Key in that Secret.
   * @default "password"
   */
  readonly passwordSecretKey?: string;
  /**
   * The Sentinel master set name, for a managed Sentinel deployment.
   * @default - not Sentinel
   */
  readonly sentinelMasterName?: string;
}

/**
 * Session stores that this library does not run.
 */
export class SessionStore {
  /**
   * Bind apps to a managed Redis (ElastiCache, Memorystore, Azure Cache, ...). Synthesizes nothing.
   */
  public static external(props: ExternalSessionStoreProps): ISessionStore {
    return new ExternalSessionStore(props);
  }

  private constructor() {}
}

class ExternalSessionStore implements ISessionStore {
  public readonly connection: SessionStoreConnection;

  constructor(props: ExternalSessionStoreProps) {
    const check = new PropChecker('SessionStore.external');
    check.nonBlank('host', props.host, 'Pass the endpoint host name of the managed Redis, e.g. "sessions.abc123.cache.amazonaws.com".');
    if (/[:/\s]/.test(props.host)) {
      check.fail('host', 'must be a host name only', props.host, 'Remove the scheme, port and path; pass the port as \'port\'.');
    }
    // the host becomes part of REDIS_URL: "redis.example.com#x" would make a URL fragment
    if (!isHostName(props.host.toLowerCase().replace(/\.$/, '')) || props.host.startsWith('*.')) {
      check.fail('host', 'must be a DNS name or an IPv4 address', props.host, 'Pass the endpoint host name of the managed Redis, e.g. "sessions.abc123.cache.amazonaws.com".');
    }
    if (props.tls !== undefined && typeof props.tls !== 'boolean') {
      check.fail('tls', 'must be true or false', props.tls, 'Pass a boolean (the string "false" is not false).');
    }
    check.integer('port', props.port, 1, 65535, 'Use the TCP port of the endpoint, usually 6379 (Redis) or 26379 (Sentinel).');
    check.nonBlank('passwordSecretName', props.passwordSecretName, 'Name the Secret that holds the auth token, e.g. "sessions-auth"; create it with External Secrets, Sealed Secrets or kubectl.');
    if (props.passwordSecretKey !== undefined && (typeof props.passwordSecretKey !== 'string' || !/^[-._a-zA-Z0-9]+$/.test(props.passwordSecretKey))) {
      check.fail('passwordSecretKey', 'must be a Secret key (letters, digits, "-", "_", ".")', props.passwordSecretKey, 'Use e.g. "password" or "auth-token".');
    }
    check.objectName('passwordSecretName', props.passwordSecretName, 'sessions-auth');
    if (props.sentinelMasterName !== undefined) {
      check.nonBlank('sentinelMasterName', props.sentinelMasterName, 'Pass the master set name, e.g. "mymaster", or leave it out for a plain endpoint.');
    }
    const sentinel = props.sentinelMasterName !== undefined;
    const port = props.port ?? (sentinel ? 26379 : 6379);
    this.connection = {
      topology: sentinel ? RedisTopology.SENTINEL : RedisTopology.STANDALONE,
      host: props.host,
      port,
      sentinels: sentinel ? [`${props.host}:${port}`] : undefined,
      sentinelMasterName: props.sentinelMasterName,
      tls: props.tls ?? true,
      passwordSecretName: props.passwordSecretName,
      passwordSecretKey: props.passwordSecretKey ?? 'password',
      sentinelRequiresPassword: false,
      external: true,
    };
  }

  public grantAccess(_client: SessionStoreClient): SessionStoreAccess {
    return {};
  }
}
