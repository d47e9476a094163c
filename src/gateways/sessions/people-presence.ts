import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Store } from '../../cluster/ports';
import { NodeInfo } from '../../node/node-info';
import type { Connection } from '../connection';
import { ConnectionRegistry } from '../connection-registry';
import { HandlerRegistry } from '../handler-registry';
import { NodeRegistry } from './node-registry';
import { STORE } from './tokens';

const connsKey = (userId: string): string => `person:${userId}:conns`;
const isStaff = (c: Connection): boolean => c.endpoint === 'console' && c.identity.kind === 'person' && c.identity.role !== 'customer' && c.identity.role !== 'external';

/**
 * Which representatives are logged in, on any node: every console connection of a technician, supervisor
 * or admin is a member `<node>/<connection>` of a set in the store (as agents' connections are), and a
 * member whose node stopped beating no longer counts.
 */
@Injectable()
export class PeoplePresence implements OnModuleInit {
  private readonly logger = new Logger('people-presence');

  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly connections: ConnectionRegistry,
    private readonly nodes: NodeRegistry,
    private readonly node: NodeInfo,
    @Inject(STORE) private readonly store: Store,
  ) {}

  onModuleInit(): void {
    this.handlers.onOpen((conn) => {
      if (isStaff(conn)) void this.store.kv.setAdd(connsKey(conn.identity.id), `${this.node.id}/${conn.id}`).catch((err: unknown) => this.logger.warn({ err }, `presence add failed ${conn.describe()}`));
    });
    this.handlers.onClose((conn) => {
      if (isStaff(conn)) void this.store.kv.setRemove(connsKey(conn.identity.id), `${this.node.id}/${conn.id}`).catch((err: unknown) => this.logger.warn({ err }, `presence remove failed ${conn.describe()}`));
    });
  }

  /** True when the person has a console connection here or on a live node. */
  async isOnline(userId: string): Promise<boolean> {
    if (this.connections.ofIdentity('person', userId).some(isStaff)) return true;
    for (const member of await this.store.kv.setMembers(connsKey(userId))) {
      const [nodeId, connId] = member.split('/');
      if (nodeId === this.node.id) {
        // This node's own connections are known exactly: a member left by a crash before a restart is stale.
        if (this.connections.list().some((c) => c.id === connId)) return true;
      } else if (nodeId && (await this.nodes.isAlive(nodeId))) {
        return true;
      }
      await this.store.kv.setRemove(connsKey(userId), member);
    }
    return false;
  }
}
