/* intake.c — the witness module's requests outside the session room: the
 * principal files the form, the agent proves their ID number to accept,
 * lists, one case, its document, and cancelling. Main thread. */
#include <gio/gio.h>
#include <string.h>

#include "witness_document.h"
#include "witness_private.h"
#include "witness_store.h"

/* Hashes the ID number in @member of @body: *@hash and *@masked (transfer full). */
static gboolean
read_id_number(Witness *w, JsonObject *body, const char *member, char **hash, char **masked,
               GError **error)
{
  g_autofree char *text = NULL;
  if (!wt_witness_form_text(body, member, 64, &text, error))
    return FALSE;
  g_autofree char *normal = w->s->id_number_normalise(w->host, text);
  g_autoptr(GError) local = NULL;
  if (!normal) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "%s: an ID number is 8 to 32 letters and digits", member);
    return FALSE;
  }
  if (!wt_witness_id_check(normal, &local)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: %s", member, local->message);
    return FALSE;
  }
  *hash = w->s->id_number_hash(w->host, normal, &local);
  if (!*hash) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: %s", member, local->message);
    return FALSE;
  }
  *masked = wt_witness_id_mask(normal);
  return TRUE;
}

/* Reads the whole form into @c; FALSE with @error naming the first bad field. */
static gboolean
read_form(Witness *w, JsonObject *body, WtWitnessCase *c, GError **error)
{
  WtWitnessPartyInfo *pr = &c->party[WT_WITNESS_PRINCIPAL];
  WtWitnessPartyInfo *ag = &c->party[WT_WITNESS_AGENT];
  g_autofree char *business = NULL;
  if (!wt_witness_form_text(body, "business", 32, &business, error))
    return FALSE;
  if (!wt_witness_business_valid(business)) {
    g_autofree char *known = g_strjoinv(", ", (char **)wt_witness_business);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "business: one of %s", known);
    return FALSE;
  }
  c->business = g_steal_pointer(&business);
  if (!wt_witness_form_text(body, "principal_name", WT_WITNESS_MAX_NAME, &pr->name, error) ||
      !read_id_number(w, body, "principal_id_number", &pr->id_hash, &pr->id_masked, error) ||
      !wt_witness_form_text(body, "property_certificate", WT_WITNESS_MAX_CERTIFICATE,
                            &c->certificate, error) ||
      !wt_witness_form_text(body, "property_address", WT_WITNESS_MAX_ADDRESS, &c->address, error) ||
      !wt_witness_form_text(body, "matters", WT_WITNESS_MAX_MATTERS, &c->matters, error) ||
      !wt_witness_form_text(body, "term", WT_WITNESS_MAX_TERM, &c->term, error) ||
      !wt_witness_form_text(body, "agent_name", WT_WITNESS_MAX_NAME, &ag->name, error) ||
      !read_id_number(w, body, "agent_id_number", &ag->id_hash, &ag->id_masked, error))
    return FALSE;
  if (g_str_equal(pr->id_hash, ag->id_hash)) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "agent_id_number: the agent is someone other than the principal");
    return FALSE;
  }
  return TRUE;
}

void
witness_file(Witness *w, WtModuleRequest *req)
{
  const WtIdentity *who = w->s->request_identity(req);
  if (who->role != WT_ROLE_APPLICANT) {
    w->s->reply_error(w->host, req, "forbidden", "the principal files a case from the hall");
    return;
  }
  g_autoptr(WtWitnessCase) c = wt_witness_case_new();
  g_autoptr(GError) error = NULL;
  if (!read_form(w, w->s->request_body(req), c, &error)) {
    w->s->reply_error(w->host, req, "bad-message", error->message);
    return;
  }
  gint64 open = wt_witness_store_count_open(w->host, w->s, who->sub);
  if (open >= (gint64)w->max_open_cases) {
    g_autofree char *why =
        g_strdup_printf("you have %" G_GINT64_FORMAT " undecided cases already", open);
    w->s->reply_error(w->host, req, WT_WITNESS_E_RATE, why);
    return;
  }
  c->party[WT_WITNESS_PRINCIPAL].sub = g_strdup(who->sub);
  c->state = WT_WITNESS_CREATED;
  c->filed_ms = c->updated_ms = w->s->now_ms(w->host);
  if (!wt_witness_store_insert(w->host, w->s, c, w->utc_offset_minutes, &error)) {
    w->s->reply_error(w->host, req, "internal", error->message);
    return;
  }
  g_message("%s: filed by %s (%s)", c->number, who->sub, c->business);
  witness_publish(w, c);
  witness_reply_case(w, req, c, NULL);
}

/* Compares two hex digests in time independent of where they differ. */
static gboolean
same_digest(const char *a, const char *b)
{
  gsize n = strlen(a);
  if (n != strlen(b))
    return FALSE;
  guint8 diff = 0;
  for (gsize i = 0; i < n; i++)
    diff |= (guint8)(a[i] ^ b[i]);
  return diff == 0;
}

/* The agent proves they are the one the principal named: the case number
 * (which the principal gives them) and their own ID number, whose keyed
 * hash must match the principal's entry. Every way of not matching gets the
 * same answer, so a guess learns nothing; wrong guesses on a real case count,
 * and max_guesses of them lock its acceptance for lockout_minutes. */
void
witness_accept(Witness *w, WtModuleRequest *req)
{
  static const char nothing[] = "no case with that number waits for an agent with that ID number";
  const WtIdentity *who = w->s->request_identity(req);
  JsonObject *body = w->s->request_body(req);
  if (who->role != WT_ROLE_APPLICANT) {
    w->s->reply_error(w->host, req, "forbidden", "the agent accepts from the hall");
    return;
  }
  const char *number = wt_module_json_string(body, "case", NULL);
  if (!wt_witness_case_number_valid(number)) {
    w->s->reply_error(w->host, req, "bad-message", "case: a case number like WT-20261204-0007");
    return;
  }
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  if (!wt_witness_form_text(body, "id_number", 64, &text, &error)) {
    w->s->reply_error(w->host, req, "bad-message", error->message);
    return;
  }
  g_autofree char *hash = w->s->id_number_hash(w->host, text, &error);
  if (!hash) {
    g_autofree char *why = g_strdup_printf("id_number: %s", error->message);
    w->s->reply_error(w->host, req, "bad-message", why);
    return;
  }
  g_autoptr(WtWitnessCase) c = wt_witness_store_get(w->host, w->s, number, &error);
  if (error) {
    w->s->reply_error(w->host, req, "internal", error->message);
    return;
  }
  WtWitnessPartyInfo *ag = c ? &c->party[WT_WITNESS_AGENT] : NULL;
  if (c && ag->sub && g_str_equal(ag->sub, who->sub)) {
    witness_reply_case(w, req, c, NULL); /* accepted before: the same answer again */
    return;
  }
  if (!c || c->state != WT_WITNESS_CREATED) {
    w->s->reply_error(w->host, req, "not-found", nothing);
    return;
  }
  if (g_str_equal(c->party[WT_WITNESS_PRINCIPAL].sub, who->sub)) {
    w->s->reply_error(w->host, req, "forbidden", "the principal cannot be their own agent");
    return;
  }
  gint64 now = w->s->now_ms(w->host);
  if (now < c->locked_until_ms) {
    g_autofree char *why = g_strdup_printf(
        "too many wrong ID numbers for this case; try again in %" G_GINT64_FORMAT " minutes",
        (c->locked_until_ms - now + 59999) / 60000);
    w->s->reply_error(w->host, req, WT_WITNESS_E_RATE, why);
    return;
  }
  if (!same_digest(hash, ag->id_hash)) {
    if (++c->wrong_guesses >= w->max_guesses) {
      c->wrong_guesses = 0;
      c->locked_until_ms = now + w->lockout_ms;
      g_message("%s: acceptance locked after %u wrong ID numbers (last from %s)", c->number,
                w->max_guesses, who->sub);
    }
    witness_save(w, c);
    w->s->reply_error(w->host, req, "not-found", nothing);
    return;
  }
  c->wrong_guesses = 0;
  c->locked_until_ms = 0;
  ag->sub = g_strdup(who->sub);
  wt_witness_step_allowed(c->state, WT_WITNESS_STEP_ACCEPT, FALSE, &c->state, NULL);
  if (!witness_save(w, c)) {
    w->s->reply_error(w->host, req, "internal", "the case could not be saved");
    return;
  }
  g_message("%s: the agent (%s) accepted", c->number, who->sub);
  witness_publish(w, c);
  witness_reply_case(w, req, c, NULL);
}

void
witness_list(Witness *w, WtModuleRequest *req)
{
  const WtIdentity *who = w->s->request_identity(req);
  JsonObject *body = w->s->request_body(req);
  gboolean staff = witness_is_staff(who);
  gboolean all = wt_module_json_bool(body, "all", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = wt_witness_store_list(w->host, w->s, staff ? NULL : who->sub,
                                                     staff && !all, staff ? 200 : 50, &error);
  if (!found) {
    w->s->reply_error(w->host, req, "internal", error->message);
    return;
  }
  JsonArray *cases = json_array_new();
  for (guint i = 0; i < found->len; i++) {
    const WtWitnessCase *c = g_ptr_array_index(found, i);
    JsonObject *o = witness_case_json(w, c);
    WtWitnessParty party;
    if (wt_witness_case_party_of(c, who->sub, &party))
      json_object_set_string_member(o, "you", wt_witness_party_name(party));
    json_array_add_object_element(cases, o);
  }
  JsonObject *r = json_object_new();
  json_object_set_array_member(r, "cases", cases);
  w->s->reply(w->host, req, r);
}

void
witness_get(Witness *w, WtModuleRequest *req)
{
  g_autoptr(WtWitnessCase) c = witness_load_for(w, req);
  if (c)
    witness_reply_case(w, req, c, NULL);
}

void
witness_document_request(Witness *w, WtModuleRequest *req)
{
  g_autoptr(WtWitnessCase) c = witness_load_for(w, req);
  if (!c)
    return;
  if (!c->party[WT_WITNESS_AGENT].sub) {
    w->s->reply_error(w->host, req, WT_WITNESS_E_STATE,
                      "the document is ready once the agent has accepted");
    return;
  }
  g_autofree char *text = wt_witness_document(c, w->utc_offset_minutes);
  g_autofree char *sha = wt_witness_document_sha256(text);
  JsonObject *r = json_object_new();
  json_object_set_string_member(r, "text", text);
  json_object_set_string_member(r, "sha256", sha);
  witness_reply_case(w, req, c, r);
}

void
witness_cancel(Witness *w, WtModuleRequest *req)
{
  g_autoptr(WtWitnessCase) c = witness_load_for(w, req);
  if (!c)
    return;
  const WtIdentity *who = w->s->request_identity(req);
  gboolean staff = witness_is_staff(who);
  WtWitnessParty party = WT_WITNESS_PRINCIPAL;
  if (!staff && (!wt_witness_case_party_of(c, who->sub, &party) || party != WT_WITNESS_PRINCIPAL)) {
    w->s->reply_error(w->host, req, "forbidden", "only the principal or staff cancel a case");
    return;
  }
  /* A decision on its way into the chain is not overtaken: the chain would
   * say approved or rejected and the case cancelled. */
  if (witness_deciding(w, c->number)) {
    w->s->reply_error(w->host, req, WT_WITNESS_E_STATE,
                      "a decision on this case is under way; it cannot be cancelled now");
    return;
  }
  g_autoptr(GError) error = NULL;
  WtWitnessState next;
  if (!wt_witness_step_allowed(c->state, WT_WITNESS_STEP_CANCEL, staff, &next, &error)) {
    w->s->reply_error(w->host, req, WT_WITNESS_E_STATE, error->message);
    return;
  }
  g_autofree char *reason = NULL;
  JsonObject *body = w->s->request_body(req);
  if (json_object_has_member(body, "reason") || staff) {
    if (!wt_witness_form_text(body, "reason", 200, &reason, &error)) {
      w->s->reply_error(w->host, req, "bad-message", error->message);
      return;
    }
  }
  g_free(c->reason);
  c->reason = reason ? g_steal_pointer(&reason) : g_strdup("withdrawn by the principal");
  c->state = next;
  if (!witness_save(w, c)) {
    w->s->reply_error(w->host, req, "internal", "the case could not be saved");
    return;
  }
  g_message("%s: cancelled by %s: %s", c->number, who->sub, c->reason);
  if (c->room)
    w->s->room_close(w->host, c->room, "the entrustment case was cancelled");
  witness_publish(w, c);
  witness_reply_case(w, req, c, NULL);
}
