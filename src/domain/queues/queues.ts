import { Actor, ActorRef, toRef } from '../common/actor';
import { Decision, accept, reject } from '../common/decision';
import { QueueRef, queueKey, queueVisibleTo } from '../common/queue-ref';

export { queueKey, queueVisibleTo } from '../common/queue-ref';
export type { QueueRef } from '../common/queue-ref';

/** A session waiting in a queue. */
export interface QueueEntry { sessionId: string; queue: QueueRef; since: number }

/** Team queues and personal queues: which session waits where. A session waits in at most one queue. */
export interface QueuesState { seq: number; entries: Record<string, QueueEntry> }

export type QueueCommand =
  | { type: 'Enqueue'; sessionId: string; queue: QueueRef }
  | { type: 'Take'; sessionId: string }
  | { type: 'RemoveFromQueue'; sessionId: string };

interface Base { seq: number; actor: ActorRef; at: number }
export type QueueEvent =
  | (Base & { type: 'SessionEnqueued'; sessionId: string; queue: QueueRef })
  | (Base & { type: 'SessionDequeued'; sessionId: string; queue: QueueRef; taken: boolean });

export function initialQueuesState(): QueuesState {
  return { seq: 0, entries: {} };
}

/**
 * Enqueue (the server, when a session is held, transferred or opened), take (a representative who may see
 * the queue) and remove (the server, when the session ends or is taken elsewhere).
 */
export function decideQueue(state: QueuesState, command: QueueCommand, actor: Actor, now: number): Decision<QueueEvent> {
  const base = { seq: state.seq + 1, actor: toRef(actor), at: now };
  const entry = state.entries[command.sessionId];
  switch (command.type) {
    case 'Enqueue':
      return accept([{ ...base, type: 'SessionEnqueued', sessionId: command.sessionId, queue: command.queue }]);
    case 'Take':
      if (!entry) return reject('NOT_QUEUED');
      if (!queueVisibleTo(entry.queue, actor)) return reject('NOT_QUEUE_MEMBER');
      return accept([{ ...base, type: 'SessionDequeued', sessionId: command.sessionId, queue: entry.queue, taken: true }]);
    case 'RemoveFromQueue':
      if (!entry) return reject('NOT_QUEUED');
      return accept([{ ...base, type: 'SessionDequeued', sessionId: command.sessionId, queue: entry.queue, taken: false }]);
    default:
      return reject('UNKNOWN_COMMAND');
  }
}

/** Applies a queue event. Total. */
export function evolveQueues(state: QueuesState, event: QueueEvent): QueuesState {
  const seq = typeof event?.seq === 'number' ? Math.max(state.seq, event.seq) : state.seq;
  switch (event?.type) {
    case 'SessionEnqueued':
      return { seq, entries: { ...state.entries, [event.sessionId]: { sessionId: event.sessionId, queue: event.queue, since: event.at } } };
    case 'SessionDequeued': {
      const { [event.sessionId]: _gone, ...entries } = state.entries;
      return { seq, entries };
    }
    default:
      return state;
  }
}

/** The sessions waiting in one queue, oldest first. */
export function queueContents(state: QueuesState, queue: QueueRef): QueueEntry[] {
  const key = queueKey(queue);
  return Object.values(state.entries).filter((e) => queueKey(e.queue) === key).sort((a, b) => a.since - b.since || a.sessionId.localeCompare(b.sessionId));
}

/** Every waiting session this actor may see (their team queues and personal queue; all for an admin). */
export function queuesVisibleTo(state: QueuesState, actor: Actor): QueueEntry[] {
  return Object.values(state.entries).filter((e) => queueVisibleTo(e.queue, actor)).sort((a, b) => a.since - b.since || a.sessionId.localeCompare(b.sessionId));
}
