# Writes OUTPUT, a .cc defining the widget's files as std::string_view constants, so the
# connector serves them from its binary and needs no files at run time.
# cmake -DOUTPUT=<file.cc> -DJS=<widget.js> -DHTML=<demo.html> -P embed_assets.cmake
function(bytes_of file var)
  file(READ "${file}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," chars "${hex}")
  set(${var} "${chars}" PARENT_SCOPE)
endfunction()
bytes_of("${JS}" js)
bytes_of("${HTML}" html)
file(WRITE "${OUTPUT}.tmp"
"// Generated from connectors/webchat/widget by embed_assets.cmake; do not edit.
#include \"connectors/webchat/widget_assets.h\"

namespace omni::connectors::webchat {
namespace {
constexpr char kJs[] = {${js}};
constexpr char kHtml[] = {${html}};
}  // namespace
const std::string_view kWidgetJs(kJs, sizeof(kJs));
const std::string_view kDemoHtml(kHtml, sizeof(kHtml));
}  // namespace omni::connectors::webchat
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
