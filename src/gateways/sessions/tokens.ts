/** Nest injection tokens of the realtime layer. */
export const STORE = Symbol('tandem.store');
export const CLOCK = Symbol('tandem.clock');
export type Clock = () => number;
