/* notary_private.h — what notary.c (tables, API) and notary_deliver.c (the
 * delivery thread) share. Nothing else includes it. */
#pragma once

#include "notary.h"

struct _WtNotary {
  WtDb *db;
  char *url, *ledger_path;
  guint retry_initial_ms, retry_max_ms, timeout_ms;
  GThread *thread;
  GMutex lock; /* guards the three below */
  GCond cond;
  gboolean stopping, kicked;
  gint stop_flag;         /* atomic copy of stopping, read by curl's progress callback */
  guint64 attempts_total; /* atomic */
};

/* One outbox row as the delivery thread needs it. */
typedef struct {
  gint64 id;
  char *kind, *recording, *chain_head, *idempotency_key, *body, *dir;
  guint64 seq;
  guint attempts;
  gint64 next_attempt_ms;
} WtOutboxItem;

void wt_outbox_item_free(WtOutboxItem *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtOutboxItem, wt_outbox_item_free)

/* The pending item due first (transfer full), or NULL (with @error on failure). */
WtOutboxItem *wt_notary_next_pending(WtNotary *notary, GError **error);
/* @item was acknowledged with @receipt (JSON text). */
gboolean wt_notary_mark_delivered(WtNotary *notary, const WtOutboxItem *item, const char *receipt,
                                  GError **error);
/* @item failed (@why for the log and the row); permanent, or retried at @next_ms. */
gboolean wt_notary_mark_failed(WtNotary *notary, const WtOutboxItem *item, const char *why,
                               gboolean permanent, gint64 next_ms, GError **error);

gpointer wt_notary_thread_main(gpointer notary);
