// Config: triaged's settings, read from a YAML file and overridden by command-line flags.
// Relative paths inside the file are resolved against the file's own folder. A plain
// value built once at start-up; a bad file is a start-up failure with a clear message.
#pragma once

#include "engine/customer.hpp"
#include "server/report_config.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace triage::server {

struct Endpoint {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
};

// Inbound email: listeners and which of our addresses feed which queue.
struct EmailConfig {
    std::optional<Endpoint> smtp;  // smtp.listen / --smtp
    std::optional<Endpoint> lmtp;  // lmtp.listen / --lmtp
    std::string hostname = "triage.localhost";  // in the greeting and Received: lines
    std::size_t max_message_bytes = 25u << 20;
    std::map<std::string, std::string> mailboxes;  // lower-case address -> queue

    // Outbound (server/email_outbox.hpp, server/email_sender.hpp).
    std::optional<Endpoint> relay;   // email.relay: the SMTP relay; no relay = mail waits in the outbox
    std::string from_address;        // email.from; default: the mailbox of the ticket's queue
    std::string from_name = "Triage";  // email.from_name
    bool acknowledgements = true;    // email.acknowledgements.enabled
    int ack_limit_per_hour = 3;      // email.acknowledgements.per_sender_per_hour
    int max_attempts = 12;           // email.outbox.max_attempts
    int retry_initial_ms = 30'000;   // email.outbox.retry_initial_ms, doubled per failure
    int retry_max_ms = 3'600'000;    // email.outbox.retry_max_ms
    bool resend_uncertain = true;    // email.outbox.resend_uncertain
};

struct Config {
    std::filesystem::path source;  // the YAML file read, if any
    Endpoint http;
    std::size_t body_limit = 1 << 20;  // bytes of one request body
    int io_threads = 1;
    int store_max_batch = 1024;  // storage.max_batch: most units of work in one group commit
    std::filesystem::path data_dir = "var/data";
    std::string log_level = "info";
    std::string default_queue = "support";
    std::vector<std::string> queues;
    std::vector<Agent> agents;
    std::filesystem::path demo_history;  // JSONL loaded into a fresh data dir when demo is on
    bool demo = false;
    EmailConfig email;
    ReportsConfig reports;  // reports:, sla_policies:, calendars (server/report_config.hpp)
};

// Reads a YAML config; throws std::runtime_error naming the file, line and problem.
Config load_config(const std::filesystem::path& file);

// "host:port", "[::1]:port" or ":port"; throws std::invalid_argument with the reason.
Endpoint parse_endpoint(const std::string& text);

}  // namespace triage::server
