#include "channels/mime_flowed.hpp"

#include <vector>

namespace triage::channels {

std::string unflow_text(std::string_view text, bool delete_space) {
    std::string out;
    out.reserve(text.size());
    std::string paragraph;  // the logical line being joined
    std::size_t paragraph_depth = 0;
    bool open = false;  // the previous line ended with a soft break
    auto flush = [&] {
        if (!out.empty()) out += '\n';
        out.append(paragraph_depth, '>');
        if (paragraph_depth > 0 && !paragraph.empty()) out += ' ';
        out += paragraph;
        paragraph.clear();
        open = false;
    };
    for (std::size_t start = 0; start <= text.size();) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        const bool last = end == text.size();
        start = end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (last && line.empty()) break;
        std::size_t depth = 0;
        while (depth < line.size() && line[depth] == '>') ++depth;
        line.remove_prefix(depth);
        if (!line.empty() && line.front() == ' ') line.remove_prefix(1);  // space-stuffing
        if (open && depth != paragraph_depth) flush();  // quote depth changed: a hard break
        const bool signature = line == "-- ";
        const bool soft = !signature && !line.empty() && line.back() == ' ';
        if (!open) paragraph_depth = depth;
        if (soft && delete_space) line.remove_suffix(1);
        paragraph += line;
        open = soft;
        if (!soft) flush();
    }
    if (open) flush();
    return out;
}

}  // namespace triage::channels
