/* udp_filter.h — a UDP relay on 127.0.0.1 between two ICE agents that can
 * drop STUN, or everything, for as long as a test wants.
 *
 * Each agent is told the relay's address instead of the other's candidate:
 *
 *   g_autoptr(GError) e = NULL;
 *   WtUdpFilter *f = wt_udp_filter_new(a_port, b_port, &e);
 *   // give B "127.0.0.1 wt_udp_filter_port_for_b(f)" as A's candidate, and A
 *   // "127.0.0.1 wt_udp_filter_port_for_a(f)" as B's
 *   wt_udp_filter_set_drop(f, WT_UDP_DROP_STUN); // a client that stops answering
 *
 * Datagrams that reach the relay from A go out to B's port and the other way
 * round, so each agent only ever sees the relay's port for the other. Runs on
 * the thread-default main context of the caller.
 */
#pragma once

#include <glib.h>

typedef enum {
  WT_UDP_DROP_NONE,
  WT_UDP_DROP_STUN, /* STUN (first byte 0–3, RFC 7983) both ways; media passes */
  WT_UDP_DROP_ALL,  /* nothing passes */
} WtUdpDrop;

typedef struct WtUdpFilter WtUdpFilter;

/* Relays between the agents on 127.0.0.1:@a_port and 127.0.0.1:@b_port. */
WtUdpFilter *wt_udp_filter_new(guint16 a_port, guint16 b_port, GError **error);
void wt_udp_filter_free(WtUdpFilter *filter);

/* The port A sends to (it stands for B) and the one B sends to. */
guint16 wt_udp_filter_port_for_a(const WtUdpFilter *filter);
guint16 wt_udp_filter_port_for_b(const WtUdpFilter *filter);

void wt_udp_filter_set_drop(WtUdpFilter *filter, WtUdpDrop drop);
/* Datagrams dropped so far that were STUN, and all dropped. */
guint wt_udp_filter_dropped_stun(const WtUdpFilter *filter);
guint wt_udp_filter_dropped(const WtUdpFilter *filter);
