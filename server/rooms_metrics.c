/* rooms_metrics.c — the registry's and each room's lines for /metrics
 * (Prometheus text). Main thread; the counters are read with relaxed atomics
 * while the workers write them. */
#include "recorder.h"
#include "rooms_private.h"

static guint64
read_counter(const guint64 *counter)
{
  return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

void
wt_rooms_append_metrics(WtRooms *rooms, GString *out)
{
  static const struct {
    const char *name, *help;
    size_t offset;
  } counters[] = {
      {"witness_room_packets_in_total", "RTP packets received from publishers.",
       G_STRUCT_OFFSET(WtRoomCounters, packets_in)},
      {"witness_room_bytes_in_total", "RTP bytes received from publishers.",
       G_STRUCT_OFFSET(WtRoomCounters, bytes_in)},
      {"witness_room_packets_out_total", "RTP packets sent to subscribers.",
       G_STRUCT_OFFSET(WtRoomCounters, packets_out)},
      {"witness_room_bytes_out_total", "RTP bytes sent to subscribers.",
       G_STRUCT_OFFSET(WtRoomCounters, bytes_out)},
      {"witness_room_drops_total", "RTP packets not forwarded.",
       G_STRUCT_OFFSET(WtRoomCounters, drops)},
      {"witness_room_plis_total", "Keyframe requests sent to publishers.",
       G_STRUCT_OFFSET(WtRoomCounters, plis)},
      {"witness_room_nacks_total", "NACK packets received from subscribers.",
       G_STRUCT_OFFSET(WtRoomCounters, nacks)},
      {"witness_room_nack_seqs_total", "Packets subscribers asked to have resent.",
       G_STRUCT_OFFSET(WtRoomCounters, nack_seqs)},
      {"witness_room_retransmissions_total", "Packets resent from the cache (NACKs answered).",
       G_STRUCT_OFFSET(WtRoomCounters, retransmissions)},
  };
  static const struct {
    const char *name, *help;
    size_t offset;
  } gauges[] = {
      {"witness_room_bitrate_in_bps", "RTP received from publishers over the last second.",
       G_STRUCT_OFFSET(WtRoomCounters, bitrate_in)},
      {"witness_room_bitrate_out_bps", "RTP sent to subscribers over the last second.",
       G_STRUCT_OFFSET(WtRoomCounters, bitrate_out)},
  };
  guint64 free_bytes = 0;
  if (wt_recorder_disk_free(rooms->env.archive_dir, &free_bytes, NULL))
    g_string_append_printf(out,
                           "# HELP witness_archive_free_bytes Free bytes on the archive's file "
                           "system.\n# TYPE witness_archive_free_bytes gauge\n"
                           "witness_archive_free_bytes %" G_GUINT64_FORMAT "\n",
                           free_bytes);
  g_string_append_printf(out,
                         "# HELP witness_recorder_drops_total Packets recorders dropped because "
                         "their queue was full (each written into the chain as a gap).\n"
                         "# TYPE witness_recorder_drops_total counter\n"
                         "witness_recorder_drops_total %" G_GUINT64_FORMAT "\n",
                         read_counter(&rooms->recorder_drops_total));
  g_string_append_printf(out,
                         "# HELP witness_rooms Rooms open now.\n# TYPE witness_rooms gauge\n"
                         "witness_rooms %u\n"
                         "# HELP witness_room_participants People in each room.\n"
                         "# TYPE witness_room_participants gauge\n",
                         g_hash_table_size(rooms->rooms));
  GHashTableIter iter;
  RoomEntry *entry;
  g_hash_table_iter_init(&iter, rooms->rooms);
  while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&entry)) {
    const WtRoomCounters *c = wt_room_get_counters(entry->room);
    g_string_append_printf(out, "witness_room_participants{room=\"%s\"} %u\n", entry->id,
                           __atomic_load_n(&c->participants, __ATOMIC_RELAXED));
  }
  g_string_append(out, "# HELP witness_room_loss_ratio Worst loss subscribers report.\n"
                       "# TYPE witness_room_loss_ratio gauge\n");
  g_hash_table_iter_init(&iter, rooms->rooms);
  while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&entry)) {
    const WtRoomCounters *c = wt_room_get_counters(entry->room);
    g_string_append_printf(out, "witness_room_loss_ratio{room=\"%s\"} %.3f\n", entry->id,
                           __atomic_load_n(&c->loss_permille, __ATOMIC_RELAXED) / 1000.0);
  }
  for (guint k = 0; k < G_N_ELEMENTS(gauges); k++) {
    g_string_append_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", gauges[k].name, gauges[k].help,
                           gauges[k].name);
    g_hash_table_iter_init(&iter, rooms->rooms);
    while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&entry)) {
      const guint8 *base = (const guint8 *)wt_room_get_counters(entry->room);
      g_string_append_printf(out, "%s{room=\"%s\"} %" G_GUINT64_FORMAT "\n", gauges[k].name,
                             entry->id, read_counter((const guint64 *)(base + gauges[k].offset)));
    }
  }
  for (guint k = 0; k < G_N_ELEMENTS(counters); k++) {
    g_string_append_printf(out, "# HELP %s %s\n# TYPE %s counter\n", counters[k].name,
                           counters[k].help, counters[k].name);
    g_hash_table_iter_init(&iter, rooms->rooms);
    while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&entry)) {
      const guint8 *base = (const guint8 *)wt_room_get_counters(entry->room);
      g_string_append_printf(out, "%s{room=\"%s\"} %" G_GUINT64_FORMAT "\n", counters[k].name,
                             entry->id, read_counter((const guint64 *)(base + counters[k].offset)));
    }
  }
}
