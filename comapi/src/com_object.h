// com_object: the client-side COM plumbing every API object shares: reference counts that free
// the object at the last Release, a small owning pointer, and the exception barrier of the edge.
#pragma once

#include <donode/wintypes.h>

#include <atomic>
#include <new>
#include <utility>

namespace donode::comapi {

// Implements AddRef/Release for Derived (declared final) over one or more interfaces.
template <class Derived, class... Interfaces>
class RefCounted : public Interfaces... {
 public:
  ULONG AddRef() noexcept override { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }
  ULONG Release() noexcept override {
    const ULONG n = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
    if (n == 0) delete static_cast<Derived*>(this);
    return n;
  }

 protected:
  RefCounted() = default;

 private:
  std::atomic<ULONG> refs_{1};
};

// Owns one reference to a COM interface.
template <class T>
class ComPtr {
 public:
  ComPtr() = default;
  // Takes over a reference the caller owns (e.g. from new or QueryInterface).
  static ComPtr adopt(T* p) {
    ComPtr c;
    c.p_ = p;
    return c;
  }
  // Adds a reference of its own.
  static ComPtr share(T* p) {
    if (p) p->AddRef();
    return adopt(p);
  }
  ComPtr(const ComPtr& o) : p_(o.p_) {
    if (p_) p_->AddRef();
  }
  ComPtr(ComPtr&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  ComPtr& operator=(ComPtr o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~ComPtr() {
    if (p_) p_->Release();
  }
  [[nodiscard]] T* get() const { return p_; }
  T* operator->() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }
  // Hands the reference to an out-parameter.
  [[nodiscard]] T* detach() { return std::exchange(p_, nullptr); }

 private:
  T* p_ = nullptr;
};

// The exception barrier of every API method: nothing escapes to the caller.
template <class F>
HRESULT guarded(F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return E_OUTOFMEMORY;
  } catch (...) {
    return E_UNEXPECTED;  // e.g. a field of the wrong type in the node's reply
  }
}

}  // namespace donode::comapi
