import '../shared/dialog.css';
import { ask } from '../shared/dialog';
import { h, replace } from '../shared/dom';
import type { SessionState } from '../shared/protocol';
import { toast, toastError } from '../shared/toast';
import type { Cockpit } from './cockpit';
import { CONSENT_TEXT } from './jump-list';

/** A Jump Group as `jump-group.list` answers. */
export interface JumpGroupView { groupId: string; name: string; consent: 'notify' | 'ask'; userIds: string[]; teams: string[] }
/** A deployed Support Button as `support-button.list` answers. */
export interface SupportButtonView {
  buttonId: string; name: string; profile: string; agentId: string; expiresAt: number; deployedBy: string; expired: boolean;
  /** The server's answer to "may I remove it": who deployed it, a supervisor of its queue's team, an admin. */
  mayRemove?: boolean;
  queue: { kind: 'team'; teamId: string } | { kind: 'personal'; userId: string };
}

/** A Support Button profile the administrator configured (`supportButtons.profiles`), as `support-button.list` answers. */
export interface ButtonProfileView { id: string; title: string; description: string }

/** Tells the Jump list that pins changed (it refreshes itself). */
export const JUMP_CHANGED = 'tandem:jump-changed';
const DAY_MS = 24 * 3600 * 1000;

function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hint ? h('p', { class: 'hint' }, hint) : null);
}

/** `YYYY-MM-DD` of a time, in local time (what a date input shows). */
function dateValue(t: number): string {
  const d = new Date(t);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * A modal form in a native `<dialog>`: resolves with the form's values on submit, null on cancel. The
 * caller's `submit` may refuse (returns false) to keep the dialog open.
 */
function formDialog(title: string, testId: string, body: HTMLElement[], confirm: string, submit: () => Promise<boolean>): Promise<boolean> {
  return new Promise((resolve) => {
    const ok = h('button', { class: 'primary', type: 'submit' }, confirm);
    const cancel = h('button', { type: 'button' }, 'Cancel');
    const form = h('form', { class: 'dialog-form' }, h('h3', { id: `${testId}-title` }, title), body, h('div', { class: 'dialog-actions' }, cancel, ok));
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': `${testId}-title`, 'data-testid': testId }, form);
    let done = false;
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      ok.disabled = true;
      void submit().then((accepted) => {
        ok.disabled = false;
        if (accepted) { done = true; dialog.close(); }
      });
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => { dialog.remove(); resolve(done); });
    document.body.appendChild(dialog);
    dialog.showModal();
  });
}

/**
 * The session's entry points (issue #12, BeyondTrust's "Pin Jump Client" and "Deploy Support Button"):
 * pin this desktop as a Jump Client to my personal list or a Jump Group I may use (`jump.pin`), deploy a
 * Support Button with a name, expiry, profile and queue (`support-button.deploy`), and the buttons on this
 * desktop with Remove (`support-button.remove`, confirmed). The server decides; this only asks.
 */
export class EntryPointsPanel {
  readonly el: HTMLElement;
  private readonly pinBtn = h('button', { type: 'button', 'data-key': 'jump-pin' }, 'Pin as Jump Client…');
  private readonly deployBtn = h('button', { type: 'button', 'data-key': 'button-deploy' }, 'Deploy support button…');
  private readonly list = h('ul', { class: 'list button-list', 'aria-label': 'Support buttons on this desktop' });
  private readonly hint = h('p', { class: 'hint' });
  private state: SessionState | null = null;
  private buttons: SupportButtonView[] = [];
  private profiles: ButtonProfileView[] = [];
  private loadedFor: string | null = null;

  constructor(private readonly app: Cockpit, private readonly sessionId: string) {
    this.pinBtn.addEventListener('click', () => void this.pin());
    this.deployBtn.addEventListener('click', () => void this.deploy());
    this.el = h('div', { class: 'stack entry-points' },
      h('fieldset', null, h('legend', null, 'Jump Client'),
        h('p', { class: 'hint' }, 'Pin this desktop for unattended access later, to your personal list or to a Jump Group. Ending the session does not unpin it.'),
        h('div', { class: 'row' }, this.pinBtn)),
      h('fieldset', null, h('legend', null, 'Support buttons'),
        h('p', { class: 'hint' }, 'A Support Button on this desktop lets the customer start a session straight into a queue until it expires.'),
        h('div', { class: 'row' }, this.deployBtn), this.list, this.hint));
  }

  /** Called with every new session state: enables the actions and loads the buttons once a desktop is there. */
  update(state: SessionState | null): void {
    this.state = state;
    const agentId = state?.details?.agentId ?? null;
    // Only the session's owner (or an admin) pins this desktop or deploys on it; the server refuses others (NOT_OWNER).
    const mayAct = state?.you === 'owner' || this.app.user.role === 'admin';
    const usable = mayAct && state?.status === 'active' && !!agentId && state.customer?.connected !== false;
    this.pinBtn.hidden = !mayAct;
    this.deployBtn.hidden = !mayAct;
    this.pinBtn.disabled = !usable;
    this.deployBtn.disabled = !usable;
    this.hint.textContent = !agentId ? 'Available once the customer\'s agent is in the session.'
      : !mayAct ? 'Only the session owner pins this desktop or deploys a Support Button on it.'
        : state?.customer?.connected === false ? 'The customer was disconnected from this session.'
          : usable ? '' : 'Available while the session is active.';
    if (agentId && this.loadedFor !== agentId) {
      this.loadedFor = agentId;
      void this.refresh();
    }
  }

  /** The desktop's host name (from the online list), else the customer's name. */
  private host(): string {
    const agentId = this.state?.details?.agentId;
    return this.app.agents.find((a) => a.agentId === agentId)?.hostname || this.state?.customer?.name || 'this desktop';
  }

  async refresh(): Promise<void> {
    try {
      const reply = await this.app.conn.ask<{ buttons: SupportButtonView[]; profiles?: ButtonProfileView[] }>('support-button.list', { sessionId: this.sessionId });
      this.buttons = reply.buttons;
      this.profiles = reply.profiles ?? [];
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'FORBIDDEN') toastError(err, 'Loading the support buttons');
      this.buttons = [];
    }
    this.render();
  }

  private render(): void {
    if (this.buttons.length === 0) return replace(this.list, h('li', { class: 'empty' }, 'No support button on this desktop.'));
    replace(this.list, this.buttons.map((b) => h('li', { class: 'member button-row', 'data-button': b.name },
      h('span', { class: 'grow' },
        h('div', null, b.name),
        h('div', { class: 'small muted' }, `${b.queue.kind === 'team' ? `Team ${b.queue.teamId}` : `Personal queue of ${b.queue.userId}`} · ${this.profileTitle(b.profile)} · ${b.expired ? 'expired' : `until ${new Date(b.expiresAt).toLocaleDateString()}`}`)),
      b.expired ? h('span', { class: 'badge' }, 'Expired') : h('span', { class: 'badge primary' }, 'Live'),
      b.mayRemove ? h('button', { class: 'small danger', type: 'button', 'aria-label': `Remove ${b.name}`, onclick: () => void this.remove(b) }, 'Remove') : null)));
  }

  /** A profile as the list names it: its title, or its id when it is no longer configured. */
  private profileTitle(id: string): string {
    const p = this.profiles.find((x) => x.id === id);
    return p ? `“${p.title}”` : `profile ${id}`;
  }

  private async remove(b: SupportButtonView): Promise<void> {
    const yes = await ask({ title: `Remove “${b.name}”?`, body: [`The Support Button is uninstalled from ${this.host()}; the customer can no longer start sessions with it.`], confirm: 'Remove', danger: true });
    if (yes === null) return;
    try {
      await this.app.conn.ask('support-button.remove', { buttonId: b.buttonId });
      toast(`Support button “${b.name}” removed.`, 'success');
    } catch (err) {
      toastError(err, 'Remove support button');
    }
    await this.refresh();
  }

  private async pin(): Promise<void> {
    let groups: JumpGroupView[] = [];
    try {
      groups = (await this.app.conn.ask<{ groups: JumpGroupView[] }>('jump-group.list')).groups;
    } catch (err) {
      return toastError(err, 'Loading the Jump Groups');
    }
    const location = h('select', { id: 'pin-location', 'data-key': 'pin-location' },
      h('option', { value: 'personal' }, 'My personal list (only me)'),
      groups.map((g) => h('option', { value: `group:${g.groupId}` }, `${g.name} — ${CONSENT_TEXT[g.consent].toLowerCase()}`)));
    const consent = h('select', { id: 'pin-consent', 'data-key': 'pin-consent' },
      h('option', { value: 'ask' }, CONSENT_TEXT.ask), h('option', { value: 'notify' }, CONSENT_TEXT.notify));
    const consentField = field('When I start a session', consent);
    const about = h('p', { class: 'hint', role: 'status' });
    const sync = (): void => {
      const g = groups.find((x) => `group:${x.groupId}` === location.value);
      consentField.hidden = !!g;
      about.textContent = g ? `${g.name}: ${[...g.teams.map((t) => `team ${t}`), ...g.userIds].join(', ') || 'no members'} may start sessions; the group's policy applies (${CONSENT_TEXT[g.consent].toLowerCase()}).` : 'Only you see it in your Jump list.';
    };
    location.addEventListener('change', sync);
    sync();
    await formDialog(`Pin ${this.host()} as a Jump Client`, 'pin-dialog', [
      h('p', { class: 'muted' }, 'The agent stays installed and reconnects by itself, so this desktop can be reached later without the user starting a session.'),
      field('Location', location), about, consentField,
    ], 'Pin', async () => {
      const loc = location.value === 'personal' ? { kind: 'personal' } : { kind: 'group', groupId: location.value.slice('group:'.length) };
      try {
        await this.app.conn.ask('jump.pin', { sessionId: this.sessionId, location: loc, ...(loc.kind === 'personal' ? { consent: consent.value } : {}) });
        toast(`${this.host()} pinned to ${location.selectedOptions[0]?.textContent?.split(' — ')[0] ?? 'the Jump list'}.`, 'success');
        document.dispatchEvent(new CustomEvent(JUMP_CHANGED));
        return true;
      } catch (err) {
        toastError(err, 'Pin Jump Client');
        return false;
      }
    });
  }

  private async deploy(): Promise<void> {
    const name = h('input', { id: 'btn-name', 'data-key': 'btn-name', maxlength: 80, required: true, value: `Help from ${this.app.user.displayName}` });
    const expiry = h('input', { id: 'btn-expiry', 'data-key': 'btn-expiry', type: 'date', required: true, min: dateValue(Date.now() + DAY_MS), value: dateValue(Date.now() + 30 * DAY_MS) });
    // The profiles the administrator configured (the server refuses another: UNKNOWN_PROFILE), by title.
    if (this.profiles.length === 0) await this.refresh();
    if (this.profiles.length === 0) return toast('No Support Button profile is available: the server sent none.', 'error');
    const profile = h('select', { id: 'btn-profile', 'data-key': 'btn-profile', required: true },
      this.profiles.map((p) => h('option', { value: p.id }, p.title)));
    const about = h('p', { class: 'hint', role: 'status', 'data-key': 'btn-profile-about' });
    const sync = (): void => {
      const p = this.profiles.find((x) => x.id === profile.value);
      about.textContent = p?.description ? `${p.description} The customer sees this title on the button.` : 'The customer sees this title on the button.';
    };
    profile.addEventListener('change', sync);
    sync();
    const queue = h('select', { id: 'btn-queue', 'data-key': 'btn-queue' },
      this.app.user.teams.map((t) => h('option', { value: `team:${t}` }, `Team ${t}`)),
      h('option', { value: 'personal' }, 'My personal queue'));
    await formDialog(`Deploy a Support Button on ${this.host()}`, 'deploy-dialog', [
      field('Name', name, 'What the customer sees on the button.'),
      field('Expires on', expiry, 'The customer can start sessions with it until the end of this day.'),
      h('div', { class: 'field' }, h('label', { for: 'btn-profile' }, 'Profile'), profile, about),
      field('Queue', queue, 'Sessions started with the button wait in this queue.'),
    ], 'Deploy', async () => {
      const [y, m, d] = expiry.value.split('-').map(Number);
      const expiresAt = new Date(y!, (m ?? 1) - 1, d ?? 1, 23, 59, 59).toISOString();
      const q = queue.value === 'personal' ? { kind: 'representative', userId: this.app.me } : { kind: 'team', teamId: queue.value.slice('team:'.length) };
      try {
        await this.app.conn.ask('support-button.deploy', { sessionId: this.sessionId, name: name.value.trim(), profile: profile.value, queue: q, expiresAt });
        toast(`Support button “${name.value.trim()}” deployed on ${this.host()}.`, 'success');
        return true;
      } catch (err) {
        toastError(err, 'Deploy support button');
        return false;
      }
    });
    await this.refresh();
  }
}
