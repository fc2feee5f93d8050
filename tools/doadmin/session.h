// doadmin/session: doadmin's use of the public job API, the only code of doadmin that calls it:
// COM pointers and strings, API failures as CommandError, and reading jobs into model.h values.
#pragma once

#include <donode/deliveryoptimization.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model.h"

namespace doadmin {

// Owns one reference to a COM interface.
template <typename T>
class ComPtr {
 public:
  ComPtr() = default;
  ComPtr(const ComPtr& other) : p_(other.p_) {
    if (p_ != nullptr) p_->AddRef();
  }
  ComPtr(ComPtr&& other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
  ComPtr& operator=(ComPtr other) noexcept {
    std::swap(p_, other.p_);
    return *this;
  }
  ~ComPtr() { reset(); }

  void reset() {
    if (p_ != nullptr) std::exchange(p_, nullptr)->Release();
  }
  // For out-parameters: releases what is held and lets the callee store a new reference.
  [[nodiscard]] T** put() {
    reset();
    return &p_;
  }
  [[nodiscard]] T* get() const { return p_; }
  T* operator->() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  T* p_ = nullptr;
};

// How doadmin stops: the HRESULT, the message for the user, and the exit status. A verb stops at
// its first failure, so one exception type carries that to main(), which prints it.
class CommandError : public std::runtime_error {
 public:
  CommandError(HRESULT hr, const std::string& message, int exit_code = 1)
      : std::runtime_error(message), hr_(hr), exit_code_(exit_code) {}
  [[nodiscard]] HRESULT hr() const { return hr_; }
  [[nodiscard]] int exit_code() const { return exit_code_; }

 private:
  HRESULT hr_;
  int exit_code_;
};

// A usage error (exit status 2), e.g. an operand that is not a number.
[[nodiscard]] CommandError usage_error(const std::string& message);

// UTF-8 <-> wchar_t (UTF-32 on Linux), the string type of the API. widen() refuses text that is
// not valid UTF-8 (nullopt) rather than guess.
[[nodiscard]] std::optional<std::wstring> widen(std::string_view utf8);
[[nodiscard]] std::string narrow(std::wstring_view wide);

class Session {
 public:
  // Connects to the node (the library reads DONODE_SOCKET). `socket_label` names the socket in
  // the message shown when no node answers.
  [[nodiscard]] static Session connect(std::string socket_label);

  [[nodiscard]] IBackgroundCopyManager* manager() const { return manager_.get(); }
  // The English description of hr from IBackgroundCopyManager::GetErrorDescription; never fails.
  [[nodiscard]] std::string describe(HRESULT hr) const;
  // Throws CommandError(hr, description) when hr is a failure.
  void check(HRESULT hr) const;
  [[noreturn]] void fail(HRESULT hr) const;

  [[nodiscard]] ComPtr<IBackgroundCopyJob> create_job(const std::wstring& name, GUID& id) const;
  [[nodiscard]] ComPtr<IBackgroundCopyJob> job_by_id(const GUID& id) const;
  [[nodiscard]] std::vector<ComPtr<IBackgroundCopyJob>> enum_jobs(bool all_users) const;

  // nullopt when the job went away while being read (cancelled or completed meanwhile).
  [[nodiscard]] std::optional<JobSummary> read_summary(IBackgroundCopyJob* job, bool owner) const;
  [[nodiscard]] JobInfo read_info(IBackgroundCopyJob* job) const;
  [[nodiscard]] std::vector<FileInfo> read_files(IBackgroundCopyJob* job) const;
  // nullopt when the job has no error (not in ERROR or TRANSIENT_ERROR).
  [[nodiscard]] std::optional<ErrorInfo> read_error(IBackgroundCopyJob* job) const;
  [[nodiscard]] BG_JOB_STATE read_state(IBackgroundCopyJob* job) const;
  [[nodiscard]] BG_JOB_PROGRESS read_progress(IBackgroundCopyJob* job) const;
  [[nodiscard]] GUID read_id(IBackgroundCopyJob* job) const;
  [[nodiscard]] std::string read_name(IBackgroundCopyJob* job) const;

  // DO's job and file extensions (session_extension.cpp): IDeliveryOptimizationJob2's download
  // mode and group, and IDeliveryOptimizationFile2's metadata of the job's last file.
  void set_download_mode(IBackgroundCopyJob* job, DWORD mode) const;
  void set_group(IBackgroundCopyJob* job, const std::string& group) const;
  void set_last_file_metadata(IBackgroundCopyJob* job, const std::string& metadata) const;
  // Fills info.download_mode and info.group_id when the job has the extension.
  void read_job_extension(IBackgroundCopyJob* job, JobInfo& info) const;

  // A wide string for the API, or a usage error naming `what` when text is not UTF-8.
  [[nodiscard]] static std::wstring wide(std::string_view text, std::string_view what);

 private:
  Session(ComPtr<IBackgroundCopyManager> manager, std::string socket_label)
      : manager_(std::move(manager)), socket_label_(std::move(socket_label)) {}
  [[nodiscard]] std::string take_string(HRESULT hr, LPWSTR s) const;
  [[nodiscard]] FileInfo read_file(IBackgroundCopyFile* file) const;

  ComPtr<IBackgroundCopyManager> manager_;
  std::string socket_label_;
};

// True for the HRESULTs that say a job no longer exists (it left while doadmin looked at it).
[[nodiscard]] bool job_is_gone(HRESULT hr);

}  // namespace doadmin
