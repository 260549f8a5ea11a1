// The embeddable chat widget (widget/widget.js) and the demo page that embeds it
// (widget/demo.html), compiled into the connector by widget/embed_assets.cmake.
#pragma once

#include <string_view>

namespace omni::connectors::webchat {

extern const std::string_view kWidgetJs;
extern const std::string_view kDemoHtml;

}  // namespace omni::connectors::webchat
