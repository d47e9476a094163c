import type { Bus, Unsubscribe } from '../cluster/ports';

/** The binary side of the bus as the media layer uses it. */
export interface BinaryBus {
  /** True when the store carries bytes as they are; false when they travel as base64 text. */
  readonly isNative: boolean;
  publish(channel: string, message: Uint8Array): Promise<void>;
  subscribe(channel: string, handler: (message: Buffer) => void): Promise<Unsubscribe>;
}

/**
 * The bus's own binary channels when it has them (MemoryStore, RedisStore), else base64 over text
 * channels named `b64:<channel>` (a third of the bytes more, and an encode and a decode per batch:
 * see bench/relay.js `--cross-node` for what that costs).
 */
export function binaryBus(bus: Bus): BinaryBus {
  if (bus.publishBuffer && bus.subscribeBuffer) {
    const publish = bus.publishBuffer.bind(bus);
    const subscribe = bus.subscribeBuffer.bind(bus);
    return { isNative: true, publish, subscribe };
  }
  return {
    isNative: false,
    publish: (channel, message) => bus.publish(`b64:${channel}`, Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString('base64')),
    subscribe: (channel, handler) => bus.subscribe(`b64:${channel}`, (text) => handler(Buffer.from(text, 'base64'))),
  };
}
