// Config: triaged's settings, read from a YAML file and overridden by command-line flags.
// Relative paths inside the file are resolved against the file's own folder. A plain
// value built once at start-up; a bad file is a start-up failure with a clear message.
#pragma once

#include "channels/fax_profile.hpp"
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
    int poll_ms = 2'000;             // email.outbox.poll_ms: how often an idle sender looks for rows other processes queued
};

// A PBX whose call logs are imported (phone.cdr_sources): `triage import-cdr --source NAME
// FILE`, and a watched spool directory when `spool` is set.
struct CdrSource {
    std::string name;
    std::string format = "asterisk";  // asterisk | freeswitch
    std::string time_zone = "UTC";    // IANA zone of the PBX's wall-clock times (DST-correct)
    std::filesystem::path spool;      // watched for *.csv like phone.cdr_spool; "" = none
};

// Phone calls: numbers are normalised in this region; support lines decide call-backs.
struct PhoneConfig {
    std::string default_region = "FI";       // phone.default_region (ISO 3166)
    std::vector<std::string> support_lines;  // phone.support_lines: called numbers/extensions; empty = all
    std::filesystem::path cdr_spool;         // phone.cdr_spool.dir: watched for *.csv
    std::string cdr_spool_format = "asterisk";  // phone.cdr_spool.format
    std::string cdr_spool_time_zone = "UTC";    // phone.cdr_spool.time_zone: the PBX's zone
    std::vector<CdrSource> cdr_sources;         // phone.cdr_sources
};

// The public web form (GET/POST /form, POST /api/v1/form).
struct WebFormConfig {
    std::vector<std::string> categories = {"general", "billing", "technical", "returns"};  // webform.categories
    std::vector<std::string> allowed_origins;  // webform.allowed_origins: other sites that may post (CORS)
    std::string queue;                         // webform.queue; "" = intake.default_queue
    double rate_per_minute = 10;               // webform.rate_limit.per_minute, per client address
    double rate_burst = 5;                     // webform.rate_limit.burst
    std::size_t max_attachment_bytes = 5u << 20;  // webform.max_attachment_bytes
    std::size_t max_message_bytes = 20000;        // webform.max_message_bytes
    bool token_required = true;       // webform.token.required: posts must carry our signed form token
    int token_min_seconds = 2;        // webform.token.min_seconds: sooner after the page was served is a bot
    int token_max_seconds = 4 * 3600;  // webform.token.max_seconds: older is a stale page
};

// Fax gateways: extra profiles (tried before the shipped hylafax, asterisk, mgetty, efax).
struct FaxConfig {
    std::vector<channels::FaxProfile> profiles;  // fax.profiles
    bool ocr = true;                             // fax.ocr
};

struct Config {
    std::filesystem::path source;  // the YAML file read, if any
    Endpoint http;
    std::size_t body_limit = 1 << 20;  // bytes of one request body
    int io_threads = 1;
    // storage.max_batch: most units of work in one transaction; unset keeps SqliteOptions' default
    // (storage/sqlite_store.hpp says why it is what it is).
    std::optional<int> store_max_batch;
    std::size_t inline_blob_limit = 1 << 20;  // storage.inline_blob_limit: largest blob in the database, bytes
    std::filesystem::path data_dir = "var/data";
    std::string log_level = "info";
    std::string default_queue = "support";
    std::vector<std::string> queues;
    std::vector<Agent> agents;
    std::filesystem::path demo_history;  // JSONL loaded into a fresh data dir when demo is on
    bool demo = false;
    EmailConfig email;
    PhoneConfig phone;
    WebFormConfig webform;
    FaxConfig fax;
    std::filesystem::path web_root;  // web.root: the UI's pages and assets; "" = the source tree's web/
    bool web_secure_cookies = false;  // web.secure_cookies: session cookie only over HTTPS
    ReportsConfig reports;  // reports:, sla_policies:, calendars (server/report_config.hpp)
};

// Reads a YAML config; throws std::runtime_error naming the file, line and problem.
Config load_config(const std::filesystem::path& file);

// "host:port", "[::1]:port" or ":port"; throws std::invalid_argument with the reason.
Endpoint parse_endpoint(const std::string& text);

}  // namespace triage::server
