#include "channels/mime_gobject.hpp"

#include <mutex>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define TRIAGE_LSAN_DISABLE() __lsan_disable()
#define TRIAGE_LSAN_ENABLE() __lsan_enable()
#else
#define TRIAGE_LSAN_DISABLE() (void)0
#define TRIAGE_LSAN_ENABLE() (void)0
#endif

namespace triage::channels {

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
        TRIAGE_LSAN_ENABLE();
    });
}

std::string_view stream_bytes(GMimeStreamMem* stream) noexcept {
    GByteArray* array = g_mime_stream_mem_get_byte_array(stream);
    if (!array || array->len == 0) return {};
    return {reinterpret_cast<const char*>(array->data), array->len};
}

}  // namespace triage::channels
