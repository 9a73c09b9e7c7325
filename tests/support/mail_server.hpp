// Test support for outbound mail: a triaged with SMTP on a free port (the desk, or the
// "customer's mail server" that a desk relays through and that keeps the raw bytes it
// received), a one-transaction SMTP client, a deadline-based poll, and readers of raw
// messages. The same helpers as tests/integration/email_outbound_test.cpp uses locally.
#pragma once

#include "tests/support/triaged_process.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace triage::test {

// A triaged with SMTP on a free port over `dir`, configured by `yaml` (written to
// dir/triage.yaml), plus `extra_args`.
struct MailServer {
    std::unique_ptr<TriagedProcess> process;
    int smtp_port = 0;

    MailServer(const std::filesystem::path& dir, const std::string& yaml, std::vector<std::string> extra_args = {});

    boost::json::value get(const std::string& target) const;
    boost::json::array tickets() const;
    boost::json::array messages(std::int64_t id) const;
    boost::json::array events(std::int64_t id) const;
    int count_events(std::int64_t id, std::string_view type) const;
};

// Polls until `done` holds; a deadline, not a sleep, decides failure.
bool eventually(const std::function<bool()>& done, std::chrono::seconds limit = std::chrono::seconds(30));

// One SMTP transaction; returns the reply to the message ("" when the connection dropped).
std::string send_mail(int port, const std::string& from, const std::string& to, const std::string& data);

// The raw bytes a triaged received that contain `needle` (it keeps them under blobs/), "" if none.
std::string raw_containing(const std::filesystem::path& data_dir, const std::string& needle);

// The value of header `name` in raw bytes (unfolded), "" when absent. Case-insensitive name.
std::string header(const std::string& raw, std::string name);

}  // namespace triage::test
