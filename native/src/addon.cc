// The Napi boundary. Everything JS-facing lives here; the work itself is in the Napi-free core
// (core.h) so that AsyncWorker::Execute can call it on a worker thread.
//
// Rules kept in this file (conventions.md §6):
//  - C++ checks memory safety only (lengths, geometry, rect inside frame). Policy is TS's business,
//    and src/native/index.ts validates every argument before it gets here.
//  - Errors reach JS as Error objects with `code` ('INVALID_ARGUMENT' | 'NATIVE_FAILURE'); no C++
//    exception crosses the boundary (Guard() catches them all). node-addon-api's own C++ exceptions
//    are disabled, so Napi failures surface as pending JS exceptions instead.
//  - Async jobs copy what they need out of JS memory on the main thread; Execute() never touches
//    Napi, and a JS caller may reuse or mutate its frame buffer as soon as the call returns.
#include <napi.h>
#include <uv.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "core.h"
#include "pool.h"
#include "clipboard.h"
#include "input-block.h"
#include "x11.h"

namespace tandem {
namespace {

// Geometry caps keep every size computation far from 64-bit overflow (32768^2 * 4 < 2^33) and
// bound what a bogus call can make us allocate.
constexpr uint32_t kMaxDim = 32768;
constexpr uint64_t kMaxStride = uint64_t{1} << 20;

void ThrowCoded(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Value().Set("code", Napi::String::New(env, code));
  err.ThrowAsJavaScriptException();
}

template <typename F>
Napi::Value Guard(Napi::Env env, F&& f) {
  try {
    return f();
  } catch (const NativeError& e) {
    ThrowCoded(env, e.code, e.what());
  } catch (const std::bad_alloc&) {
    ThrowCoded(env, "NATIVE_FAILURE", "out of memory");
  } catch (const std::exception& e) {
    ThrowCoded(env, "NATIVE_FAILURE", e.what());
  }
  return env.Undefined();
}

[[noreturn]] void Invalid(const std::string& message) { throw NativeError("INVALID_ARGUMENT", message); }

struct Bytes {
  const uint8_t* data;
  size_t len;
};

Bytes ArgBytes(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    Invalid(std::string(name) + " must be a Buffer or Uint8Array");
  }
  Napi::Uint8Array a = v.As<Napi::Uint8Array>();
  return Bytes{a.Data(), a.ByteLength()};
}

uint32_t ArgU32(const Napi::CallbackInfo& info, size_t i, const char* name, uint64_t min, uint64_t max) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) Invalid(std::string(name) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= static_cast<double>(min) && d <= static_cast<double>(max)) || d != static_cast<double>(static_cast<uint64_t>(d))) {
    Invalid(std::string(name) + " must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return static_cast<uint32_t>(d);
}

std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsString()) Invalid(std::string(name) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

// Reads (buffer, width, height, stride) starting at argument i and checks the buffer holds the
// frame. The last row need not carry its padding, hence stride * (h - 1) + w * 4.
// (width, height, stride) starting at argument i.
FrameView ArgGeometry(const Napi::CallbackInfo& info, size_t i) {
  FrameView f;
  f.width = ArgU32(info, i, "width", 1, kMaxDim);
  f.height = ArgU32(info, i + 1, "height", 1, kMaxDim);
  f.stride = ArgU32(info, i + 2, "stride", 4, kMaxStride);
  if (f.stride < static_cast<size_t>(f.width) * 4) Invalid("stride must be at least width * 4");
  return f;
}

void CheckLength(const char* name, const Bytes& b, const FrameView& f) {
  const uint64_t need = static_cast<uint64_t>(f.stride) * (f.height - 1) + static_cast<uint64_t>(f.width) * 4;
  if (b.len < need) {
    Invalid(std::string(name) + " is " + std::to_string(b.len) + " bytes; the frame needs " + std::to_string(need));
  }
}

FrameView ArgFrame(const Napi::CallbackInfo& info, size_t i, const char* name) {
  const Bytes b = ArgBytes(info, i, name);
  FrameView f = ArgGeometry(info, i + 1);
  f.data = b.data;
  CheckLength(name, b, f);
  return f;
}

void CheckRect(const FrameView& f, const Rect& r) {
  if (r.w == 0 || r.h == 0) Invalid("rect must have a positive width and height");
  if (static_cast<uint64_t>(r.x) + r.w > f.width || static_cast<uint64_t>(r.y) + r.h > f.height) {
    Invalid("rect " + std::to_string(r.x) + "," + std::to_string(r.y) + " " + std::to_string(r.w) + "x" +
            std::to_string(r.h) + " is outside the " + std::to_string(f.width) + "x" + std::to_string(f.height) + " frame");
  }
}

SimdPath ParsePath(const std::string& s) {
  if (s == "auto") return SimdPath::Auto;
  if (s == "portable") return SimdPath::Portable;
  if (s == "sse2") return SimdPath::Sse2;
  if (s == "avx2") return SimdPath::Avx2;
  Invalid("path must be 'auto', 'portable', 'sse2' or 'avx2'");
}

EncodeMode ParseMode(const std::string& s) {
  if (s == "auto") return EncodeMode::Auto;
  if (s == "jpeg") return EncodeMode::Jpeg;
  if (s == "lossless") return EncodeMode::Lossless;
  Invalid("mode must be 'auto', 'jpeg' or 'lossless'");
}

// Large results are handed to JS without a copy: the vector moves to the heap and the Buffer's
// finalizer reclaims it. Small ones are copied (an external buffer costs a finalizer per tile).
Napi::Value ToBuffer(Napi::Env env, std::vector<uint8_t>&& v) {
  if (v.size() < 64 * 1024) return Napi::Buffer<uint8_t>::Copy(env, v.data(), v.size());
  auto owned = std::make_unique<std::vector<uint8_t>>(std::move(v));
  Napi::Buffer<uint8_t> buf = Napi::Buffer<uint8_t>::New(
      env, owned->data(), owned->size(),
      [](Napi::Env, uint8_t*, std::vector<uint8_t>* hint) {
        std::unique_ptr<std::vector<uint8_t>> reclaim(hint);
        BufferPool::Give(std::move(*reclaim));  // the next frame reuses these pages
      },
      owned.get());
  if (buf.IsEmpty()) return env.Undefined();  // exception pending; `owned` still frees the data
  owned.release();                            // the finalizer owns it now
  return buf;
}

Napi::Object EncodedToJs(Napi::Env env, Encoded&& e) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("encoding", Napi::String::New(env, e.encoding == Encoding::Jpeg ? "jpeg" : "lossless"));
  o.Set("data", ToBuffer(env, std::move(e.data)));
  return o;
}

// ---- async plumbing ----------------------------------------------------------------------------

// A Promise-returning AsyncWorker. Subclasses implement Run() (worker thread, Napi-free) and
// Result() (main thread). The worker deletes itself after OnOK/OnError (AsyncWorker default).
class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, const char* name) : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  virtual void Run() = 0;
  virtual Napi::Value Result(Napi::Env env) = 0;

 private:
  void Execute() override {
    try {
      Run();
    } catch (const NativeError& e) {
      code_ = e.code;
      SetError(e.what());
    } catch (const std::bad_alloc&) {
      SetError("out of memory");
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    Napi::Value v = Result(env);
    if (env.IsExceptionPending()) {
      deferred_.Reject(env.GetAndClearPendingException().Value());
    } else {
      deferred_.Resolve(v);
    }
  }
  void OnError(const Napi::Error& e) override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    Napi::Error err = Napi::Error::New(env, e.Message());
    err.Value().Set("code", Napi::String::New(env, code_));
    deferred_.Reject(err.Value());
  }

  Napi::Promise::Deferred deferred_;
  std::string code_ = "NATIVE_FAILURE";
};

// Queues a worker; from here on libuv and AsyncWorker's self-deletion own it.
template <typename W>
Napi::Value QueueWorker(std::unique_ptr<W> w) {
  Napi::Promise p = w->Promise();
  w->Queue();
  w.release();
  return p;
}

// Pixels of one or more rects, copied out of the JS frame into one packed arena (stride = w * 4).
struct TileJob {
  std::vector<uint8_t> arena;
  std::vector<size_t> offsets;
  std::vector<Rect> rects;  // original rects (for sizes); pixel (0,0) of tile k is arena[offsets[k]]
  FrameView View(size_t k) const {
    FrameView v;
    v.data = arena.data() + offsets[k];
    v.width = rects[k].w;
    v.height = rects[k].h;
    v.stride = static_cast<size_t>(rects[k].w) * 4;
    return v;
  }
};

class EncodeTilesWorker final : public PromiseWorker {
 public:
  EncodeTilesWorker(Napi::Env env, TileJob job, int quality, EncodeMode mode)
      : PromiseWorker(env, "tandem:encodeTiles"), job_(std::move(job)), quality_(quality), mode_(mode) {}

 protected:
  void Run() override {
    out_.reserve(job_.rects.size());
    for (size_t k = 0; k < job_.rects.size(); ++k) {
      const Rect& r = job_.rects[k];
      out_.push_back(EncodeTile(job_.View(k), Rect{0, 0, r.w, r.h}, quality_, mode_));
    }
    BufferPool::Give(std::move(job_.arena));  // release the copy before the results go back to JS
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Array arr = Napi::Array::New(env, out_.size());
    for (size_t k = 0; k < out_.size(); ++k) arr.Set(static_cast<uint32_t>(k), EncodedToJs(env, std::move(out_[k])));
    return arr;
  }

 private:
  TileJob job_;
  int quality_;
  EncodeMode mode_;
  std::vector<Encoded> out_;
};

class I420Worker final : public PromiseWorker {
 public:
  // `out`, when not empty, is caller memory of at least I420Size() bytes that Execute writes into
  // (like fs.read into a Buffer); the reference keeps it alive, and the caller must leave it alone
  // until the promise settles.
  I420Worker(Napi::Env env, std::vector<uint8_t> bgra, uint32_t w, uint32_t h, Napi::Uint8Array out)
      : PromiseWorker(env, "tandem:bgraToI420"), bgra_(std::move(bgra)), w_(w), h_(h) {
    if (!out.IsEmpty()) {
      outRef_ = Napi::Persistent(out);
      outData_ = out.Data();
    }
  }

 protected:
  void Run() override {
    FrameView f;
    f.data = bgra_.data();
    f.width = w_;
    f.height = h_;
    f.stride = static_cast<size_t>(w_) * 4;
    if (outData_ != nullptr) {
      BgraToI420Into(f, outData_);
    } else {
      out_ = BufferPool::Take(I420Size(w_, h_));
      BgraToI420Into(f, out_.data());
    }
    BufferPool::Give(std::move(bgra_));
  }
  Napi::Value Result(Napi::Env env) override {
    if (outData_ != nullptr) return outRef_.Value();
    return ToBuffer(env, std::move(out_));
  }

 private:
  std::vector<uint8_t> bgra_;
  uint32_t w_, h_;
  Napi::Reference<Napi::Uint8Array> outRef_;
  uint8_t* outData_ = nullptr;
  std::vector<uint8_t> out_;
};

// Optional output buffer at argument i: undefined, or a Uint8Array of at least `need` bytes.
Napi::Uint8Array ArgOut(const Napi::CallbackInfo& info, size_t i, size_t need) {
  if (info.Length() <= i || info[i].IsUndefined()) return Napi::Uint8Array();
  const Bytes b = ArgBytes(info, i, "out");
  if (b.len < need) Invalid("out is " + std::to_string(b.len) + " bytes; I420 needs " + std::to_string(need));
  return info[i].As<Napi::Uint8Array>();
}

std::vector<uint8_t> CopyFrame(const FrameView& f, const Rect& r) {
  std::vector<uint8_t> out = BufferPool::Take(static_cast<size_t>(r.w) * r.h * 4);
  for (uint32_t y = 0; y < r.h; ++y) {
    std::memcpy(out.data() + static_cast<size_t>(y) * r.w * 4, f.at(r.x, r.y + y), static_cast<size_t>(r.w) * 4);
  }
  return out;
}

// ---- exported functions ------------------------------------------------------------------------

// simdPaths() -> { supported: string[], auto: string }
Napi::Value SimdPaths(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    Napi::Array list = Napi::Array::New(env);
    uint32_t n = 0;
    for (SimdPath p : {SimdPath::Portable, SimdPath::Sse2, SimdPath::Avx2}) {
      if (SimdPathSupported(p)) list.Set(n++, Napi::String::New(env, SimdPathName(p)));
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("supported", list);
    o.Set("auto", Napi::String::New(env, SimdPathName(BestSimdPath())));
    return o;
  });
}

// diffTiles(prev, next, width, height, stride, tile, merge, path) -> Uint32Array [x, y, w, h, ...]
Napi::Value DiffTilesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    if (info.Length() < 8) Invalid("diffTiles takes 8 arguments");
    const Bytes pb = ArgBytes(info, 0, "prev");
    const Bytes nb = ArgBytes(info, 1, "next");
    FrameView prev = ArgGeometry(info, 2);
    prev.data = pb.data;
    FrameView next = prev;
    next.data = nb.data;
    CheckLength("prev", pb, prev);
    CheckLength("next", nb, next);
    const uint32_t tile = ArgU32(info, 5, "tile", 1, 4096);
    if (!info[6].IsBoolean()) Invalid("merge must be a boolean");
    const bool merge = info[6].As<Napi::Boolean>().Value();
    const SimdPath path = ParsePath(ArgString(info, 7, "path"));
    std::vector<Rect> rects = DiffTiles(prev, next, tile, merge, path);
    Napi::Uint32Array out = Napi::Uint32Array::New(env, rects.size() * 4);
    uint32_t* d = out.Data();
    for (size_t k = 0; k < rects.size(); ++k) {
      d[k * 4] = rects[k].x;
      d[k * 4 + 1] = rects[k].y;
      d[k * 4 + 2] = rects[k].w;
      d[k * 4 + 3] = rects[k].h;
    }
    return out;
  });
}

// encodeTile(frame, width, height, stride, x, y, w, h, quality, mode) -> { encoding, data }
Napi::Value EncodeTileJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    if (info.Length() < 10) Invalid("encodeTile takes 10 arguments");
    FrameView f = ArgFrame(info, 0, "frame");
    Rect r{ArgU32(info, 4, "x", 0, kMaxDim), ArgU32(info, 5, "y", 0, kMaxDim), ArgU32(info, 6, "w", 1, kMaxDim),
           ArgU32(info, 7, "h", 1, kMaxDim)};
    CheckRect(f, r);
    const int quality = static_cast<int>(ArgU32(info, 8, "quality", 1, 100));
    const EncodeMode mode = ParseMode(ArgString(info, 9, "mode"));
    return EncodedToJs(env, EncodeTile(f, r, quality, mode));
  });
}

// encodeTiles(frame, width, height, stride, rects: Uint32Array [x,y,w,h,...], quality, mode)
//   -> Promise<{ encoding, data }[]>
Napi::Value EncodeTilesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    if (info.Length() < 7) Invalid("encodeTiles takes 7 arguments");
    FrameView f = ArgFrame(info, 0, "frame");
    if (!info[4].IsTypedArray() || info[4].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
      Invalid("rects must be a Uint32Array of x, y, w, h quadruples");
    }
    Napi::Uint32Array ra = info[4].As<Napi::Uint32Array>();
    if (ra.ElementLength() % 4 != 0) Invalid("rects length must be a multiple of 4");
    const int quality = static_cast<int>(ArgU32(info, 5, "quality", 1, 100));
    const EncodeMode mode = ParseMode(ArgString(info, 6, "mode"));

    TileJob job;
    size_t total = 0;
    const size_t n = ra.ElementLength() / 4;
    job.rects.reserve(n);
    for (size_t k = 0; k < n; ++k) {
      Rect r{ra[k * 4], ra[k * 4 + 1], ra[k * 4 + 2], ra[k * 4 + 3]};
      CheckRect(f, r);
      job.rects.push_back(r);
      job.offsets.push_back(total);
      total += static_cast<size_t>(r.w) * r.h * 4;
    }
    job.arena = BufferPool::Take(total);
    for (size_t k = 0; k < n; ++k) {
      const Rect& r = job.rects[k];
      for (uint32_t y = 0; y < r.h; ++y) {
        std::memcpy(job.arena.data() + job.offsets[k] + static_cast<size_t>(y) * r.w * 4, f.at(r.x, r.y + y),
                    static_cast<size_t>(r.w) * 4);
      }
    }
    return QueueWorker(std::make_unique<EncodeTilesWorker>(env, std::move(job), quality, mode));
  });
}

// bgraToI420(frame, width, height, stride, out?) -> Buffer (Y, then U, then V planes); `out` when
// given (then no allocation at all: the steady state of a capture loop).
Napi::Value BgraToI420Js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    if (info.Length() < 4) Invalid("bgraToI420 takes 4 or 5 arguments");
    const FrameView f = ArgFrame(info, 0, "frame");
    Napi::Uint8Array out = ArgOut(info, 4, I420Size(f.width, f.height));
    if (!out.IsEmpty()) {
      BgraToI420Into(f, out.Data());
      return out;
    }
    std::vector<uint8_t> v = BufferPool::Take(I420Size(f.width, f.height));
    BgraToI420Into(f, v.data());
    return ToBuffer(env, std::move(v));
  });
}

// bgraToI420Async(frame, width, height, stride, out?) -> Promise<Buffer | out>
Napi::Value BgraToI420AsyncJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    if (info.Length() < 4) Invalid("bgraToI420Async takes 4 or 5 arguments");
    FrameView f = ArgFrame(info, 0, "frame");
    Napi::Uint8Array out = ArgOut(info, 4, I420Size(f.width, f.height));
    std::vector<uint8_t> copy = CopyFrame(f, Rect{0, 0, f.width, f.height});
    return QueueWorker(std::make_unique<I420Worker>(env, std::move(copy), f.width, f.height, out));
  });
}

// decodeJpeg(buf) -> { width, height, data } (BGRA, stride width * 4). Tests only.
Napi::Value DecodeJpegJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    if (info.Length() < 1) Invalid("decodeJpeg takes 1 argument");
    Bytes b = ArgBytes(info, 0, "jpeg");
    Decoded d = DecodeJpeg(b.data, b.len);
    Napi::Object o = Napi::Object::New(env);
    o.Set("width", Napi::Number::New(env, d.width));
    o.Set("height", Napi::Number::New(env, d.height));
    o.Set("data", ToBuffer(env, std::move(d.bgra)));
    return o;
  });
}


// ---- X11 capture and input ---------------------------------------------------------------------

Napi::Object MonitorToJs(Napi::Env env, const MonitorInfo& m, uint32_t index) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", Napi::Number::New(env, index));
  o.Set("name", Napi::String::New(env, m.name));
  o.Set("x", Napi::Number::New(env, m.x));
  o.Set("y", Napi::Number::New(env, m.y));
  o.Set("width", Napi::Number::New(env, m.width));
  o.Set("height", Napi::Number::New(env, m.height));
  o.Set("primary", Napi::Boolean::New(env, m.primary));
  return o;
}

class CaptureWorker final : public PromiseWorker {
 public:
  CaptureWorker(Napi::Env env, std::shared_ptr<X11Screen> screen, CaptureOptions opts)
      : PromiseWorker(env, "tandem:x11Capture"), screen_(std::move(screen)), opts_(opts) {}

 protected:
  void Run() override { r_ = screen_->Capture(opts_); }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("paused", Napi::Boolean::New(env, r_.paused));
    if (r_.paused) o.Set("reason", Napi::String::New(env, r_.reason));
    o.Set("grabbed", Napi::Boolean::New(env, r_.grabbed));
    o.Set("width", Napi::Number::New(env, r_.width));
    o.Set("height", Napi::Number::New(env, r_.height));
    if (!opts_.frameSession.empty()) {
      // Already framed: one Buffer and a count instead of an object per tile.
      o.Set("tileCount", Napi::Number::New(env, static_cast<double>(r_.rects.size())));
      o.Set("frames", ToBuffer(env, std::move(r_.framed)));
    } else {
    Napi::Array tiles = Napi::Array::New(env, r_.tiles.size());
    for (size_t k = 0; k < r_.tiles.size(); ++k) {
      const Rect& rect = r_.rects[k];
      Napi::Object t = EncodedToJs(env, std::move(r_.tiles[k]));
      t.Set("x", Napi::Number::New(env, rect.x));
      t.Set("y", Napi::Number::New(env, rect.y));
      t.Set("w", Napi::Number::New(env, rect.w));
      t.Set("h", Napi::Number::New(env, rect.h));
      tiles.Set(static_cast<uint32_t>(k), t);
    }
    o.Set("tiles", tiles);
    }
    if (r_.cursor.present) {
      Napi::Object c = Napi::Object::New(env);
      c.Set("x", Napi::Number::New(env, r_.cursor.x));
      c.Set("y", Napi::Number::New(env, r_.cursor.y));
      c.Set("onMonitor", Napi::Boolean::New(env, r_.cursor.onMonitor));
      if (!r_.cursor.bgra.empty()) {
        c.Set("width", Napi::Number::New(env, r_.cursor.width));
        c.Set("height", Napi::Number::New(env, r_.cursor.height));
        c.Set("xhot", Napi::Number::New(env, r_.cursor.xhot));
        c.Set("yhot", Napi::Number::New(env, r_.cursor.yhot));
        c.Set("serial", Napi::Number::New(env, static_cast<double>(r_.cursor.serial)));
        c.Set("image", ToBuffer(env, std::move(r_.cursor.bgra)));
      }
      o.Set("cursor", c);
    }
    Napi::Object ms = Napi::Object::New(env);
    ms.Set("grab", Napi::Number::New(env, r_.grabMs));
    ms.Set("diff", Napi::Number::New(env, r_.diffMs));
    ms.Set("encode", Napi::Number::New(env, r_.encodeMs));
    o.Set("ms", ms);
    return o;
  }

 private:
  std::shared_ptr<X11Screen> screen_;  // keeps the display open until the grab finishes, even if closed meanwhile
  CaptureOptions opts_;
  CaptureResult r_;
};

// new X11Screen(display) — one per display; close() releases both X connections.
class X11ScreenWrap final : public Napi::ObjectWrap<X11ScreenWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "X11Screen",
                       {InstanceMethod<&X11ScreenWrap::Features>("features"), InstanceMethod<&X11ScreenWrap::Monitors>("monitors"),
                        InstanceMethod<&X11ScreenWrap::Capture>("capture"), InstanceMethod<&X11ScreenWrap::Move>("move"),
                        InstanceMethod<&X11ScreenWrap::ButtonJs>("button"), InstanceMethod<&X11ScreenWrap::Wheel>("wheel"),
                        InstanceMethod<&X11ScreenWrap::Key>("key"), InstanceMethod<&X11ScreenWrap::Text>("text"),
                        InstanceMethod<&X11ScreenWrap::Pointer>("pointer"), InstanceMethod<&X11ScreenWrap::Lost>("lost"),
                        InstanceMethod<&X11ScreenWrap::Paint>("paint"), InstanceMethod<&X11ScreenWrap::OverlayJs>("overlay"),
                        InstanceMethod<&X11ScreenWrap::WatchJs>("watch"), InstanceMethod<&X11ScreenWrap::Close>("close")});
  }

  explicit X11ScreenWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<X11ScreenWrap>(info) {
    Napi::Env env = info.Env();
    Guard(env, [&]() -> Napi::Value {
      if (info.Length() < 1) Invalid("X11Screen takes the display name");
      screen_ = std::make_shared<X11Screen>(ArgString(info, 0, "display"));
      return env.Undefined();
    });
  }

 private:
  X11Screen& Open() {
    if (!screen_) throw NativeError("CLOSED", "the display is closed");
    return *screen_;
  }
  Napi::Value Features(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      const X11Features f = Open().Features();
      Napi::Object o = Napi::Object::New(info.Env());
      o.Set("shm", f.shm);
      o.Set("damage", f.damage);
      o.Set("fixes", f.fixes);
      o.Set("randr", f.randr);
      o.Set("xtest", f.xtest);
      o.Set("motion", f.motion);
      return o;
    });
  }
  Napi::Value Monitors(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      const std::vector<MonitorInfo> mons = Open().Monitors();
      // The query's reply may have brought an event into Xlib's queue: an armed poll would not see it.
      if (armed_ && screen_->EventsQueued()) FireSoon();
      Napi::Array a = Napi::Array::New(info.Env(), mons.size());
      for (size_t i = 0; i < mons.size(); ++i) a.Set(static_cast<uint32_t>(i), MonitorToJs(info.Env(), mons[i], static_cast<uint32_t>(i)));
      return a;
    });
  }
  // capture(monitor, full, quality, mode, tile, path, forceGrab?, mergeRun?, sessionId?, frameSeq?, timestamp?) -> Promise<result>
  Napi::Value Capture(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      if (info.Length() < 6) Invalid("capture takes 6 arguments");
      Open();
      CaptureOptions o;
      o.monitor = ArgU32(info, 0, "monitor", 0, 255);
      if (!info[1].IsBoolean()) Invalid("full must be a boolean");
      o.full = info[1].As<Napi::Boolean>().Value();
      o.quality = static_cast<int>(ArgU32(info, 2, "quality", 1, 100));
      o.mode = ParseMode(ArgString(info, 3, "mode"));
      o.tile = ArgU32(info, 4, "tile", 16, 1024);
      o.path = ParsePath(ArgString(info, 5, "path"));
      o.forceGrab = info.Length() > 6 && info[6].IsBoolean() && info[6].As<Napi::Boolean>().Value();
      if (info.Length() > 7 && !info[7].IsUndefined()) o.mergeRun = ArgU32(info, 7, "mergeRun", 1, 64);
      if (info.Length() > 8 && !info[8].IsUndefined()) {
        o.frameSession = ArgString(info, 8, "sessionId");
        if (o.frameSession.empty() || o.frameSession.size() > 80) Invalid("sessionId must be 1-80 characters");
        for (char ch : o.frameSession) {
          if (!std::isalnum(static_cast<unsigned char>(ch)) && std::strchr("_.:@-", ch) == nullptr) Invalid("sessionId must be id characters");
        }
        o.frameSeq = ArgU32(info, 9, "frameSeq", 0, 0xFFFFFFFFu);
        if (info.Length() < 11 || !info[10].IsNumber()) Invalid("timestamp must be a number");
        o.timestamp = info[10].As<Napi::Number>().DoubleValue();
        if (!std::isfinite(o.timestamp)) Invalid("timestamp must be finite");
      }
      if (o.path != SimdPath::Auto && !SimdPathSupported(o.path)) Invalid("path is not supported on this CPU");
      return QueueWorker(std::make_unique<CaptureWorker>(info.Env(), screen_, o));
    });
  }
  Napi::Value Move(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      if (info.Length() < 3) Invalid("move takes monitor, x, y");
      Open().Move(ArgU32(info, 0, "monitor", 0, 255), static_cast<int32_t>(ArgU32(info, 1, "x", 0, kMaxDim)),
                  static_cast<int32_t>(ArgU32(info, 2, "y", 0, kMaxDim)));
      return info.Env().Undefined();
    });
  }
  Napi::Value ButtonJs(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      if (info.Length() < 2 || !info[1].IsBoolean()) Invalid("button takes a button number and down: boolean");
      Open().Button(ArgU32(info, 0, "button", 1, 9), info[1].As<Napi::Boolean>().Value());
      return info.Env().Undefined();
    });
  }
  Napi::Value Wheel(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) Invalid("wheel takes dx, dy");
      const int32_t dx = info[0].As<Napi::Number>().Int32Value(), dy = info[1].As<Napi::Number>().Int32Value();
      if (dx < -100 || dx > 100 || dy < -100 || dy > 100) Invalid("wheel steps must be within -100..100");
      Open().Wheel(dx, dy);
      return info.Env().Undefined();
    });
  }
  Napi::Value Key(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      if (info.Length() < 2 || !info[1].IsBoolean()) Invalid("key takes a keysym and down: boolean");
      Open().Key(ArgU32(info, 0, "keysym", 1, 0x1FFFFFFF), info[1].As<Napi::Boolean>().Value());
      return info.Env().Undefined();
    });
  }
  Napi::Value Text(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      if (info.Length() < 1) Invalid("text takes a string");
      Open().Text(ArgString(info, 0, "text"));
      return info.Env().Undefined();
    });
  }
  Napi::Value Pointer(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      int32_t x = 0, y = 0;
      Open().Pointer(&x, &y);
      Napi::Object o = Napi::Object::New(info.Env());
      o.Set("x", x);
      o.Set("y", y);
      return o;
    });
  }
  // overlay(monitor, pointers: {x, y, label, rgb}[], strokes: {points: number[], rgb, width}[])
  Napi::Value OverlayJs(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      if (info.Length() < 3 || !info[1].IsArray() || !info[2].IsArray()) Invalid("overlay takes monitor, pointers[], strokes[]");
      const uint32_t monitor = ArgU32(info, 0, "monitor", 0, 255);
      auto num = [](Napi::Object o, const char* key, double lo, double hi) -> int32_t {
        Napi::Value v = o.Get(key);
        if (!v.IsNumber()) Invalid(std::string(key) + " must be a number");
        const double d = v.As<Napi::Number>().DoubleValue();
        if (!(d >= lo && d <= hi)) Invalid(std::string(key) + " is out of range");
        return static_cast<int32_t>(d);
      };
      std::vector<OverlayPointer> pointers;
      Napi::Array pa = info[1].As<Napi::Array>();
      if (pa.Length() > 64) Invalid("at most 64 pointers");
      for (uint32_t i = 0; i < pa.Length(); ++i) {
        Napi::Value v = pa.Get(i);
        if (!v.IsObject()) Invalid("a pointer must be an object");
        Napi::Object o = v.As<Napi::Object>();
        OverlayPointer p;
        p.x = num(o, "x", 0, kMaxDim);
        p.y = num(o, "y", 0, kMaxDim);
        p.rgb = static_cast<uint32_t>(num(o, "rgb", 0, 0xFFFFFF));
        Napi::Value label = o.Get("label");
        if (label.IsString()) p.label = label.As<Napi::String>().Utf8Value();
        pointers.push_back(std::move(p));
      }
      std::vector<OverlayStroke> strokes;
      Napi::Array sa = info[2].As<Napi::Array>();
      if (sa.Length() > 256) Invalid("at most 256 strokes");
      for (uint32_t i = 0; i < sa.Length(); ++i) {
        Napi::Value v = sa.Get(i);
        if (!v.IsObject()) Invalid("a stroke must be an object");
        Napi::Object o = v.As<Napi::Object>();
        OverlayStroke st;
        st.rgb = static_cast<uint32_t>(num(o, "rgb", 0, 0xFFFFFF));
        st.width = static_cast<uint32_t>(num(o, "width", 1, 64));
        Napi::Value pts = o.Get("points");
        if (!pts.IsArray()) Invalid("points must be an array");
        Napi::Array arr = pts.As<Napi::Array>();
        if (arr.Length() > 4000 || arr.Length() % 2 != 0) Invalid("points must be an even-length array of at most 4000 numbers");
        for (uint32_t k = 0; k < arr.Length(); ++k) {
          Napi::Value n = arr.Get(k);
          if (!n.IsNumber()) Invalid("points must be numbers");
          st.points.push_back(static_cast<int32_t>(std::clamp(n.As<Napi::Number>().DoubleValue(), -32000.0, 32000.0)));
        }
        strokes.push_back(std::move(st));
      }
      Open().Overlay(monitor, pointers, strokes);
      return info.Env().Undefined();
    });
  }
  // paint(x, y, w, h, rgb) — tests and benchmarks only.
  Napi::Value Paint(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      if (info.Length() < 5) Invalid("paint takes x, y, w, h, rgb");
      Open().Paint(static_cast<int32_t>(ArgU32(info, 0, "x", 0, kMaxDim)), static_cast<int32_t>(ArgU32(info, 1, "y", 0, kMaxDim)),
                   ArgU32(info, 2, "w", 1, kMaxDim), ArgU32(info, 3, "h", 1, kMaxDim), ArgU32(info, 4, "rgb", 0, 0xFFFFFF));
      return info.Env().Undefined();
    });
  }
  Napi::Value Lost(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), screen_ ? screen_->Lost() : false);
  }
  // watch(onEvent) — calls onEvent() once, on the main thread, when the capture connection has
  // something to read (a damage, cursor, pointer motion or RandR event, usually): a one-shot wake-up,
  // armed again by the next call. Mechanism only: whether and when to capture then is the caller's
  // decision. An event Xlib already queued (read along with a reply during a capture or a monitors()
  // query) leaves nothing readable on the socket: it is looked for when arming and after monitors(),
  // and then the wake-up comes on the next turn of the event loop.
  Napi::Value WatchJs(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      if (info.Length() < 1 || !info[0].IsFunction()) Invalid("watch takes a function");
      const int fd = Open().EventFd();
      if (fd < 0) return Napi::Boolean::New(info.Env(), false);
      onEvent_ = Napi::Persistent(info[0].As<Napi::Function>());
      if (!context_) context_ = std::make_unique<Napi::AsyncContext>(info.Env(), "tandem:x11watch");
      if (poll_ == nullptr || pollFd_ != fd) {
        StopWatch();
        uv_loop_t* loop = nullptr;
        if (napi_get_uv_event_loop(info.Env(), &loop) != napi_ok || loop == nullptr) return Napi::Boolean::New(info.Env(), false);
        poll_ = new uv_poll_t;
        if (uv_poll_init(loop, poll_, fd) != 0) {
          delete poll_;
          poll_ = nullptr;
          return Napi::Boolean::New(info.Env(), false);
        }
        poll_->data = this;
        pollFd_ = fd;
        uv_unref(reinterpret_cast<uv_handle_t*>(poll_));  // never what keeps the process alive
        kick_ = new uv_timer_t;
        uv_timer_init(loop, kick_);
        kick_->data = this;
        uv_unref(reinterpret_cast<uv_handle_t*>(kick_));
      }
      armed_ = true;
      if (screen_->EventsQueued()) {
        FireSoon();
      } else {
        uv_poll_start(poll_, UV_READABLE | UV_DISCONNECT, [](uv_poll_t* h, int, int) {
          Fire(static_cast<X11ScreenWrap*>(h->data));  // the bytes stay unread until the next capture drains them
        });
      }
      return Napi::Boolean::New(info.Env(), true);
    });
  }
  // The armed wake-up, on the next turn of the loop instead of when the socket is readable.
  void FireSoon() {
    if (!armed_ || kick_ == nullptr) return;
    uv_poll_stop(poll_);
    uv_timer_start(kick_, [](uv_timer_t* h) { Fire(static_cast<X11ScreenWrap*>(h->data)); }, 0, 0);
  }
  // One shot: disarms both ways in, then calls onEvent.
  static void Fire(X11ScreenWrap* self) {
    if (self == nullptr || !self->armed_) return;
    self->armed_ = false;
    uv_poll_stop(self->poll_);
    uv_timer_stop(self->kick_);
    if (self->onEvent_.IsEmpty()) return;
    Napi::Env env = self->onEvent_.Env();
    Napi::HandleScope scope(env);
    self->onEvent_.MakeCallback(env.Global(), {}, *self->context_);
  }
  void StopWatch() {
    armed_ = false;
    if (poll_ == nullptr) return;
    uv_poll_stop(poll_);
    poll_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
    pollFd_ = -1;
    uv_timer_stop(kick_);
    kick_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(kick_), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    kick_ = nullptr;
  }
  Napi::Value Close(const Napi::CallbackInfo& info) {
    StopWatch();  // before the connection (and so the descriptor) may close
    // An in-flight capture keeps its shared_ptr; the connections close when it finishes.
    screen_.reset();
    return info.Env().Undefined();
  }

 public:
  ~X11ScreenWrap() override { StopWatch(); }

 private:
  std::shared_ptr<X11Screen> screen_;
  uv_poll_t* poll_ = nullptr;
  uv_timer_t* kick_ = nullptr;  // created with poll_, closed with it
  bool armed_ = false;          // a watch() is waiting for its one wake-up
  int pollFd_ = -1;
  Napi::FunctionReference onEvent_;
  std::unique_ptr<Napi::AsyncContext> context_;
};

// new X11ClipboardJs(display, maxBytes, onChange(content, mime, selection)) — set(content, mime), stop().
// `content` is a string for "text/plain" and a Buffer (the PNG file) for "image/png".
class ClipboardWrap final : public Napi::ObjectWrap<ClipboardWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "X11Clipboard", {InstanceMethod<&ClipboardWrap::SetJs>("set"), InstanceMethod<&ClipboardWrap::StopJs>("stop")});
  }

  explicit ClipboardWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ClipboardWrap>(info) {
    Napi::Env env = info.Env();
    Guard(env, [&]() -> Napi::Value {
      if (info.Length() < 3 || !info[2].IsFunction()) Invalid("X11Clipboard takes display, maxBytes, onChange");
      const std::string display = ArgString(info, 0, "display");
      const uint32_t maxBytes = ArgU32(info, 1, "maxBytes", 1, 16 * 1024 * 1024);
      tsfn_ = Napi::ThreadSafeFunction::New(env, info[2].As<Napi::Function>(), "tandem:clipboard", 0, 1);
      tsfn_.Unref(env);  // a clipboard watch alone does not keep the process alive
      Napi::ThreadSafeFunction tsfn = tsfn_;
      try {
        clip_ = std::make_unique<X11Clipboard>(display, maxBytes, [tsfn](const std::string& bytes, const std::string& mime, const std::string& selection) mutable {
          auto* data = new std::array<std::string, 3>{bytes, mime, selection};
          const napi_status st = tsfn.NonBlockingCall(data, [](Napi::Env e, Napi::Function fn, std::array<std::string, 3>* d) {
            std::unique_ptr<std::array<std::string, 3>> own(d);
            if (e == nullptr || fn == nullptr) return;
            const std::string& b = (*own)[0];
            Napi::Value content = (*own)[1] == "image/png" ? Napi::Value(Napi::Buffer<char>::Copy(e, b.data(), b.size())) : Napi::Value(Napi::String::New(e, b));
            fn.Call({content, Napi::String::New(e, (*own)[1]), Napi::String::New(e, (*own)[2])});
          });
          if (st != napi_ok) delete data;
        });
      } catch (...) {
        tsfn_.Release();
        throw;
      }
      return env.Undefined();
    });
  }

  ~ClipboardWrap() override { Shutdown(); }

 private:
  void Shutdown() {
    if (clip_) {
      clip_->Stop();  // joins the thread: no call into the TSFN after this
      clip_.reset();
      tsfn_.Release();
    }
  }
  Napi::Value SetJs(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      if (!clip_) throw NativeError("CLOSED", "the clipboard is closed");
      const std::string mime = info.Length() > 1 ? ArgString(info, 1, "mime") : std::string("text/plain");
      if (info.Length() > 0 && info[0].IsBuffer()) {
        Napi::Buffer<char> buf = info[0].As<Napi::Buffer<char>>();
        clip_->Set(std::string(buf.Data(), buf.Length()), mime);
      } else {
        clip_->Set(ArgString(info, 0, "content"), mime);
      }
      return info.Env().Undefined();
    });
  }
  Napi::Value StopJs(const Napi::CallbackInfo& info) {
    Shutdown();
    return info.Env().Undefined();
  }

  std::unique_ptr<X11Clipboard> clip_;
  Napi::ThreadSafeFunction tsfn_;
};

Napi::Object BlockStatusToJs(Napi::Env env, const InputBlockStatus& st) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("blocked", Napi::Boolean::New(env, st.blocked));
  Napi::Array devices = Napi::Array::New(env, st.devices.size());
  for (size_t i = 0; i < st.devices.size(); ++i) devices.Set(static_cast<uint32_t>(i), Napi::String::New(env, st.devices[i]));
  o.Set("devices", devices);
  return o;
}

// new X11InputBlock(display, onEvent(kind, detail)) — block(), release(), status(), stop().
class InputBlockWrap final : public Napi::ObjectWrap<InputBlockWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "X11InputBlock",
                       {InstanceMethod<&InputBlockWrap::BlockJs>("block"), InstanceMethod<&InputBlockWrap::ReleaseJs>("release"),
                        InstanceMethod<&InputBlockWrap::StatusJs>("status"), InstanceMethod<&InputBlockWrap::StopJs>("stop")});
  }

  explicit InputBlockWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<InputBlockWrap>(info) {
    Napi::Env env = info.Env();
    Guard(env, [&]() -> Napi::Value {
      if (info.Length() < 2 || !info[1].IsFunction()) Invalid("X11InputBlock takes display, onEvent");
      const std::string display = ArgString(info, 0, "display");
      tsfn_ = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "tandem:input-block", 0, 1);
      tsfn_.Unref(env);  // a block alone does not keep the process alive (the X server drops it on exit)
      Napi::ThreadSafeFunction tsfn = tsfn_;
      try {
        block_ = std::make_unique<X11InputBlock>(display, [tsfn](const std::string& kind, const std::string& detail) mutable {
          auto* data = new std::pair<std::string, std::string>(kind, detail);
          const napi_status st = tsfn.NonBlockingCall(data, [](Napi::Env e, Napi::Function fn, std::pair<std::string, std::string>* d) {
            std::unique_ptr<std::pair<std::string, std::string>> own(d);
            if (e != nullptr && fn != nullptr) fn.Call({Napi::String::New(e, own->first), Napi::String::New(e, own->second)});
          });
          if (st != napi_ok) delete data;
        });
      } catch (...) {
        tsfn_.Release();
        throw;
      }
      return env.Undefined();
    });
  }

  ~InputBlockWrap() override { Shutdown(); }

 private:
  void Shutdown() {
    if (block_) {
      block_->Stop();  // joins the thread and lets every device go: no call into the TSFN after this
      block_.reset();
      tsfn_.Release();
    }
  }
  X11InputBlock& Open() {
    if (!block_) throw NativeError("CLOSED", "the input block is closed");
    return *block_;
  }
  Napi::Value BlockJs(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value { return BlockStatusToJs(info.Env(), Open().Block()); });
  }
  Napi::Value ReleaseJs(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      if (block_) block_->Release();
      return info.Env().Undefined();
    });
  }
  Napi::Value StatusJs(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value { return BlockStatusToJs(info.Env(), block_ ? block_->Current() : InputBlockStatus{}); });
  }
  Napi::Value StopJs(const Napi::CallbackInfo& info) {
    Shutdown();
    return info.Env().Undefined();
  }

  std::unique_ptr<X11InputBlock> block_;
  Napi::ThreadSafeFunction tsfn_;
};

// Test-only: new X11TestDevice(display, name) — move(x, y), button(n, down), key(keysym, down), close().
class TestDeviceWrap final : public Napi::ObjectWrap<TestDeviceWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "X11TestDevice",
                       {InstanceMethod<&TestDeviceWrap::MoveJs>("move"), InstanceMethod<&TestDeviceWrap::ButtonJs>("button"),
                        InstanceMethod<&TestDeviceWrap::KeyJs>("key"), InstanceMethod<&TestDeviceWrap::CloseJs>("close")});
  }

  explicit TestDeviceWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TestDeviceWrap>(info) {
    Napi::Env env = info.Env();
    Guard(env, [&]() -> Napi::Value {
      if (info.Length() < 2) Invalid("X11TestDevice takes display, name");
      device_ = std::make_unique<X11TestDevice>(ArgString(info, 0, "display"), ArgString(info, 1, "name"));
      return env.Undefined();
    });
  }

 private:
  X11TestDevice& Open() {
    if (!device_) throw NativeError("CLOSED", "the test device is closed");
    return *device_;
  }
  Napi::Value MoveJs(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      if (info.Length() < 2) Invalid("move takes x, y");
      Open().Move(static_cast<int32_t>(ArgU32(info, 0, "x", 0, kMaxDim)), static_cast<int32_t>(ArgU32(info, 1, "y", 0, kMaxDim)));
      return info.Env().Undefined();
    });
  }
  Napi::Value ButtonJs(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      if (info.Length() < 2 || !info[1].IsBoolean()) Invalid("button takes a button number and down: boolean");
      Open().Button(ArgU32(info, 0, "button", 1, 9), info[1].As<Napi::Boolean>().Value());
      return info.Env().Undefined();
    });
  }
  Napi::Value KeyJs(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      if (info.Length() < 2 || !info[1].IsBoolean()) Invalid("key takes a keysym and down: boolean");
      Open().Key(ArgU32(info, 0, "keysym", 1, 0x1FFFFFFF), info[1].As<Napi::Boolean>().Value());
      return info.Env().Undefined();
    });
  }
  Napi::Value CloseJs(const Napi::CallbackInfo& info) {
    if (device_) device_->Close();
    device_.reset();
    return info.Env().Undefined();
  }

  std::unique_ptr<X11TestDevice> device_;
};
}  // namespace

Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  exports.Set("simdPaths", Napi::Function::New(env, SimdPaths, "simdPaths"));
  exports.Set("diffTiles", Napi::Function::New(env, DiffTilesJs, "diffTiles"));
  exports.Set("encodeTile", Napi::Function::New(env, EncodeTileJs, "encodeTile"));
  exports.Set("encodeTiles", Napi::Function::New(env, EncodeTilesJs, "encodeTiles"));
  exports.Set("bgraToI420", Napi::Function::New(env, BgraToI420Js, "bgraToI420"));
  exports.Set("bgraToI420Async", Napi::Function::New(env, BgraToI420AsyncJs, "bgraToI420Async"));
  exports.Set("decodeJpeg", Napi::Function::New(env, DecodeJpegJs, "decodeJpeg"));
  exports.Set("X11Screen", X11ScreenWrap::Define(env));
  exports.Set("X11Clipboard", ClipboardWrap::Define(env));
  exports.Set("X11InputBlock", InputBlockWrap::Define(env));
  exports.Set("X11TestDevice", TestDeviceWrap::Define(env));
  exports.Set("lossless", [&] {
    Napi::Object o = Napi::Object::New(env);
    o.Set("autoMaxColors", Napi::Number::New(env, kAutoLosslessColors));
    o.Set("maxPaletteColors", Napi::Number::New(env, kMaxPaletteColors));
    return o;
  }());
  return exports;
}

}  // namespace tandem

static Napi::Object Init(Napi::Env env, Napi::Object exports) { return tandem::InitAddon(env, exports); }

NODE_API_MODULE(tandem_native, Init)
