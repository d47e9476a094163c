import { encodeFrame, Encoding, FrameType } from '../media/frame-codec';
import { RecordKind, type RecordingRecord } from './recording-format';
import { keyframeAtOrBefore, keyframeIndex } from './seek-index';

const media = (type: number, frameSeq: number, x = 0, y = 0, width = 64, height = 64, monitor = 0): RecordingRecord => ({
  kind: RecordKind.Media, time: frameSeq,
  payload: encodeFrame({ type: type as 1, encoding: type === FrameType.Tile ? Encoding.RawBgra : Encoding.None, monitor, frameSeq, timestamp: 0, x, y, width, height, sessionId: 's', payload: new Uint8Array(type === FrameType.Tile ? width * height * 4 : 0) }),
});
const event: RecordingRecord = { kind: RecordKind.Event, time: 0, payload: new TextEncoder().encode('{"type":"ChatSent"}') };
/** A full frame of a 128×64 screen: ScreenInfo, two tiles, its end. */
const full = (seq: number, monitor = 0): RecordingRecord[] => [
  media(FrameType.ScreenInfo, seq, 0, 0, 128, 64, monitor), media(FrameType.Tile, seq, 0, 0, 64, 64, monitor), media(FrameType.Tile, seq, 64, 0, 64, 64, monitor), media(FrameType.EndOfFrame, seq, 0, 0, 128, 64, monitor),
];

describe('seek index', () => {
  test('REC-SEEK-1 key frames are where a ScreenInfo starts a frame whose tiles cover the screen; partial ones and other monitors are not', () => {
    const records = [
      event,
      ...full(1), // 1..4
      media(FrameType.Tile, 2), media(FrameType.EndOfFrame, 2), // 5, 6
      // A ScreenInfo whose frame covers only half the screen (the same tile twice does not count twice).
      media(FrameType.ScreenInfo, 3, 0, 0, 128, 64), media(FrameType.Tile, 3), media(FrameType.Tile, 3), media(FrameType.EndOfFrame, 3), // 7..10
      ...full(4, 1), // 11..14, monitor 1
      event, // 15
      ...full(5), // 16..19
      media(FrameType.ScreenInfo, 6, 0, 0, 128, 64), media(FrameType.Tile, 6), // 20, 21: cut by the end of the recording
    ];
    expect(keyframeIndex(records, 0)).toEqual([1, 16]);
    expect(keyframeIndex(records, 1)).toEqual([11]);
    expect(keyframeIndex([], 0)).toEqual([]);
  });

  test('REC-SEEK-2 the key frame to start from is the last one at or before the target record', () => {
    const index = [1, 16, 40];
    expect([0, 1, 2, 15, 16, 39, 40, 1000].map((i) => keyframeAtOrBefore(index, i))).toEqual([-1, 1, 1, 1, 16, 16, 40, 40]);
    expect(keyframeAtOrBefore([], 5)).toBe(-1);
  });
});
