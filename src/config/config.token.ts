/** Nest injection token for the validated TandemConfig. */
export const CONFIG = Symbol('TANDEM_CONFIG');
