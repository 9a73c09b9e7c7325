// Test support for outbound mail: a triaged with an SMTP listener on a free port (used as the
// relay another triaged sends through, keeping the raw bytes it receives under blobs/), and
// helpers to poll for what arrived and read its headers. The same helpers as
// tests/integration/email_outbound_test.cpp keeps privately.
#pragma once

#include "tests/support/triaged_process.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace triage::test {

// A triaged with SMTP on 127.0.0.1:0 over `dir`, configured by `yaml` (written to
// dir/triage.yaml), plus `extra_args`.
struct SmtpTriaged {
    std::unique_ptr<TriagedProcess> process;
    int smtp_port = 0;

    SmtpTriaged(const std::filesystem::path& dir, const std::string& yaml, std::vector<std::string> extra_args = {});

    boost::json::value get(const std::string& target) const;  // 200 required
    boost::json::array tickets() const;
    boost::json::array messages(std::int64_t ticket) const;
    boost::json::array events(std::int64_t ticket) const;
    int count_events(std::int64_t ticket, std::string_view type) const;
};

// Polls until `done` holds; a deadline, not a sleep, decides failure.
bool eventually(const std::function<bool()>& done, std::chrono::seconds limit = std::chrono::seconds(30));

// The raw bytes a triaged received that contain `needle` (it keeps them under blobs/).
std::string raw_containing(const std::filesystem::path& data_dir, const std::string& needle);

// The value of header `name` in raw message bytes (unfolded), "" when absent; the name is
// compared case-insensitively.
std::string mail_header(const std::string& raw, std::string name);

}  // namespace triage::test
