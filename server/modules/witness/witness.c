/* witness.c — the witness module (witnessed entrustment, README.md): its
 * table, settings, request dispatch and what every request shares (loading
 * a case its sender may see, publishing it). Main thread.
 *
 *   {"type":"request","id":7,"module":"witness","action":"file", …form…}
 *   → {"case": {"case":"WT-20261204-0007","state":"created",…}}
 */
#include <gio/gio.h>

#include "witness_document.h"
#include "witness_private.h"
#include "witness_store.h"

gboolean
witness_is_staff(const WtIdentity *who)
{
  return who->role == WT_ROLE_STAFF || who->role == WT_ROLE_ADMIN;
}

JsonObject *
witness_case_json(Witness *w, const WtWitnessCase *c)
{
  JsonObject *o = wt_witness_case_to_json(c);
  JsonArray *parties = json_object_get_array_member(o, "parties");
  for (int p = 0; p < WT_WITNESS_N_PARTIES; p++) {
    g_autofree char *pid = c->party[p].sub ? w->s->participant_id(w->host, c->party[p].sub) : NULL;
    JsonObject *q = json_array_get_object_element(parties, p);
    if (pid)
      json_object_set_string_member(q, "participant", pid);
    else
      json_object_set_null_member(q, "participant");
  }
  return o;
}

void
witness_publish(Witness *w, const WtWitnessCase *c)
{
  for (int p = 0; p < WT_WITNESS_N_PARTIES; p++) {
    if (c->party[p].sub)
      w->s->notify(w->host, c->party[p].sub, "case", witness_case_json(w, c));
  }
  w->s->notify_role(w->host, WT_ROLE_STAFF, "case", witness_case_json(w, c));
  w->s->notify_role(w->host, WT_ROLE_ADMIN, "case", witness_case_json(w, c));
}

void
witness_attention(Witness *w, const WtWitnessCase *c, const char *kind, const char *reason)
{
  g_message("%s: %s: %s", c->number, kind, reason);
  for (int r = 0; r < 2; r++) {
    JsonObject *f = json_object_new();
    json_object_set_string_member(f, "case", c->number);
    if (c->room)
      json_object_set_string_member(f, "room", c->room);
    json_object_set_string_member(f, "kind", kind);
    json_object_set_string_member(f, "reason", reason);
    w->s->notify_role(w->host, r ? WT_ROLE_ADMIN : WT_ROLE_STAFF, "attention", f);
  }
}

gboolean
witness_save(Witness *w, WtWitnessCase *c)
{
  g_autoptr(GError) error = NULL;
  c->updated_ms = w->s->now_ms(w->host);
  if (!wt_witness_store_save(w->host, w->s, c, &error)) {
    g_warning("%s: not saved: %s", c->number, error->message);
    return FALSE;
  }
  return TRUE;
}

void
witness_reply_case(Witness *w, WtModuleRequest *req, const WtWitnessCase *c, JsonObject *extra)
{
  JsonObject *r = extra ? extra : json_object_new();
  json_object_set_object_member(r, "case", witness_case_json(w, c));
  const WtIdentity *who = w->s->request_identity(req);
  WtWitnessParty party;
  if (wt_witness_case_party_of(c, who->sub, &party))
    json_object_set_string_member(r, "you", wt_witness_party_name(party));
  w->s->reply(w->host, req, r);
}

WtWitnessCase *
witness_load_for(Witness *w, WtModuleRequest *req)
{
  JsonObject *body = w->s->request_body(req);
  const char *number = wt_module_json_string(body, "case", NULL);
  if (!wt_witness_case_number_valid(number)) {
    w->s->reply_error(w->host, req, "bad-message", "case: a case number like WT-20261204-0007");
    return NULL;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(WtWitnessCase) c = wt_witness_store_get(w->host, w->s, number, &error);
  if (error) {
    w->s->reply_error(w->host, req, "internal", error->message);
    return NULL;
  }
  const WtIdentity *who = w->s->request_identity(req);
  WtWitnessParty party;
  /* An applicant who is not a party learns nothing, not even that it exists. */
  if (!c || (!witness_is_staff(who) && !wt_witness_case_party_of(c, who->sub, &party))) {
    w->s->reply_error(w->host, req, "not-found", "no such case of yours");
    return NULL;
  }
  return g_steal_pointer(&c);
}

/* ---- Settings and life ---------------------------------------------------------------------- */

static gboolean
read_setting(Witness *w, const char *key, int lo, int hi, int def, int *out, GError **error)
{
  const char *text = w->s->config(w->host, key);
  *out = def;
  if (!text)
    return TRUE;
  gint64 v = 0;
  if (!g_ascii_string_to_signed(text, 10, lo, hi, &v, NULL)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "[module.witness] %s = \"%s\": a whole number from %d to %d", key, text, lo, hi);
    return FALSE;
  }
  *out = (int)v;
  return TRUE;
}

static void witness_destroy(gpointer instance);

static gpointer
witness_create(WtModuleHost *host, const WtModuleServices *s, GError **error)
{
  if (s->struct_size <
      G_STRUCT_OFFSET(WtModuleServices, id_number_normalise) + sizeof(s->id_number_normalise)) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                        "the host's services table is too old for the witness module");
    return NULL;
  }
  Witness *w = g_new0(Witness, 1);
  w->host = host;
  w->s = s;
  w->recording_on = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  w->starting = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  w->case_adding = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  w->busy = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  int max_guesses = 0, lockout_min = 0, max_open = 0;
  if (!read_setting(w, "max_guesses", 1, 100, 5, &max_guesses, error) ||
      !read_setting(w, "lockout_minutes", 1, 24 * 60, 15, &lockout_min, error) ||
      !read_setting(w, "max_open_cases", 1, 1000, 5, &max_open, error) ||
      !read_setting(w, "utc_offset_minutes", -720, 840, 480, &w->utc_offset_minutes, error) ||
      !wt_witness_store_migrate(host, s, error)) {
    witness_destroy(w);
    return NULL;
  }
  w->max_guesses = (guint)max_guesses;
  w->max_open_cases = (guint)max_open;
  w->lockout_ms = (gint64)lockout_min * 60 * 1000;
  return w;
}

static void
witness_destroy(gpointer instance)
{
  Witness *w = instance;
  g_hash_table_unref(w->recording_on);
  g_hash_table_unref(w->starting);
  g_hash_table_unref(w->case_adding);
  g_hash_table_unref(w->busy);
  g_free(w);
}

typedef struct {
  const char *action;
  void (*fn)(Witness *w, WtModuleRequest *req);
} Action;

static const Action actions[] = {
    {"file", witness_file},
    {"accept", witness_accept},
    {"list", witness_list},
    {"get", witness_get},
    {"document", witness_document_request},
    {"cancel", witness_cancel},
    {"open", witness_open},
    {"enter", witness_enter},
    {"status", witness_status},
    {"recheck", witness_recheck},
    {"consent", witness_consent},
    {"sign", witness_sign},
    {"decide", witness_decide},
};

static void
witness_request(gpointer instance, WtModuleRequest *req, const char *action)
{
  Witness *w = instance;
  const WtIdentity *who = w->s->request_identity(req);
  if (who->role == WT_ROLE_CLERK) {
    w->s->reply_error(w->host, req, "forbidden", "clerks have no part in entrustment cases");
    return;
  }
  for (guint i = 0; i < G_N_ELEMENTS(actions); i++) {
    if (g_str_equal(action, actions[i].action)) {
      actions[i].fn(w, req);
      return;
    }
  }
  w->s->reply_error(w->host, req, "bad-message", "no such action in the witness module");
}

static const WtModule witness_module = {
    .abi_version = WT_MODULE_ABI_VERSION,
    .struct_size = sizeof(WtModule),
    .name = "witness",
    .description = "witnessed entrustment: form, agent's acceptance, recorded session, consent, "
                   "signatures, decision",
    .create = witness_create,
    .destroy = witness_destroy,
    .request = witness_request,
    .event = witness_event,
};

const WtModule *wt_module_entry(void);

const WtModule *
wt_module_entry(void)
{
  return &witness_module;
}
