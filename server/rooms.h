/* rooms.h — the room registry: which rooms exist, on which worker, and which
 * connection is which participant. It answers the room requests that arrive
 * on the signaling thread (join, leave, publish, subscribe, answer, trickle,
 * ice-restart): admission is decided here, the rest is posted to the room's
 * worker (room.h).
 *
 * Threads: the main (signaling) thread only; rooms themselves live on workers.
 * A room is created on the least-loaded worker when someone joins a room id
 * that does not exist, and destroyed when its last participant leaves.
 *
 * Workflow modules reach rooms through the second half of this header (the
 * host, module_host.c, calls it): invitations, closing a room, commands run
 * on the room's worker (room_commands.c) and answered on the main thread, and
 * an observer that gets the room events modules know.
 */
#pragma once

#include "config.h"
#include "notary.h"
#include "signaling.h"
#include "workers.h"

G_BEGIN_DECLS

typedef struct _WtRooms WtRooms;

/* Makes the DTLS certificate and reads [ice] and [rooms] from @config
 * (borrowed). @pool borrowed; both outlive the registry. */
WtRooms *wt_rooms_new(const WtConfig *config, WtWorkerPool *pool, GError **error);
/* Where events and replies go (borrowed). Before the first request. */
void wt_rooms_set_signaling(WtRooms *rooms, WtSignaling *signaling);
/* Recordings hand their seals and anchors to @notary (transfer none; outlives
 * @rooms). Before the first room. */
void wt_rooms_set_notary(WtRooms *rooms, WtNotary *notary, guint anchor_every_segments);
/* Takes @req (transfer full) and returns TRUE when it is a room request. */
gboolean wt_rooms_handle_request(WtRooms *rooms, WtRequest *req);
/* The connection is gone: its participant leaves. */
void wt_rooms_session_closed(WtRooms *rooms, guint64 session);
/* NULL when all is well, else why /healthz says degraded, e.g. "disk low"
 * (transfer full). Main thread. */
char *wt_rooms_health(WtRooms *rooms);

/* Per-room lines for /metrics. */
void wt_rooms_append_metrics(WtRooms *rooms, GString *out);
/* Destroys every room on its worker and waits for that (normally well under
 * 1 s; a slow disk or TSA while sealing can make it longer). */
void wt_rooms_free(WtRooms *rooms);

/* An engine event as modules see it (module.h lists them). @event and @fields
 * (transfer none). Called on the main thread. */
typedef void (*WtRoomsObserver)(const char *event, JsonObject *fields, gpointer user_data);
/* Where room events go (borrowed; before the first room). @observer may be
 * NULL (rooms without modules, as in tests): events are then dropped. Events
 * are made on the rooms' workers and reach @observer on the main thread in
 * the order each room made them (`room-closed` after the room's last
 * `participant-left` and `recording` "off"); those still on their way when
 * wt_rooms_free() runs are dropped. */
void wt_rooms_set_observer(WtRooms *rooms, WtRoomsObserver observer, gpointer user_data);
/* Lets @sub join @room although their token's `room` claim names another or
 * none (applicants; staff and admins join any room, clerks none). The
 * invitation lasts until wt_rooms_close(@room). */
void wt_rooms_invite(WtRooms *rooms, const char *room, const char *sub);
/* TRUE when @room exists now or has invitations. */
gboolean wt_rooms_known(WtRooms *rooms, const char *room);
/* Ends @room: everyone gets `left` {room, reason} and loses media, the room's
 * invitations are dropped, a running recording is sealed ("ended"). */
void wt_rooms_close(WtRooms *rooms, const char *room, const char *reason);
/* Answer to a command, on the main thread: @result or @error (transfer none). */
typedef void (*WtRoomsDone)(JsonObject *result, const GError *error, gpointer user_data);
/* Runs @command (transfer full) on @room's worker and calls @done on the main thread:
 *   {"command":"status"} -> {"room", "recording": {"state": on|stopping|off, "id"},
 *       "participants": [{"participant","sub","role","tracks":[...],
 *                         "recorded": {"audio": bool, "video": bool}, "liveness": {...}}]}
 *   {"command":"record","action":"start"|"stop"} -> {"state","recording"}
 *   {"command":"liveness","sub": s} -> {"participant","state":"checking"}
 *   {"command":"evidence","type": t, "payload": {...}} -> {"recording"}
 * Errors (GError, G_IO_ERROR domain): G_IO_ERROR_NOT_FOUND (no such room / participant),
 * G_IO_ERROR_NO_SPACE (disk full), G_IO_ERROR_NOT_CONNECTED (evidence while nothing is
 * recorded), G_IO_ERROR_INVALID_ARGUMENT (bad command), others with a clear message. */
void wt_rooms_command(WtRooms *rooms, const char *room, JsonObject *command, WtRoomsDone done,
                      gpointer user_data);
/* Rooms open now: [{"room","participants","worker"}] (transfer full). */
JsonArray *wt_rooms_list(WtRooms *rooms);

G_END_DECLS
