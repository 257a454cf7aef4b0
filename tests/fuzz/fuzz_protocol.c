/* fuzz_protocol.c — libFuzzer target: one WebSocket message through the
 * request parser and, when it parses, the reply serialisers. */
#include <stdint.h>

#include "protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *code = NULL;
  char *reason = NULL;
  JsonNode *id = NULL;
  WtMessage *msg = wt_protocol_parse((const char *)data, size, &code, &reason, &id);
  if (msg) {
    char *why = NULL;
    wt_message_get_string(msg, "token", 4096, &why);
    g_free(why);
    g_free(wt_protocol_result(msg->id, NULL));
  } else {
    g_assert(code && reason);
    g_free(wt_protocol_error(id, code, reason));
  }
  wt_message_free(msg);
  g_free(reason);
  if (id)
    json_node_unref(id);
  return 0;
}
