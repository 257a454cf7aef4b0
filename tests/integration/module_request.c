/* module_request.c — workflow-module requests for the integration tests
 * (see module_request.h). Main thread. */
#include "module_request.h"

JsonObject *
wt_it_module_request(WtItWs *ws, gint64 id, const char *module, const char *action,
                     const char *fields)
{
  g_autofree char *text = g_strdup_printf(
      "{\"type\":\"request\",\"id\":%" G_GINT64_FORMAT ",\"module\":\"%s\",\"action\":\"%s\"%s%s}",
      id, module, action, fields ? "," : "", fields ? fields : "");
  g_assert_true(wt_it_ws_send(ws, text));
  for (;;) {
    JsonObject *m = wt_it_ws_recv(ws);
    if (!g_str_equal(wt_it_get_string(m, "type"), "event"))
      return m;
    json_object_unref(m);
  }
}
