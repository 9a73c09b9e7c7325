#include "server/json_codec.hpp"

#include "engine/time_format.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace triage::server {
namespace json = boost::json;
namespace {

json::value time_or_null(const std::optional<Timestamp>& t) {
    return t ? json::value(format_rfc3339(*t)) : json::value(nullptr);
}

json::array strings(const std::vector<std::string>& v) {
    json::array a;
    a.reserve(v.size());
    for (const auto& s : v) a.emplace_back(s);
    return a;
}

}  // namespace

json::value to_json(const Ticket& t, json::storage_ptr storage) {
    json::object o(std::move(storage));
    o.reserve(22);
    o["id"] = t.id;
    o["key"] = ticket_key(t.id);
    o["subject"] = t.subject;
    o["status"] = to_string(t.status);
    o["priority"] = to_string(t.priority);
    o["queue"] = t.queue;
    o["category"] = t.category.empty() ? json::value(nullptr) : json::value(t.category);
    o["tags"] = strings(t.tags);
    o["language"] = t.language;
    o["channel"] = to_string(t.channel);
    o["requester_id"] = t.requester_id;
    o["assignee_id"] = t.assignee_id ? json::value(*t.assignee_id) : json::value(nullptr);
    o["tier"] = to_string(t.tier);
    o["follow_up_of"] = t.follow_up_of ? json::value(*t.follow_up_of) : json::value(nullptr);
    o["reopen_count"] = t.reopen_count;
    o["created_at"] = format_rfc3339(t.created_at);
    o["updated_at"] = format_rfc3339(t.updated_at);
    o["first_response_at"] = time_or_null(t.first_response_at);
    o["solved_at"] = time_or_null(t.solved_at);
    o["closed_at"] = time_or_null(t.closed_at);
    return o;
}

json::value to_json(const Message& m) {
    json::object o;
    o["id"] = m.id;
    o["ticket_id"] = m.ticket_id;
    o["kind"] = to_string(m.kind);
    o["author"] = {{"kind", to_string(m.author_kind)}, {"id", m.author_id}, {"name", m.author_name}};
    o["channel"] = to_string(m.channel);
    o["body"] = m.body;
    o["html"] = m.html ? json::value(*m.html) : json::value(nullptr);
    json::array attachments;
    for (const auto& a : m.attachments)
        attachments.push_back(
            {{"filename", a.filename}, {"content_type", a.content_type}, {"size", a.size}, {"sha256", a.sha256}});
    o["attachments"] = std::move(attachments);
    o["external_id"] = m.external_id.empty() ? json::value(nullptr) : json::value(m.external_id);
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
