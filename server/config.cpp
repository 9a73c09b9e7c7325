#include "server/config.hpp"

#include "channels/cdr_csv.hpp"
#include "channels/pbx_time.hpp"
#include "engine/text.hpp"

#include <charconv>
#include <regex>
#include <fmt/format.h>
#include <stdexcept>
#include <yaml-cpp/yaml.h>

namespace triage::server {
namespace {

[[noreturn]] void fail(const std::filesystem::path& file, const YAML::Node& node, const std::string& what) {
    auto mark = node.Mark();
    throw std::runtime_error(fmt::format("{}:{}:{}: {}", file.string(), mark.line + 1, mark.column + 1, what));
}

std::vector<std::string> string_list(const std::filesystem::path& file, const YAML::Node& node, const char* name) {
    std::vector<std::string> out;
    if (!node) return out;
    if (!node.IsSequence()) fail(file, node, fmt::format("{} must be a list", name));
    for (const auto& item : node) {
        if (!item.IsScalar()) fail(file, item, fmt::format("{} entries must be strings", name));
        out.push_back(item.as<std::string>());
    }
    return out;
}

std::filesystem::path resolve(const std::filesystem::path& file, const std::string& p) {
    std::filesystem::path path(p);
    return path.is_absolute() ? path : file.parent_path() / path;
}

// phone.cdr_sources: [{name, format, time_zone, spool?}], names unique.
std::vector<CdrSource> cdr_sources(const std::filesystem::path& file, const YAML::Node& node) {
    if (!node.IsSequence()) fail(file, node, "phone.cdr_sources must be a list of {name, format, time_zone, spool}");
    std::vector<CdrSource> out;
    for (const auto& item : node) {
        CdrSource s;
        if (!item.IsMap() || !item["name"]) fail(file, item, "every phone.cdr_sources entry needs a name");
        s.name = item["name"].as<std::string>();
        for (const auto& seen : out)
            if (seen.name == s.name) fail(file, item["name"], fmt::format("phone.cdr_sources has '{}' twice", s.name));
        if (auto f = item["format"]) s.format = f.as<std::string>();
        if (!channels::parse_cdr_format(s.format))
            fail(file, item["format"] ? item["format"] : item, "phone.cdr_sources format must be asterisk or freeswitch");
        if (auto tz = item["time_zone"]) s.time_zone = tz.as<std::string>();
        if (auto zone = channels::PbxTimeZone::make(s.time_zone); !zone)
            fail(file, item["time_zone"] ? item["time_zone"] : item, "phone.cdr_sources time_zone: " + zone.error().message);
        if (auto dir = item["spool"]) s.spool = resolve(file, dir.as<std::string>());
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace

Endpoint parse_endpoint(const std::string& text) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument(fmt::format("'{}' is not HOST:PORT", text));
    Endpoint e;
    e.host = text.substr(0, colon);
    if (e.host.size() >= 2 && e.host.front() == '[' && e.host.back() == ']') e.host = e.host.substr(1, e.host.size() - 2);
    if (e.host.empty()) e.host = "0.0.0.0";
    auto port = std::string_view(text).substr(colon + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value > 65535)
        throw std::invalid_argument(fmt::format("'{}' has no valid port (0-65535)", text));
    e.port = static_cast<std::uint16_t>(value);
    return e;
}

Config load_config(const std::filesystem::path& file) {
    Config c;
    c.source = file;
    YAML::Node root;
    try {
        root = YAML::LoadFile(file.string());
    } catch (const YAML::BadFile&) {
        throw std::runtime_error(fmt::format("{}: cannot read the config file", file.string()));
    } catch (const YAML::Exception& e) {
        throw std::runtime_error(fmt::format("{}:{}:{}: {}", file.string(), e.mark.line + 1, e.mark.column + 1, e.msg));
    }
    if (!root.IsMap()) fail(file, root, "the config must be a mapping");
    try {
        if (auto http = root["http"]) {
            if (auto listen = http["listen"]) {
                try {
                    c.http = parse_endpoint(listen.as<std::string>());
                } catch (const std::invalid_argument& e) {
                    fail(file, listen, fmt::format("http.listen: {}", e.what()));
                }
            }
            if (auto limit = http["body_limit"]) c.body_limit = limit.as<std::size_t>();
            if (auto threads = http["threads"]) {
                c.io_threads = threads.as<int>();
                if (c.io_threads < 1 || c.io_threads > 64) fail(file, threads, "http.threads must be 1 to 64");
            }
        }
        if (auto storage = root["storage"]) {
            if (auto batch = storage["max_batch"]) {
                c.store_max_batch = batch.as<int>();
                if (*c.store_max_batch < 1 || *c.store_max_batch > 65536)
                    fail(file, batch, "storage.max_batch must be 1 to 65536");
            }
            if (auto limit = storage["inline_blob_limit"]) {
                const auto bytes = limit.as<long long>();
                if (bytes < 0 || bytes > (64ll << 20)) fail(file, limit, "storage.inline_blob_limit must be 0 to 67108864 bytes");
                c.inline_blob_limit = static_cast<std::size_t>(bytes);
            }
        }
        if (auto dir = root["data_dir"]) c.data_dir = resolve(file, dir.as<std::string>());
        if (auto log = root["log"]) {
            if (auto level = log["level"]) {
                c.log_level = level.as<std::string>();
                static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
                if (std::find(std::begin(kLevels), std::end(kLevels), c.log_level) == std::end(kLevels))
                    fail(file, level, "log.level must be trace, debug, info, warn, error, critical or off");
            }
        }
        if (auto intake = root["intake"]) {
            if (auto q = intake["default_queue"]) c.default_queue = q.as<std::string>();
        }
        c.queues = string_list(file, root["queues"], "queues");
        if (auto agents = root["agents"]) {
            if (!agents.IsSequence()) fail(file, agents, "agents must be a list");
            for (const auto& a : agents) {
                Agent agent;
                if (!a["name"] || !a["email"]) fail(file, a, "every agent needs a name and an email");
                agent.name = a["name"].as<std::string>();
                agent.email = a["email"].as<std::string>();
                auto role = parse_agent_role(a["role"] ? a["role"].as<std::string>() : "agent");
                if (!role) fail(file, a["role"], "role must be agent, supervisor, manager or admin");
                agent.role = *role;
                agent.queues = string_list(file, a["queues"], "queues");
                agent.skills = string_list(file, a["skills"], "skills");
                agent.languages = string_list(file, a["languages"], "languages");
                c.agents.push_back(std::move(agent));
            }
        }
        for (const char* name : {"smtp", "lmtp"}) {
            auto node = root[name];
            if (!node || !node["listen"]) continue;
            try {
                (std::string(name) == "smtp" ? c.email.smtp : c.email.lmtp) = parse_endpoint(node["listen"].as<std::string>());
            } catch (const std::invalid_argument& e) {
                fail(file, node["listen"], fmt::format("{}.listen: {}", name, e.what()));
            }
        }
        if (auto email = root["email"]) {
            if (auto host = email["hostname"]) c.email.hostname = host.as<std::string>();
            if (auto max = email["max_message_bytes"]) c.email.max_message_bytes = max.as<std::size_t>();
            if (auto relay = email["relay"]) {
                try {
                    c.email.relay = parse_endpoint(relay.as<std::string>());
                } catch (const std::invalid_argument& e) {
                    fail(file, relay, fmt::format("email.relay: {}", e.what()));
                }
            }
            if (auto from = email["from"]) c.email.from_address = ascii_lower(from.as<std::string>());
            if (auto name = email["from_name"]) c.email.from_name = name.as<std::string>();
            if (auto acks = email["acknowledgements"]) {
                if (auto on = acks["enabled"]) c.email.acknowledgements = on.as<bool>();
                if (auto n = acks["per_sender_per_hour"]) {
                    c.email.ack_limit_per_hour = n.as<int>();
                    if (c.email.ack_limit_per_hour < 0) fail(file, n, "per_sender_per_hour must be 0 or more");
                }
            }
            if (auto outbox = email["outbox"]) {
                auto positive = [&](const char* key, int& out) {
                    if (auto n = outbox[key]) {
                        out = n.as<int>();
                        if (out < 1) fail(file, n, fmt::format("email.outbox.{} must be at least 1", key));
                    }
                };
                positive("max_attempts", c.email.max_attempts);
                positive("retry_initial_ms", c.email.retry_initial_ms);
                positive("retry_max_ms", c.email.retry_max_ms);
                positive("poll_ms", c.email.poll_ms);
                if (auto r = outbox["resend_uncertain"]) c.email.resend_uncertain = r.as<bool>();
            }
            if (auto boxes = email["mailboxes"]) {
                if (!boxes.IsMap()) fail(file, boxes, "email.mailboxes must map addresses to queues");
                for (const auto& kv : boxes) {
                    auto address = ascii_lower(kv.first.as<std::string>());
                    if (address.find('@') == std::string::npos)
                        fail(file, kv.first, fmt::format("'{}' is not an email address", address));
                    c.email.mailboxes[address] = kv.second.as<std::string>();
                }
            }
        }
        if (auto phone = root["phone"]) {
            if (auto region = phone["default_region"]) c.phone.default_region = region.as<std::string>();
            if (c.phone.default_region.size() != 2) fail(file, phone["default_region"], "phone.default_region must be a two-letter country code such as FI");
            c.phone.support_lines = string_list(file, phone["support_lines"], "phone.support_lines");
            if (auto spool = phone["cdr_spool"]) {
                if (auto dir = spool["dir"]) c.phone.cdr_spool = resolve(file, dir.as<std::string>());
                if (auto format = spool["format"]) c.phone.cdr_spool_format = format.as<std::string>();
                if (c.phone.cdr_spool_format != "asterisk" && c.phone.cdr_spool_format != "freeswitch")
                    fail(file, spool["format"], "phone.cdr_spool.format must be asterisk or freeswitch");
                if (auto tz = spool["time_zone"]) c.phone.cdr_spool_time_zone = tz.as<std::string>();
                if (auto zone = channels::PbxTimeZone::make(c.phone.cdr_spool_time_zone); !zone)
                    fail(file, spool["time_zone"], "phone.cdr_spool.time_zone: " + zone.error().message);
            }
            if (auto sources = phone["cdr_sources"]) c.phone.cdr_sources = cdr_sources(file, sources);
        }
        if (auto form = root["webform"]) {
            if (form["categories"]) c.webform.categories = string_list(file, form["categories"], "webform.categories");
            c.webform.allowed_origins = string_list(file, form["allowed_origins"], "webform.allowed_origins");
            if (auto q = form["queue"]) c.webform.queue = q.as<std::string>();
            if (auto limit = form["rate_limit"]) {
                if (auto v = limit["per_minute"]) c.webform.rate_per_minute = v.as<double>();
                if (auto v = limit["burst"]) c.webform.rate_burst = v.as<double>();
                if (c.webform.rate_per_minute < 0 || c.webform.rate_burst < 1)
                    fail(file, limit, "webform.rate_limit needs per_minute >= 0 and burst >= 1");
            }
            if (auto v = form["max_attachment_bytes"]) c.webform.max_attachment_bytes = v.as<std::size_t>();
            if (auto v = form["max_message_bytes"]) c.webform.max_message_bytes = v.as<std::size_t>();
            if (auto token = form["token"]) {
                if (auto v = token["required"]) c.webform.token_required = v.as<bool>();
                if (auto v = token["min_seconds"]) c.webform.token_min_seconds = v.as<int>();
                if (auto v = token["max_seconds"]) c.webform.token_max_seconds = v.as<int>();
                if (c.webform.token_min_seconds < 0 || c.webform.token_max_seconds <= c.webform.token_min_seconds)
                    fail(file, token, "webform.token needs 0 <= min_seconds < max_seconds");
            }
        }
        if (auto fax = root["fax"]) {
            if (auto ocr = fax["ocr"]) c.fax.ocr = ocr.as<bool>();
            if (auto profiles = fax["profiles"]) {
                if (!profiles.IsSequence()) fail(file, profiles, "fax.profiles must be a list");
                for (const auto& p : profiles) {
                    channels::FaxProfile profile;
                    if (!p["name"] || !p["subject"]) fail(file, p, "every fax profile needs a name and a subject pattern");
                    profile.name = p["name"].as<std::string>();
                    if (p["sender"]) profile.sender = ascii_lower(p["sender"].as<std::string>());
                    profile.subject = p["subject"].as<std::string>();
                    try {
                        std::regex check(profile.subject, std::regex::ECMAScript);
                    } catch (const std::regex_error& e) {
                        fail(file, p["subject"], fmt::format("fax profile {}: subject is not a valid pattern: {}", profile.name, e.what()));
                    }
                    profile.number_headers = string_list(file, p["number_headers"], "number_headers");
                    profile.number_labels = string_list(file, p["number_labels"], "number_labels");
                    profile.page_labels = string_list(file, p["page_labels"], "page_labels");
                    if (p["attachment_types"]) profile.attachment_types = string_list(file, p["attachment_types"], "attachment_types");
                    c.fax.profiles.push_back(std::move(profile));
                }
            }
        }
        if (auto web = root["web"]) {
            if (auto dir = web["root"]) c.web_root = resolve(file, dir.as<std::string>());
            if (auto secure = web["secure_cookies"]) c.web_secure_cookies = secure.as<bool>();
        }
        if (auto demo = root["demo"]) {
            if (auto history = demo["history"]) c.demo_history = resolve(file, history.as<std::string>());
            if (auto on = demo["load_on_fresh_start"]) c.demo = on.as<bool>();
        }
        c.reports = load_reports_config(file, root);
    } catch (const YAML::Exception& e) {
        throw std::runtime_error(fmt::format("{}:{}:{}: {}", file.string(), e.mark.line + 1, e.mark.column + 1, e.msg));
    }
    return c;
}

}  // namespace triage::server
