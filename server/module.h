/* module.h — the plug-in interface for workflow modules.
 *
 * A workflow module (consultation queue, appointments, witnessed entrustment,
 * archive retrieval, or one a registration centre writes) is a shared object
 * in the modules folder ([modules] dir). It exports one function:
 *
 *   const WtModule *wt_module_entry(void);
 *
 * which returns a static table describing the module. The host checks the
 * table's `abi_version` and `struct_size` before it touches anything else and
 * refuses, with a log line that names the file, a module it cannot serve
 * (built for another ABI, or a table smaller than version 1's). Members are
 * only ever appended to both tables, so a module built against an older
 * header keeps working: the host reads no further than `struct_size`.
 *
 * Two tables, one per direction:
 *   WtModule          — what the module does (the host calls it)
 *   WtModuleServices  — what the host offers (the module calls it)
 *
 * Instances, not globals: the host calls create() once per loaded module and
 * passes the returned instance to every other call. A module keeps all its
 * state there (a module may be loaded twice under two names in tests).
 *
 * What a module sees: requests from clients addressed to it
 *   {"type":"request","id":7,"module":"consult","action":"join","topic":"..."}
 * (`type`, `id`, `module` and `action` are the protocol's; a module's own
 * fields take other names, e.g. `id_number`, never `id`)
 * and events (event()): sessions opening and closing, participants joining
 * and leaving rooms, recordings starting, failing and being sealed, liveness
 * decisions. What a module does: answer requests, notify people (an event
 * to every connection of a `sub`, or of a role), create rooms and invite
 * people into them, start and stop recordings, ask for liveness checks, add
 * records to a recording's hash chain, and keep its own tables in the shared
 * database. It never touches media: packets, peers and files under the
 * archive stay the engine's.
 *
 * Threads: every call in both directions happens on the main (signaling)
 * thread. A module may add GLib sources to the default main context (timers,
 * idles) and must remove them in destroy(). Room operations are answered
 * later, through a WtModuleDone callback, also on the main thread.
 *
 * Errors: a request is answered exactly once, with reply() or reply_error();
 * error codes are the protocol's (signaling/PROTOCOL.md: `forbidden`,
 * `bad-message`, `not-found`, `unavailable`, `internal`...) plus any a module
 * documents. Functions that can fail fill a GError.
 *
 * Ownership is written on every parameter: "transfer full" means the callee
 * takes it, "transfer none" that the caller keeps it.
 *
 * Example (a module that greets):
 *
 *   static gpointer create(WtModuleHost *host, const WtModuleServices *s, GError **e)
 *   { Hello *h = g_new0(Hello, 1); h->host = host; h->s = s; return h; }
 *   static void request(gpointer self, WtModuleRequest *req, const char *action)
 *   { Hello *h = self;
 *     JsonObject *r = json_object_new();
 *     json_object_set_string_member(r, "hello", h->s->request_identity(req)->sub);
 *     h->s->reply(h->host, req, r); }
 *   static const WtModule table = {WT_MODULE_ABI_VERSION, sizeof(WtModule), "hello",
 *                                  "says hello", create, g_free, request, NULL};
 *   const WtModule *wt_module_entry(void) { return &table; }
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "token.h"

G_BEGIN_DECLS

/* Bumped only when a change cannot be made by appending members. */
#define WT_MODULE_ABI_VERSION 1
/* The symbol every module exports. */
#define WT_MODULE_ENTRY_SYMBOL "wt_module_entry"

/* The host's handle for one module instance (opaque; valid from create()
 * until destroy() returns). */
typedef struct _WtModuleHost WtModuleHost;
/* A client request addressed to the module (opaque). */
typedef struct _WtModuleRequest WtModuleRequest;
/* The host's services (below). */
typedef struct _WtModuleServices WtModuleServices;

/* The answer to a room operation, on the main thread. @result (transfer none)
 * on success, else @error (transfer none) says why; exactly one is non-NULL. */
typedef void (*WtModuleDone)(JsonObject *result, const GError *error, gpointer user_data);

/* A transaction body: runs with the database locked, on the SQLite handle
 * (transfer none; only during the call). FALSE with @error rolls back. */
typedef gboolean (*WtModuleDbFunc)(sqlite3 *sql, gpointer user_data, GError **error);

/* ---- What a module provides --------------------------------------------------------- */

typedef struct {
  guint32 abi_version; /* WT_MODULE_ABI_VERSION */
  guint32 struct_size; /* sizeof(WtModule) as the module was built */
  /* Short name, [a-z0-9-]{1,32}: requests name it in "module"; its tables are
   * migrated under it; its configuration is the group [module.<name>]. */
  const char *name;
  const char *description; /* one line, for the log */

  /* Makes an instance. @host and @services (transfer none) stay valid until
   * destroy(). NULL with @error refuses to load (the host logs why and goes
   * on without the module). Migrate tables here. */
  gpointer (*create)(WtModuleHost *host, const WtModuleServices *services, GError **error);
  /* Frees the instance: remove timers, answer nothing more. */
  void (*destroy)(gpointer instance);
  /* A request for this module. @req (transfer full) must be answered exactly
   * once through services->reply() or ->reply_error(), now or later. @action
   * (transfer none) is the request's "action" string, never NULL (the host
   * answers `bad-message` itself when it is missing). */
  void (*request)(gpointer instance, WtModuleRequest *req, const char *action);
  /* Something happened (may be NULL: the module wants no events). @event and
   * @fields (transfer none):
   *   session-opened      {sub, role, session, participant}
   *   session-closed      {sub, role, session, participant}
   *   participant-joined  {room, participant, sub, role}
   *   participant-left    {room, participant, sub, reason}
   *   room-closed         {room}                 (the last participant left)
   *   recording           {room, state: on|off|failed, recording, reason}
   *   liveness            {room, participant, sub, state, reasons, trigger}
   *   alert               {room, kind, recording, reason}
   * Every module gets every event; each keeps to the rooms it made. */
  void (*event)(gpointer instance, const char *event, JsonObject *fields);
} WtModule;

/* ---- What the host provides --------------------------------------------------------- */

struct _WtModuleServices {
  guint32 abi_version; /* the host's WT_MODULE_ABI_VERSION */
  guint32 struct_size; /* sizeof(WtModuleServices) in the host; check before
                        * calling a member appended after version 1 */

  /* -- Configuration and time -- */
  /* The value of @key in [module.<name>] (transfer none), or NULL when unset. */
  const char *(*config)(WtModuleHost *host, const char *key);
  /* The workflow clock, unix milliseconds: real time, plus an offset that an
   * admin may set when [modules] adjustable_clock is true (tests use it to
   * stand 15 minutes before an appointment). Token expiry keeps real time. */
  gint64 (*now_ms)(WtModuleHost *host);

  /* -- Database: the module's own tables in the shared SQLite file -- */
  /* Brings the module's tables to version @n_steps (see storage/db.h: steps
   * are only ever appended). @steps (transfer none). */
  gboolean (*db_migrate)(WtModuleHost *host, const char *const *steps, guint n_steps,
                         GError **error);
  /* Runs @func in one transaction (BEGIN IMMEDIATE … COMMIT). Not reentrant. */
  gboolean (*db_transaction)(WtModuleHost *host, WtModuleDbFunc func, gpointer user_data,
                             GError **error);

  /* -- Requests -- */
  /* Who sent @req (transfer none; valid until it is answered). */
  const WtIdentity *(*request_identity)(WtModuleRequest *req);
  /* The connection it came on (the same numbers as in session events). */
  guint64 (*request_session)(WtModuleRequest *req);
  /* The whole request object (transfer none; valid until it is answered). */
  JsonObject *(*request_body)(WtModuleRequest *req);
  /* Answers @req (transfer full) with @result (transfer full; NULL: {}). */
  void (*reply)(WtModuleHost *host, WtModuleRequest *req, JsonObject *result);
  /* Answers @req (transfer full) with an error code and a reason for people. */
  void (*reply_error)(WtModuleHost *host, WtModuleRequest *req, const char *code,
                      const char *reason);

  /* -- People -- */
  /* The participant id of @sub, as hello and rooms report it (transfer full). */
  char *(*participant_id)(WtModuleHost *host, const char *sub);
  /* Sends {"type":"event","event":@event,"module":<name>, …@fields} to every
   * connection of @sub. @fields (transfer full, may be NULL). Returns how many
   * connections it went to (0: not connected now). */
  guint (*notify)(WtModuleHost *host, const char *sub, const char *event, JsonObject *fields);
  /* The same, to every connection whose token has @role and that has sent
   * this module a request (a console showing the module), so that clients
   * that never use the module get none of its broadcasts. */
  guint (*notify_role)(WtModuleHost *host, WtRole role, const char *event, JsonObject *fields);
  /* TRUE while @sub has at least one connection that said hello. */
  gboolean (*is_connected)(WtModuleHost *host, const char *sub);

  /* -- Rooms -- */
  /* A new room id "<prefix>-<random>" that no room has (transfer full).
   * @prefix: [a-z0-9]{1,16}. The room itself exists once someone joins. */
  char *(*room_new_id)(WtModuleHost *host, const char *prefix);
  /* Lets @sub join @room whatever their token's `room` claim says (staff and
   * admins may join any room anyway). Kept until room_close(). */
  void (*room_invite)(WtModuleHost *host, const char *room, const char *sub);
  /* Ends @room: every participant gets `left` with @reason and loses their
   * media, invitations are forgotten; a recording is sealed ("ended"). */
  void (*room_close)(WtModuleHost *host, const char *room, const char *reason);
  /* What is happening in @room: {"room", "recording": {"state": on|stopping|off,
   * "id"}, "participants": [{"participant", "sub", "role", "tracks": [...],
   * "recorded": {"audio": bool, "video": bool}, "liveness": {...}}]}.
   * "recorded" is true when the running recording receives that party's
   * audio (video). Error G_IO_ERROR_NOT_FOUND when nobody is in the room. */
  void (*room_status)(WtModuleHost *host, const char *room, WtModuleDone done, gpointer user_data);
  /* Starts (@start TRUE) or stops recording @room. Result {"state", "recording"};
   * errors G_IO_ERROR_NOT_FOUND (empty room), G_IO_ERROR_NO_SPACE (disk full),
   * others with a message. */
  void (*room_record)(WtModuleHost *host, const char *room, gboolean start, WtModuleDone done,
                      gpointer user_data);
  /* Starts a liveness check of @sub in @room (result {"participant", "state"});
   * the outcome comes as a `liveness` event. */
  void (*room_check_liveness)(WtModuleHost *host, const char *room, const char *sub,
                              WtModuleDone done, gpointer user_data);
  /* Appends a record of @type ("consent", "signature", "decision", …) with
   * @payload (transfer none) to the hash chain of the recording running in
   * @room; the module's name is added as "module". Result {"recording", "seq"
   * when known}. Error G_IO_ERROR_NOT_CONNECTED when nothing is recorded. */
  void (*room_add_evidence)(WtModuleHost *host, const char *room, const char *type,
                            JsonObject *payload, WtModuleDone done, gpointer user_data);

  /* -- Evidence and archive -- */
  /* Normalises an ID number (trims, full-width digits and letters made
   * half-width, a final x made X) and returns its keyed hash in hex (transfer
   * full); the key is the server's and never leaves it. NULL with @error when
   * what is left is not an ID number (G_IO_ERROR_INVALID_DATA). */
  char *(*id_number_hash)(WtModuleHost *host, const char *id_number, GError **error);
  /* The folder recordings are archived in (transfer none). */
  const char *(*archive_dir)(WtModuleHost *host);
  /* The notary's view of recording @id: {"id", "state", "reason", "seal",
   * "receipt"} (transfer full), NULL when unknown or with @error. */
  JsonObject *(*recording_lookup)(WtModuleHost *host, const char *id, GError **error);
  /* A URL path that serves the file @path (under the data folder; transfer
   * none) with HTTP range requests to whoever has it, for @ttl_s seconds:
   * "/media/<expiry>/<signature>/<path>" (transfer full). NULL when @path is
   * outside the data folder. */
  char *(*signed_url)(WtModuleHost *host, const char *path, guint ttl_s);

  /* Checks recording @id as `witnessctl verify` does (segments, chain, seal,
   * key, timestamp): {"ok": bool, "problem": first thing that does not match,
   * "segments": n, "sealed_at"} (transfer full); NULL with @error when the
   * recording is unknown or unreadable. Reads every byte on the main thread,
   * stalling every connection meanwhile: prefer recording_verify_async. */
  JsonObject *(*recording_verify)(WtModuleHost *host, const char *id, GError **error);

  /* -- Administration -- */
  /* Rooms open now: [{"room", "participants": n, "worker"}] (transfer full). */
  JsonArray *(*rooms_list)(WtModuleHost *host);
  /* Notary outbox items not yet acknowledged: [{"recording", "kind", "state",
   * "attempts", "last_error", "age_s"}] (transfer full), NULL with @error. */
  JsonArray *(*outbox_pending)(WtModuleHost *host, GError **error);

  /* -- Appended after version 1's first draft: check struct_size -- */
  /* Writes recording @id as one POSIX ustar file (segments, chain, seal,
   * timestamp, receipt, liveness frames) under <data>/exports/ on a thread
   * that may block, then calls @done on the main thread with {"path" (for
   * signed_url), "bytes", "sha256"}; errors G_IO_ERROR_NOT_FOUND (no such
   * recording) or why the file could not be written. The module removes old
   * exports. */
  void (*export_recording)(WtModuleHost *host, const char *id, WtModuleDone done,
                           gpointer user_data);
  /* The ID number as id_number_hash() sees it: white space (the ideographic
   * space too) dropped wherever it is, full-width digits and letters made
   * half-width, a final x made X (transfer full); NULL when what is left is
   * not 4 to 32 letters and digits. For checks and masking only:
   * never store or log what it returns. */
  char *(*id_number_normalise)(WtModuleHost *host, const char *id_number);
  /* The same result as recording_verify (@done gets it as @result, or the
   * error: G_IO_ERROR_NOT_FOUND for no such recording, G_IO_ERROR_INVALID_ARGUMENT
   * for a bad id), computed on a GTask thread so that reading every byte of a
   * long recording blocks no connection; @done is called on the main thread,
   * never from inside this call. The host waits for verifications still
   * running before it destroys the modules, so @user_data may point into the
   * instance. */
  void (*recording_verify_async)(WtModuleHost *host, const char *id, WtModuleDone done,
                                 gpointer user_data);
};

/* The one symbol a module exports. */
typedef const WtModule *(*WtModuleEntryFunc)(void);

G_END_DECLS
