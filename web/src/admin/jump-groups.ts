import { Connection } from '../shared/connection';
import { h, replace } from '../shared/dom';
import { toast, toastError } from '../shared/toast';
import './jump-groups.css';

/** A Jump Group as `jump-group.list` answers (an administrator sees them all). */
export interface JumpGroupInfo { groupId: string; name: string; consent: 'notify' | 'ask'; userIds: string[]; teams: string[] }

const CONSENT: Record<JumpGroupInfo['consent'], string> = { notify: 'Starts at once with a notice', ask: 'Asks the user first' };
const list = (raw: string): string[] => raw.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

/**
 * The admin console's Jump Groups tab (issue #12): every group with its consent policy and members, and a
 * form that defines a group or changes one (same id) at runtime (`jump-group.define` over /ws/console; the
 * admin REST API has no jump groups). Its element stays across refreshes so a half-filled form survives.
 */
export class JumpGroupsTab {
  readonly el = h('div', { class: 'stack jump-groups-tab' });
  groups: JumpGroupInfo[] = [];
  private loaded = false;
  private readonly conn: Connection;
  private readonly table = h('div', { class: 'table-wrap' });
  private readonly form: HTMLFormElement;
  private readonly id = h('input', { id: 'jg-id', required: true, pattern: '[A-Za-z0-9_-]{1,64}', autocomplete: 'off', placeholder: 'front-office' });
  private readonly name = h('input', { id: 'jg-name', required: true, maxlength: 80, autocomplete: 'off', placeholder: 'Front office' });
  private readonly consent = h('select', { id: 'jg-consent' }, h('option', { value: 'notify' }, CONSENT.notify), h('option', { value: 'ask' }, CONSENT.ask));
  private readonly teams = h('input', { id: 'jg-teams', autocomplete: 'off', placeholder: 'helpdesk, network' });
  private readonly users = h('input', { id: 'jg-users', autocomplete: 'off', placeholder: 'alice, bob' });

  constructor(token: string) {
    this.conn = new Connection(token);
    this.conn.onOpen(() => void this.load().then(() => this.view()).catch(() => undefined));
    this.conn.connect();
    const field = (label: string, control: HTMLElement): HTMLElement => h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
    this.form = h('form', { class: 'jg-form', 'aria-label': 'Define a Jump Group' }, h('h4', null, 'Define or change a group'),
      h('div', { class: 'row wrap' }, field('Id', this.id), field('Name', this.name), field('Consent policy', this.consent)),
      h('div', { class: 'row wrap' }, field('Teams (members by team)', this.teams), field('Users', this.users),
        h('button', { class: 'primary', type: 'submit' }, 'Save group')),
      h('p', { class: 'small muted' }, 'Saving an existing id changes that group. Members may pin desktops to the group and start unattended sessions on them under its policy.'));
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.save();
    });
  }

  /** Reads the groups (every console refresh, once connected). */
  async load(): Promise<void> {
    if (this.conn.status !== 'open') return;
    this.groups = (await this.conn.ask<{ groups: JumpGroupInfo[] }>('jump-group.list')).groups;
    this.loaded = true;
  }

  private async save(): Promise<void> {
    const group = { groupId: this.id.value.trim(), name: this.name.value.trim(), consent: this.consent.value, teams: list(this.teams.value), userIds: list(this.users.value) };
    try {
      await this.conn.ask('jump-group.define', group);
      toast(`Jump Group “${group.name}” saved.`, 'success');
      for (const i of [this.id, this.name, this.teams, this.users]) i.value = '';
      await this.load();
      this.view();
    } catch (err) {
      toastError(err, 'Save Jump Group');
    }
  }

  private edit(g: JumpGroupInfo): void {
    this.id.value = g.groupId;
    this.name.value = g.name;
    this.consent.value = g.consent;
    this.teams.value = g.teams.join(', ');
    this.users.value = g.userIds.join(', ');
    this.name.focus();
  }

  view(): HTMLElement {
    const rows = this.groups.map((g) => h('tr', { 'data-group': g.groupId },
      h('td', null, h('div', { class: 'cell-main' }, g.name), h('div', { class: 'small muted mono' }, g.groupId)),
      h('td', null, h('span', { class: `badge ${g.consent === 'notify' ? 'warn' : 'primary'}` }, CONSENT[g.consent])),
      h('td', null, g.teams.length ? g.teams.map((t) => `team ${t}`).join(', ') : '—'),
      h('td', null, g.userIds.length ? g.userIds.join(', ') : '—'),
      h('td', { class: 'actions' }, h('button', { class: 'small', type: 'button', 'aria-label': `Edit ${g.name}`, onclick: () => this.edit(g) }, 'Edit'))));
    replace(this.table, h('table', { class: 'data', 'aria-label': 'Jump Groups' },
      h('thead', null, h('tr', null, ['Group', 'Consent policy', 'Teams', 'Users', ''].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, rows.length ? rows : h('tr', { class: 'empty-row' }, h('td', { colspan: 5 }, this.loaded ? 'No Jump Group yet: define one below.' : 'Loading…')))));
    if (!this.el.firstChild) {
      replace(this.el, h('section', { class: 'card admin-card' },
        h('header', { class: 'admin-card-head' }, h('div', null, h('h3', null, 'Jump Groups'),
          h('p', { class: 'small muted' }, 'Who may pin desktops as Jump Clients to a group and start unattended sessions on them, and how such a session starts.'))),
        this.table, this.form));
    }
    return this.el;
  }

  close(): void {
    this.conn.close();
  }
}
