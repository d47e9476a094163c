/** X11 keysyms for the non-printing keys a browser reports by `KeyboardEvent.key`. */
const NAMED: Record<string, number> = {
  Backspace: 0xff08, Tab: 0xff09, Enter: 0xff0d, Escape: 0xff1b, Delete: 0xffff, Insert: 0xff63,
  Home: 0xff50, End: 0xff57, PageUp: 0xff55, PageDown: 0xff56,
  ArrowLeft: 0xff51, ArrowUp: 0xff52, ArrowRight: 0xff53, ArrowDown: 0xff54,
  Shift: 0xffe1, Control: 0xffe3, Alt: 0xffe9, AltGraph: 0xfe03, Meta: 0xffeb, CapsLock: 0xffe5,
  ContextMenu: 0xff67, PrintScreen: 0xff61, Pause: 0xff13, ScrollLock: 0xff14, NumLock: 0xff7f,
};

/** The keysym of a key event, or null when there is none to send. */
export function keysymOf(e: KeyboardEvent): number | null {
  if (NAMED[e.key] !== undefined) return NAMED[e.key];
  const f = /^F([1-9]|1[0-9]|2[0-4])$/.exec(e.key);
  if (f) return 0xffbe + Number(f[1]) - 1;
  if ([...e.key].length !== 1) return null;
  const cp = e.key.codePointAt(0) ?? 0;
  // Latin-1 keysyms equal their code point; everything else is 0x01000000 + the code point.
  return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) ? cp : 0x01000000 + cp;
}
