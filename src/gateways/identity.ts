import type { Sender } from '../protocol/inbound-events';

/** Who is on a connection, from their token. Resolved once at upgrade. */
export interface Identity {
  /** person: a technician/supervisor/admin; agent: a desktop agent; customer: the customer panel of an agent's desktop. */
  kind: 'person' | 'agent' | 'customer';
  /** Username for people; agent id for agents and customer panels. */
  id: string;
  name: string;
  role: string;
  teams: string[];
  /** On a customer panel: the directory user who signed in on it (docs/realms.md). */
  user?: string;
  /** Token expiry, epoch seconds. */
  exp: number;
}

/** The sender classes an identity may act as (the agent relays its customer's answers). */
export function sendersOf(identity: Identity): Sender[] {
  switch (identity.kind) {
    case 'person': return identity.role === 'customer' ? ['customer'] : ['technician'];
    case 'agent': return ['agent', 'customer'];
    case 'customer': return ['customer'];
  }
}
