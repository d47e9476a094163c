import { h } from './dom';

let region: HTMLElement | null = null;

/** Shows a short message at the bottom right; errors stay longer and are announced assertively. */
export function toast(text: string, kind: 'info' | 'error' | 'success' = 'info', ms = kind === 'error' ? 7000 : 4000): void {
  if (!region || !region.isConnected) {
    region = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.appendChild(region);
  }
  const item = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : null },
    h('span', { class: 'toast-text' }, text),
    h('button', { class: 'toast-close', type: 'button', 'aria-label': 'Dismiss message', onclick: () => item.remove() }, '×'));
  region.appendChild(item);
  setTimeout(() => item.remove(), ms);
}

/** An `error` reply as the user should read it: the stable code first, then the server's words. */
export function toastError(err: unknown, what?: string): void {
  const e = err as { code?: string; message?: string };
  const code = e?.code ?? 'ERROR';
  const msg = e?.message ?? String(err);
  toast(`${what ? `${what}: ` : ''}${code}${msg && msg !== code ? ` — ${msg}` : ''}`, 'error');
}
