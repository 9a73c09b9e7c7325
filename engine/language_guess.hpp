// A small guess of the language a customer wrote in, among the languages the desk serves
// (en, fi, et, lv), from common words and letters: enough to pick an acknowledgement
// template, not a general detector. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace triage {

// "en", "fi", "et", "lv", or "und" when the text gives too little to go on.
std::string guess_language(std::string_view text);

// The same guess, but "und" unless it is clear (at least three telling words, twice as many as
// any other language's): lets a costlier detector (libexttextcat) run only on the hard cases.
std::string guess_language_if_clear(std::string_view text);

}  // namespace triage
