import { parseEnvelope } from './envelope';

describe('parseEnvelope', () => {
  it.each([
    ['not json', '{nope'],
    ['an array', '[1,2]'],
    ['a string', '"hi"'],
    ['no event', '{"data":{}}'],
    ['an empty event', '{"event":""}'],
    ['an object id', '{"event":"x","id":{}}'],
  ])('refuses %s with BAD_JSON', (_what, text) => {
    expect(parseEnvelope(text)).toMatchObject({ ok: false, code: 'BAD_JSON' });
  });

  it('keeps the id of an envelope whose event is missing so the error can be correlated', () => {
    expect(parseEnvelope('{"id":"7","data":{}}')).toMatchObject({ ok: false, id: '7' });
  });

  it('accepts {event, data, id} and defaults data to {}', () => {
    expect(parseEnvelope('{"event":"online.list","id":3}')).toEqual({ ok: true, envelope: { event: 'online.list', data: {}, id: 3 } });
  });
});
