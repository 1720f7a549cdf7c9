import { RiskCode, RiskDescription } from '../warnings';

/**
 * Words that say a variable holds a secret when they end its name (`DB_PASSWORD`, `auth-token`; not
 * `PASSWORD_MIN_LENGTH`); words are split at "_", "-" and ".". Two-word names count at the end too (`STRIPE_API_KEY`),
 * and `SECRET_KEY` anywhere (`SECRET_KEY_BASE`).
 */
const SECRET_WORDS = new Set(['PASSWORD', 'PASSWD', 'PWD', 'SECRET', 'TOKEN', 'APIKEY', 'PRIVATEKEY', 'CREDENTIALS', 'CREDENTIAL']);
const SECRET_PAIRS = new Set(['API_KEY', 'PRIVATE_KEY', 'ACCESS_KEY', 'SECRET_KEY', 'CLIENT_SECRET']);

/** Whether a variable name says it holds a secret. */
export function isSecretName(name: string): boolean {
  const words = name.toUpperCase().split(/[-_.]+/).filter((w) => w !== '');
  const last = words.length - 1;
  if (last < 0) return false;
  if (SECRET_WORDS.has(words[last])) return true;
  if (last > 0 && SECRET_PAIRS.has(`${words[last - 1]}_${words[last]}`)) return true;
  return words.some((w, i) => i > 0 && `${words[i - 1]}_${w}` === 'SECRET_KEY');
}

/** `ENV_SECRET_LITERAL` for each variable of `env` whose name says it is a secret and whose value is a literal. */
export function secretLiteralRisks(owner: string, env: { [name: string]: string }): RiskDescription[] {
  const names = Object.keys(env).filter((name) => isSecretName(name) && env[name] !== '');
  if (names.length === 0) return [];
  return [{
    code: RiskCode.ENV_SECRET_LITERAL,
    message:
      `${owner} sets ${names.join(', ')} to a literal value in env: the value is written into the synthesized YAML, ` +
      'so it is in the GitOps repository and readable by anyone who can read the Deployment.',
    remedy: 'Keep the value in a Secret and add the variable with container.env.addVariable(name, EnvValue.fromSecretValue({ secret, key })).',
  }];
}
