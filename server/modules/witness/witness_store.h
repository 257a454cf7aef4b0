/* witness_store.h — witnessed-entrustment cases in the shared SQLite
 * database (tables witness_cases and witness_days, migrated under the
 * module's name). The database is the truth: every request loads the case,
 * changes it and saves it, so cases survive a restart. Main thread. */
#pragma once

#include "module.h"
#include "witness_case.h"

G_BEGIN_DECLS

/* Creates or upgrades the tables. */
gboolean wt_witness_store_migrate(WtModuleHost *host, const WtModuleServices *s, GError **error);
/* Stores the new case @c (transfer none), giving it the next number of the
 * day of @c->filed_ms in the centre's time (UTC + @utc_offset_minutes): sets
 * @c->number. */
gboolean wt_witness_store_insert(WtModuleHost *host, const WtModuleServices *s, WtWitnessCase *c,
                                 int utc_offset_minutes, GError **error);
/* Writes every changing member of @c (transfer none) back. */
gboolean wt_witness_store_save(WtModuleHost *host, const WtModuleServices *s,
                               const WtWitnessCase *c, GError **error);
/* The case numbered @number (transfer full), NULL when there is none (no
 * @error) or on failure (with @error). */
WtWitnessCase *wt_witness_store_get(WtModuleHost *host, const WtModuleServices *s,
                                    const char *number, GError **error);
/* The case whose session is in @room and not decided (transfer full), or NULL. */
WtWitnessCase *wt_witness_store_by_room(WtModuleHost *host, const WtModuleServices *s,
                                        const char *room, GError **error);
/* Cases, newest first, at most @limit (transfer full, of WtWitnessCase):
 * those where @sub (transfer none) is a party, or every one when @sub is
 * NULL; with @active_only, only undecided ones. NULL with @error on failure. */
GPtrArray *wt_witness_store_list(WtModuleHost *host, const WtModuleServices *s, const char *sub,
                                 gboolean active_only, guint limit, GError **error);
/* How many undecided cases @sub (transfer none) filed as principal; -1 on failure. */
gint64 wt_witness_store_count_open(WtModuleHost *host, const WtModuleServices *s, const char *sub);

G_END_DECLS
