export * from './session.state';
export * from './session.commands';
export * from './session.events';
export { decide } from './session.decider';
export { evolve, replay } from './session.evolve';
export { viewFor, viewerRole, eventFor } from './session.view';
export type { SessionView, MemberView, InvitationView, ViewerRole } from './session.view';
export { authorizeInput, authorizePointer, authorizeAnnotation, screenRecipients, screenVisible, sessionVisibleTo } from './session.authorize';
export { isInvitee, inviteePersonKey } from './session-sharing.rules';
