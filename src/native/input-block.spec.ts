import { X11InputBlock, X11TestDevice } from './input-block';

/** What fails before any X server is involved (the Xvfb behaviour is test/e2e/input-block.e2e-spec.ts). */
describe('X11InputBlock and X11TestDevice arguments', () => {
  it('refuses an empty display name with DISPLAY_UNAVAILABLE', () => {
    expect(() => new X11InputBlock('', { onReleased: () => undefined })).toThrow(expect.objectContaining({ code: 'DISPLAY_UNAVAILABLE' }));
  });

  it('reports a display that cannot be opened with DISPLAY_UNAVAILABLE', () => {
    expect(() => new X11InputBlock(':4242', { onReleased: () => undefined })).toThrow(expect.objectContaining({ code: 'DISPLAY_UNAVAILABLE' }));
    expect(() => new X11TestDevice(':4242', 'customer')).toThrow(expect.objectContaining({ code: 'DISPLAY_UNAVAILABLE' }));
  });

  it('validates the test device name in TS, before C++', () => {
    for (const bad of ['', 'Customer', 'a b', 'x'.repeat(40), '-x']) {
      expect(() => new X11TestDevice(':4242', bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', argument: 'name' }));
    }
  });
});
