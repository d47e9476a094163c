// Pure C++ core of the native addon: no Napi here, so every function in this header may run on a
// libuv worker thread (AsyncWorker::Execute) as well as on the main thread.
//
// Memory layout shared by every function: a frame is BGRA, 4 bytes per pixel, rows `stride` bytes
// apart (stride >= width * 4; X11 XImage rows can be padded). Callers (the Napi layer) have already
// checked that the buffers are long enough; the core trusts its arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tandem {

// Errors cross the core as this one exception type; the Napi layer turns it into a JS error with
// `code` set. std::bad_alloc is mapped to NATIVE_FAILURE at the same boundary.
struct NativeError : std::runtime_error {
  std::string code;
  NativeError(std::string c, const std::string& message) : std::runtime_error(message), code(std::move(c)) {}
};

struct Rect {
  uint32_t x = 0, y = 0, w = 0, h = 0;
};

struct FrameView {
  const uint8_t* data = nullptr;
  uint32_t width = 0, height = 0;
  size_t stride = 0;
  const uint8_t* at(uint32_t x, uint32_t y) const { return data + static_cast<size_t>(y) * stride + static_cast<size_t>(x) * 4; }
};

// ---- tile diff ---------------------------------------------------------------------------------

enum class SimdPath { Auto = 0, Portable = 1, Sse2 = 2, Avx2 = 3 };

const char* SimdPathName(SimdPath p);
bool SimdPathSupported(SimdPath p);
// What Auto resolves to on this CPU.
SimdPath BestSimdPath();

// Compares `prev` and `next` (same geometry) in tile x tile squares; edge tiles are clipped to the
// frame. With `mergeRuns`, horizontally adjacent dirty tiles of one tile row come back as one
// rectangle. Rectangles are in row-major order. Throws NativeError if `path` is not supported here.
std::vector<Rect> DiffTiles(const FrameView& prev, const FrameView& next, uint32_t tile, bool mergeRuns, SimdPath path);

// ---- encode ------------------------------------------------------------------------------------

enum class EncodeMode { Auto = 0, Jpeg = 1, Lossless = 2 };
enum class Encoding { Jpeg = 0, Lossless = 1 };

struct Encoded {
  Encoding encoding = Encoding::Jpeg;
  std::vector<uint8_t> data;
};

// Auto picks lossless when the tile has at most kAutoLosslessColors distinct BGRA values.
constexpr unsigned kAutoLosslessColors = 16;
// A forced lossless tile keeps a palette up to this many colours; beyond it, raw BGRA (palette 0).
constexpr unsigned kMaxPaletteColors = 255;

// `opaque`: the frame's alpha byte is undefined (an X11 grab) and every pixel is sent with alpha 0xFF.
Encoded EncodeTile(const FrameView& frame, const Rect& r, int quality, EncodeMode mode, bool opaque = false);
std::vector<uint8_t> EncodeJpeg(const FrameView& frame, const Rect& r, int quality);
// Lossless byte layout (see docs/native.md, "Lossless tiles"):
//   byte 0            N, the palette size (0..255)
//   N > 0: bytes 1 .. 4N      palette, N entries of B,G,R,A
//          then               zlib stream (RFC 1950) of w*h bytes: one palette index per pixel,
//                             rows top to bottom, no padding
//   N = 0: bytes 1 ..         zlib stream of w*h*4 bytes: the raw BGRA pixels, no padding
// Width and height are not stored: the tile's rectangle travels in the frame header.
std::vector<uint8_t> EncodeLossless(const FrameView& frame, const Rect& r, unsigned maxColors);

struct Decoded {
  uint32_t width = 0, height = 0;
  std::vector<uint8_t> bgra;
};
Decoded DecodeJpeg(const uint8_t* data, size_t len);

// ---- colour conversion -------------------------------------------------------------------------

// BT.601 limited range ("studio swing"), the matrix WebRTC's I420 buffers assume. Output planes are
// packed back to back: Y (width*height), U then V ((width+1)/2 * (height+1)/2 each). Chroma is the
// rounded mean of each 2x2 block's B,G,R (edge blocks average the pixels that exist).
std::vector<uint8_t> BgraToI420(const FrameView& frame);
// Same, into caller memory of at least I420Size(width, height) bytes (no allocation).
void BgraToI420Into(const FrameView& frame, uint8_t* out);
inline size_t I420Size(uint32_t w, uint32_t h) {
  return static_cast<size_t>(w) * h + 2 * (static_cast<size_t>(w + 1) / 2) * ((static_cast<size_t>(h) + 1) / 2);
}

}  // namespace tandem
