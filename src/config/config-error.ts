/** A configuration value that cannot be used. The process reports it in one line and exits 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly key: string,
    readonly value: unknown,
    readonly expected: string,
    readonly source: string,
  ) {
    super(`config: ${key}=${JSON.stringify(value)} (from ${source}) is invalid: expected ${expected}`);
  }
}
