/* witness_document.c — form fields, ID numbers, case numbers and the
 * canonical document (see witness_document.h). Pure. Main thread. */
#include <gio/gio.h>
#include <string.h>

#include "module_json.h"
#include "witness_document.h"

gboolean
wt_witness_form_text(JsonObject *body, const char *member, guint max_chars, char **out,
                     GError **error)
{
  JsonNode *node = body ? json_object_get_member(body, member) : NULL;
  if (!node || JSON_NODE_HOLDS_NULL(node)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: missing", member);
    return FALSE;
  }
  if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: not a string", member);
    return FALSE;
  }
  const char *raw = json_node_get_string(node);
  if (!g_utf8_validate(raw, -1, NULL)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: not UTF-8", member);
    return FALSE;
  }
  g_autofree char *text = g_strstrip(g_strdup(raw));
  if (!*text) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: empty", member);
    return FALSE;
  }
  if (!wt_module_text_one_line(text)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "%s: one line without control or format characters", member);
    return FALSE;
  }
  if (g_utf8_strlen(text, -1) > (glong)max_chars) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: longer than %u characters",
                member, max_chars);
    return FALSE;
  }
  *out = g_steal_pointer(&text);
  return TRUE;
}

gboolean
wt_witness_id_check(const char *normal, GError **error)
{
  gsize len = strlen(normal);
  if (len < 8) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "an ID number has at least 8 characters");
    return FALSE;
  }
  gboolean resident = len == 18;
  for (gsize i = 0; resident && i < 17; i++)
    resident = g_ascii_isdigit(normal[i]);
  if (!resident)
    return TRUE;
  static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static const char checks[] = "10X98765432";
  int sum = 0;
  for (int i = 0; i < 17; i++)
    sum += (normal[i] - '0') * weights[i];
  if (normal[17] != checks[sum % 11]) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "the resident ID number's check digit does not match (a typo?)");
    return FALSE;
  }
  return TRUE;
}

char *
wt_witness_id_mask(const char *normal)
{
  gsize len = strlen(normal);
  if (len <= 7)
    return g_strnfill(len, '*');
  char *m = g_strdup(normal);
  memset(m + 3, '*', len - 7);
  return m;
}

/* @ms in the centre's time: a UTC date-time moved by the offset, so that its
 * fields read as the centre's clock (NULL outside GDateTime's years). */
static GDateTime *
centre_time(gint64 ms, int utc_offset_minutes)
{
  return g_date_time_new_from_unix_utc(ms / 1000 + (gint64)utc_offset_minutes * 60);
}

char *
wt_witness_case_day(gint64 now_ms, int utc_offset_minutes)
{
  g_autoptr(GDateTime) t = centre_time(now_ms, utc_offset_minutes);
  return t ? g_date_time_format(t, "%Y%m%d") : g_strdup("19700101");
}

char *
wt_witness_case_number(const char *day, guint serial)
{
  return g_strdup_printf("WT-%s-%04u", day, serial);
}

gboolean
wt_witness_case_number_valid(const char *text)
{
  if (!text)
    return FALSE;
  gsize len = strlen(text);
  if (len < 16 || len > 24 || !g_str_has_prefix(text, "WT-") || text[11] != '-')
    return FALSE;
  for (gsize i = 3; i < len; i++) {
    if (i != 11 && !g_ascii_isdigit(text[i]))
      return FALSE;
  }
  return TRUE;
}

static void
line(GString *s, const char *label, const char *value)
{
  g_string_append_printf(s, "%s: %s\n", label, value ? value : "");
}

char *
wt_witness_document(const WtWitnessCase *c, int utc_offset_minutes)
{
  GString *s = g_string_new("不动产登记委托书 / Entrustment for real-estate registration\n");
  line(s, "案号 Case", c->number);
  g_autoptr(GDateTime) filed = g_date_time_new_from_unix_utc(c->filed_ms / 1000);
  g_autofree char *when = filed ? g_date_time_format(filed, "%Y-%m-%dT%H:%M:%SZ") : NULL;
  line(s, "立案时间 Filed (UTC)", when);
  g_autoptr(GDateTime) local = centre_time(c->filed_ms, utc_offset_minutes);
  g_autofree char *clock = local ? g_date_time_format(local, "%Y-%m-%d %H:%M:%S") : NULL;
  g_autofree char *zone =
      g_strdup_printf("立案时间（本地）Filed (UTC%c%02d:%02d)", utc_offset_minutes < 0 ? '-' : '+',
                      ABS(utc_offset_minutes) / 60, ABS(utc_offset_minutes) % 60);
  line(s, zone, clock);
  static const char *const labels[WT_WITNESS_N_PARTIES][3] = {
      {"委托人 Principal", "委托人身份证号 Principal's ID number",
       "委托人身份证号摘要 Principal's ID hash"},
      {"受托人 Agent", "受托人身份证号 Agent's ID number", "受托人身份证号摘要 Agent's ID hash"},
  };
  for (int p = 0; p < WT_WITNESS_N_PARTIES; p++) {
    line(s, labels[p][0], c->party[p].name);
    line(s, labels[p][1], c->party[p].id_masked);
    line(s, labels[p][2], c->party[p].id_hash);
  }
  line(s, "登记事项 Registration", wt_witness_business_label(c->business));
  line(s, "不动产权证号 Property certificate", c->certificate);
  line(s, "不动产坐落 Property address", c->address);
  line(s, "委托事项 Matters entrusted", c->matters);
  line(s, "委托期限 Term", c->term);
  g_string_append(s, "委托人委托受托人在上述期限内办理上述事项；双方已当面确认本委托书。\n");
  g_string_append(s, "The principal entrusts the agent with the matters above for the term "
                     "above; both parties confirmed this document before a witness.\n");
  return g_string_free(s, FALSE);
}

char *
wt_witness_document_sha256(const char *text)
{
  return g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);
}
