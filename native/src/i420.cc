// BGRA -> I420, BT.601 limited range, integer arithmetic (the same 8-bit fixed-point matrix as
// libyuv's ARGBToI420, so a browser/WebRTC pipeline sees the colours it expects).
#include <algorithm>

#include "core.h"

namespace tandem {
namespace {

inline uint8_t Y(int r, int g, int b) { return static_cast<uint8_t>(((66 * r + 129 * g + 25 * b + 128) >> 8) + 16); }
inline uint8_t U(int r, int g, int b) { return static_cast<uint8_t>(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128); }
inline uint8_t V(int r, int g, int b) { return static_cast<uint8_t>(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128); }

}  // namespace

std::vector<uint8_t> BgraToI420(const FrameView& f) {
  std::vector<uint8_t> out(I420Size(f.width, f.height));
  BgraToI420Into(f, out.data());
  return out;
}

void BgraToI420Into(const FrameView& f, uint8_t* out) {
  const size_t w = f.width, h = f.height;
  const size_t cw = (w + 1) / 2, ch = (h + 1) / 2;
  uint8_t* py = out;
  uint8_t* pu = py + w * h;
  uint8_t* pv = pu + cw * ch;

  for (size_t y = 0; y < h; y += 2) {
    const uint8_t* r0 = f.data + y * f.stride;
    const bool two = y + 1 < h;
    const uint8_t* r1 = two ? r0 + f.stride : r0;
    uint8_t* y0 = py + y * w;
    uint8_t* y1 = two ? y0 + w : nullptr;
    for (size_t x = 0; x < w; ++x) {
      const uint8_t* p = r0 + x * 4;
      y0[x] = Y(p[2], p[1], p[0]);
    }
    if (two) {
      for (size_t x = 0; x < w; ++x) {
        const uint8_t* p = r1 + x * 4;
        y1[x] = Y(p[2], p[1], p[0]);
      }
    }
    uint8_t* u = pu + (y / 2) * cw;
    uint8_t* v = pv + (y / 2) * cw;
    // Full 2x2 blocks take the shift-by-2 path (this loop is most of the cost; a variable divisor
    // here made the whole conversion ~5x slower). Edge blocks of odd sizes fall through below.
    const size_t fullCols = two ? w / 2 : 0;
    for (size_t cx = 0; cx < fullCols; ++cx) {
      const uint8_t* p = r0 + cx * 8;
      const uint8_t* q = r1 + cx * 8;
      const int b = (p[0] + p[4] + q[0] + q[4] + 2) >> 2;
      const int g = (p[1] + p[5] + q[1] + q[5] + 2) >> 2;
      const int r = (p[2] + p[6] + q[2] + q[6] + 2) >> 2;
      u[cx] = U(r, g, b);
      v[cx] = V(r, g, b);
    }
    for (size_t cx = fullCols; cx < cw; ++cx) {
      const size_t x = cx * 2;
      const bool wide = x + 1 < w;
      int b = 0, g = 0, r = 0, n = 0;
      const uint8_t* rows[2] = {r0, r1};
      for (int k = 0; k < (two ? 2 : 1); ++k) {
        const uint8_t* p = rows[k] + x * 4;
        b += p[0];
        g += p[1];
        r += p[2];
        ++n;
        if (wide) {
          b += p[4];
          g += p[5];
          r += p[6];
          ++n;
        }
      }
      // Rounded mean: n is 1, 2 or 4.
      b = (b + n / 2) / n;
      g = (g + n / 2) / n;
      r = (r + n / 2) / n;
      u[cx] = U(r, g, b);
      v[cx] = V(r, g, b);
    }
  }
}

}  // namespace tandem
