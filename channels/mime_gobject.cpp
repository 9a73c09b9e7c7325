#include "channels/mime_gobject.hpp"

#include "channels/mime_charset.hpp"

#include <cstring>
#include <map>
#include <mutex>
#include <string>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define TRIAGE_LSAN_DISABLE() __lsan_disable()
#define TRIAGE_LSAN_ENABLE() __lsan_enable()
#else
#define TRIAGE_LSAN_DISABLE() (void)0
#define TRIAGE_LSAN_ENABLE() (void)0
#endif

namespace triage::channels {

namespace {

// GMime's classes act on Content-* headers only (content type, disposition, id, transfer
// encoding, ...); for any other header their header_added merely decodes the value (RFC 2047,
// unfolded) to validate it when a warning callback is set, and caches a value nobody here
// reads (parse_email decodes the raw values it uses itself). That decoding of every Received:,
// DKIM-Signature: and X- header was a fifth of GMime's parse. The "lean" subclasses skip it
// for headers without an encoded word ("=?"): only an encoded word can be an invalid RFC 2047
// value, so GMime still reports every invalid_rfc2047_header_value it would have.
void lean_header_added(GMimeObject* object, GMimeHeader* header) {
    const char* name = g_mime_header_get_name(header);
    if (name && g_ascii_strncasecmp(name, "Content-", 8) != 0) {
        const char* raw = g_mime_header_get_raw_value(header);
        if (raw && std::strstr(raw, "=?")) g_mime_header_get_value(header);
        return;
    }
    // GMime's own class of this object: the nearest ancestor class that is not lean.
    auto* klass = static_cast<GMimeObjectClass*>(g_type_class_peek_parent(G_OBJECT_GET_CLASS(object)));
    while (klass->header_added == lean_header_added)
        klass = static_cast<GMimeObjectClass*>(g_type_class_peek_parent(klass));
    klass->header_added(object, header);
}

void lean_class_init(gpointer klass, gpointer) { GMIME_OBJECT_CLASS(klass)->header_added = lean_header_added; }

// The lean subclass of one of GMime's part classes (registered once per class).
GType lean_subclass(GType parent) {
    static std::map<GType, GType> made;
    if (auto it = made.find(parent); it != made.end()) return it->second;
    for (const auto& [gmime_class, lean] : made)
        if (lean == parent) return lean;  // a type falling back to one registered lean already
    GTypeQuery query{};
    g_type_query(parent, &query);
    const std::string name = std::string("TriageLean") + g_type_name(parent);
    const GType lean = g_type_register_static_simple(parent, name.c_str(), query.class_size, lean_class_init,
                                                     query.instance_size, nullptr, GTypeFlags{});
    made.emplace(parent, lean);
    return lean;
}

// Every content type GMime has a class for is given the lean subclass of that class.
void register_lean_types() {
    static constexpr std::pair<const char*, const char*> kTypes[] = {
        {"*", "*"},
        {"text", "*"},
        {"multipart", "*"},
        {"multipart", "signed"},
        {"multipart", "encrypted"},
        {"application", "pkcs7-mime"},
        {"application", "x-pkcs7-mime"},
        {"message", "rfc822"},
        {"message", "rfc2822"},
        {"message", "global"},
        {"message", "news"},
        {"message", "partial"},
        {"message", "external-body"},
    };
    for (const auto& [type, subtype] : kTypes) {
        GMimeObject* probe = g_mime_object_new_type(nullptr, type, subtype);
        if (!probe) continue;
        const GType current = G_OBJECT_TYPE(probe);
        g_object_unref(probe);
        g_mime_object_register_type(type, subtype, lean_subclass(current));
    }
}

}  // namespace

void ensure_gmime() {
    static std::once_flag once;
    std::call_once(once, [] {
        // Re-registering a type leaks GMime's previous entry (16 bytes, once): not a leak
        // worth failing a sanitizer run for.
        TRIAGE_LSAN_DISABLE();
        g_mime_init();
        // Embedded messages stay leaf parts: their bytes are kept exactly as they came (GMime
        // would otherwise re-parse them and write back only what it understood).
        for (const char* subtype : {"rfc822", "global", "news"})
            g_mime_object_register_type("message", subtype, GMIME_TYPE_PART);
        register_lean_types();
        TRIAGE_LSAN_ENABLE();
        keep_charset_modules_loaded();
    });
}

std::string_view stream_bytes(GMimeStreamMem* stream) noexcept {
    GByteArray* array = g_mime_stream_mem_get_byte_array(stream);
    if (!array || array->len == 0) return {};
    return {reinterpret_cast<const char*>(array->data), array->len};
}

}  // namespace triage::channels
