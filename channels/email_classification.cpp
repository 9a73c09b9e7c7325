#include "channels/email_classification.hpp"

#include "engine/text.hpp"

#include "channels/mime_header_decoder.hpp"
#include "channels/mime_parts.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace triage::channels {
namespace {

constexpr std::size_t kMaxPartsVisited = 10000;
constexpr std::size_t kMaxFailedRecipients = 50;
constexpr std::size_t kBodyWindow = 4096;  // bytes of the first text part searched for wording
// Reply and forward prefixes, lower case, in the desk's languages and the usual others.
constexpr std::array<std::string_view, 16> kReplyPrefixes{"re:", "re :", "fw:", "fwd:", "fw :", "aw:", "wg:", "sv:",
                                                          "vs:", "vl:", "tr:", "rv:", "antw:", "vast:", "ats:", "pārs:"};

std::string lower(std::string_view s) { return ascii_lower(s); }

std::string_view trim(std::string_view s) noexcept { return trim_space(s); }

bool contains_any(std::string_view haystack_lower, std::initializer_list<std::string_view> needles) {
    return std::any_of(needles.begin(), needles.end(),
                       [&](std::string_view n) { return haystack_lower.find(n) != std::string_view::npos; });
}

// The first token of a header value, lower case, without comments or parameters:
// "auto-generated (failure)" -> "auto-generated".
std::string header_keyword(std::string_view raw) {
    auto v = trim(raw);
    const auto end = v.find_first_of(" \t;(\r\n");
    return lower(trim(v.substr(0, end)));
}

bool machine_local_part(std::string_view address) {
    const auto at = address.find('@');
    const std::string local = lower(address.substr(0, at));
    for (std::string_view name : {"mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon", "mail_daemon",
                                  "postmaster"})
        if (local == name) return true;
    return false;
}

// A bare address from "<a@b>", "rfc822; a@b", "\"a@b\"", ...; "" when it is none.
std::string address_token(std::string_view text) {
    auto t = trim(text);
    if (auto semi = t.find(';'); semi != std::string_view::npos) t = trim(t.substr(semi + 1));
    while (!t.empty() && (t.front() == '<' || t.front() == '"' || t.front() == '\'')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == '>' || t.back() == '"' || t.back() == '\'' || t.back() == ':' || t.back() == ',' ||
                          t.back() == '.'))
        t.remove_suffix(1);
    const auto at = t.find('@');
    if (t.empty() || t.size() > 254 || at == std::string_view::npos || at == 0 || at + 1 == t.size() ||
        t.find('@', at + 1) != std::string_view::npos)
        return {};
    for (char c : t)
        if (c == ' ' || c == '\t' || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' || c == '"') return {};
    return lower(t);
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    for (std::size_t start = 0; start < text.size();) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        auto line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line);
        start = end + 1;
    }
    return lines;
}

// "<id@host>" from a Message-ID value, "" when there is none.
std::string message_id_token(std::string_view value) {
    auto v = trim(value);
    const auto open = v.find('<');
    const auto close = v.find('>', open == std::string_view::npos ? 0 : open);
    if (open != std::string_view::npos && close != std::string_view::npos && close > open + 1)
        return std::string(v.substr(open, close - open + 1));
    if (!v.empty() && v.find_first_of(" \t<>") == std::string_view::npos) return "<" + std::string(v) + ">";
    return {};
}

// The Message-ID field in a block of header lines (text/rfc822-headers, or a returned
// message pasted into a bounce's text, perhaps '>'-quoted); "" when absent.
std::string message_id_in_text(std::string_view text) {
    for (auto line : split_lines(text)) {
        auto t = trim(line);
        while (!t.empty() && (t.front() == '>' || t.front() == ' ')) t.remove_prefix(1);
        if (lower(t.substr(0, 11)) == "message-id:") {
            auto id = message_id_token(t.substr(11));
            if (!id.empty()) return id;
        }
    }
    return {};
}

struct Signals {
    std::vector<std::string> reasons;
    void add(std::string reason) {
        if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) reasons.push_back(std::move(reason));
    }
};

void add_recipient(EmailClassification& c, std::string address) {
    if (address.empty() || machine_local_part(address) || c.failed_recipients.size() >= kMaxFailedRecipients) return;
    if (std::find(c.failed_recipients.begin(), c.failed_recipients.end(), address) == c.failed_recipients.end())
        c.failed_recipients.push_back(std::move(address));
}

struct StatusRecipients {
    std::size_t named = 0;   // recipients the report names, whatever their action
    std::size_t failed = 0;  // of them, those whose Action is "failed" (or missing)
    StatusRecipients& operator+=(const StatusRecipients& o) {
        named += o.named;
        failed += o.failed;
        return *this;
    }
};

// RFC 3464 per-recipient fields: recipients whose Action is "failed" (or missing).
StatusRecipients read_delivery_status(std::string_view content, EmailClassification& c, Signals& signals) {
    std::string recipient, action;
    StatusRecipients recipients;
    auto finish_group = [&] {
        if (!recipient.empty()) ++recipients.named;
        if (!recipient.empty() && (action.empty() || action == "failed")) {
            ++recipients.failed;
            add_recipient(c, recipient);
        }
        if (!action.empty() && action != "failed") signals.add("delivery-status action " + action);
        recipient.clear();
        action.clear();
    };
    std::string field;  // unfolded
    auto take_field = [&] {
        const auto colon = field.find(':');
        if (colon == std::string::npos) return;
        const std::string name = lower(trim(std::string_view(field).substr(0, colon)));
        const auto value = trim(std::string_view(field).substr(colon + 1));
        if (name == "final-recipient" || (name == "original-recipient" && recipient.empty()))
            recipient = address_token(value);
        else if (name == "action")
            action = header_keyword(value);
    };
    for (auto line : split_lines(content)) {
        if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
            field += ' ';
            field += trim(line);
            continue;
        }
        take_field();
        field.assign(line);
        if (trim(line).empty()) finish_group();
    }
    take_field();
    finish_group();
    return recipients;
}

// Addresses a non-standard bounce's text names as failed: lines that are only an address
// ("<a@b>:", "  a@b", "\"a@b\" <a@b>") or end with one after "failed".
void read_bounce_text(std::string_view text, EmailClassification& c) {
    std::size_t seen = 0;
    for (auto line : split_lines(text)) {
        if (++seen > 200) break;
        const auto t = trim(line);
        const std::string l = lower(t);
        // Where the returned message starts: its addresses are not the failed ones.
        const auto marker = lower(trim(std::string_view(l).substr(std::min(l.find_first_not_of("-_= "), l.size()))));
        if (l.rfind("return-path:", 0) == 0 || l.rfind("received:", 0) == 0 ||
            contains_any(marker, {"original message follows", "below this line", "copy of the message",
                                  "below the next line", "returned message", "message removed",
                                  "headers of the original", "undelivered message headers"}) ||
            marker.rfind("original message", 0) == 0)
            break;
        std::vector<std::string> addresses;
        bool only_addresses = !t.empty();
        std::size_t start = 0;
        while (start < t.size()) {
            auto end = t.find_first_of(" \t", start);
            if (end == std::string_view::npos) end = t.size();
            if (end > start) {
                auto address = address_token(t.substr(start, end - start));
                if (address.empty())
                    only_addresses = false;
                else
                    addresses.push_back(std::move(address));
            }
            start = end + 1;
        }
        if (addresses.empty()) continue;
        const bool same = std::all_of(addresses.begin(), addresses.end(), [&](auto& a) { return a == addresses[0]; });
        if ((only_addresses && same) || (contains_any(l, {"failed", "could not be delivered"}) &&
                                         !address_token(t.substr(t.find_last_of(" \t") + 1)).empty()))
            add_recipient(c, addresses.back());
    }
}

}  // namespace

EmailClassification classify_email(GMimeObject* top, std::string_view subject, std::string_view text) {
    EmailClassification c;
    Signals signals;
    if (!top) return c;
    auto header = [&](std::string_view name) { return first_raw_header(top, name); };

    if (auto v = header("Auto-Submitted")) {
        const auto keyword = header_keyword(*v);
        if (keyword != "no" && !keyword.empty()) {
            c.auto_submitted = true;
            signals.add("Auto-Submitted: " + keyword);
        }
    }
    for (std::string_view name : {"X-Autoreply", "X-Autorespond", "X-Autogenerated", "X-Auto-Response-Suppress"}) {
        if (auto v = header(name)) {
            const auto keyword = header_keyword(*v);
            if (name == "X-Auto-Response-Suppress" && (keyword.empty() || keyword == "none")) continue;
            c.auto_submitted = true;
            signals.add(std::string(name));
        }
    }
    if (auto v = header("Precedence")) {
        const auto keyword = header_keyword(*v);
        if (keyword == "bulk" || keyword == "junk" || keyword == "list") {
            c.bulk = true;
            signals.add("Precedence: " + keyword);
        } else if (keyword == "auto_reply" || keyword == "auto-reply") {
            c.auto_submitted = true;
            signals.add("Precedence: " + keyword);
        }
    }
    if (header("List-Id")) {
        c.bulk = true;
        signals.add("List-Id");
    }

    bool machine_sender = false;
    std::string sender_address;
    if (auto from = header("From")) {
        auto addresses = decode_address_list(*from);
        if (!addresses.empty()) {
            sender_address = lower(addresses.front().address);
            const std::string name = lower(addresses.front().name);
            machine_sender = machine_local_part(sender_address);
            if (sender_address.empty() && contains_any(name, {"mailer-daemon", "mailer daemon"})) {
                machine_sender = true;
                signals.add("sender " + addresses.front().name);
            }
        }
    }
    if (auto v = header("Return-Path"); v && trim(*v) == "<>") {
        machine_sender = true;
        signals.add("Return-Path: <>");
    }
    if (machine_sender) {
        c.auto_submitted = true;
        if (machine_local_part(sender_address)) signals.add("sender " + sender_address);
    }

    // The top-level structure (not inside returned messages): reports and returned mail.
    bool delivery_status = false, report = false, returned_message = false;
    StatusRecipients status_recipients;  // recipients named by message/delivery-status parts
    std::vector<GMimeObject*> stack{top};
    std::size_t visited = 0;
    while (!stack.empty() && visited++ < kMaxPartsVisited) {
        GMimeObject* object = stack.back();
        stack.pop_back();
        if (!object) continue;
        const auto type = mime_type(object);
        if (GMIME_IS_MULTIPART(object)) {
            if (type == "multipart/report") {
                report = true;
                const auto report_type = lower(content_type_parameter(object, "report-type"));
                if (report_type == "delivery-status" || report_type == "global-delivery-status")
                    delivery_status = true;
                signals.add("multipart/report" + (report_type.empty() ? "" : "; report-type=" + report_type));
            }
            GMimeMultipart* multipart = GMIME_MULTIPART(object);
            for (int i = g_mime_multipart_get_count(multipart); i > 0; --i)
                stack.push_back(g_mime_multipart_get_part(multipart, i - 1));
        } else if (GMIME_IS_PART(object)) {
            if (type == "message/rfc822" || type == "message/global") {
                returned_message = true;
                if (c.bounced_message_id.empty())
                    if (auto id = raw_header_in_bytes(part_content(GMIME_PART(object)), "Message-ID"))
                        c.bounced_message_id = message_id_token(*id);
            } else if (type == "message/delivery-status" || type == "message/global-delivery-status") {
                delivery_status = true;
                status_recipients += read_delivery_status(part_content(GMIME_PART(object)), c, signals);
            } else if (type == "text/rfc822-headers" || type == "message/rfc822-headers") {
                returned_message = true;
                if (c.bounced_message_id.empty()) c.bounced_message_id = message_id_in_text(part_content(GMIME_PART(object)));
            }
        }
    }

    const std::string subject_lower = lower(trim(subject));
    // "Fwd: Undelivered Mail ..." is a person asking about a bounce, not a bounce.
    const bool reply_or_forward = std::any_of(
        kReplyPrefixes.begin(), kReplyPrefixes.end(), [&](std::string_view p) { return subject_lower.rfind(p, 0) == 0; });
    const bool bounce_subject = !reply_or_forward &&
        contains_any(subject_lower, {"undeliverable", "undelivered", "non-delivery", "nondelivery", "delivery failure",
                                     "delivery failed", "delivery has failed", "delivery status notification",
                                     "delivery notification", "failure notice", "returned mail", "failed mail",
                                     "could not be delivered", "returned to sender", "delivery problem", "mail failure",
                                     "message delayed", "unzustellbar", "nicht zustellbar", "non remis"});
    const std::string body_lower = lower(text.substr(0, kBodyWindow));
    const bool machine_wording = contains_any(
        body_lower,
        {"this is the mail system at host", "mail delivery software", "qmail-send program", "wasn't able to deliver",
         "were not able to deliver", "was not able to deliver", "could not be delivered to the following",
         "permanent fatal errors", "delivery to the following recipient", "non-delivery report",
         "delivery has failed to these recipients", "did not reach some or all", "the original message was received at",
         "automatically generated delivery status notification", "delivery attempts will continue",
         "machine generated message", "failed permanently", "delivery failed", "undeliverable"});
    std::optional<std::string> failed_header = header("X-Failed-Recipients");

    if (delivery_status) {
        c.bounce = true;
        signals.add("delivery-status");
    } else if (failed_header) {
        c.bounce = true;
        signals.add("X-Failed-Recipients");
    } else if (machine_sender && (bounce_subject || returned_message || machine_wording)) {
        c.bounce = true;
        signals.add(bounce_subject ? "bounce subject" : returned_message ? "returned message" : "bounce wording");
    } else if (bounce_subject && (returned_message || machine_wording)) {
        c.bounce = true;
        signals.add("bounce subject");
    }
    if (report) c.auto_submitted = true;
    if (c.bounce) {
        c.auto_submitted = true;
        if (failed_header) {
            std::string_view list(*failed_header);
            for (std::size_t start = 0; start < list.size();) {
                auto end = list.find(',', start);
                if (end == std::string_view::npos) end = list.size();
                add_recipient(c, address_token(list.substr(start, end - start)));
                start = end + 1;
            }
        }
        // Without recipients in a status part (a report whose boundary is missing, an empty
        // report, a non-standard bounce), the text is all there is: its status fields, else
        // its address lines.
        if (status_recipients.named == 0 && c.failed_recipients.empty())
            status_recipients = read_delivery_status(text, c, signals);
        // Whether it reports a failure: by the actions of the recipients it names; naming
        // none, unless it is a delay warning (whose subject does not speak of a failure:
        // "Delivery failure notification ... attempts will continue" is one).
        const bool failure_subject =
            contains_any(subject_lower, {"fail", "undeliver", "non-delivery", "nondelivery", "returned", "not delivered",
                                         "could not be delivered", "unzustellbar", "non remis"});
        const bool delay_warning = !failure_subject && (contains_any(subject_lower, {"delay", "warning: message"}) ||
            contains_any(body_lower, {"delivery attempts will continue", "will continue to try", "will retry",
                                      "this is a warning message only", "this is a warning only",
                                      "do not need to resend", "no action is required on your part",
                                      "has been delayed"}));
        c.delivery_failed =
            failed_header || (status_recipients.named > 0 ? status_recipients.failed > 0 : !delay_warning);
        if (!c.delivery_failed) signals.add("no delivery failure");
        if (c.delivery_failed && status_recipients.named == 0 && c.failed_recipients.empty()) read_bounce_text(text, c);
        if (c.bounced_message_id.empty()) {
            // A returned message pasted into the text (qmail, Exim): its first Message-ID.
            const auto lines = split_lines(text);
            for (std::size_t i = 1; i < lines.size() && c.bounced_message_id.empty(); ++i)
                c.bounced_message_id = message_id_in_text(lines[i]);
        }
    }
    if (!c.bounce) c.bounced_message_id.clear();  // a forwarded message is not a bounced one
    for (const auto& r : signals.reasons) {
        if (!c.reason.empty()) c.reason += "; ";
        c.reason += r;
    }
    return c;
}

}  // namespace triage::channels
