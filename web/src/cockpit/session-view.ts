import { base64Bytes, bytesBase64 } from '../shared/base64';
import { clock, h, initials, replace, uid } from '../shared/dom';
import { bytes, describeEvent, eventKind } from '../shared/event-text';
import { keysymOf } from '../shared/keysym';
import { END_REASON, MODE_LABEL, sessionModeLabel, type Mode, type SessionState } from '../shared/protocol';
import { RtcViewer } from '../shared/rtc-viewer';
import { ScreenRenderer } from '../shared/screen-renderer';
import type { SessionModel } from '../shared/sessions';
import { toast, toastError } from '../shared/toast';
import type { Cockpit } from './cockpit';
import { QualityIndicator, type MediaQuality } from './quality-indicator';
import { mountShellPanel } from './shell-panel';
import { mountFilePanel } from './file-panel';
import { EntryPointsPanel } from './entry-points-panel';
import { RecordingControl } from './recording-control';
import { ShareForm } from './share-form';

type Tab = 'activity' | 'chat' | 'files' | 'people' | 'admin';

/** What the customer copied: text, or a PNG image (base64). */
export type ClipContent = { mime: 'text/plain'; text: string } | { mime: 'image/png'; data: string };

/** sessionStorage key prefix of a resume token handed to a window opened for one monitor. */
export const OPEN_KEY = 'tandem.open.';
const ROLE_LABEL: Record<string, string> = { owner: 'Owner', participant: 'Participant', observer: 'Observer', external: 'External', staff: 'Staff', invitee: 'Invited', none: 'Not a member', customer: 'Customer' };

/**
 * One session in the cockpit: header with status and mode, the remote screen, the toolbar (control, mode,
 * laser pointer, fullscreen, monitor), and the side panel (timeline, chat, people, admin). Every enabled
 * state comes from the last `session.state` (you, ownerId, controllerId, mode, elevated).
 */
export class SessionView {
  readonly el: HTMLElement;
  readonly renderer: ScreenRenderer;
  /** WebRTC video of the screen, preferred when it plays; the canvas (tiles) stays underneath as the input surface and the fallback. */
  readonly rtc: RtcViewer;
  private readonly canvas = h('canvas', { width: 1280, height: 720, tabindex: 0, 'aria-label': 'Remote screen', class: 'hidden' });
  private readonly stage = h('div', { class: 'stage' });
  private readonly stageMsg = h('div', { class: 'stage-msg', role: 'status' });
  private readonly head = h('div', { class: 'session-head' });
  private readonly banner = h('div', { class: 'banner', role: 'status', hidden: true });
  private readonly toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Screen tools' });
  private readonly timeline = h('ol', { class: 'timeline', 'aria-label': 'Session timeline' });
  private readonly messages = h('ul', { class: 'messages', 'aria-label': 'Messages', 'aria-live': 'polite' });
  private readonly people = h('div', { class: 'stack' });
  private readonly files = h('div', { class: 'stack' });
  private readonly admin = h('div', { class: 'stack' });
  private readonly tabButtons = new Map<Tab, HTMLButtonElement>();
  private readonly tabPanels = new Map<Tab, HTMLElement>();
  private readonly pointers = new Map<string, HTMLElement>();
  /** One button per monitor and "All monitors": one click picks what the stage shows. */
  private readonly monitorGroup = h('div', { class: 'monitor-group', role: 'group', 'aria-label': 'Monitor' });
  private readonly newWindowBtn = h('button', { type: 'button', title: 'Open this monitor in a new window (its own viewer of the same session)' }, 'Open in new window');
  /** Every monitor at once, side by side at their XRandR geometry. */
  private showingAll = false;
  private monitorsSaid = '';
  readonly quality = new QualityIndicator();
  private readonly modeSelect = h('select', { 'aria-label': 'Mode to request' }, (['observe', 'interact', 'hold'] as Mode[]).map((m) => h('option', { value: m }, MODE_LABEL[m])));
  private readonly laserBtn = h('button', { type: 'button', 'aria-pressed': 'false', title: 'Show my pointer, with my name, to the customer' }, 'Laser');
  private readonly controlBtn = h('button', { type: 'button' }, 'Request control');
  private readonly modeBtn = h('button', { type: 'button', 'aria-label': 'Request mode', title: 'Ask the customer for the chosen mode' }, 'Request');
  private readonly fullBtn = h('button', { type: 'button' }, 'Fullscreen');
  private readonly clipBtn = h('button', { type: 'button', title: 'Put text in the customer\'s clipboard (interact, with control)' }, 'Clipboard');
  private readonly blockBtn = h('button', { type: 'button', 'data-testid': 'input-block', 'aria-pressed': 'false' }, 'Block customer input');
  private readonly chatInput = h('input', { id: uid('chat'), autocomplete: 'off', maxlength: 4000, placeholder: 'Write a message' });
  private readonly chatSend = h('button', { class: 'primary', type: 'submit' }, 'Send');
  private eventsShown = 0;
  private chatShown = 0;
  private unreadChat = 0;
  private tab: Tab = 'activity';
  private laser = false;
  private lastPointerAt = 0;
  private moveQueued: { monitor: number; x: number; y: number } | null = null;
  private readonly cleanups: Array<() => void> = [];

  constructor(private readonly app: Cockpit, private readonly model: SessionModel, initialMonitor = 0) {
    this.renderer = new ScreenRenderer(this.canvas);
    this.renderer.show(model.sessionId, initialMonitor);
    this.renderer.onDraw = () => {
      if (this.renderer.framesDrawn === 1) {
        this.canvas.classList.remove('hidden');
        this.updateStage();
      }
    };
    this.rtc = new RtcViewer(app.conn, model.sessionId);
    // The video lies under the canvas and takes no events; while it plays the canvas turns transparent
    // but stays where it is, so pointer positions, input and pointer tags work unchanged.
    Object.assign(this.rtc.video.style, { position: 'absolute', inset: '0', width: '100%', height: '100%', objectFit: 'contain', pointerEvents: 'none', display: 'none' });
    this.rtc.video.dataset.testid = 'rtc-video';
    this.rtc.onChange = (playing) => this.showRtc(playing);
    this.stage.append(this.rtc.video, this.canvas, this.stageMsg);
    this.buildToolbar();
    const chatForm = h('form', null, h('label', { class: 'sr-only', for: this.chatInput.id }, 'Chat message'), this.chatInput, this.chatSend);
    chatForm.addEventListener('submit', (ev) => { ev.preventDefault(); void this.sendChat(); });
    // Pinned, the chat stays open under whichever panel is selected (People, Admin, …).
    this.pinChat = h('button', { type: 'button', class: 'pin-chat', 'aria-pressed': 'false', title: 'Keep the chat open under the other panels', onclick: () => this.togglePinChat() }, 'Pin chat');
    const side = h('aside', { class: 'side-panel', 'aria-label': 'Session details' }, this.buildTabs(),
      this.panel('activity', this.timeline),
      this.panel('chat', h('div', { class: 'chat' }, h('div', { class: 'chat-head' }, this.pinChat), this.messages, chatForm)),
      this.panel('files', this.files),
      this.panel('people', this.people),
      this.panel('admin', this.admin));
    this.el = h('section', { class: 'session', 'aria-label': 'Session' }, this.head, this.banner,
      h('div', { class: 'stage-wrap' }, this.toolbar, this.stage), side);
    this.wireInput();
    this.buildAdmin();
    this.cleanups.push(mountShellPanel(this.app, this.model, this.admin));
    this.cleanups.push(mountFilePanel(this.app, this.model, this.files, this.tabButtons.get('files')));
    // Entry points go last: the command shell stays next to the elevation controls.
    if (this.entryPoints) this.admin.append(this.entryPoints.el);
  }

  private readonly share = new ShareForm((event, data, what) => this.send(event, data, what));
  private readonly recording = new RecordingControl((event, data, what) => this.send(event, data, what));

  private get state(): SessionState | null {
    return this.model.state;
  }

  private get live(): boolean {
    return !this.model.ended && !this.model.out;
  }

  private get isOwner(): boolean {
    return this.live && this.state?.you === 'owner';
  }

  private get canControl(): boolean {
    const s = this.state;
    return this.live && s?.status === 'active' && s.mode === 'interact' && s.controllerId === this.app.me && s.screenVisible;
  }

  destroy(): void {
    this.rtc.destroy();
    for (const c of this.cleanups) c();
    if (document.fullscreenElement === this.stage) void document.exitFullscreen().catch(() => undefined);
  }

  private async send(event: string, data: object, what: string): Promise<unknown> {
    try {
      return await this.app.conn.ask(event, { sessionId: this.model.sessionId, ...data });
    } catch (err) {
      toastError(err, what);
      return null;
    }
  }

  /** Redraws from the model: called on every event, state, end or removal. */
  update(): void {
    this.renderHead();
    this.renderBanner();
    this.renderToolbar();
    this.renderTimeline();
    this.renderChat();
    this.renderPeople();
    this.renderAdminState();
    this.updateStage();
  }

  // ---- header and banner ----

  /** The header's mode: Chat only for a click-to-chat session until the customer's agent joins (sessionModeLabel). */
  private modeBadge(s: SessionState): HTMLElement {
    const label = sessionModeLabel(s);
    const title = s.awaitingAgent ? 'The customer allowed the full client; the screen comes once their agent joins.' : s.chatOnly ? 'This session has no screen: elevation asks the customer for the full client.' : null;
    return h('span', { class: 'badge primary', 'data-testid': 'mode', title }, title ? label : `Mode: ${label}`);
  }

  private renderHead(): void {
    const s = this.state;
    const customer = s?.customer?.name ?? 'Desktop';
    const agent = this.app.agents.find((a) => a.agentId === s?.details?.agentId);
    const status = this.model.ended ? h('span', { class: 'badge danger' }, 'Ended') : this.model.out ? h('span', { class: 'badge warn' }, 'Out of session') :
      s?.status === 'active' ? h('span', { class: 'badge ok' }, 'Active') : s?.status === 'pending' ? h('span', { class: 'badge primary' }, 'Waiting for the customer') :
        s?.status === 'queued' ? h('span', { class: 'badge warn' }, 'On hold in queue') : h('span', { class: 'badge' }, s?.status ?? 'Loading');
    const controller = s?.controllerId && s.mode === 'interact' ? this.model.nameOf(s.controllerId) : null;
    const ownerActions = this.isOwner;
    replace(this.head,
      h('div', { class: 'title' },
        h('h3', null, agent ? `${customer} on ${agent.hostname}` : customer),
        h('span', { class: 'small muted' }, agent ? `${agent.hostname} · ${agent.osUser} · ${agent.os}` : `Session ${this.model.sessionId.slice(0, 12)}`)),
      h('div', { class: 'badges' },
        status,
        this.live && s?.status === 'active' ? this.modeBadge(s) : null,
        this.live && s ? h('span', { class: 'badge' }, `You: ${ROLE_LABEL[s.you] ?? s.you}`) : null,
        controller ? h('span', { class: 'badge' }, `Control: ${controller}`) : null,
        s?.elevated ? h('span', { class: 'badge warn' }, 'Elevated') : null,
        this.live && s?.recording ? h('span', { class: 'badge danger rec', 'data-testid': 'recording-badge', title: 'The session is recorded' }, '● Recording') : null,
        this.live && s?.inputBlock ? h('span', { class: 'badge warn', 'data-testid': 'input-blocked' }, 'Customer input blocked') : null,
        s?.screenPaused ? h('span', { class: 'badge warn' }, 'Screen paused') : null),
      h('div', { class: 'actions' },
        this.live ? [
          h('button', { type: 'button', 'data-key': 'hold', disabled: !ownerActions || s?.status !== 'active', title: 'Put the session in my personal queue', onclick: () => this.send('session.hold', {}, 'Hold') }, 'Hold'),
          h('button', { type: 'button', class: 'danger', 'data-key': 'disc', disabled: !ownerActions || !s?.customer?.connected, onclick: () => this.send('customer.disconnect', {}, 'Disconnect customer') }, 'Disconnect customer'),
          ownerActions || s?.you === 'none'
            ? h('button', { type: 'button', class: 'danger solid', 'data-key': 'end', disabled: !ownerActions, onclick: () => this.send('session.end', {}, 'End session') }, 'End session')
            : h('button', { type: 'button', class: 'danger', 'data-key': 'leave', onclick: () => this.send('session.leave', {}, 'Leave') }, 'Leave session'),
        ] : h('button', { type: 'button', 'data-key': 'close', onclick: () => this.app.dismiss(this.model.sessionId) }, 'Close')));
  }

  private renderBanner(): void {
    const b = this.banner;
    if (this.model.ended) {
      b.className = 'banner ended';
      b.textContent = `This session has ended — ${END_REASON[this.model.ended.reason] ?? this.model.ended.reason}.`;
      b.hidden = false;
    } else if (this.model.out) {
      b.className = 'banner out';
      b.textContent = `You are out of this session: ${this.model.out.replace(/\.$/, '')}. Its screen and input stopped for you.`;
      b.hidden = false;
    } else if (this.state?.inputBlock) {
      b.className = 'banner blocked';
      b.textContent = `${this.state.customer?.name ?? 'The customer'}'s keyboard and mouse are blocked while ${this.model.nameOf(this.state.inputBlock.by)} works. Your input still reaches the desktop; the customer can take theirs back at any time (Esc three times).`;
      b.hidden = false;
    } else if (this.state?.status === 'pending') {
      b.className = 'banner pending';
      b.textContent = `Waiting for ${this.state.customer?.name ?? 'the customer'} to allow the session…`;
      b.hidden = false;
    } else {
      b.hidden = true;
    }
  }

  // ---- screen ----

  private buildToolbar(): void {
    this.controlBtn.addEventListener('click', () => void this.send('control.request', {}, 'Request control').then((r) => r && toast('Control requested; waiting for the customer.')));
    this.modeBtn.addEventListener('click', () => void this.send('mode.request', { mode: this.modeSelect.value }, 'Request mode').then((r) => r && toast(`${MODE_LABEL[this.modeSelect.value as Mode]} requested; waiting for the customer.`)));
    this.laserBtn.addEventListener('click', () => {
      this.laser = !this.laser;
      this.laserBtn.setAttribute('aria-pressed', String(this.laser));
      if (!this.laser) this.sendPointer(0, 0, false);
    });
    this.clipBtn.addEventListener('click', () => void this.clipboardDialog(null));
    this.blockBtn.addEventListener('click', () => {
      if (this.state?.inputBlock || this.state?.requests.some((r) => r.kind === 'input-block')) void this.send('input-block.release', {}, 'Release customer input');
      else void this.send('input-block.request', {}, 'Block customer input').then((r) => r && toast('Asked the customer to let you block their keyboard and mouse.'));
    });
    this.fullBtn.addEventListener('click', () => {
      if (document.fullscreenElement) void document.exitFullscreen();
      else void this.stage.requestFullscreen().catch((e: Error) => toast(`Fullscreen refused: ${e.message}`, 'error'));
    });
    this.newWindowBtn.addEventListener('click', () => {
      const url = `${location.pathname}?session=${encodeURIComponent(this.model.sessionId)}&monitor=${this.renderer.monitor}`;
      // Not noopener: the new tab gets a copy of this tab's sessionStorage (the sign-in, and the
      // session's resume token under a key of its own, which it reads once and removes).
      const key = `${OPEN_KEY}${this.model.sessionId}`;
      if (this.model.resumeToken) sessionStorage.setItem(key, this.model.resumeToken);
      const opened = window.open(url, '_blank');
      sessionStorage.removeItem(key);
      if (!opened) toast('The browser blocked the new window.', 'error');
    });
    this.toolbar.append(
      this.monitorGroup, this.newWindowBtn,
      this.controlBtn, this.modeSelect, this.modeBtn,
      h('span', { class: 'grow' }), this.quality.el, this.blockBtn, this.clipBtn, this.laserBtn, this.fullBtn);
  }

  private renderToolbar(): void {
    const s = this.state;
    const active = this.live && s?.status === 'active';
    // A chat-only session (click-to-chat) has no screen to view or control until the customer's agent joins.
    const member = s && ['owner', 'participant', 'external'].includes(s.you) && !s.chatOnly && !s.awaitingAgent;
    this.renderMonitors();
    this.controlBtn.disabled = !active || !member || (s.mode === 'interact' && s.controllerId === this.app.me) || s.requests.some((r) => r.kind === 'control');
    this.modeBtn.disabled = !active || !member || s.requests.some((r) => r.kind === 'mode');
    this.modeSelect.disabled = !active || !member;
    for (const b of this.monitorGroup.querySelectorAll('button')) b.disabled = !this.live || this.monitorGroup.childElementCount < 2;
    this.newWindowBtn.disabled = !this.live || this.showingAll || Boolean(s?.chatOnly);
    this.laserBtn.disabled = !active || !s.screenVisible;
    this.fullBtn.disabled = !this.live;
    this.clipBtn.disabled = !this.canControl || s?.clipboard === false;
    this.clipBtn.title = s?.clipboard === false ? 'The customer turned the clipboard off' : 'Put text in the customer\'s clipboard (interact, with control)';
    this.canvas.classList.toggle('controlling', this.canControl);
    // Blocking the customer's input: asked by the member holding control, in interact, with the desktop online.
    const blocked = !!s?.inputBlock;
    const asked = !blocked && !!s?.requests.some((r) => r.kind === 'input-block');
    this.blockBtn.hidden = !member;
    this.blockBtn.textContent = blocked ? 'Release customer input' : asked ? 'Cancel block request' : 'Block customer input';
    this.blockBtn.setAttribute('aria-pressed', String(blocked));
    this.blockBtn.classList.toggle('primary', blocked);
    this.blockBtn.disabled = !this.canControl || s?.customer?.online === false;
    this.blockBtn.title = blocked ? 'The customer\'s keyboard and mouse are held; your input still works. Click to give them back.'
      : 'Ask the customer to let you hold their keyboard and mouse while you work (interact, with control). They can take them back at any time.';
  }

  /** The agent's monitors (XRandR), or one main screen when it did not say. */
  private displays(): Array<{ index: number; x: number; y: number; width: number; height: number }> {
    const s = this.state;
    const displays = this.app.agents.find((a) => a.agentId === s?.details?.agentId)?.displays ?? [];
    return displays.length ? displays.map((d) => ({ index: d.index, x: d.x ?? 0, y: d.y ?? 0, width: d.width, height: d.height })) : [{ index: 0, x: 0, y: 0, width: 0, height: 0 }];
  }

  /** One button per monitor, then "All monitors" (with two or more); the one shown is pressed. */
  private renderMonitors(): void {
    const displays = this.displays();
    const said = JSON.stringify(displays);
    if (said !== this.monitorsSaid) {
      this.monitorsSaid = said;
      // Until the agent's monitors are known (a new window loads the online list after the session), keep the monitor asked for.
      const isKnown = displays[0].width > 0;
      if (this.showingAll && displays.length > 1) this.renderer.showAll(this.model.sessionId, displays);
      else if (isKnown && (this.showingAll || !displays.some((d) => d.index === this.renderer.monitor))) this.pickMonitor(displays[0].index);
      replace(this.monitorGroup,
        displays.map((d) => h('button', { type: 'button', 'data-monitor': d.index, title: d.width ? `${d.width}×${d.height} at ${d.x},${d.y}` : 'The main screen', onclick: () => this.pickMonitor(d.index) }, `Screen ${d.index + 1}`)),
        displays.length > 1 ? h('button', { type: 'button', 'data-monitor': 'all', title: 'Every monitor side by side, as they are arranged', onclick: () => this.pickAll() }, 'All monitors') : null);
    }
    for (const b of this.monitorGroup.querySelectorAll<HTMLButtonElement>('button')) {
      b.setAttribute('aria-pressed', String(this.showingAll ? b.dataset.monitor === 'all' : b.dataset.monitor === String(this.renderer.monitor)));
    }
  }

  private pickMonitor(monitor: number): void {
    this.showingAll = false;
    this.renderer.show(this.model.sessionId, monitor);
    this.afterPick();
  }

  private pickAll(): void {
    const displays = this.displays();
    if (displays.length < 2) return;
    this.showingAll = true;
    this.renderer.showAll(this.model.sessionId, displays);
    this.afterPick();
  }

  /** A new picture: the canvas was blanked, so ask for full frames and redraw the buttons. */
  private afterPick(): void {
    for (const p of this.pointers.values()) p.remove();
    this.pointers.clear();
    if (this.live && this.state?.screenVisible) this.askFullFrame();
    this.syncRtc();
    this.renderToolbar();
  }

  /**
   * Tells the relay which monitors this tab shows (`media.monitors`: one, or all), so frames of the
   * others are not sent here, then asks for a full frame of what it shows.
   */
  private askFullFrame(): void {
    const sessionId = this.model.sessionId;
    const monitors = this.showingAll ? undefined : [this.renderer.monitor];
    void this.app.conn.ask('media.monitors', { sessionId, ...(monitors ? { monitors } : {}) })
      .catch(() => undefined)
      .then(() => this.app.conn.send('media.refresh', monitors ? { sessionId, monitor: monitors[0] } : { sessionId }));
  }

  /** This tab's figures for the session (`media.quality`). */
  showQuality(q: MediaQuality): void {
    this.quality.update(q);
  }

  private updateStage(): void {
    const s = this.state;
    let msg: [string, string] | null = null;
    if (this.model.ended) msg = ['Session ended', 'The screen is no longer shared.'];
    else if (this.model.out) msg = ['You are out of this session', 'The screen and input stopped.'];
    else if (!s || s.status === 'pending') msg = ['Waiting for the customer', 'The customer must allow the session first.'];
    else if (s.status === 'queued') msg = ['Session on hold', 'The session waits in a queue; take it back to continue.'];
    else if (s.chatOnly) msg = ['Chat only', 'This session has no screen.'];
    else if (s.awaitingAgent) msg = ['Waiting for the customer\'s agent', 'The customer allowed screen sharing and was given a one-time command (tandem-agent join). The screen appears here once their agent joins.'];
    else if (s.screenPaused) msg = ['Screen paused', 'The desktop shows a protected screen that cannot be captured.'];
    else if (!s.screenVisible) msg = [s.mode === 'hold' ? 'On hold' : 'Screen not shared', s.mode === 'hold' ? 'The customer has not shared the screen yet. Ask for Observe or Interact.' : 'You do not receive this screen.'];
    else if (this.renderer.framesDrawn === 0 && !this.rtc.playing) msg = ['Waiting for the screen…', `Mode: ${MODE_LABEL[s.mode]}. The first picture appears as soon as the desktop sends it.`];
    if (!this.live || (s && !s.screenVisible)) {
      if (this.renderer.framesDrawn > 0) this.renderer.clear();
      this.canvas.classList.add('hidden');
      for (const p of this.pointers.values()) p.remove();
      this.pointers.clear();
      this.hasAskedFullFrame = false;
    } else if (s?.status === 'active' && this.renderer.framesDrawn === 0 && !this.hasAskedFullFrame) {
      // A tab opened on a still screen (a monitor in its own window, a reload) would get no tile until
      // something changes: ask for a full frame once.
      this.hasAskedFullFrame = true;
      this.askFullFrame();
    }
    this.syncRtc();
    this.stageMsg.hidden = !msg;
    if (msg) replace(this.stageMsg, h('div', null, h('strong', null, msg[0]), h('span', null, msg[1])));
  }

  /** WebRTC while the screen is visible to us (tried once per visibility and monitor), released otherwise. */
  private syncRtc(): void {
    const s = this.state;
    // Every monitor at once is drawn from tiles (a video is one monitor).
    if (this.live && s?.status === 'active' && s.screenVisible && !s.chatOnly && !s.awaitingAgent && !s.screenPaused && !this.showingAll) this.rtc.want(this.renderer.monitor);
    else this.rtc.release();
  }

  /** Swaps the picture between the video (WebRTC) and the tile canvas; the canvas keeps the input. */
  private showRtc(playing: boolean): void {
    this.rtc.video.style.display = playing ? 'block' : 'none';
    this.canvas.style.opacity = playing ? '0' : '';
    // The remote cursor is drawn on the canvas from cursor records, not in the video: keep the local one visible.
    this.canvas.style.cursor = playing ? 'crosshair' : '';
    if (playing) {
      // Before any tile the canvas has no size of its own: give it the video's, for the pointer maths.
      const v = this.rtc.video;
      if (this.renderer.framesDrawn === 0 && v.videoWidth > 0) {
        this.canvas.width = v.videoWidth;
        this.canvas.height = v.videoHeight;
      }
      this.canvas.classList.remove('hidden');
    } else if (this.renderer.framesDrawn === 0) {
      this.canvas.classList.add('hidden');
    }
    this.stage.dataset.transport = playing ? 'webrtc' : 'tiles';
    this.stage.title = playing ? 'Screen over WebRTC' : this.rtc.lastError ? `Screen over tiles (WebRTC: ${this.rtc.lastError})` : '';
    this.updateStage();
  }

  /**
   * Maps a mouse position to a monitor and 0..1 coordinates on it (the canvas is letterboxed by
   * object-fit); with every monitor shown, to the monitor under the pointer.
   */
  private toScreen(ev: MouseEvent): { monitor: number; x: number; y: number } | null {
    const r = this.canvas.getBoundingClientRect();
    const cw = this.canvas.width;
    const ch = this.canvas.height;
    const scale = Math.min(r.width / cw, r.height / ch);
    const ox = (r.width - cw * scale) / 2;
    const oy = (r.height - ch * scale) / 2;
    const x = (ev.clientX - r.left - ox) / (cw * scale);
    const y = (ev.clientY - r.top - oy) / (ch * scale);
    if (x < 0 || x > 1 || y < 0 || y > 1) return null;
    const on = this.renderer.monitorAt(Math.min(cw - 1, x * cw), Math.min(ch - 1, y * ch));
    if (!on) return null;
    return { monitor: on.monitor, x: on.width > 1 ? on.x / (on.width - 1) : 0, y: on.height > 1 ? on.y / (on.height - 1) : 0 };
  }

  private lastMonitor = 0;
  private hasAskedFullFrame = false;

  private sendPointer(x: number, y: number, visible: boolean, monitor = this.lastMonitor): void {
    this.app.conn.send('pointer', { sessionId: this.model.sessionId, monitor, x, y, visible });
  }

  /** Remote input on a monitor (the one under the pointer; keys and wheel go where the pointer last was). */
  private input(data: { kind: string; monitor?: number; [field: string]: unknown }): void {
    if (data.monitor !== undefined) this.lastMonitor = data.monitor;
    this.app.conn.send('input', { sessionId: this.model.sessionId, monitor: this.lastMonitor, ...data });
  }

  private wireInput(): void {
    const c = this.canvas;
    const on = <K extends keyof HTMLElementEventMap>(type: K, fn: (ev: HTMLElementEventMap[K]) => void): void => {
      c.addEventListener(type, fn as EventListener);
      this.cleanups.push(() => c.removeEventListener(type, fn as EventListener));
    };
    on('pointermove', (ev) => {
      const p = this.toScreen(ev);
      if (!p) return;
      if (this.laser && this.state?.screenVisible && performance.now() - this.lastPointerAt > 50) {
        this.lastPointerAt = performance.now();
        this.sendPointer(p.x, p.y, true, p.monitor);
      }
      if (!this.canControl) return;
      if (!this.moveQueued) requestAnimationFrame(() => {
        const q = this.moveQueued;
        this.moveQueued = null;
        if (q && this.canControl) this.input({ kind: 'move', monitor: q.monitor, x: q.x, y: q.y });
      });
      this.moveQueued = p;
    });
    on('pointerleave', () => { if (this.laser && this.state?.screenVisible) this.sendPointer(0, 0, false); });
    const button = (ev: PointerEvent, down: boolean): void => {
      if (!this.canControl) return;
      const p = this.toScreen(ev);
      if (!p) return;
      ev.preventDefault();
      if (down) c.focus();
      this.input({ kind: 'button', monitor: p.monitor, x: p.x, y: p.y, button: ev.button === 1 ? 2 : ev.button === 2 ? 3 : 1, down });
    };
    on('pointerdown', (ev) => button(ev, true));
    on('pointerup', (ev) => button(ev, false));
    on('contextmenu', (ev) => { if (this.canControl) ev.preventDefault(); });
    on('wheel', (ev) => {
      if (!this.canControl) return;
      ev.preventDefault();
      const step = (d: number): number => (d === 0 ? 0 : Math.sign(d) * Math.min(20, Math.max(1, Math.round(Math.abs(d) / 40))));
      this.input({ kind: 'wheel', dx: step(ev.deltaX), dy: step(ev.deltaY) });
    });
    const key = (ev: KeyboardEvent, down: boolean): void => {
      if (!this.canControl) return;
      const keysym = keysymOf(ev);
      if (keysym === null) return;
      ev.preventDefault();
      this.input({ kind: 'key', keysym, down });
    };
    on('keydown', (ev) => key(ev, true));
    on('keyup', (ev) => key(ev, false));
  }

  /** Another member's pointer, drawn over the canvas with their name. */
  /** Text or an image the customer copied on the desktop (it comes to the member holding control only). */
  remoteClipboard(content: ClipContent): void {
    void this.clipboardDialog(content);
  }

  /**
   * With `incoming`: shows what the customer copied (text, or a PNG image), with a button to put it in
   * this computer's clipboard (and, for an image, to save it). Without: a box to type or paste text —
   * or to paste or choose a PNG image — for the customer's clipboard.
   */
  private async clipboardDialog(incoming: ClipContent | null): Promise<void> {
    const isImage = incoming?.mime === 'image/png';
    const area = h('textarea', { id: uid('clip-text'), rows: 6, maxlength: 262144, readonly: incoming !== null, class: 'clip-text' }) as HTMLTextAreaElement;
    area.value = incoming?.mime === 'text/plain' ? incoming.text : '';
    let image: Blob | null = incoming?.mime === 'image/png' ? new Blob([base64Bytes(incoming.data)], { type: 'image/png' }) : null;
    const preview = h('img', { class: 'clip-image', alt: 'Clipboard image', hidden: true }) as HTMLImageElement;
    const showImage = (blob: Blob | null): void => {
      image = blob;
      if (preview.src) URL.revokeObjectURL(preview.src);
      preview.hidden = blob === null;
      if (blob) preview.src = URL.createObjectURL(blob);
      else preview.removeAttribute('src');
      area.disabled = blob !== null && incoming === null;
    };
    const picker = h('input', { type: 'file', accept: 'image/png', id: uid('clip-file') }) as HTMLInputElement;
    picker.addEventListener('change', () => showImage(picker.files?.[0] ?? null));
    const imageSize = (b: Blob | null): string => (b ? bytes(b.size) : '');
    const ok = h('button', { class: 'primary', type: 'submit' }, incoming !== null ? 'Copy to my clipboard' : 'Send to the customer');
    const cancel = h('button', { type: 'button' }, incoming !== null ? 'Close' : 'Cancel');
    const save = isImage ? h('button', { type: 'button' }, 'Save image') : null;
    save?.addEventListener('click', () => {
      const a = h('a', { href: preview.src, download: 'customer-clipboard.png' }) as HTMLAnchorElement;
      a.click();
    });
    const title = incoming === null ? 'Send to the customer\'s clipboard' : isImage ? 'The customer copied an image' : 'The customer copied text';
    const note = incoming === null
      ? 'It replaces what the customer\'s clipboard holds: text, or a PNG image (paste one here or choose a file). The session records the type and size, not the content.'
      : `Only you, holding control, receive it. The session records that ${isImage ? `an image (${imageSize(image)})` : 'text'} was copied and its size, not the content.`;
    const form = h('form', { method: 'dialog', class: 'dialog-form' },
      h('h3', { id: uid('clip-title') }, title),
      h('p', { class: 'muted' }, note),
      isImage ? preview : h('div', { class: 'field' }, h('label', { for: area.id }, 'Text'), area),
      incoming === null ? h('div', { class: 'field' }, h('label', { for: picker.id }, 'or an image (PNG)'), picker, preview) : null,
      h('div', { class: 'dialog-actions' }, cancel, save, ok));
    const dialog = h('dialog', { class: 'dialog', 'aria-label': 'Clipboard' }, form) as HTMLDialogElement;
    if (incoming === null) {
      // Pasting an image (from a screenshot tool or an image viewer) into the dialog picks it.
      dialog.addEventListener('paste', (ev) => {
        const file = [...(ev.clipboardData?.files ?? [])].find((f) => f.type === 'image/png');
        if (file) { ev.preventDefault(); showImage(file); }
      });
    }
    if (isImage) showImage(image);
    let confirmed = false;
    form.addEventListener('submit', () => { confirmed = true; });
    cancel.addEventListener('click', () => dialog.close());
    const closed = new Promise<void>((resolve) => dialog.addEventListener('close', () => { dialog.remove(); resolve(); }));
    document.body.appendChild(dialog);
    dialog.showModal();
    if (!isImage) area.focus();
    await closed;
    const blob = image;
    const done = (): void => { if (preview.src) URL.revokeObjectURL(preview.src); };
    if (!confirmed) return done();
    if (incoming !== null) {
      const write = incoming.mime === 'image/png' && blob
        ? navigator.clipboard.write([new ClipboardItem({ 'image/png': blob })])
        : navigator.clipboard.writeText(incoming.mime === 'text/plain' ? incoming.text : '');
      await write.then(() => toast('Copied to your clipboard.', 'success'), (e: Error) => toast(`Your browser refused the clipboard: ${e.message}`, 'error'));
      return done();
    }
    done();
    if (blob) {
      const data = bytesBase64(new Uint8Array(await blob.arrayBuffer()));
      const sent = await this.send('clipboard', { mime: 'image/png', data }, 'Clipboard');
      if (sent) toast(`Sent an image (${imageSize(blob)}) to the customer's clipboard.`, 'success');
      return;
    }
    if (!area.value) return;
    const sent = await this.send('clipboard', { mime: 'text/plain', text: area.value }, 'Clipboard');
    if (sent) toast('Sent to the customer\'s clipboard.', 'success');
  }

  remotePointer(d: { memberId: string; name: string; monitor: number; x: number; y: number; visible: boolean }): void {
    if (d.memberId === this.app.me) return;
    const at = this.renderer.canvasPointOf(d.monitor, d.x, d.y);
    let tag = this.pointers.get(d.memberId);
    if (!at || !d.visible || !this.state?.screenVisible) {
      tag?.remove();
      this.pointers.delete(d.memberId);
      return;
    }
    if (!tag) {
      tag = h('span', { class: 'pointer-tag', 'aria-hidden': 'true' }, d.name);
      this.pointers.set(d.memberId, tag);
      this.stage.appendChild(tag);
    }
    const r = this.canvas.getBoundingClientRect();
    const sr = this.stage.getBoundingClientRect();
    const scale = Math.min(r.width / this.canvas.width, r.height / this.canvas.height);
    const ox = r.left - sr.left + (r.width - this.canvas.width * scale) / 2;
    const oy = r.top - sr.top + (r.height - this.canvas.height * scale) / 2;
    tag.style.left = `${ox + at.x * scale}px`;
    tag.style.top = `${oy + at.y * scale}px`;
  }

  // ---- side panel ----

  private buildTabs(): HTMLElement {
    const labels: Record<Tab, string> = { activity: 'Activity', chat: 'Chat', files: 'Files', people: 'People', admin: 'Admin' };
    const list = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Session panels' });
    const order = Object.keys(labels) as Tab[];
    for (const t of order) {
      const b = h('button', { type: 'button', role: 'tab', id: uid(`tab-${t}`), 'aria-selected': String(t === this.tab), tabindex: t === this.tab ? 0 : -1, onclick: () => this.select(t) }, labels[t]);
      b.addEventListener('keydown', (ev: KeyboardEvent) => {
        if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return;
        const next = order[(order.indexOf(t) + (ev.key === 'ArrowRight' ? 1 : order.length - 1)) % order.length];
        this.select(next);
        this.tabButtons.get(next)?.focus();
      });
      this.tabButtons.set(t, b);
      list.append(b);
    }
    return list;
  }

  private panel(t: Tab, content: HTMLElement): HTMLElement {
    const tab = this.tabButtons.get(t)!;
    const p = h('div', { class: 'tab-panel', role: 'tabpanel', id: uid(`panel-${t}`), 'aria-labelledby': tab.id, hidden: t !== this.tab, tabindex: -1 }, content);
    tab.setAttribute('aria-controls', p.id);
    this.tabPanels.set(t, p);
    return p;
  }

  private pinChat!: HTMLButtonElement;
  private chatPinned = false;

  private togglePinChat(): void {
    this.chatPinned = !this.chatPinned;
    this.pinChat.setAttribute('aria-pressed', String(this.chatPinned));
    this.pinChat.textContent = this.chatPinned ? 'Unpin chat' : 'Pin chat';
    this.tabPanels.get('chat')!.classList.toggle('pinned', this.chatPinned);
    this.select(this.tab);
  }

  private select(t: Tab): void {
    this.tab = t;
    for (const [k, b] of this.tabButtons) {
      b.setAttribute('aria-selected', String(k === t));
      b.tabIndex = k === t ? 0 : -1;
      this.tabPanels.get(k)!.hidden = k !== t && !(k === 'chat' && this.chatPinned);
    }
    if (t === 'chat') {
      this.unreadChat = 0;
      this.renderChatBadge();
      this.messages.scrollTop = this.messages.scrollHeight;
    }
    if (t === 'activity') this.scrollTimeline();
  }

  private scrollTimeline(): void {
    const p = this.tabPanels.get('activity');
    if (p) p.scrollTop = p.scrollHeight;
  }

  private renderTimeline(): void {
    const evs = this.model.events;
    if (evs.length < this.eventsShown) {
      this.timeline.replaceChildren();
      this.eventsShown = 0;
    }
    for (const e of evs.slice(this.eventsShown)) {
      this.timeline.append(h('li', { class: `k-${eventKind(e.type)}`, 'data-type': e.type, 'data-seq': e.seq },
        h('time', { datetime: new Date(e.at).toISOString() }, clock(e.at)),
        h('span', { class: 'text' }, describeEvent(e, (id) => this.model.nameOf(id)))));
    }
    if (evs.length > this.eventsShown) this.scrollTimeline();
    this.eventsShown = evs.length;
  }

  private renderChat(): void {
    const chats = this.model.events.filter((e) => e.type === 'ChatSent');
    for (const e of chats.slice(this.chatShown)) {
      const mine = e.actor.id === this.app.me;
      this.messages.append(h('li', { class: `msg${mine ? ' mine' : ''}` },
        h('div', { class: 'who' }, `${mine ? 'You' : e.actor.name} · ${clock(e.at)}`),
        h('div', { class: 'body' }, String(e.text))));
      if (!mine && this.tab !== 'chat' && !this.chatPinned) this.unreadChat++;
    }
    if (chats.length > this.chatShown) this.messages.scrollTop = this.messages.scrollHeight;
    this.chatShown = chats.length;
    if (this.chatShown === 0 && !this.messages.firstChild) this.messages.append(h('li', { class: 'empty' }, 'No messages yet.'));
    else if (this.chatShown > 0) this.messages.querySelector('.empty')?.remove();
    const can = this.live && this.state?.status === 'active';
    this.chatInput.disabled = !can;
    this.chatSend.disabled = !can;
    this.renderChatBadge();
  }

  private renderChatBadge(): void {
    const b = this.tabButtons.get('chat');
    if (!b) return;
    replace(b, 'Chat', this.unreadChat > 0 ? h('span', { class: 'count', 'aria-label': `${this.unreadChat} unread` }, String(this.unreadChat)) : null);
  }

  private async sendChat(): Promise<void> {
    const text = this.chatInput.value.trim();
    if (!text) return;
    const ok = await this.send('chat.send', { text }, 'Chat');
    if (ok) this.chatInput.value = '';
    this.chatInput.focus();
  }

  private renderPeople(): void {
    const s = this.state;
    const owner = this.isOwner;
    const members = (s?.members ?? []).map((m) => h('li', { class: 'member', 'data-member': m.id },
      h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(m.name)),
      h('span', { class: 'grow' }, h('div', null, m.name, m.id === this.app.me ? ' (you)' : ''),
        h('div', { class: 'small muted' }, ROLE_LABEL[m.role] ?? m.role)),
      m.role === 'owner' ? h('span', { class: 'badge primary' }, 'Owner') : null,
      s?.controllerId === m.id && s.mode === 'interact' ? h('span', { class: 'badge ok' }, 'Has control') : null,
      owner && m.id !== this.app.me && m.role !== 'observer' && s?.controllerId !== m.id
        ? h('button', { class: 'small', type: 'button', 'data-key': `hand-${m.id}`, onclick: () => this.send('control.hand', { memberId: m.id }, 'Give control') }, 'Give control') : null,
      m.id !== this.app.me ? h('button', { class: 'small danger', type: 'button', 'data-key': `rm-${m.id}`, disabled: !owner, 'aria-label': `Remove ${m.name}`, onclick: () => this.send('member.remove', { memberId: m.id }, 'Remove member') }, 'Remove') : null));
    const cust = s?.customer;
    const customer = cust ? h('li', { class: 'member' },
      h('span', { class: 'avatar customer', 'aria-hidden': 'true' }, initials(cust.name)),
      h('span', { class: 'grow' }, h('div', null, cust.name), h('div', { class: 'small muted' }, `Customer · ${!cust.connected ? 'disconnected' : cust.online ? 'online' : 'offline'}`))) : null;
    const invitations = (s?.invitations ?? []).map((i) => h('li', { class: 'member' },
      h('span', { class: 'grow' }, i.target.kind === 'team' ? `Any representative of ${i.target.teamId}` : i.target.kind === 'representative' ? (i.target.name ?? i.target.userId) : `${i.target.name} (external)`,
        h('div', { class: 'small muted' }, `Invited ${clock(i.sentAt)}`)),
      h('button', { class: 'small', type: 'button', 'data-key': `cancel-${i.inviteId}`, disabled: !owner, onclick: () => this.send('invite.cancel', { inviteId: i.inviteId }, 'Cancel invitation') }, 'Cancel')));
    replace(this.people,
      h('h2', null, 'In this session'),
      h('ul', { class: 'list', 'aria-label': 'Members' }, customer, members),
      invitations.length ? [h('h2', null, 'Invitations'), h('ul', { class: 'list', 'aria-label': 'Pending invitations' }, invitations)] : null,
      this.live ? [this.share.render(owner), this.transferForm(owner)] : null,
      owner || !this.live ? null : h('p', { class: 'hint' }, 'Only the owner shares, removes members and transfers.'));
  }

  private transferForm(enabled: boolean): HTMLElement {
    const kind = h('select', { id: uid('xfer-kind'), 'data-key': 'xfer-kind', disabled: !enabled }, h('option', { value: 'team' }, 'Team queue'), h('option', { value: 'representative' }, 'Representative'));
    const who = h('input', { id: uid('xfer-who'), 'data-key': 'xfer-who', disabled: !enabled, autocomplete: 'off', placeholder: 'Team id or username', list: 'share-teams' });
    const form = h('form', null, h('fieldset', { disabled: !enabled },
      h('legend', null, 'Transfer'),
      h('div', { class: 'field' }, h('label', { for: kind.id }, 'To'), kind),
      h('div', { class: 'field' }, h('label', { for: who.id }, 'Team id or username'), who),
      h('button', { type: 'submit', 'data-key': 'xfer-send' }, 'Transfer')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = who.value.trim();
      if (!v) { who.focus(); return; }
      const to = kind.value === 'team' ? { kind: 'team', teamId: v } : { kind: 'representative', userId: v };
      void this.send('session.transfer', { to }, 'Transfer').then((r) => r && toast('Session transferred.', 'success'));
    });
    return form;
  }

  // ---- elevation and admin actions ----

  private readonly elevStatus = h('p', { class: 'hint', role: 'status' });
  private readonly elevRequest = h('button', { type: 'submit' }, 'Request elevation');
  private readonly elevEnd = h('button', { type: 'button' }, 'End elevation');
  private readonly adminButtons: HTMLButtonElement[] = [];
  private readonly adminHint = h('p', { class: 'hint', role: 'status', 'data-testid': 'admin-actions-hint' });

  private buildAdmin(): void {
    const name = uid('elev');
    const prompt = h('input', { type: 'radio', name, id: `${name}-p`, value: 'prompt', checked: true });
    const creds = h('input', { type: 'radio', name, id: `${name}-c`, value: 'credentials' });
    const user = h('input', { id: `${name}-u`, autocomplete: 'off', spellcheck: 'false' });
    // The password goes into one command and is cleared at once: never into the DOM, storage or timeline.
    const pass = h('input', { id: `${name}-w`, type: 'password', autocomplete: 'new-password' });
    const credFields = h('div', { class: 'stack', hidden: true },
      h('div', { class: 'field' }, h('label', { for: user.id }, 'Administrator user'), user),
      h('div', { class: 'field' }, h('label', { for: pass.id }, 'Password'), pass));
    const toggle = (): void => { credFields.hidden = !creds.checked; };
    prompt.addEventListener('change', toggle);
    creds.addEventListener('change', toggle);
    const form = h('form', null, h('fieldset', null, h('legend', null, 'Elevation'),
      h('div', { class: 'row' }, prompt, h('label', { for: prompt.id }, 'Ask the customer')),
      h('div', { class: 'row' }, creds, h('label', { for: creds.id }, 'Provide credentials')),
      credFields,
      h('div', { class: 'row' }, this.elevRequest, this.elevEnd),
      this.elevStatus));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const data = creds.checked ? { method: 'credentials', credentials: { username: user.value, password: pass.value } } : { method: 'prompt' };
      pass.value = '';
      void this.send('elevation.request', data, 'Elevation').then((r) => r && toast(creds.checked ? 'Credentials sent to the desktop for checking.' : 'Elevation asked; waiting for the customer.'));
    });
    this.elevEnd.addEventListener('click', () => void this.send('elevation.end', {}, 'End elevation'));
    const actions: Array<[string, string]> = [['restart', 'Restart'], ['process-list', 'Process list'], ['protected-window', 'Protected window']];
    for (const [action, label] of actions) {
      this.adminButtons.push(h('button', { type: 'button', onclick: () => this.send('admin.action', { action }, label).then((r) => r && toast(`${label} started.`, 'success')) }, label));
    }
    replace(this.admin, this.recording.el, form, h('fieldset', null, h('legend', null, 'Admin actions'),
      h('div', { class: 'row wrap' }, this.adminButtons),
      this.adminHint));
    this.entryPoints = new EntryPointsPanel(this.app, this.model.sessionId);
  }

  /** Pin as Jump Client, Deploy support button and the buttons on this desktop. */
  private entryPoints?: EntryPointsPanel;

  private renderAdminState(): void {
    const s = this.state;
    this.entryPoints?.update(this.live ? s ?? null : null);
    this.recording.update(s, this.model.events, this.live);
    const active = this.live && s?.status === 'active' && s.you !== 'observer';
    this.elevRequest.disabled = !active || Boolean(s?.elevated) || Boolean(s?.awaitingAgent) || Boolean(s?.requests.some((r) => r.kind === 'elevation'));
    this.elevEnd.disabled = !active || !s?.elevated;
    for (const b of this.adminButtons) b.disabled = !active || !s?.elevated;
    this.adminHint.textContent = !this.live || s?.status === 'ended' ? 'Not available: the session is over.'
      : s?.you === 'observer' ? 'Not available while watching.'
      : s?.status !== 'active' ? 'Available while the session is active and elevated.'
      : s.elevated ? 'The session is elevated: restart, process list and protected window are available.'
      : 'Available once the session is elevated.';
    this.elevStatus.textContent = s?.elevated ? 'The session is elevated: administrator actions are available.' : s?.requests.some((r) => r.kind === 'elevation') ? 'Waiting for the answer to the elevation request…'
      : s?.awaitingAgent ? 'Full client allowed: waiting for the customer\'s agent to join.' : s?.chatOnly ? 'Chat only: elevation asks the customer to share their screen (the full client).' : 'Not elevated.';
  }
}
