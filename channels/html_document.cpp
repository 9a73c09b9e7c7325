#include "channels/html_document.hpp"

#include "channels/mime_charset.hpp"

#include <algorithm>
#include <csetjmp>
#include <cstdlib>
#include <string>
#include <vector>

namespace triage::channels {

constexpr std::size_t kMaxHtmlBytes = 4u << 20;
constexpr std::size_t kMaxDepth = 512;  // nesting, as estimated by nesting_exceeds()
constexpr std::size_t kBaseBudget = 16u << 20;
constexpr std::size_t kBudgetPerByte = 32;
constexpr std::size_t kMaxBudget = 256u << 20;

// Every gumbo allocation, linked so that all of them are freed together, even after a parse
// abandoned half-way.
struct HtmlDocument::Arena {
    struct alignas(std::max_align_t) Block {
        Block* prev;
        Block* next;
        std::size_t size;
    };
    Block head{&head, &head, 0};
    std::size_t live = 0;
    std::size_t budget = 0;
    std::jmp_buf over_budget;

    Arena() = default;
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;
    ~Arena() {
        Block* b = head.next;
        while (b != &head) {
            Block* next = b->next;
            std::free(b);
            b = next;
        }
    }
};

namespace {

using Arena = HtmlDocument::Arena;

// Gumbo's allocator hooks. No C++ object lives in these frames or in gumbo's (C) frames, so
// leaving them with longjmp is sound; the arena frees what was allocated.
void* arena_allocate(void* userdata, size_t size) {
    auto* arena = static_cast<Arena*>(userdata);
    if (size > arena->budget - arena->live) std::longjmp(arena->over_budget, 1);
    auto* block = static_cast<Arena::Block*>(std::malloc(sizeof(Arena::Block) + size));
    if (!block) std::longjmp(arena->over_budget, 1);
    block->size = size;
    block->prev = &arena->head;
    block->next = arena->head.next;
    arena->head.next->prev = block;
    arena->head.next = block;
    arena->live += size;
    return block + 1;
}

void arena_deallocate(void* userdata, void* ptr) {
    if (!ptr) return;
    auto* arena = static_cast<Arena*>(userdata);
    auto* block = static_cast<Arena::Block*>(ptr) - 1;
    block->prev->next = block->next;
    block->next->prev = block->prev;
    arena->live -= block->size;
    std::free(block);
}

bool one_of(std::string_view name, std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

bool is_void(std::string_view n) {
    return one_of(n, {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                      "track", "wbr", "keygen", "basefont", "bgsound", "frame", "image"});
}

// Elements the parser closes by itself ("generate implied end tags").
bool is_implied(std::string_view n) {
    return one_of(n, {"p", "li", "dd", "dt", "option", "optgroup", "rb", "rp", "rt", "rtc"});
}

// Gumbo spends time linear in the depth of open elements on many tags (scope checks), so a
// deeply nested document costs time quadratic in its size. This models the stack of open
// elements from the tags alone, erring high: an element leaves the model only when the
// HTML5 tree builder certainly pops it too (a matching end tag at the top, with only
// implicitly closed elements above it; a p, li, dd, dt, option, td, th or tr replacing its
// own kind). Whatever the model gets wrong (misnesting, quirks) makes it deeper, not
// shallower, so a document it accepts is at most kMaxDepth deep.
bool nesting_exceeds(std::string_view html, std::size_t limit) {
    std::vector<std::string> stack;
    auto top_is = [&](std::initializer_list<std::string_view> names) {
        return !stack.empty() && one_of(stack.back(), names);
    };
    std::string name;
    std::size_t i = 0;
    while ((i = html.find('<', i)) != std::string_view::npos) {
        ++i;
        const bool end_tag = i < html.size() && html[i] == '/';
        if (end_tag) ++i;
        name.clear();
        while (i < html.size() && name.size() < 32) {
            const char c = html[i];
            const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            if (!letter && (name.empty() || !((c >= '0' && c <= '9') || c == '-' || c == ':' || c == '_'))) break;
            name += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
            ++i;
        }
        if (name.empty()) continue;  // "<!--", "<?", "< 3": text or comments
        // The tag ends at the next '>' (the parser's ends there or later: never fewer tags).
        const auto close = html.find('>', i);
        i = close == std::string_view::npos ? html.size() : close + 1;
        if (end_tag) {
            std::size_t k = stack.size();
            while (k > 0 && stack[k - 1] != name && is_implied(stack[k - 1])) --k;
            const bool table_part = one_of(name, {"table", "tbody", "thead", "tfoot", "tr"});
            while (table_part && k > 0 && stack[k - 1] != name &&
                   one_of(stack[k - 1], {"td", "th", "tr", "tbody", "thead", "tfoot", "caption", "colgroup"}))
                --k;
            if (k > 0 && stack[k - 1] == name) stack.resize(k - 1);
            continue;
        }
        if (is_void(name)) continue;
        if ((name == "p" && top_is({"p"})) || (name == "li" && top_is({"li"})) ||
            ((name == "dd" || name == "dt") && top_is({"dd", "dt"})) || (name == "option" && top_is({"option"})) ||
            ((name == "td" || name == "th") && top_is({"td", "th"}))) {
            stack.pop_back();
        } else if (name == "tr") {
            if (top_is({"td", "th"})) stack.pop_back();
            if (top_is({"tr"})) stack.pop_back();
        }
        if ((name == "td" || name == "th") && !top_is({"tr"})) {
            stack.emplace_back("tbody");  // the parser supplies the missing row group and row
            stack.emplace_back("tr");
        } else if (name == "tr" && !top_is({"tbody", "thead", "tfoot"})) {
            stack.emplace_back("tbody");
        }
        stack.push_back(name);
        if (stack.size() > limit) return true;
    }
    return false;
}

// Kept apart so that nothing in the frame that calls setjmp can be clobbered by longjmp.
GumboOutput* parse_in_arena(Arena* arena, const GumboOptions* options, const char* html, std::size_t size) {
    if (setjmp(arena->over_budget) != 0) return nullptr;
    return gumbo_parse_with_options(options, html, size);
}

}  // namespace

HtmlDocument::HtmlDocument(std::string_view html) : arena_(std::make_unique<Arena>()) {
    if (html.size() > kMaxHtmlBytes || nesting_exceeds(html, kMaxDepth)) return;
    const std::string utf8 = is_valid_utf8(html) ? std::string(html) : repair_utf8(html);
    arena_->budget = std::min(kMaxBudget, kBaseBudget + kBudgetPerByte * utf8.size());
    GumboOptions options = kGumboDefaultOptions;
    options.allocator = arena_allocate;
    options.deallocator = arena_deallocate;
    options.userdata = arena_.get();
    options.max_errors = 0;  // parse errors are of no use here and cost memory
    output_ = parse_in_arena(arena_.get(), &options, utf8.data(), utf8.size());
}

// The output's memory is the arena's: no gumbo_destroy_output (it would recurse as deep as
// the tree).
HtmlDocument::~HtmlDocument() = default;

const GumboNode* HtmlDocument::root() const noexcept { return output_ ? output_->root : nullptr; }

bool is_element(const GumboNode* node) noexcept {
    return node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE;
}

std::string_view tag_name(const GumboNode* element) noexcept {
    if (!is_element(element) || element->v.element.tag == GUMBO_TAG_UNKNOWN) return {};
    return gumbo_normalized_tagname(element->v.element.tag);
}

const char* attribute(const GumboNode* element, const char* name) noexcept {
    if (!is_element(element)) return nullptr;
    const GumboAttribute* a = gumbo_get_attribute(&element->v.element.attributes, name);
    return a ? a->value : nullptr;
}

}  // namespace triage::channels
