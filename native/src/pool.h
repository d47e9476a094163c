// A tiny recycling pool for the large scratch buffers the async jobs need (frame copies, I420
// output). Why: a fresh multi-megabyte allocation is a fresh mmap, and faulting its pages in costs
// more than the work itself (measured: ~3 ms per 3 MB in a microVM, vs ~1.5 ms for the whole
// 1080p I420 conversion). Buffers are taken on the main thread and given back from either thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace tandem {

class BufferPool {
 public:
  // A buffer of exactly `size` bytes (contents unspecified); reuses a pooled one when it fits.
  static std::vector<uint8_t> Take(size_t size) {
    {
      std::lock_guard<std::mutex> lock(Mutex());
      auto& free = Free();
      for (size_t i = 0; i < free.size(); ++i) {
        if (free[i].capacity() >= size) {
          std::vector<uint8_t> v = std::move(free[i]);
          free.erase(free.begin() + static_cast<std::ptrdiff_t>(i));
          v.resize(size);
          return v;
        }
      }
    }
    return std::vector<uint8_t>(size);
  }

  // Returns a buffer for reuse; drops it when the pool is full or the buffer is small.
  static void Give(std::vector<uint8_t>&& v) {
    if (v.capacity() < kMinPooled) return;
    std::lock_guard<std::mutex> lock(Mutex());
    auto& free = Free();
    if (free.size() >= kMaxPooled) free.erase(free.begin());  // oldest out: frame sizes change rarely
    free.push_back(std::move(v));
  }

 private:
  static constexpr size_t kMinPooled = 256 * 1024;
  static constexpr size_t kMaxPooled = 8;  // a few monitors' worth of frames in flight
  static std::mutex& Mutex() {
    static std::mutex m;
    return m;
  }
  static std::vector<std::vector<uint8_t>>& Free() {
    static std::vector<std::vector<uint8_t>> free;
    return free;
  }
};

}  // namespace tandem
