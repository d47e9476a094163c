import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../config/load-config';

/** Identity of this process in a cluster: id, version and start time. */
export class NodeInfo {
  readonly version: string;
  readonly startedAt = Date.now();
  readonly id: string;
  /** Where this node is reached (node.publicUrl, else the address it listens on); set once it listens. */
  address: string | null = null;
  /** Flipped by the shutdown path; /readyz reports not-ready while draining. */
  isDraining = false;

  constructor(configuredId: string) {
    this.id = configuredId || `node-${randomBytes(4).toString('hex')}`;
    this.version = (JSON.parse(readFileSync(resolve(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  }

  uptimeSeconds(): number {
    return Math.round((Date.now() - this.startedAt) / 1000);
  }
}
