import { Construct, IConstruct } from 'constructs';
import { PropChecker } from '../prop-checks';

const ID = 'cdk8s-stateless.SessionSecretNames';

/**
 * The password Secrets the session stores of one App read, by namespace and name, with who reads each: a store
 * (its own password) or a bound app (its ACL user's password). Two parties that would read one Secret are
 * refused, naming both: an app's pods would otherwise hold another store's admin password. Kept on one construct
 * at the root of the App, so each claim is one lookup, whatever the size of the App.
 * @internal
 */
export class SecretNames extends Construct {
  /** The index of the App that `scope` belongs to. */
  public static of(scope: IConstruct): SecretNames {
    const root = scope.node.root;
    return (root.node.tryFindChild(ID) as SecretNames | undefined) ?? new SecretNames(root as Construct, ID);
  }

  private readonly owners = new Map<string, { readonly owner: string; readonly store: boolean }>();

  /**
   * Record that `owner` reads the Secret `name` in `namespace`. `store` marks a store's own password Secret:
   * several stores may share one (one password for both), but an app never shares a Secret with anyone.
   */
  public claim(namespace: string | undefined, name: string, owner: string, check: PropChecker, prop: string, fix: string, store = false): void {
    const key = `${namespace ?? ''}/${name}`;
    const other = this.owners.get(key);
    if (other && other.owner !== owner && !(other.store && store)) {
      check.fail(
        prop,
        `is "${name}"${namespace ? ` in namespace "${namespace}"` : ''} for ${owner}, and ${other.owner} reads the same Secret: ` +
          `${store || other.store ? 'the app\'s pods would hold that store\'s password' : 'the two apps would share one password'}`,
        name,
        fix,
      );
    }
    this.owners.set(key, other ?? { owner, store });
  }
}
