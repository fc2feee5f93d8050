// enumerators: IEnumBackgroundCopyJobs / IEnumBackgroundCopyFiles over a snapshot taken at
// EnumJobs / EnumFiles time (bits-do-reference.md §8.4); clones share the snapshot.
#pragma once

#include <donode/bits.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>

#include "com_object.h"

namespace donode::comapi {

template <class Enum, class Item>
class Enumerator final : public RefCounted<Enumerator<Enum, Item>, Enum> {
 public:
  using Items = std::vector<ComPtr<Item>>;
  Enumerator(const IID& iid, std::shared_ptr<const Items> items, std::size_t pos)
      : iid_(iid), items_(std::move(items)), pos_(pos) {}

  HRESULT QueryInterface(REFIID riid, void** ppv) noexcept override {
    if (!ppv) return E_POINTER;
    if (riid == IID_IUnknown || riid == iid_) {
      *ppv = static_cast<Enum*>(this);
      this->AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }

  // S_OK when celt items were returned, S_FALSE when fewer remained.
  HRESULT Next(ULONG celt, Item** rgelt, ULONG* pceltFetched) noexcept override {
    if (!rgelt || (!pceltFetched && celt != 1)) return E_INVALIDARG;
    std::lock_guard lock(mu_);
    const std::size_t n = std::min<std::size_t>(celt, items_->size() - pos_);
    for (std::size_t i = 0; i < n; ++i) {
      ComPtr<Item> copy = (*items_)[pos_ + i];
      rgelt[i] = copy.detach();
    }
    pos_ += n;
    if (pceltFetched) *pceltFetched = static_cast<ULONG>(n);
    return n == celt ? S_OK : S_FALSE;
  }

  HRESULT Skip(ULONG celt) noexcept override {
    std::lock_guard lock(mu_);
    const std::size_t left = items_->size() - pos_;
    if (celt > left) {
      pos_ = items_->size();
      return S_FALSE;
    }
    pos_ += celt;
    return S_OK;
  }

  HRESULT Reset() noexcept override {
    std::lock_guard lock(mu_);
    pos_ = 0;
    return S_OK;
  }

  HRESULT Clone(Enum** ppenum) noexcept override {
    if (!ppenum) return E_INVALIDARG;
    *ppenum = nullptr;
    return guarded([&] {
      std::lock_guard lock(mu_);
      *ppenum = new Enumerator(iid_, items_, pos_);
      return S_OK;
    });
  }

  HRESULT GetCount(ULONG* puCount) noexcept override {
    if (!puCount) return E_INVALIDARG;
    *puCount = static_cast<ULONG>(items_->size());
    return S_OK;
  }

 private:
  const IID& iid_;
  const std::shared_ptr<const Items> items_;
  std::mutex mu_;  // guards pos_
  std::size_t pos_;
};

[[nodiscard]] ComPtr<IEnumBackgroundCopyJobs> make_job_enum(
    std::vector<ComPtr<IBackgroundCopyJob>> jobs);
[[nodiscard]] ComPtr<IEnumBackgroundCopyFiles> make_file_enum(
    std::vector<ComPtr<IBackgroundCopyFile>> files);

}  // namespace donode::comapi
