/* udp_filter.c — see udp_filter.h. */
#include "udp_filter.h"

#include <gio/gio.h>

typedef struct {
  WtUdpFilter *filter;
  GSocket *socket;       /* this side's agent sends to it and hears the other from it */
  GSocketAddress *agent; /* this side's agent */
  GSource *source;
} Leg;

struct WtUdpFilter {
  Leg a, b;
  WtUdpDrop drop;
  guint dropped, dropped_stun;
};

static gboolean
is_stun(const guint8 *data, gssize len)
{
  return len >= 20 && data[0] <= 3;
}

static gboolean
relay(GSocket *socket, GIOCondition condition, gpointer user_data)
{
  Leg *from = user_data;
  WtUdpFilter *filter = from->filter;
  Leg *to = from == &filter->a ? &filter->b : &filter->a;
  guint8 buffer[2048];
  for (;;) {
    gssize len = g_socket_receive(socket, (gchar *)buffer, sizeof buffer, NULL, NULL);
    if (len <= 0)
      break;
    gboolean stun = is_stun(buffer, len);
    if (filter->drop == WT_UDP_DROP_ALL || (stun && filter->drop == WT_UDP_DROP_STUN)) {
      filter->dropped++;
      filter->dropped_stun += stun;
      continue;
    }
    /* Out through the other leg's socket, so the receiver sees that leg's port. */
    g_socket_send_to(to->socket, to->agent, (const gchar *)buffer, (gsize)len, NULL, NULL);
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
leg_init(WtUdpFilter *filter, Leg *leg, guint16 agent_port, GError **error)
{
  leg->filter = filter;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  leg->agent = g_inet_socket_address_new(loopback, agent_port);
  leg->socket =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (!leg->socket)
    return FALSE;
  g_socket_set_blocking(leg->socket, FALSE);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(loopback, 0);
  if (!g_socket_bind(leg->socket, any, FALSE, error))
    return FALSE;
  leg->source = g_socket_create_source(leg->socket, G_IO_IN, NULL);
  g_source_set_callback(leg->source, (GSourceFunc)(void (*)(void))relay, leg, NULL);
  g_source_attach(leg->source, g_main_context_get_thread_default());
  return TRUE;
}

static void
leg_clear(Leg *leg)
{
  if (leg->source) {
    g_source_destroy(leg->source);
    g_source_unref(leg->source);
  }
  g_clear_object(&leg->socket);
  g_clear_object(&leg->agent);
}

WtUdpFilter *
wt_udp_filter_new(guint16 a_port, guint16 b_port, GError **error)
{
  WtUdpFilter *filter = g_new0(WtUdpFilter, 1);
  if (!leg_init(filter, &filter->a, a_port, error) || !leg_init(filter, &filter->b, b_port, error)) {
    wt_udp_filter_free(filter);
    return NULL;
  }
  return filter;
}

void
wt_udp_filter_free(WtUdpFilter *filter)
{
  if (!filter)
    return;
  leg_clear(&filter->a);
  leg_clear(&filter->b);
  g_free(filter);
}

static guint16
local_port(GSocket *socket)
{
  g_autoptr(GSocketAddress) address = g_socket_get_local_address(socket, NULL);
  return address ? g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(address)) : 0;
}

/* A sends to, and hears from, leg a's socket: the relay's stand-in for B. */
guint16
wt_udp_filter_port_for_a(const WtUdpFilter *filter)
{
  return local_port(filter->a.socket);
}

guint16
wt_udp_filter_port_for_b(const WtUdpFilter *filter)
{
  return local_port(filter->b.socket);
}

void
wt_udp_filter_set_drop(WtUdpFilter *filter, WtUdpDrop drop)
{
  filter->drop = drop;
}

guint
wt_udp_filter_dropped_stun(const WtUdpFilter *filter)
{
  return filter->dropped_stun;
}

guint
wt_udp_filter_dropped(const WtUdpFilter *filter)
{
  return filter->dropped;
}
