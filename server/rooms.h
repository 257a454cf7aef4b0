/* rooms.h — the room registry: which rooms exist, on which worker, and which
 * connection is which participant. It answers the room requests that arrive
 * on the signaling thread (join, leave, publish, subscribe, answer, trickle,
 * ice-restart): admission is decided here, the rest is posted to the room's
 * worker (room.h).
 *
 * Threads: the main (signaling) thread only; rooms themselves live on workers.
 * A room is created on the least-loaded worker when someone joins a room id
 * that does not exist, and destroyed when its last participant leaves.
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

G_END_DECLS
