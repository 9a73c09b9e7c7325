#include "escalation/language_detector.hpp"

#include <textcat.h>

#include <fmt/format.h>
#include <stdexcept>

namespace triage {
namespace {

constexpr std::size_t kMinLetters = 12;        // fewer: "und", n-grams say nothing yet
constexpr std::size_t kMaxSample = 4096;       // bytes read; the first lines are enough

// "[fi--utf8][et--utf8]" -> "fi"; "zh-CN-utf8" -> "zh".
std::string primary_tag(std::string_view result) {
    if (result.empty() || result.front() != '[') return "und";
    result.remove_prefix(1);
    auto end = result.find_first_of("-]");
    if (end == std::string_view::npos || end == 0) return "und";
    return std::string(result.substr(0, end));
}

}  // namespace

LanguageDetector::LanguageDetector(const std::filesystem::path& config) {
    auto prefix = config.parent_path().string() + "/";
    handle_ = special_textcat_Init(config.c_str(), prefix.c_str());
    if (!handle_) throw std::runtime_error(fmt::format("cannot load language fingerprints from {}", config.string()));
}

LanguageDetector::~LanguageDetector() {
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
    const char* result = textcat_Classify(handle_, text.data(), text.size());
    if (!result) return "und";
    std::string_view r(result);
    // Several close candidates ("[fi][et]") means textcat is unsure between them: keep the first.
    return primary_tag(r);
}

}  // namespace triage
