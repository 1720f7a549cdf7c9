/**
 * Bad input: what a `ValidationError` says about it.
 */
export interface ValidationErrorDetails {
  /** The construct, by its path in the construct tree (e.g. `StatelessWebApp 'shop/web'`), or the factory called (e.g. `TrafficProvider.gatewayApi`). */
  readonly where: string;
  /** The prop at fault, e.g. `cookie.maxAge`. */
  readonly prop: string;
  /** The value received, as shown in the message. */
  readonly received: string;
  /** What to do instead. */
  readonly fix: string;
  /** The whole message. */
  readonly message: string;
}

const MARK = Symbol.for('cdk8s-stateless.ValidationError');

/**
 * Bad input to a construct of this library, thrown in the constructor before anything is synthesized.
 *
 * Not exported as a class (jsii cannot export a subclass of `Error` to other languages): use
 * `StatelessErrors.isValidationError(e)` and `StatelessErrors.details(e)`.
 * @internal
 */
export class ValidationError extends Error {
  public readonly details: ValidationErrorDetails;

  constructor(where: string, prop: string, problem: string, received: string, fix: string) {
    const message = `${where}: '${prop}' ${problem}, got ${received}. ${fix}`;
    super(message);
    Object.setPrototypeOf(this, ValidationError.prototype);
    Object.defineProperty(this, MARK, { value: true });
    this.name = 'ValidationError';
    this.details = { where, prop, received, fix, message };
  }
}

/**
 * Tell bad input from a bug: every error this library throws for bad input is a validation error,
 * with the construct path, the prop, the value received and the fix. Anything else is a bug.
 */
export class StatelessErrors {
  /** Whether `x` is a validation error of this library (also across two loaded copies of it). */
  public static isValidationError(x: any): boolean {
    return x !== null && typeof x === 'object' && x[MARK] === true;
  }

  /** The parts of a validation error, or undefined when `x` is not one. */
  public static details(x: any): ValidationErrorDetails | undefined {
    return StatelessErrors.isValidationError(x) ? (x as ValidationError).details : undefined;
  }

  private constructor() {}
}
