/* rooms_bridge_stub.c — TEMPORARY: the rooms side of the module services
 * answers "not available" until the real one (rooms.c) is merged. */
#include <gio/gio.h>

#include "rooms.h"

void
wt_rooms_set_observer(WtRooms *rooms, WtRoomsObserver observer, gpointer user_data)
{
}

void
wt_rooms_invite(WtRooms *rooms, const char *room, const char *sub)
{
}

gboolean
wt_rooms_known(WtRooms *rooms, const char *room)
{
  return FALSE;
}

void
wt_rooms_close(WtRooms *rooms, const char *room, const char *reason)
{
}

void
wt_rooms_command(WtRooms *rooms, const char *room, JsonObject *command, WtRoomsDone done,
                 gpointer user_data)
{
  g_autoptr(GError) error =
      g_error_new_literal(G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "room commands are not built yet");
  json_object_unref(command);
  done(NULL, error, user_data);
}

JsonArray *
wt_rooms_list(WtRooms *rooms)
{
  return json_array_new();
}
