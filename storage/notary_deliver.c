/* notary_deliver.c — the notary's delivery thread (see notary.h): takes the
 * pending outbox item that is due first, hands it to the backend over HTTP
 * (libcurl) or appends it to the local ledger, and records the outcome.
 *
 * Thread: the notary's own. It holds the database lock only for the short
 * transactions in notary.c, never across a request.
 */
#include <curl/curl.h>
#include <string.h>

#include "atomic_file.h"
#include "chain.h"
#include "notary_private.h"

#define MAX_RECEIPT_BYTES (1024 * 1024)
#define IDLE_WAIT_MS (60 * 1000)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CURL, curl_easy_cleanup)

typedef struct {
  WtNotary *notary;
  WtChain *ledger;                          /* ledger mode, opened on first use */
  char *ledger_last_key, *ledger_last_line; /* the ledger's last entry, see ledger_append() */
} Deliverer;

static gint64
now_ms(void)
{
  return g_get_real_time() / 1000;
}

/* ---- Outcomes ----------------------------------------------------------------------- */

/* The item's receipt is @receipt (a JSON object's text): receipt.json for a
 * seal, then the database. FALSE (to retry later) when either fails. */
static gboolean
store_receipt(Deliverer *d, const WtOutboxItem *item, const char *receipt, GError **error)
{
  if (g_str_equal(item->kind, "seal")) {
    if (!item->dir) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no folder known for the recording");
      return FALSE;
    }
    g_autofree char *path = g_build_filename(item->dir, WT_RECEIPT_FILE, NULL);
    g_autofree char *text = g_strconcat(receipt, "\n", NULL);
    if (!wt_storage_write_file_atomic(path, text, strlen(text), 0640, error))
      return FALSE;
  }
  return wt_notary_mark_delivered(d->notary, item, receipt, error);
}

/* When to try @item again: the backoff doubles from retry_initial_ms up to
 * retry_max_ms; half of it fixed, half random so that many witnessd do not
 * retry in step after an outage. */
static gint64
next_attempt(const WtNotary *n, guint attempts)
{
  guint64 delay = n->retry_initial_ms;
  for (guint i = 0; i < attempts && delay < n->retry_max_ms; i++)
    delay *= 2;
  delay = MIN(delay, n->retry_max_ms);
  guint64 half = delay / 2;
  return now_ms() + (gint64)(delay - half) +
         (half ? (gint64)g_random_int_range(0, (gint32)MIN(half, G_MAXINT32 - 1) + 1) : 0);
}

static void
record_failure(Deliverer *d, const WtOutboxItem *item, const char *why, gboolean permanent)
{
  WtNotary *n = d->notary;
  gint64 next = permanent ? 0 : next_attempt(n, item->attempts);
  if (permanent)
    g_warning("notary: %s of recording %s (seq %" G_GUINT64_FORMAT
              ") refused for good: %s; kept as failed, not retried",
              item->kind, item->recording, item->seq, why);
  else
    g_message("notary: %s of recording %s not delivered (attempt %u): %s; retry in %.2f s",
              item->kind, item->recording, item->attempts + 1, why,
              (double)(next - now_ms()) / 1000);
  g_autoptr(GError) error = NULL;
  if (!wt_notary_mark_failed(n, item, why, permanent, next, &error))
    g_warning("notary: cannot record the outcome for recording %s: %s", item->recording,
              error->message);
}

/* TRUE when @text is a JSON object. */
static gboolean
is_json_object(const char *text)
{
  g_autoptr(JsonNode) node = json_from_string(text, NULL);
  return node && JSON_NODE_HOLDS_OBJECT(node);
}

/* ---- HTTP --------------------------------------------------------------------------- */

static size_t
on_body(char *data, size_t size, size_t n, void *user_data)
{
  GString *body = user_data;
  if (body->len + size * n > MAX_RECEIPT_BYTES)
    return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
  g_string_append_len(body, data, (gssize)(size * n));
  return size * n;
}

static int
on_progress(void *user_data, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
            curl_off_t ulnow)
{
  WtNotary *n = user_data;
  return g_atomic_int_get(&n->stop_flag); /* non-zero aborts: the server is stopping */
}

static void
post_item(Deliverer *d, const WtOutboxItem *item)
{
  WtNotary *n = d->notary;
  g_autoptr(CURL) curl = curl_easy_init();
  if (!curl) {
    record_failure(d, item, "cannot create an HTTP handle", FALSE);
    return;
  }
  g_autofree char *key_header = g_strconcat("Idempotency-Key: ", item->idempotency_key, NULL);
  struct curl_slist *headers = NULL;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Accept: application/json");
  headers = curl_slist_append(headers, key_header);
  g_autoptr(GString) body = g_string_new(NULL);
  char curl_error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl, CURLOPT_URL, n->url);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, item->body);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(item->body));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)n->timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)MIN(n->timeout_ms, 10000u));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, n);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
  __atomic_add_fetch(&n->attempts_total, 1, __ATOMIC_RELAXED);
  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (rc == CURLE_ABORTED_BY_CALLBACK)
    return; /* stopping: the item stays pending as it was */
  if (rc != CURLE_OK) {
    /* curl's message names host and port, never the URL's credentials. */
    g_autofree char *why = g_strdup_printf("backend unreachable: %s",
                                           *curl_error ? curl_error : curl_easy_strerror(rc));
    record_failure(d, item, why, FALSE);
    return;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300) {
    if (!is_json_object(body->str)) {
      record_failure(d, item, "the backend's 2xx answer is not a JSON object", FALSE);
      return;
    }
    g_autoptr(GError) error = NULL;
    if (!store_receipt(d, item, body->str, &error)) {
      g_autofree char *why = g_strdup_printf("cannot store the receipt: %s", error->message);
      record_failure(d, item, why, FALSE);
      return;
    }
    g_message("notary: %s of recording %s delivered (attempt %u)", item->kind, item->recording,
              item->attempts + 1);
    return;
  }
  gboolean temporary = status == 408 || status == 429 || status >= 500 || status < 200;
  g_autofree char *why = g_strdup_printf("backend answered HTTP %ld", status);
  record_failure(d, item, why, !temporary);
}

/* ---- Local ledger --------------------------------------------------------------------- */

/* Opens the ledger and remembers its last entry: if the process stopped
 * after appending an item but before marking it delivered, that entry is
 * the item's receipt and must not be appended twice. */
static gboolean
ledger_open(Deliverer *d, GError **error)
{
  if (d->ledger)
    return TRUE;
  gboolean torn = FALSE;
  d->ledger = wt_chain_open(d->notary->ledger_path, &torn, error);
  if (!d->ledger)
    return FALSE;
  if (torn)
    g_warning("notary: the ledger %s ended in a torn line; it was cut off", d->notary->ledger_path);
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(d->notary->ledger_path, &text, &len, error))
    return FALSE;
  while (len > 0 && text[len - 1] == '\n')
    text[--len] = '\0';
  const char *last = strrchr(text, '\n');
  last = last ? last + 1 : text;
  if (*last) {
    g_autoptr(JsonNode) node = json_from_string(last, NULL);
    if (node && JSON_NODE_HOLDS_OBJECT(node)) {
      d->ledger_last_key = g_strdup(json_object_get_string_member_with_default(
          json_node_get_object(node), "idempotency_key", NULL));
      d->ledger_last_line = g_strdup(last);
    }
  }
  return TRUE;
}

static gboolean
ledger_append(Deliverer *d, const WtOutboxItem *item, char **receipt, GError **error)
{
  if (!ledger_open(d, error))
    return FALSE;
  if (d->ledger_last_key && g_str_equal(d->ledger_last_key, item->idempotency_key)) {
    *receipt = g_strdup(d->ledger_last_line);
    return TRUE;
  }
  g_autoptr(JsonNode) body = json_from_string(item->body, error);
  if (!body)
    return FALSE;
  JsonObject *in = json_node_get_object(body);
  g_autoptr(JsonObject) payload = json_object_new();
  json_object_set_string_member(payload, "recording", item->recording);
  json_object_set_int_member(payload, "recording_seq", (gint64)item->seq);
  json_object_set_string_member(payload, "chain_head", item->chain_head);
  json_object_set_string_member(payload, "idempotency_key", item->idempotency_key);
  if (json_object_has_member(in, "seal"))
    json_object_set_member(payload, "seal", json_node_copy(json_object_get_member(in, "seal")));
  gint64 time = now_ms();
  char hash[WT_CHAIN_HASH_HEX + 1];
  /* The line wt_chain_append() writes is this one: same seq, time and prev. */
  g_autofree char *line = wt_chain_line_new(wt_chain_get_length(d->ledger), item->kind, payload,
                                            time, wt_chain_get_head(d->ledger), hash);
  if (!wt_chain_append(d->ledger, item->kind, payload, time, error))
    return FALSE;
  g_free(d->ledger_last_key);
  g_free(d->ledger_last_line);
  d->ledger_last_key = g_strdup(item->idempotency_key);
  d->ledger_last_line = g_strdup(line);
  *receipt = g_steal_pointer(&line);
  return TRUE;
}

static void
ledger_item(Deliverer *d, const WtOutboxItem *item)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *receipt = NULL;
  __atomic_add_fetch(&d->notary->attempts_total, 1, __ATOMIC_RELAXED);
  if (!ledger_append(d, item, &receipt, &error) || !store_receipt(d, item, receipt, &error)) {
    g_autofree char *why = g_strdup_printf("local ledger: %s", error->message);
    record_failure(d, item, why, FALSE);
    return;
  }
  g_message("notary: %s of recording %s entered in the local ledger", item->kind, item->recording);
}

/* ---- The loop ------------------------------------------------------------------------- */

/* Waits until @until_ms (wall clock), a kick (a new item) or the stop. */
static void
wait_until(WtNotary *n, gint64 until_ms)
{
  gint64 end = g_get_monotonic_time() + MAX(until_ms - now_ms(), 0) * 1000;
  g_mutex_lock(&n->lock);
  while (!n->stopping && !n->kicked && g_cond_wait_until(&n->cond, &n->lock, end))
    ;
  n->kicked = FALSE;
  g_mutex_unlock(&n->lock);
}

static gboolean
stopping(WtNotary *n)
{
  return g_atomic_int_get(&n->stop_flag) != 0;
}

gpointer
wt_notary_thread_main(gpointer data)
{
  static gsize curl_ready = 0;
  if (g_once_init_enter(&curl_ready)) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    g_once_init_leave(&curl_ready, 1);
  }
  Deliverer d = {.notary = data};
  WtNotary *n = d.notary;
  while (!stopping(n)) {
    g_autoptr(GError) error = NULL;
    g_autoptr(WtOutboxItem) item = wt_notary_next_pending(n, &error);
    if (error) {
      g_warning("notary: cannot read the outbox: %s", error->message);
      wait_until(n, now_ms() + n->retry_max_ms);
      continue;
    }
    if (!item) {
      wait_until(n, now_ms() + IDLE_WAIT_MS);
      continue;
    }
    if (item->next_attempt_ms > now_ms()) {
      wait_until(n, MIN(item->next_attempt_ms, now_ms() + IDLE_WAIT_MS));
      continue;
    }
    if (n->url)
      post_item(&d, item);
    else
      ledger_item(&d, item);
  }
  wt_chain_free(d.ledger);
  g_free(d.ledger_last_key);
  g_free(d.ledger_last_line);
  return NULL;
}
