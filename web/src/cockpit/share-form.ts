import { h, replace, uid } from '../shared/dom';
import { toast } from '../shared/toast';

interface Invitable { userId: string; name: string; role: string; teams: string[]; availability: 'online' | 'extended' }
interface InvitableList { people: Invitable[]; teams: Array<{ id: string; name: string }> }
type Ask = (event: string, data: object, what: string) => Promise<unknown>;

/** How long a fetched list of invitable people is shown before the form asks again. */
const FRESH_MS = 5000;

/**
 * The owner's Share form: invite a representative picked from `people.invitable` (logged in, or with
 * extended availability: they get an email), any representative of a team, or an external person by
 * name (one-time link). It lives as long as the session view, so a re-render keeps what was picked.
 */
export class ShareForm {
  readonly el: HTMLFormElement;
  private readonly kind = h('select', { id: uid('share-kind'), 'data-key': 'share-kind' },
    h('option', { value: 'representative' }, 'Representative'), h('option', { value: 'team' }, 'Team (any representative)'), h('option', { value: 'external' }, 'External (one-time)'));
  private readonly person = h('select', { id: uid('share-who'), 'data-key': 'share-who' });
  private readonly team = h('select', { id: uid('share-team'), 'data-key': 'share-team', 'aria-label': 'Team', hidden: true });
  private readonly name = h('input', { id: uid('share-name'), 'data-key': 'share-name', autocomplete: 'off', placeholder: 'Their name', 'aria-label': 'Their name', hidden: true });
  /** Team ids for the Transfer form's input too (its `list`). */
  private readonly teamIds = h('datalist', { id: 'share-teams' });
  private readonly fieldset: HTMLFieldSetElement;
  private loadedAt = 0;

  constructor(private readonly ask: Ask) {
    const who = h('label', { for: this.person.id }, 'Who');
    this.fieldset = h('fieldset', null,
      h('legend', null, 'Share'),
      h('div', { class: 'field' }, h('label', { for: this.kind.id }, 'With'), this.kind),
      h('div', { class: 'field' }, who, this.person, this.team, this.name),
      this.teamIds,
      h('button', { type: 'submit', 'data-key': 'share-send' }, 'Invite'));
    this.el = h('form', null, this.fieldset);
    this.kind.addEventListener('change', () => {
      const k = this.kind.value;
      this.person.hidden = k !== 'representative';
      this.team.hidden = k !== 'team';
      this.name.hidden = k !== 'external';
      who.htmlFor = (k === 'team' ? this.team : k === 'external' ? this.name : this.person).id;
    });
    this.person.addEventListener('focus', () => void this.load());
    this.el.addEventListener('submit', (ev) => { ev.preventDefault(); void this.invite(); });
    this.fill({ people: [], teams: [] });
  }

  /** The form for this render: enabled for the owner; the list is fetched again once it is a few seconds old. */
  render(enabled: boolean): HTMLFormElement {
    this.fieldset.disabled = !enabled;
    if (enabled && Date.now() - this.loadedAt > FRESH_MS) void this.load();
    return this.el;
  }

  private async load(): Promise<void> {
    this.loadedAt = Date.now();
    const list = (await this.ask('people.invitable', {}, 'Invitable people')) as InvitableList | null;
    if (list) this.fill(list);
  }

  private fill(list: InvitableList): void {
    const picked = this.person.value;
    const pickedTeam = this.team.value;
    replace(this.person, list.people.length === 0 ? h('option', { value: '' }, 'Nobody is available') : list.people.map((p) =>
      h('option', { value: p.userId }, `${p.name} · ${p.availability === 'online' ? 'online' : 'by email'}${p.teams.length ? ` · ${p.teams.join(', ')}` : ''}`)));
    replace(this.team, list.teams.map((t) => h('option', { value: t.id }, t.name)));
    replace(this.teamIds, list.teams.map((t) => h('option', { value: t.id }, t.name)));
    if (list.people.some((p) => p.userId === picked)) this.person.value = picked;
    if (list.teams.some((t) => t.id === pickedTeam)) this.team.value = pickedTeam;
  }

  private async invite(): Promise<void> {
    const k = this.kind.value;
    const field = k === 'team' ? this.team : k === 'external' ? this.name : this.person;
    const v = field.value.trim();
    if (!v) { field.focus(); return; }
    const label = field instanceof HTMLSelectElement ? field.selectedOptions[0]?.textContent?.split(' · ')[0] ?? v : v;
    const target = k === 'team' ? { kind: 'team', teamId: v } : k === 'external' ? { kind: 'external', name: v } : { kind: 'representative', userId: v };
    const ack = (await this.ask('session.invite', { target }, 'Share')) as { link?: string } | null;
    if (ack) {
      this.name.value = '';
      toast(ack.link ? `One-time link for ${label}: ${ack.link}` : `Invitation sent to ${label}.`, 'success');
      void this.load();
    }
  }
}
