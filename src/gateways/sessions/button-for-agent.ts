import type { TandemConfig } from '../../config/config.schema';
import type { SupportButton } from '../../domain';

/** What the agent keeps of a Support Button (`support-button.installed`, the `agent.hello` ack's `entryPoints`). */
export interface AgentButton {
  buttonId: string;
  name: string;
  profile: string;
  /** The profile's title and description as configured now; the button's name when its profile is gone. */
  title: string;
  description: string;
  queue: SupportButton['queue'];
  /** The queue as the customer reads it: the team's name, or the representative's display name. */
  queueName: string;
  expiresAt: number;
}

/**
 * A deployed button as its agent shows it: the profile's title and description are read from the
 * configuration each time (supportButtons.profiles), so an edited title reaches the desktop the next time
 * its agent connects. The store keeps only the profile's id.
 */
export function buttonForAgent(b: SupportButton, config: TandemConfig, displayNameOf: (userId: string) => string | undefined): AgentButton {
  const profile = Object.prototype.hasOwnProperty.call(config.supportButtons.profiles, b.profile) ? config.supportButtons.profiles[b.profile] : undefined;
  const q = b.queue;
  const queueName = q.kind === 'team' ? config.teams.find((t) => t.id === q.teamId)?.name || q.teamId : displayNameOf(q.userId) ?? q.userId;
  return {
    buttonId: b.buttonId, name: b.name, profile: b.profile, title: profile?.title ?? b.name, description: profile?.description ?? '',
    queue: { ...q }, queueName, expiresAt: b.expiresAt,
  };
}

/** The configured profiles in their order, as the cockpit's deploy form offers them. */
export function profileList(config: TandemConfig): { id: string; title: string; description: string }[] {
  return Object.entries(config.supportButtons.profiles).map(([id, p]) => ({ id, title: p.title, description: p.description }));
}
