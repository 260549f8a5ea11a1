// GMime is a GLib library with process-wide state: g_mime_init runs once, before the parser or
// the reply builder touch it (never g_mime_shutdown: other threads may still be parsing).
#pragma once

namespace omni::connectors::email {

void InitGMimeOnce();

}  // namespace omni::connectors::email
