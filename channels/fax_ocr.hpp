// Fax OCR: the pages of a fax document (PDF rasterised by poppler's pdftoppm, TIFF and PNG
// read by leptonica) read by Tesseract in English, Finnish, Estonian and Latvian. Slow and
// blocking: call it on a blocking pool, never on an I/O thread. Thread-safe (one Tesseract
// engine per calling thread).
#pragma once

#include <string>
#include <string_view>

namespace triage::channels {

struct OcrResult {
    std::string text;    // UTF-8, pages separated by a form feed line
    int pages = 0;       // pages read
    bool ok = false;     // false: the document could not be read (text empty)
    std::string error;   // why not, when !ok
};

// `content_type`: application/pdf, image/tiff, image/png (others: !ok).
OcrResult ocr_document(std::string_view bytes, std::string_view content_type);

}  // namespace triage::channels
