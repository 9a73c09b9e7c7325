// Integration: every message of the shared email corpus, taken in by the real triage CLI and
// read back through triaged's HTTP API, against a reference decoder — Python's email package
// (policy.default), a separate implementation of RFC 2047, MIME and charsets. Subjects must
// match exactly (white space folded); the text we show must be part of the reference's
// decoded text/plain body.
#include "tests/support/triaged_process.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>

using namespace triage::test;
namespace json = boost::json;

namespace {

constexpr const char* kReferenceDecoder = R"py(
import email, json, os, sys
from email import policy
out = []
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    if not name.endswith('.eml'): continue
    with open(os.path.join(d, name), 'rb') as f:
        try:
            m = email.message_from_binary_file(f, policy=policy.default)
            subject = str(m['subject']) if m['subject'] is not None else None
            mid = str(m['message-id']).strip() if m['message-id'] is not None else None
            part = m.get_body(preferencelist=('plain',))
            text = None
            if part is not None and part.get_content_type() == 'text/plain':
                try: text = part.get_content()
                except Exception: text = None
            if text is not None and m.epilogue:  # we keep a multipart's epilogue as text too
                text += '\n' + m.epilogue
        except Exception:
            continue
    out.append({'file': name, 'message_id': mid, 'subject': subject, 'text': text})
print(json.dumps(out))
)py";

std::string fold_space(std::string_view s) {
    std::string out;
    bool space = false;
    for (unsigned char c : s) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += static_cast<char>(c);
    }
    return out;
}

}  // namespace

TEST_CASE("every corpus email reads through the API in UTF-8 as a reference decoder reads it") {
    auto corpus = std::filesystem::path(TRIAGE_SOURCE_DIR) / ".." / "shared" / "corpus" / "email";
    if (!std::filesystem::is_directory(corpus)) {
        MESSAGE("../shared/corpus/email is absent: skipped");
        return;
    }
    auto [py_code, py_out] = run_command({"python3", "-c", kReferenceDecoder, corpus.string()});
    if (py_code != 0) {
        MESSAGE("python3 is not installed (scripts/install-deps installs it): skipped");
        return;
    }
    auto reference = json::parse(py_out).as_array();

    TempDir dir;
    auto maildir = dir.path() / "Maildir";
    std::filesystem::create_directories(maildir / "new");
    for (const auto& entry : std::filesystem::directory_iterator(corpus))
        if (entry.path().extension() == ".eml")
            std::filesystem::copy_file(entry.path(), maildir / "new" / entry.path().filename());
    auto data = dir.path() / "data";
    auto [code, out] = run_command({TRIAGE_CLI_PATH, "import-maildir", maildir.string(), "--data-dir", data.string()});
    REQUIRE(code == 0);
    std::filesystem::create_directories(data);
    TriagedProcess triaged(data);

    // Every stored message by its Message-ID: the ticket subject (when it opened the ticket) and its body.
    struct Seen {
        std::string subject;  // "" when the message did not open its ticket
        std::string body;
    };
    std::map<std::string, Seen> seen;
    std::string cursor;
    for (;;) {
        auto page = json::parse(triaged.request("GET", "/api/v1/tickets?limit=200" + cursor).body).as_object();
        for (const auto& t : page.at("tickets").as_array()) {
            auto id = t.at("id").as_int64();
            auto messages = json::parse(triaged.request("GET", "/api/v1/tickets/" + std::to_string(id) + "/messages").body)
                                .at("messages")
                                .as_array();
            bool first = true;
            for (const auto& m : messages) {
                if (m.at("external_id").is_string())
                    seen[std::string(m.at("external_id").as_string())] =
                        Seen{first ? std::string(t.at("subject").as_string()) : "", std::string(m.at("body").as_string())};
                first = false;
            }
        }
        if (page.at("next_cursor").is_null()) break;
        cursor = "&cursor=" + std::string(page.at("next_cursor").as_string());
    }

    std::map<std::string, int> id_count;
    for (const auto& r : reference)
        if (r.at("message_id").is_string()) ++id_count[std::string(r.at("message_id").as_string())];
    int subjects = 0, bodies = 0;
    for (const auto& r : reference) {
        const std::string file(r.at("file").as_string());
        CAPTURE(file);
        if (!r.at("message_id").is_string()) continue;
        const std::string id(r.at("message_id").as_string());
        if (id_count[id] > 1) continue;  // the corpus repeats some ids on purpose (duplicates)
        auto it = seen.find(id);
        if (it == seen.end()) continue;  // a bounce that matched no ticket, or a parse_error
        if (!it->second.subject.empty() && r.at("subject").is_string()) {
            const auto expected = fold_space(r.at("subject").as_string());
            if (!expected.empty()) {
                CHECK(fold_space(it->second.subject) == expected);
                ++subjects;
            }
        }
        if (r.at("text").is_string()) {
            const auto text = fold_space(r.at("text").as_string());
            // Replacement characters: the reference could not decode it either; "Ã"/"Â": it
            // believed a wrong charset label that we corrected (UTF-8 read as Latin-1).
            const bool reference_unsure = text.find("\xEF\xBF\xBD") != std::string::npos ||
                                          text.find("\xC3\x83") != std::string::npos ||
                                          text.find("\xC3\x82") != std::string::npos;
            if (!reference_unsure && !it->second.body.empty()) {
                // Each line of the new text we show is in the reference's body (quotes between
                // them are left out on our side, so compare line by line).
                std::istringstream lines(it->second.body);
                std::string line;
                int compared = 0;
                while (std::getline(lines, line) && compared < 5) {
                    auto folded = fold_space(line);
                    if (folded.size() < 8) continue;
                    CAPTURE(folded);
                    CHECK(text.find(folded) != std::string::npos);
                    ++compared;
                }
                if (compared) ++bodies;
            }
        }
    }
    MESSAGE(subjects << " subjects and " << bodies << " bodies compared with the reference decoder");
    CHECK(subjects >= 20);
    CHECK(bodies >= 20);
}
