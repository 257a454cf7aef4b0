/* rooms_private.h — the room registry's state, shared by rooms.c (admission,
 * bookkeeping, the module side) and rooms_metrics.c (its /metrics lines).
 * Main thread only, except the counters the workers add to atomically. */
#pragma once

#include "room.h"
#include "rooms.h"

typedef struct {
  char *id;
  WtRoom *room;
  WtWorker *worker;
  GHashTable *members; /* sub -> session (guint64*) */
} RoomEntry;

typedef struct {
  char *room;
  char *sub;
} SessionEntry;

/* Where observed events go. Shared by the registry and the messages in
 * flight toward the main thread (atomic reference count); its fields are
 * read and written on the main thread only, so a message that arrives after
 * wt_rooms_free() finds no observer and is dropped. */
typedef struct {
  gint refs;
  WtRoomsObserver observer; /* NULL: nobody observes */
  gpointer user_data;
} ObserverLink;

struct _WtRooms {
  WtRoomEnv env;
  ObserverLink *link;
  GHashTable *invitations;                              /* room id -> GHashTable set of subs */
  char *liveness_detector, *face_cascade, *eye_cascade; /* env.liveness_config's strings */
  WtWorkerPool *pool;
  GHashTable *rooms;    /* id -> RoomEntry* */
  GHashTable *sessions; /* guint64* -> SessionEntry* */
  /* Shutdown waits here for the workers to free their rooms. */
  GMutex lock;
  GCond cond;
  gint rooms_alive;
  guint64 recorder_drops_total; /* workers add with relaxed atomics */
};
