#include "server/json_codec.hpp"

#include "engine/time_format.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <iterator>
#include <cstdint>
#include <optional>

namespace triage::server {
namespace json = boost::json;
namespace {

json::array strings(const std::vector<std::string>& v) {
    json::array a;
    a.reserve(v.size());
    for (const auto& s : v) a.emplace_back(s);
    return a;
}

}  // namespace

void append_json(std::string& out, const json::value& v) {
    switch (v.kind()) {
        case json::kind::null: out += "null"; return;
        case json::kind::bool_: out += v.get_bool() ? "true" : "false"; return;
        case json::kind::int64: fmt::format_to(std::back_inserter(out), "{}", v.get_int64()); return;
        case json::kind::uint64: fmt::format_to(std::back_inserter(out), "{}", v.get_uint64()); return;
        case json::kind::double_: {
            const double d = v.get_double();
            if (!std::isfinite(d)) out += "null";
            else fmt::format_to(std::back_inserter(out), "{}", d);
            return;
        }
        case json::kind::string: append_json_string(out, v.get_string()); return;
        case json::kind::array: {
            out += '[';
            bool first = true;
            for (const auto& e : v.get_array()) {
                if (!first) out += ',';
                first = false;
                append_json(out, e);
            }
            out += ']';
            return;
        }
        case json::kind::object: {
            out += '{';
            bool first = true;
            for (const auto& kv : v.get_object()) {
                if (!first) out += ',';
                first = false;
                append_json_string(out, kv.key());
                out += ':';
                append_json(out, kv.value());
            }
            out += '}';
            return;
        }
    }
}

std::string json_text(const json::value& v) {
    std::string out;
    append_json(out, v);
    return out;
}

namespace {

void append_int(std::string& out, std::int64_t n) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, static_cast<std::size_t>(end - buf));
}

void append_optional_id(std::string& out, const std::optional<std::int64_t>& id) {
    if (id) append_int(out, *id);
    else out += "null";
}

void append_time(std::string& out, const std::optional<Timestamp>& t) {
    if (t) append_json_string(out, format_rfc3339(*t));
    else out += "null";
}

}  // namespace

void append_ticket_json(std::string& out, const Ticket& t) {
    out.append("{\"id\":"), append_int(out, t.id);
    out.append(",\"key\":"), append_json_string(out, ticket_key(t.id));
    out.append(",\"subject\":"), append_json_string(out, t.subject);
    out.append(",\"status\":"), append_json_string(out, to_string(t.status));
    out.append(",\"priority\":"), append_json_string(out, to_string(t.priority));
    out.append(",\"queue\":"), append_json_string(out, t.queue);
    out.append(",\"category\":");
    if (t.category.empty()) out += "null";
    else append_json_string(out, t.category);
    out.append(",\"tags\":"), out += '[';
    for (std::size_t i = 0; i < t.tags.size(); ++i) {
        if (i > 0) out += ',';
        append_json_string(out, t.tags[i]);
    }
    out += ']';
    out.append(",\"language\":"), append_json_string(out, t.language);
    out.append(",\"channel\":"), append_json_string(out, to_string(t.channel));
    out.append(",\"requester_id\":"), append_int(out, t.requester_id);
    out.append(",\"assignee_id\":"), append_optional_id(out, t.assignee_id);
    out.append(",\"tier\":"), append_json_string(out, to_string(t.tier));
    out.append(",\"follow_up_of\":"), append_optional_id(out, t.follow_up_of);
    out.append(",\"reopen_count\":"), append_int(out, t.reopen_count);
    out.append(",\"created_at\":"), append_json_string(out, format_rfc3339(t.created_at));
    out.append(",\"updated_at\":"), append_json_string(out, format_rfc3339(t.updated_at));
    out.append(",\"first_response_at\":"), append_time(out, t.first_response_at);
    out.append(",\"solved_at\":"), append_time(out, t.solved_at);
    out.append(",\"closed_at\":"), append_time(out, t.closed_at);
    out += '}';
}

json::value to_json(const Ticket& t, json::storage_ptr storage) {
    std::string text;
    text.reserve(512);
    append_ticket_json(text, t);
    return json::parse(text, std::move(storage));
}

json::value to_json(const Message& m) {
    json::object o;
    o["id"] = m.id;
    o["ticket_id"] = m.ticket_id;
    o["kind"] = to_string(m.kind);
    o["author"] = {{"kind", to_string(m.author_kind)}, {"id", m.author_id}, {"name", m.author_name}};
    o["channel"] = to_string(m.channel);
    o["body"] = m.body;
    o["full_body"] = m.full_body ? json::value(*m.full_body) : json::value(nullptr);
    o["html"] = m.html ? json::value(*m.html) : json::value(nullptr);
    json::array attachments;
    for (const auto& a : m.attachments)
        attachments.push_back(
            {{"filename", a.filename}, {"content_type", a.content_type}, {"size", a.size}, {"sha256", a.sha256}});
    o["attachments"] = std::move(attachments);
    o["external_id"] = m.external_id.empty() ? json::value(nullptr) : json::value(m.external_id);
    // The raw inbound bytes (GET /api/v1/tickets/{id}/attachments/{raw_sha256}).
    o["raw_sha256"] = m.raw_sha256.empty() ? json::value(nullptr) : json::value(m.raw_sha256);
    o["created_at"] = format_rfc3339(m.created_at);
    return o;
}

json::value to_json(const TicketEvent& e) {
    json::object o;
    o["id"] = e.id;
    o["ticket_id"] = e.ticket_id;
    o["at"] = format_rfc3339(e.at);
    o["actor"] = e.actor;
    o["type"] = e.type;
    json::array changes;
    for (const auto& c : e.changes) changes.push_back({{"field", c.field}, {"before", c.before}, {"after", c.after}});
    o["changes"] = std::move(changes);
    o["detail"] = e.detail;
    return o;
}

json::value to_json(const Customer& c) {
    json::object o;
    o["id"] = c.id;
    o["name"] = c.name;
    o["organisation"] = c.organisation;
    o["tier"] = c.tier;
    o["preferred_language"] = c.preferred_language.empty() ? json::value(nullptr) : json::value(c.preferred_language);
    json::array ids;
    for (const auto& i : c.identities) {
        json::array flags;  // e.g. ["bouncing"]: no further mail is sent to a bouncing address
        for (const auto& f : c.flags)
            if (f.identity == i) flags.push_back(json::value(f.flag));
        ids.push_back({{"kind", to_string(i.kind)}, {"value", i.value}, {"flags", std::move(flags)}});
    }
    o["identities"] = std::move(ids);
    json::array flag_details;
    for (const auto& f : c.flags)
        flag_details.push_back({{"identity", fmt::format("{}:{}", to_string(f.identity.kind), f.identity.value)},
                                {"flag", f.flag},
                                {"at", format_rfc3339(f.at)},
                                {"detail", f.detail}});
    o["identity_flags"] = std::move(flag_details);
    o["created_at"] = format_rfc3339(c.created_at);
    return o;
}

json::value to_json(const Agent& a) {
    return {{"id", a.id},
            {"name", a.name},
            {"email", a.email},
            {"role", to_string(a.role)},
            {"queues", strings(a.queues)},
            {"skills", strings(a.skills)},
            {"languages", strings(a.languages)}};
}

json::value error_json(std::string_view code, std::string_view message, std::string_view field) {
    json::object err{{"code", code}, {"message", message}};
    if (!field.empty()) err["field"] = field;
    return {{"error", std::move(err)}};
}

json::value error_json(const Problem& p) { return error_json(errc_name(p.code), p.message, p.field); }

}  // namespace triage::server
