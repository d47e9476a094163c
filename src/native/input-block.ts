/**
 * Holding the customer's physical keyboard and mouse on X11 while XTest injection still works
 * (native/src/input-block.h; docs/native.md, "Blocking the customer's input"). No policy here: the
 * agent blocks and releases as the session state says.
 */
import type { NativeX11InputBlock, NativeX11TestDevice } from './binding';
import { call, checkInt, NativeArgumentError, NativeError } from './index';

export interface InputBlockStatus {
  blocked: boolean;
  /** The names of the devices held now (e.g. "Xvfb keyboard", "AT Translated Set 2 keyboard"). */
  devices: string[];
}

/** Why a block ended without being asked to: the customer's emergency keys, or the display went away. */
export type InputBlockEndReason = 'emergency-key' | 'display-lost';

/** The emergency release the customer can always use: Escape pressed three times within 3 seconds. */
export const EMERGENCY_RELEASE = 'Esc Esc Esc';

export interface InputBlockHandlers {
  /** The block ended on its own (the devices are free again). */
  onReleased(reason: InputBlockEndReason): void;
  /** A device plugged in while blocked is held too. */
  onGrabbed?(device: string): void;
}

/**
 * One X connection with its own thread; `block()` and `release()` are idempotent. Closing the
 * connection (stop(), process exit, kill -9) always lets the devices go: the X server drops a dead
 * client's grabs.
 */
export class X11InputBlock {
  private native?: NativeX11InputBlock;

  constructor(readonly display: string, handlers: InputBlockHandlers) {
    if (!display) throw new NativeError('DISPLAY_UNAVAILABLE', 'no X display: set DISPLAY or pass --display');
    this.native = call((b) => new b.X11InputBlock(display, (kind, detail) => {
      if (kind === 'released') handlers.onReleased(detail === 'display-lost' ? 'display-lost' : 'emergency-key');
      else if (kind === 'grabbed') handlers.onGrabbed?.(detail);
    }));
  }

  /** Holds every keyboard and pointer except the injection devices; throws `GRAB_FAILED` when none could be held. */
  block(): InputBlockStatus {
    const native = this.open();
    return call(() => native.block());
  }

  release(): void {
    this.native?.release();
  }

  status(): InputBlockStatus {
    return this.native ? call(() => this.native!.status()) : { blocked: false, devices: [] };
  }

  stop(): void {
    this.native?.stop();
    this.native = undefined;
  }

  private open(): NativeX11InputBlock {
    if (!this.native) throw new NativeError('CLOSED', 'the input block is closed');
    return this.native;
  }
}

/**
 * Test-only: a customer's own keyboard and mouse, as a second X client sees them. Its events go
 * through the XTEST slaves of an extra master pair named `name` (created when missing), never through
 * the agent's injection devices. The pair has its own cursor; its keyboard focus follows that cursor.
 */
export class X11TestDevice {
  private native?: NativeX11TestDevice;

  constructor(readonly display: string, name: string) {
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(name)) throw new NativeArgumentError('name', 'must be 1-31 lowercase letters, digits or dashes');
    this.native = call((b) => new b.X11TestDevice(display, name));
  }

  /** Moves this device's pointer to root coordinates. */
  move(x: number, y: number): void {
    checkInt('x', x, 0, 32767);
    checkInt('y', y, 0, 32767);
    const n = this.open();
    call(() => n.move(x, y));
  }

  button(button: number, down: boolean): void {
    checkInt('button', button, 1, 9);
    const n = this.open();
    call(() => n.button(button, down === true));
  }

  key(keysym: number, down: boolean): void {
    checkInt('keysym', keysym, 1, 0x1fffffff);
    const n = this.open();
    call(() => n.key(keysym, down === true));
  }

  /** Presses and releases each keysym in turn. */
  tap(...keysyms: number[]): void {
    for (const k of keysyms) {
      this.key(k, true);
      this.key(k, false);
    }
  }

  click(x: number, y: number, button = 1): void {
    this.move(x, y);
    this.button(button, true);
    this.button(button, false);
  }

  close(): void {
    this.native?.close();
    this.native = undefined;
  }

  private open(): NativeX11TestDevice {
    if (!this.native) throw new NativeError('CLOSED', 'the test device is closed');
    return this.native;
  }
}
