// Tile encoders: JPEG through TurboJPEG for photo-like content, and a palette + zlib lossless
// format for the few-colour tiles (text, UI chrome) where JPEG rings and costs more bytes.
#include <turbojpeg.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

#include "core.h"

namespace tandem {
namespace {

struct TjDeleter {
  void operator()(void* h) const {
    if (h != nullptr) tjDestroy(h);
  }
};
using TjHandle = std::unique_ptr<void, TjDeleter>;

// One compressor and one decompressor per thread: tjhandles are not thread-safe, and creating one
// costs a few allocations we would otherwise pay per tile. libuv's pool is small and long-lived, so
// the handles live as long as the process.
tjhandle CompressHandle() {
  thread_local TjHandle h(tjInitCompress());
  if (!h) throw NativeError("NATIVE_FAILURE", "tjInitCompress failed");
  return h.get();
}

tjhandle DecompressHandle() {
  thread_local TjHandle h(tjInitDecompress());
  if (!h) throw NativeError("NATIVE_FAILURE", "tjInitDecompress failed");
  return h.get();
}

inline uint32_t PixelAt(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

struct ZStream {
  z_stream z{};
  int level = -100;
  ~ZStream() {
    if (level != -100) deflateEnd(&z);
  }
};

// One deflate state per thread and level, reset between tiles: compress2() allocates ~256 KiB of
// zlib state per call, and on libuv threads that allocation churn (fresh pages every tile) made
// encodeTiles 10-30x slower than the same work on the main thread.
std::vector<uint8_t> Deflate(const uint8_t* src, size_t len, int level, std::vector<uint8_t> out) {
  thread_local ZStream streams[2];
  ZStream& zs = streams[level == Z_BEST_SPEED ? 0 : 1];
  if (zs.level != level) {
    if (zs.level != -100) deflateEnd(&zs.z);
    zs.z = z_stream{};
    zs.level = -100;
    if (deflateInit(&zs.z, level) != Z_OK) throw NativeError("NATIVE_FAILURE", "zlib deflateInit failed");
    zs.level = level;
  } else if (deflateReset(&zs.z) != Z_OK) {
    throw NativeError("NATIVE_FAILURE", "zlib deflateReset failed");
  }
  // Into per-thread scratch of the worst-case size, then only the compressed bytes into `out`: sizing
  // `out` for the worst case zero-filled ~1 byte per input byte every tile (~4 % of the agent's CPU).
  thread_local std::vector<uint8_t> scratch;
  const uLong bound = deflateBound(&zs.z, static_cast<uLong>(len));
  if (scratch.size() < bound) scratch.resize(bound);
  zs.z.next_in = const_cast<Bytef*>(src);  // zlib's API is not const-correct; it does not write
  zs.z.avail_in = static_cast<uInt>(len);
  zs.z.next_out = scratch.data();
  zs.z.avail_out = static_cast<uInt>(bound);
  const int rc = deflate(&zs.z, Z_FINISH);
  if (rc != Z_STREAM_END) throw NativeError("NATIVE_FAILURE", "zlib deflate failed with code " + std::to_string(rc));
  out.insert(out.end(), scratch.data(), scratch.data() + zs.z.total_out);
  return out;
}

}  // namespace

std::vector<uint8_t> EncodeJpeg(const FrameView& frame, const Rect& r, int quality) {
  tjhandle h = CompressHandle();
  // Preallocating tjBufSize() with TJFLAG_NOREALLOC keeps TurboJPEG from malloc'ing behind our
  // back. The worst-case buffer is per-thread scratch, reused tile after tile: allocating it per
  // tile on a libuv thread made encodeTiles ~3x slower than the same loop on the main thread
  // (glibc's per-thread arenas return and re-fault those pages constantly).
  thread_local std::vector<uint8_t> scratch;
  const size_t bound = tjBufSize(static_cast<int>(r.w), static_cast<int>(r.h), TJSAMP_420);
  if (scratch.size() < bound) scratch.resize(bound);
  unsigned char* dst = scratch.data();
  unsigned long size = scratch.size();
  int rc = tjCompress2(h, frame.at(r.x, r.y), static_cast<int>(r.w), static_cast<int>(frame.stride),
                       static_cast<int>(r.h), TJPF_BGRA, &dst, &size, TJSAMP_420, quality,
                       TJFLAG_NOREALLOC | TJFLAG_FASTDCT);
  if (rc != 0) throw NativeError("NATIVE_FAILURE", std::string("tjCompress2: ") + tjGetErrorStr2(h));
  return std::vector<uint8_t>(scratch.data(), scratch.data() + size);
}

namespace {

using Palette = std::array<uint32_t, kMaxPaletteColors>;

// One palette index per pixel of the tile into `indices` (w*h bytes), colours in first-seen order;
// false as soon as the tile has more than `cap` colours. With `opaque`, the alpha byte reads as 0xFF
// (X leaves the pad byte of a 24-bit visual undefined, and viewers would draw it as transparency).
bool BuildPalette(const FrameView& frame, const Rect& r, unsigned cap, bool opaque, Palette& palette, unsigned* count, uint8_t* indices) {
  const uint32_t force = opaque ? 0xFF000000u : 0u;
  unsigned n = 0;
  if (r.w == 0 || r.h == 0) {
    *count = 0;
    return true;
  }
  uint32_t last = (PixelAt(frame.at(r.x, r.y)) | force) ^ 1u;  // differs from the first pixel
  uint8_t lastIndex = 0;
  uint8_t* out = indices;  // a plain pointer: a thread_local reached per pixel costs a __tls_get_addr call each
  for (uint32_t y = 0; y < r.h; ++y) {
    const uint8_t* row = frame.at(r.x, r.y + y);
    for (uint32_t x = 0; x < r.w; ++x) {
      const uint32_t px = PixelAt(row + static_cast<size_t>(x) * 4) | force;
      if (px != last) {
        unsigned i = 0;
        while (i < n && palette[i] != px) ++i;
        if (i == n) {
          if (n == cap) return false;
          palette[n++] = px;
        }
        last = px;
        lastIndex = static_cast<uint8_t>(i);
      }
      *out++ = lastIndex;
    }
  }
  *count = n;
  return true;
}

uint8_t* IndexScratch(size_t pixels) {
  thread_local std::vector<uint8_t> indices;  // per-thread scratch, see EncodeJpeg
  if (indices.size() < pixels) indices.resize(pixels);
  return indices.data();
}

std::vector<uint8_t> DeflatePalette(const Palette& palette, unsigned n, const uint8_t* indices, size_t pixels) {
  std::vector<uint8_t> head(1 + 4 * static_cast<size_t>(n));
  head[0] = static_cast<uint8_t>(n);
  std::memcpy(head.data() + 1, palette.data(), 4 * static_cast<size_t>(n));  // B,G,R,A byte order kept
  // Level 1: on 4 KiB of indices it keeps most of level 6's ratio at a fraction of the time.
  return Deflate(indices, pixels, Z_BEST_SPEED, std::move(head));
}

std::vector<uint8_t> EncodeLosslessImpl(const FrameView& frame, const Rect& r, unsigned maxColors, bool opaque) {
  const unsigned cap = std::min<unsigned>(maxColors, kMaxPaletteColors);
  const size_t pixels = static_cast<size_t>(r.w) * r.h;
  uint8_t* indices = IndexScratch(pixels);
  Palette palette{};
  unsigned n = 0;
  if (cap > 0 && BuildPalette(frame, r, cap, opaque, palette, &n, indices)) return DeflatePalette(palette, n, indices, pixels);

  // Too many colours for a palette: palette size 0, then the raw pixels, rows packed.
  std::vector<uint8_t> raw(pixels * 4);
  for (uint32_t y = 0; y < r.h; ++y) {
    uint8_t* dst = raw.data() + static_cast<size_t>(y) * r.w * 4;
    std::memcpy(dst, frame.at(r.x, r.y + y), static_cast<size_t>(r.w) * 4);
    if (opaque) {
      for (uint32_t x = 0; x < r.w; ++x) dst[static_cast<size_t>(x) * 4 + 3] = 0xFF;
    }
  }
  return Deflate(raw.data(), raw.size(), Z_BEST_SPEED, std::vector<uint8_t>(1, 0));
}

}  // namespace

std::vector<uint8_t> EncodeLossless(const FrameView& frame, const Rect& r, unsigned maxColors) {
  return EncodeLosslessImpl(frame, r, maxColors, false);
}

Encoded EncodeTile(const FrameView& frame, const Rect& r, int quality, EncodeMode mode, bool opaque) {
  Encoded e;
  if (mode == EncodeMode::Auto) {
    // One pass decides and indexes: a palette of at most kAutoLosslessColors is the lossless tile
    // (the same bytes a count followed by EncodeLossless gave), anything else goes to JPEG.
    const size_t pixels = static_cast<size_t>(r.w) * r.h;
    uint8_t* indices = IndexScratch(pixels);
    Palette palette{};
    unsigned n = 0;
    if (BuildPalette(frame, r, kAutoLosslessColors, opaque, palette, &n, indices)) {
      e.encoding = Encoding::Lossless;
      e.data = DeflatePalette(palette, n, indices, pixels);
      return e;
    }
    mode = EncodeMode::Jpeg;
  }
  if (mode == EncodeMode::Lossless) {
    e.encoding = Encoding::Lossless;
    e.data = EncodeLosslessImpl(frame, r, kMaxPaletteColors, opaque);
  } else {
    e.encoding = Encoding::Jpeg;
    e.data = EncodeJpeg(frame, r, quality);  // TurboJPEG ignores the alpha byte of BGRA input
  }
  return e;
}

Decoded DecodeJpeg(const uint8_t* data, size_t len) {
  tjhandle h = DecompressHandle();
  int w = 0, hgt = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(h, data, static_cast<unsigned long>(len), &w, &hgt, &subsamp, &colorspace) != 0) {
    throw NativeError("INVALID_ARGUMENT", std::string("not a JPEG: ") + tjGetErrorStr2(h));
  }
  // Bound the allocation a hostile header could ask for (16384 x 16384 BGRA = 1 GiB).
  if (w <= 0 || hgt <= 0 || w > 16384 || hgt > 16384) {
    throw NativeError("INVALID_ARGUMENT", "JPEG dimensions out of range");
  }
  Decoded d;
  d.width = static_cast<uint32_t>(w);
  d.height = static_cast<uint32_t>(hgt);
  d.bgra.resize(static_cast<size_t>(w) * hgt * 4);
  if (tjDecompress2(h, data, static_cast<unsigned long>(len), d.bgra.data(), w, w * 4, hgt, TJPF_BGRA, 0) != 0) {
    throw NativeError("NATIVE_FAILURE", std::string("tjDecompress2: ") + tjGetErrorStr2(h));
  }
  return d;
}

}  // namespace tandem
