#include "escalation/language_detector.hpp"

#include <textcat.h>

#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <unistd.h>
#include <stdexcept>

namespace triage {
namespace {

constexpr std::size_t kMinLetters = 12;        // fewer: "und", n-grams say nothing yet
constexpr std::size_t kMaxSample = 1024;       // bytes read; the first lines are enough

// "[fi--utf8][et--utf8]" -> "fi"; "zh-CN-utf8" -> "zh".
std::string primary_tag(std::string_view result) {
    if (result.empty() || result.front() != '[') return "und";
    result.remove_prefix(1);
    auto end = result.find_first_of("-]");
    if (end == std::string_view::npos || end == 0) return "und";
    return std::string(result.substr(0, end));
}

}  // namespace

LanguageDetector::LanguageDetector(const std::filesystem::path& fingerprints, std::string_view languages) {
    // textcat reads its candidate list from a file: write one for the languages asked for.
    const auto conf = std::filesystem::temp_directory_path() /
                      fmt::format("triage-textcat-{}-{}.conf", ::getpid(), reinterpret_cast<std::uintptr_t>(this));
    {
        std::ofstream out(conf);
        std::istringstream list{std::string(languages)};
        for (std::string lang; list >> lang;) out << lang << ".lm " << lang << "--utf8\n";
    }
    const auto prefix = fingerprints.string() + "/";
    handle_ = special_textcat_Init(conf.c_str(), prefix.c_str());
    std::error_code ec;
    std::filesystem::remove(conf, ec);
    if (!handle_)
        throw std::runtime_error(fmt::format("cannot load language fingerprints ({}) from {}", languages, prefix));
    candidates_ = textcat_GetClassifyFullOutput(handle_);
}

LanguageDetector::~LanguageDetector() {
    if (candidates_) textcat_ReleaseClassifyFullOutput(handle_, static_cast<candidate_t*>(candidates_));
    if (handle_) textcat_Done(handle_);
}

std::string LanguageDetector::detect(std::string_view text) const {
    std::size_t letters = 0;
    for (unsigned char c : text.substr(0, kMaxSample))
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c >= 0xC0) ++letters;
    if (letters < kMinLetters) return "und";
    text = text.substr(0, kMaxSample);
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.remove_suffix(1);  // whole characters
    std::lock_guard lock(mutex_);
    auto* candidates = static_cast<candidate_t*>(candidates_);
    // Ranked best first; none when the text is too short or too many languages score alike.
    const int n = textcat_ClassifyFull(handle_, text.data(), text.size(), candidates);
    if (n <= 0 || !candidates[0].name) return "und";
    return primary_tag(fmt::format("[{}]", candidates[0].name));
}

}  // namespace triage
