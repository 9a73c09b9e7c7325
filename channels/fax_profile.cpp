#include "channels/fax_profile.hpp"

#include "channels/mime_parts.hpp"

#include "channels/mime_gobject.hpp"
#include "channels/phone_number.hpp"
#include "engine/text.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <memory>
#include <mutex>
#include <regex>

namespace triage::channels {
namespace {

bool sender_matches(std::string_view pattern, std::string_view address) {
    if (pattern.empty()) return true;
    if (pattern.starts_with("*@")) return address.ends_with(pattern.substr(1));
    if (pattern.ends_with("@*")) return address.starts_with(pattern.substr(0, pattern.size() - 1));
    return pattern == address;
}

// The value of a "Label: value" line of the gateway's text (labels compared case-blind).
std::string labelled(std::string_view text, const std::vector<std::string>& labels) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        auto line = trim_space(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        auto label = ascii_lower(trim_space(line.substr(0, colon)));
        for (const auto& want : labels)
            if (label == ascii_lower(want)) return std::string(trim_space(line.substr(colon + 1)));
    }
    return {};
}

// "\"NAIDIS KAUBANDUS\" <+3727123456>" -> name and number; a bare number stays a number.
void split_caller_id(std::string_view value, std::string& name, std::string& number) {
    auto lt = value.rfind('<');
    auto gt = value.rfind('>');
    if (lt != std::string_view::npos && gt != std::string_view::npos && gt > lt) {
        number = std::string(trim_space(value.substr(lt + 1, gt - lt - 1)));
        auto n = trim_space(value.substr(0, lt));
        if (n.size() >= 2 && n.front() == '"' && n.back() == '"') n = n.substr(1, n.size() - 2);
        name = std::string(n);
    } else {
        auto v = trim_space(value);
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        number = std::string(v);
    }
}

std::string header_of(std::string_view raw, const std::string& name) {
    ensure_gmime();
    auto stream = adopt(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
    auto parser = adopt(g_mime_parser_new_with_stream(stream.get()));
    auto message = adopt(g_mime_parser_construct_message(parser.get(), nullptr));
    if (!message) return {};
    const char* v = g_mime_object_get_header(GMIME_OBJECT(message.get()), name.c_str());
    return v ? std::string(trim_space(v)) : std::string{};
}

// A profile's subject pattern, compiled once per process: compiling the four shipped
// patterns for every mail was a third of the CPU of SMTP intake. nullptr for a pattern that
// does not compile (load_config checks them; a bad one never matches). A const std::regex may
// be searched from several threads at once.
std::shared_ptr<const std::regex> subject_pattern(const std::string& source) {
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const std::regex>, std::less<>> compiled;
    std::lock_guard lock(mutex);
    auto it = compiled.find(source);
    if (it == compiled.end()) {
        std::shared_ptr<const std::regex> pattern;
        try {
            pattern = std::make_shared<const std::regex>(source, std::regex::ECMAScript | std::regex::icase);
        } catch (const std::regex_error&) {
        }
        it = compiled.emplace(source, std::move(pattern)).first;
    }
    return it->second;
}

// regex_search for a subject pattern. One that starts with '^' (every shipped one) can match
// only at the start of the subject (ECMAScript, not multiline), so it is tried there alone:
// libstdc++ would otherwise run its matcher from every position of every non-fax subject,
// most of the CPU of recognising that a mail is no fax.
// Whether `source` is anchored as a whole: it starts with '^' and has no top-level '|' (in
// "^a|b" the "b" may match anywhere).
bool anchored_at_start(std::string_view source) {
    if (!source.starts_with('^')) return false;
    int depth = 0;
    bool in_class = false;
    for (std::size_t i = 1; i < source.size(); ++i) {
        const char c = source[i];
        if (c == '\\') ++i;  // an escaped character is a literal
        else if (in_class) in_class = c != ']';
        else if (c == '[') in_class = true;
        else if (c == '(') ++depth;
        else if (c == ')') --depth;
        else if (c == '|' && depth == 0) return false;
    }
    return true;
}

bool search_subject(const std::string& subject, std::smatch& m, const std::regex& pattern, const std::string& source) {
    const auto flags = anchored_at_start(source) ? std::regex_constants::match_continuous : std::regex_constants::match_default;
    return std::regex_search(subject, m, pattern, flags);
}

int leading_int(std::string_view s) {
    int v = 0;
    auto t = trim_space(s);
    std::from_chars(t.data(), t.data() + t.size(), v);
    return v;
}

}  // namespace

std::vector<FaxProfile> default_fax_profiles() {
    std::vector<FaxProfile> p;
    p.push_back({"hylafax", "",
                 R"re(^(?:Fax received(?: with errors)? from|Fax empfangen(?: mit Fehlern)? von|Faksi vastaanotettu numerosta)\s+"?([^"]*?)"?\s*$)re",
                 {"X-Fax-CSID", "X-Fax-TSI"},
                 {"Sender", "Absender", "Lähettäjä", "CallID1"},
                 {"Pages", "Seiten", "Sivuja"},
                 {"application/pdf", "image/tiff", "application/postscript"}});
    // Asterisk's mail scripts: "Fax from +3727123456 (Name), 2 pages"; a withheld caller is
    // "Fax from anonymous (anonymous)" or "Fax from  ()".
    p.push_back({"asterisk", "", R"(^Fax from\s*(?:(\+?[0-9][0-9 ]*)|(?:anonymous|unknown|restricted|private|withheld)?\s*(?:\(|,|$)))", {"X-Asterisk-CallerID", "X-Fax-CSID"},
                 {"Remote station", "Caller ID", "Remote Station ID"}, {"Pages"}, {"application/pdf", "image/tiff"}});
    p.push_back({"mgetty", "", R"(^incoming FAX from\s+(.+?)\s+with\s+[0-9]+\s+pages?)", {}, {}, {}, {"image/png", "image/tiff", "image/g3fax"}});
    p.push_back({"efax", "", // eFax: 'eFax message from "+442079460958" - 1 page(s), Caller-ID: ...'
                 R"re(^(?:New fax from|Fax message from|eFax message from):?\s*(.+?)(?:\s+-\s+[0-9]+\s+pages?\b.*)?\s*$)re", {"X-Fax-CSID", "X-TSI", "X-Fax-Number"},
                 {"Caller ID", "From", "Sender", "Fax number"}, {"Pages", "Number of pages"}, {"application/pdf", "image/tiff"}});
    return p;
}

std::string fax_document_type(const EmailAttachment& a) {
    const auto sniffed = sniffed_media_type(a.bytes);
    return sniffed.empty() ? a.content_type : std::string(sniffed);
}

std::optional<FaxMail> recognise_fax(std::string_view raw, const ParsedEmail& mail, const std::vector<FaxProfile>& profiles,
                                     std::string_view region) {
    const Enquiry& e = mail.enquiry;
    const std::string from = e.sender.empty() ? std::string{} : ascii_lower(e.sender.front().value);
    const std::string& subject = e.subject;
    auto full = e.metadata.find("full_text");
    const std::string& text = full != e.metadata.end() ? full->second : e.text;
    for (const auto& profile : profiles) {
        if (!sender_matches(profile.sender, from)) continue;
        std::smatch m;
        const auto pattern = subject_pattern(profile.subject);
        if (!pattern || !search_subject(subject, m, *pattern, profile.subject)) continue;
        FaxMail fax;
        fax.profile = profile.name;
        std::string raw_number = m.size() > 1 ? m[1].str() : std::string{};
        std::string name;
        std::string number;
        split_caller_id(raw_number, name, number);
        auto candidates = std::vector<std::string>{number};
        for (const auto& h : profile.number_headers) candidates.push_back(header_of(raw, h));
        auto label_value = labelled(text, profile.number_labels);
        if (!label_value.empty()) {
            std::string n2, num2;
            split_caller_id(label_value, n2, num2);
            candidates.push_back(num2);
            if (name.empty()) name = n2;
        }
        if (auto caller = labelled(text, {"Caller ID"}); !caller.empty()) {
            std::string n3, num3;
            split_caller_id(caller, n3, num3);
            if (name.empty()) name = n3;
            candidates.push_back(num3);
        }
        for (const auto& c : candidates) {
            if (c.empty()) continue;
            if (fax.number_raw.empty()) fax.number_raw = c;
            if (auto e164 = to_e164(c, region)) {
                fax.number = *e164;
                fax.number_raw = c;
                break;
            }
        }
        fax.caller_name = name == fax.number_raw ? std::string{} : name;
        fax.pages = leading_int(labelled(text, profile.page_labels));
        if (fax.pages == 0) {
            static const std::regex kPages(R"(([0-9]+)\s+page)", std::regex::icase);
            std::smatch pm;
            if (std::regex_search(subject, pm, kPages)) fax.pages = leading_int(pm[1].str());
        }
        for (std::size_t i = 0; i < mail.attachments.size(); ++i) {
            const auto type = fax_document_type(mail.attachments[i]);
            if (std::find(profile.attachment_types.begin(), profile.attachment_types.end(), type) != profile.attachment_types.end())
                fax.documents.push_back(i);
        }
        return fax;
    }
    return std::nullopt;
}

}  // namespace triage::channels
