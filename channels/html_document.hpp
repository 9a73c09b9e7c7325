// HtmlDocument: an HTML5 tree parsed by gumbo, owned together with all its memory, and walked
// without recursion. Gumbo's time grows with the nesting depth times the number of tags
// (200,000 nested tags take minutes), so documents over 4 MiB or nested over 512 levels are
// refused, and every allocation comes from a memory budget. One instance per parse; not
// thread-safe; gumbo keeps no global state.
#pragma once

#include <gumbo.h>

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

namespace triage::channels {

class HtmlDocument {
public:
    // Parses `html` (invalid UTF-8 is repaired first). root() is nullptr when the document is
    // refused: over 4 MiB, nested deeper than 512 elements (estimated from its tags, erring
    // high), or over the memory budget (16 MiB plus 32 bytes per input byte, at most 256 MiB).
    explicit HtmlDocument(std::string_view html);
    ~HtmlDocument();
    HtmlDocument(const HtmlDocument&) = delete;
    HtmlDocument& operator=(const HtmlDocument&) = delete;

    const GumboNode* root() const noexcept;  // the <html> element; nullptr when refused

    // Depth-first walk from root(): `enter(node)` returns whether to visit the node's
    // children; `leave(node)` follows the children of every entered element or template.
    template <class Enter, class Leave>
    void walk(Enter&& enter, Leave&& leave) const;

    struct Arena;

private:
    std::unique_ptr<Arena> arena_;
    GumboOutput* output_ = nullptr;  // lives in arena_
};

// Lower-case tag name as gumbo knows it; "" for unknown tags (<o:p>, <x-foo>) and non-elements.
std::string_view tag_name(const GumboNode* element) noexcept;

// An attribute's (entity-decoded) value; nullptr when absent.
const char* attribute(const GumboNode* element, const char* name) noexcept;

bool is_element(const GumboNode* node) noexcept;

template <class Enter, class Leave>
void HtmlDocument::walk(Enter&& enter, Leave&& leave) const {
    if (!root()) return;
    struct Frame {
        const GumboNode* node;
        unsigned int next_child;
    };
    std::vector<Frame> stack;
    auto visit = [&](const GumboNode* node) {
        if (enter(node) && is_element(node)) stack.push_back({node, 0});
    };
    visit(root());
    while (!stack.empty()) {
        Frame& top = stack.back();
        const GumboVector& children = top.node->v.element.children;
        if (top.next_child < children.length) {
            const auto* child = static_cast<const GumboNode*>(children.data[top.next_child++]);
            visit(child);  // may reallocate `stack`: `top` is not used after this
        } else {
            const GumboNode* done = top.node;
            stack.pop_back();
            leave(done);
        }
    }
}

}  // namespace triage::channels
