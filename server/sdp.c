/* sdp.c — parse session descriptions into WtSdp: line framing, the v/o/s/t/m/b
 * lines and the checks that need the whole description. Attributes are read by
 * sdp_attr.c; the writer, constructors and accessors are in sdp_write.c. See
 * sdp.h for the model and the rules.
 *
 * Pure: no I/O, no main loop, no globals; any thread. The parser walks the
 * input one line at a time, copies each line (bounded by WT_SDP_MAX_LINE) into
 * a buffer it may cut up in place, and dispatches on the line type and then
 * on the attribute name. Every count is checked against its WT_SDP_MAX_*
 * before anything is added, so a hostile description costs bounded memory.
 */
#include "sdp_parse.h"
#include "sdp_codecs.h"

#include <stdarg.h>

/* Not G_DEFINE_QUARK: clang-format would put spaces into its quark name. */
GQuark
wt_sdp_error_quark(void)
{
  return g_quark_from_static_string("wt-sdp-error-quark");
}

gboolean
wt_sdp_fail(WtSdpParser *p, WtSdpError code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *what = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  if (p->line)
    g_set_error(p->error, WT_SDP_ERROR, code, "line %u: %s", p->line, what);
  else
    g_set_error(p->error, WT_SDP_ERROR, code, "end of input: %s", what);
  return FALSE;
}

gboolean
wt_sdp_field_uint(WtSdpParser *p, const char *s, guint64 max, guint64 *out, const char *what)
{
  if (!s || !*s)
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "%s is missing", what);
  guint64 v = 0;
  for (const char *c = s; *c; c++) {
    if (!g_ascii_isdigit(*c))
      return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "%s is not a decimal number", what);
    guint d = (guint)(*c - '0');
    if (v > (max - d) / 10)
      return wt_sdp_fail(p, WT_SDP_ERROR_LIMIT, "%s is larger than %" G_GUINT64_FORMAT, what, max);
    v = v * 10 + d;
  }
  *out = v;
  return TRUE;
}

/* ---- lines --------------------------------------------------------------- */

/* Work left over from the m-section that just ended. */
static void
finish_media(WtSdpParser *p)
{
  if (!p->media)
    return;
  for (guint i = 0; i < p->media->codecs->len; i++) {
    WtSdpCodec *c = p->media->codecs->pdata[i];
    guint apt;
    if (c->name && g_ascii_strcasecmp(c->name, "rtx") == 0 &&
        wt_sdp_fmtp_get_uint(c->fmtp, "apt", 127, &apt))
      c->apt = (gint)apt;
  }
}

/* Names of the payload types every browser may offer without a=rtpmap (RFC 3551). */
static void
static_payload(WtSdpCodec *c)
{
  static const struct {
    guint8 pt;
    const char *name;
  } known[] = {{0, "PCMU"}, {8, "PCMA"}, {9, "G722"}, {13, "CN"}};
  for (guint i = 0; i < G_N_ELEMENTS(known); i++) {
    if (known[i].pt == c->pt) {
      c->name = g_strdup(known[i].name);
      c->clock_rate = 8000;
    }
  }
}

static gboolean
parse_m_line(WtSdpParser *p, char *value)
{
  finish_media(p);
  if (p->sdp->media->len >= WT_SDP_MAX_MEDIA)
    return wt_sdp_fail(p, WT_SDP_ERROR_LIMIT, "more than %d m-sections", WT_SDP_MAX_MEDIA);
  char *type = next_field(&value);
  char *port_s = next_field(&value);
  char *proto = next_field(&value);
  if (!type || !port_s || !proto || !rest_of(value))
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "m= must be <media> <port> <proto> <format>...");
  if (!valid_token(type) || strlen(type) > 32 || strlen(proto) > 64 ||
      strspn(proto, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_.-") !=
          strlen(proto))
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "m= media or proto is not a token");
  char *slash = strchr(port_s, '/'); /* <port>/<number of ports>: the number is ignored */
  if (slash)
    *slash = '\0';
  guint64 port, count;
  if (!wt_sdp_field_uint(p, port_s, 65535, &port, "the m= port") ||
      (slash && !wt_sdp_field_uint(p, slash + 1, 65535, &count, "the m= port count")))
    return FALSE;

  WtSdpMedia *m = wt_sdp_media_new(type, proto);
  g_ptr_array_add(p->sdp->media, m);
  p->media = m;
  m->port = (guint16)port;
  memset(p->rtpmap_seen, 0, sizeof p->rtpmap_seen);
  memset(p->fmtp_seen, 0, sizeof p->fmtp_seen);
  gboolean rtp = wt_sdp_media_is_rtp(m);
  guint64 seen[2] = {0, 0};
  for (char *fmt; (fmt = next_field(&value));) {
    if (m->codecs->len + m->formats->len >= WT_SDP_MAX_FORMATS)
      return wt_sdp_fail(p, WT_SDP_ERROR_LIMIT, "more than %d formats on one m= line",
                         WT_SDP_MAX_FORMATS);
    if (!rtp) {
      if (!valid_token(fmt))
        return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "m= format is not a token");
      g_ptr_array_add(m->formats, g_strdup(fmt));
      continue;
    }
    guint64 pt;
    if (!wt_sdp_field_uint(p, fmt, 127, &pt, "an m= payload type"))
      return FALSE;
    if (seen_before(seen, (guint)pt))
      return wt_sdp_fail(p, WT_SDP_ERROR_INVALID,
                         "m= lists payload type %" G_GUINT64_FORMAT " twice", pt);
    WtSdpCodec *c = wt_sdp_codec_new((guint8)pt, NULL, 0, 0);
    static_payload(c);
    g_ptr_array_add(m->codecs, c);
  }
  return TRUE;
}

static gboolean
parse_o_line(WtSdpParser *p, char *value)
{
  char *f[6];
  for (guint i = 0; i < 6; i++)
    f[i] = next_field(&value);
  if (!f[5] || next_field(&value))
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX,
                       "o= must be <username> <sess-id> <sess-version> <nettype> "
                       "<addrtype> <address>");
  if (!valid_visible(f[0]))
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "o= username is too long");
  if (!wt_sdp_field_uint(p, f[1], G_MAXUINT64, &p->sdp->session_id, "the o= session id") ||
      !wt_sdp_field_uint(p, f[2], G_MAXUINT64, &p->sdp->session_version, "the o= session version"))
    return FALSE;
  g_free(p->sdp->origin_username);
  p->sdp->origin_username = g_strdup(f[0]);
  return TRUE;
}

static gboolean
parse_b_line(WtSdpParser *p, char *value)
{
  char *colon = strchr(value, ':');
  if (!colon || colon == value)
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "b= must be <bwtype>:<bandwidth>");
  *colon = '\0';
  guint64 n;
  if (!wt_sdp_field_uint(p, colon + 1, G_MAXUINT32, &n, "the b= bandwidth"))
    return FALSE;
  if (p->media && strcmp(value, "AS") == 0)
    p->media->bandwidth_as = (guint32)n;
  else if (p->media && strcmp(value, "TIAS") == 0)
    p->media->bandwidth_tias = (guint32)n;
  return TRUE;
}

/* One line without its line ending, NUL-terminated in p->buf. */
static gboolean
parse_line(WtSdpParser *p, char *line)
{
  for (const char *c = line; *c; c++)
    if ((guchar)*c < 0x20 || *c == 0x7f)
      return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "control character 0x%02x", (guchar)*c);
  if (line[0] == '\0' || line[1] != '=')
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "not a <type>=<value> line");
  char type = line[0], *value = line + 2;
  if (!p->seen_v && type != 'v')
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "the first line must be v=0");
  gboolean session_only = strchr("vostuepzr", type) != NULL;
  if (session_only && p->media)
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "%c= inside an m-section", type);
  switch (type) {
  case 'v':
    if (p->seen_v || strcmp(value, "0") != 0)
      return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "v=0 must be the first line, and only once");
    p->seen_v = TRUE;
    return TRUE;
  case 'o':
    if (p->seen_o)
      return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "a second o= line");
    p->seen_o = TRUE;
    return parse_o_line(p, value);
  case 's':
    if (p->seen_s)
      return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "a second s= line");
    p->seen_s = TRUE;
    if (*value)
      p->sdp->session_name = g_strdup(value);
    return TRUE;
  case 't':
    p->seen_t = TRUE;
    return TRUE;
  case 'm':
    if (!p->seen_o || !p->seen_s || !p->seen_t)
      return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "m= before the o=, s= and t= lines");
    return parse_m_line(p, value);
  case 'b':
    return parse_b_line(p, value);
  case 'a':
    return wt_sdp_parse_attribute(p, value);
  case 'c':
  case 'i':
  case 'u':
  case 'e':
  case 'p':
  case 'z':
  case 'r':
  case 'k':
    return TRUE; /* not modelled: c= is always 0.0.0.0 with ICE */
  default:
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "unknown line type '%c'",
                       g_ascii_isprint(type) ? type : '?');
  }
}

/* Checks that need the whole description. */
static gboolean
finish(WtSdpParser *p)
{
  finish_media(p);
  p->line = 0;
  if (!p->seen_v)
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "empty description");
  if (!p->seen_o || !p->seen_s || !p->seen_t)
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "no o=, s= or t= line");
  WtSdp *sdp = p->sdp;
  const char *uri_of[256] = {NULL};
  const char *mid_of[256] = {NULL};
  for (guint i = 0; i < sdp->bundle->len; i++) {
    const char *mid = sdp->bundle->pdata[i];
    WtSdpMedia *m = wt_sdp_find_media(sdp, mid);
    if (!m)
      return wt_sdp_fail(p, WT_SDP_ERROR_INVALID,
                         "a=group:BUNDLE names mid %s, which no m-section has", mid);
    for (guint j = 0; j < m->extmaps->len; j++) {
      const WtSdpExtmap *e = m->extmaps->pdata[j];
      if (uri_of[e->id] && strcmp(uri_of[e->id], e->uri) != 0)
        return wt_sdp_fail(p, WT_SDP_ERROR_INVALID,
                           "extmap id %u means different URIs in the bundled m-sections %s and %s",
                           e->id, mid_of[e->id], mid);
      uri_of[e->id] = e->uri;
      mid_of[e->id] = mid;
    }
  }
  return TRUE;
}

/* Line number of the first byte where @data stops being valid UTF-8. */
static guint
line_of(const char *data, const char *end)
{
  guint line = 1;
  for (const char *c = data; c < end; c++)
    line += *c == '\n';
  return line;
}

WtSdp *
wt_sdp_parse(const char *data, gsize len, GError **error)
{
  g_autofree WtSdpParser *p = g_new0(WtSdpParser, 1);
  p->error = error;
  if (len > WT_SDP_MAX_LEN) {
    g_set_error(error, WT_SDP_ERROR, WT_SDP_ERROR_LIMIT, "the description is longer than %d bytes",
                WT_SDP_MAX_LEN);
    return NULL;
  }
  const char *bad;
  if (!g_utf8_validate_len(data, len, &bad)) {
    p->line = line_of(data, bad);
    if (*bad == '\0') /* GLib counts NUL as invalid UTF-8 */
      wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "control character 0x00");
    else
      wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "not valid UTF-8");
    return NULL;
  }
  g_autoptr(WtSdp) sdp = wt_sdp_new();
  p->sdp = sdp;
  gsize pos = 0;
  while (pos < len) {
    p->line++;
    const char *nl = memchr(data + pos, '\n', len - pos);
    gsize end = nl ? (gsize)(nl - data) : len;
    gsize next = nl ? end + 1 : len;
    if (end > pos && data[end - 1] == '\r')
      end--;
    gsize n = end - pos;
    if (n > WT_SDP_MAX_LINE) {
      wt_sdp_fail(p, WT_SDP_ERROR_LIMIT, "longer than %d bytes", WT_SDP_MAX_LINE);
      return NULL;
    }
    memcpy(p->buf, data + pos, n);
    while (n > 0 && p->buf[n - 1] == ' ')
      n--; /* trailing spaces, which hand-edited descriptions often have */
    p->buf[n] = '\0';
    pos = next;
    if (n == 0)
      continue; /* blank lines, e.g. after the last line ending */
    if (!parse_line(p, p->buf))
      return NULL;
  }
  if (!finish(p))
    return NULL;
  if (!sdp->session_name)
    sdp->session_name = g_strdup("-");
  return g_steal_pointer(&sdp);
}
