import { RiskCode, RiskDescription } from '../warnings';

/**
 * Name parts that say a variable holds a secret. A name matches when one of them is a whole word of it (words are
 * split at "_", "-" and "."), or, for API_KEY and friends, two adjacent words.
 */
const SECRET_WORDS = new Set(['PASSWORD', 'PASSWD', 'PWD', 'SECRET', 'TOKEN', 'APIKEY', 'PRIVATEKEY', 'CREDENTIALS', 'CREDENTIAL']);
const SECRET_PAIRS = new Set(['API_KEY', 'PRIVATE_KEY', 'ACCESS_KEY', 'SECRET_KEY', 'CLIENT_SECRET']);

/** Whether a variable name says it holds a secret (`DB_PASSWORD`, `STRIPE_API_KEY`, `auth-token`). */
export function isSecretName(name: string): boolean {
  const words = name.toUpperCase().split(/[-_.]+/).filter((w) => w !== '');
  if (words.some((w) => SECRET_WORDS.has(w))) return true;
  return words.some((w, i) => i > 0 && SECRET_PAIRS.has(`${words[i - 1]}_${w}`));
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
