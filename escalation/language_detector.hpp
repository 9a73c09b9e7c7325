// LanguageDetector: guesses the language of a message text with libexttextcat's n-gram
// fingerprints (Debian libexttextcat-data), as a BCP 47 primary tag ("fi", "et", "lv", "en",
// ...) or "und" when the text is too short or unclear. Loads the fingerprints once; a mutex
// guards the library handle, so one detector may be shared by every thread.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace triage {

class LanguageDetector {
public:
    static constexpr const char* kFingerprints = "/usr/share/libexttextcat";
    // The languages told apart by default: the desk's four and the neighbours most often
    // confused with them. Fewer candidates make short texts far more reliable than all 160.
    static constexpr const char* kDefaultLanguages = "en fi et lv lt sv ru de pl nb da fr es";

    // Loads the fingerprints (`fingerprints`/<lang>.lm) of the space-separated `languages`.
    // Throws std::runtime_error when they cannot be loaded.
    explicit LanguageDetector(const std::filesystem::path& fingerprints = kFingerprints,
                              std::string_view languages = kDefaultLanguages);
    ~LanguageDetector();
    LanguageDetector(const LanguageDetector&) = delete;
    LanguageDetector& operator=(const LanguageDetector&) = delete;

    // The language of `text` (UTF-8); quoted history and signatures should be cut first.
    std::string detect(std::string_view text) const;

private:
    mutable std::mutex mutex_;
    void* handle_ = nullptr;  // guarded by mutex_
    void* candidates_ = nullptr;  // textcat's candidate_t array; guarded by mutex_
};

}  // namespace triage
