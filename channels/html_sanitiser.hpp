// The HTML sanitiser: untrusted mail HTML in, HTML safe to show an agent out. An allowlist
// over gumbo's HTML5 tree, re-serialised: nothing the allowlist does not name survives.
// Pure function; thread-safe.
//
// Elements kept: p br div span b strong i em u a ul ol li blockquote pre code table thead tbody
// tr td th h1-h6 hr img. Dropped with all their content: script style iframe frame frameset
// object embed applet form link meta base head title template noscript svg math audio video
// canvas select textarea button input. Any other element is unwrapped (its children kept);
// section/article/header/footer/center/... become <div>, tfoot becomes <tbody>.
// Attributes kept: title (all); a href when http:, https: or mailto: (never javascript:,
// data: or relative); img src only cid: or data:image/{png,jpeg,gif,webp,bmp} (no remote
// images, no SVG) plus alt; td/th colspan and rowspan when numeric. Every <a> gets
// rel="noopener noreferrer nofollow"; an <a> without a kept href and an <img> without a kept
// src are dropped (the link's text stays). No style, class, id or on* attribute survives.
#pragma once

#include <string>
#include <string_view>

namespace triage::channels {

// "" when the document is empty or too deeply nested to parse within the memory budget.
std::string sanitise_html(std::string_view html);

}  // namespace triage::channels
