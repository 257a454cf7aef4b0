/* test_recovery.c — crash recovery of unsealed recordings (storage/recovery.h):
 * a torn last chain line is cut and recorded; an open segment that is readable
 * is remuxed and recorded as recovered; one that is garbage is quarantined and
 * recorded as a gap; a finished segment the chain missed is recorded; a
 * recording with no segments is sealed; a chain that ends in its seal record
 * gets its seal.json. After each, the recording verifies, sealed as interrupted. */
#include <glib/gstdio.h>
#include <libavutil/log.h>
#include <string.h>

#include "recording.h"
#include "recovery.h"
#include "segment.h"

typedef struct {
  char *root, *keys, *dir;
  WtSigningKey *key;
  GHashTable *public_keys;
  WtChain *chain;
  gint64 origin_ms;
} Fixture;

static void
rm_rf(const char *path)
{
  if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
    g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      rm_rf(child);
    }
    g_rmdir(path);
  } else {
    g_unlink(path);
  }
}

static const WtSegmentTracks tracks = {.video = WT_CODEC_VP8,
                                       .width = 320,
                                       .height = 240,
                                       .audio = WT_CODEC_OPUS,
                                       .audio_channels = 2};

/* @n video frames (a keyframe every 30) and the audio between, from @pts. */
static void
write_frames(WtSegmentWriter *w, guint n, gint64 pts)
{
  guint8 frame[3000], audio[120];
  for (guint i = 0; i < n; i++) {
    for (gsize b = 0; b < sizeof frame; b++)
      frame[b] = (guint8)g_random_int();
    memcpy(audio, frame, sizeof audio);
    /* Enough of a VP8 frame header (RFC 6386 9.1) and an Opus TOC byte (one
     * 20 ms CELT frame) for libavformat's parsers to take them as such. */
    gboolean key = i % 30 == 0;
    frame[0] = key ? 0x00 : 0x01;
    if (key)
      memcpy(frame + 3, "\x9d\x01\x2a\x40\x01\xf0\x00", 7); /* 320x240 */
    audio[0] = 0xfc;
    g_autoptr(GError) error = NULL;
    g_assert_true(wt_segment_writer_write(w, WT_SEGMENT_VIDEO, frame, sizeof frame, pts + i * 33,
                                          key, &error));
    g_assert_true(wt_segment_writer_write(w, WT_SEGMENT_AUDIO, audio, sizeof audio, pts + i * 33,
                                          TRUE, &error));
    g_assert_no_error(error);
  }
}

static void
append(Fixture *f, const char *type, JsonObject *o, gint64 time)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_chain_append(f->chain, type, o, time, &error));
  g_assert_no_error(error);
  json_object_unref(o);
}

static JsonObject *
about(const char *who)
{
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "participant", who);
  return o;
}

/* A closed segment p-1/<name>.webm and its record, as the recorder writes them. */
static void
closed_segment(Fixture *f, const char *name, gint64 pts)
{
  g_autofree char *pdir = g_build_filename(f->dir, "p-1", NULL);
  g_mkdir_with_parents(pdir, 0700);
  g_autoptr(GError) error = NULL;
  WtSegmentWriter *w = wt_segment_writer_new(pdir, name, &tracks, &error);
  g_assert_no_error(error);
  write_frames(w, 60, pts);
  WtSegmentInfo info;
  g_assert_true(wt_segment_writer_finish(w, &info, &error));
  GString *hex = g_string_new(NULL);
  for (guint i = 0; i < WT_SEGMENT_SHA256_LEN; i++)
    g_string_append_printf(hex, "%02x", info.sha256[i]);
  JsonObject *o = about("p-1");
  g_autofree char *file = g_build_filename("p-1", info.file_name, NULL);
  json_object_set_string_member(o, "file", file);
  json_object_set_int_member(o, "size", (gint64)info.size);
  json_object_set_string_member(o, "sha256", hex->str);
  json_object_set_int_member(o, "start_ms", f->origin_ms + info.first_pts_ms[WT_SEGMENT_VIDEO]);
  json_object_set_int_member(o, "end_ms", f->origin_ms + info.last_pts_ms[WT_SEGMENT_VIDEO]);
  g_string_free(hex, TRUE);
  append(f, "segment", o, f->origin_ms + pts + 2000);
}

/* The temporary file of segment @name as a crash leaves it: what had reached
 * the disk of a writer still writing. */
static void
open_segment(Fixture *f, const char *name, gint64 pts)
{
  g_autofree char *pdir = g_build_filename(f->dir, "p-1", NULL);
  g_mkdir_with_parents(pdir, 0700);
  g_autoptr(GError) error = NULL;
  WtSegmentWriter *w = wt_segment_writer_new(pdir, name, &tracks, &error);
  g_assert_no_error(error);
  write_frames(w, 50, pts); /* ~150 KB: some of it is flushed, cut mid-frame */
  g_autofree char *tmp = g_strdup(wt_segment_writer_get_temp_path(w));
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(tmp, &bytes, &len, NULL));
  g_assert_cmpuint(len, >, 0);
  wt_segment_writer_abort(w);
  g_assert_true(g_file_set_contents(tmp, bytes, (gssize)len, NULL));
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  f->root = g_dir_make_tmp("wt-recovery-XXXXXX", NULL);
  f->keys = g_build_filename(f->root, "keys", NULL);
  f->dir = g_build_filename(f->root, "r-test", NULL);
  g_mkdir(f->dir, 0700);
  g_autoptr(GError) error = NULL;
  f->key = wt_signing_key_load_or_create(f->keys, &error);
  f->public_keys = wt_signing_keys_list(f->keys, &error);
  g_assert_no_error(error);
  g_autofree char *path = g_build_filename(f->dir, WT_CHAIN_FILE, NULL);
  f->chain = wt_chain_open(path, NULL, &error);
  g_assert_no_error(error);
  f->origin_ms = 1796325057000;
  append(f, "join", about("p-1"), f->origin_ms + 3);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  g_clear_pointer(&f->chain, wt_chain_free);
  rm_rf(f->root);
  g_free(f->root);
  g_free(f->keys);
  g_free(f->dir);
  wt_signing_key_free(f->key);
  g_hash_table_unref(f->public_keys);
}

/* Recovers (the recorder "crashed": its chain is closed) and verifies. */
static void
recover_and_verify(Fixture *f, WtRecoveryReport *report, guint64 segments)
{
  g_clear_pointer(&f->chain, wt_chain_free);
  g_assert_true(wt_recording_needs_recovery(f->dir));
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_recording_recover(f->dir, f->key, report, &error));
  g_assert_no_error(error);
  g_assert_false(wt_recording_needs_recovery(f->dir));
  WtVerifyReport verified;
  g_assert_true(wt_recording_verify(f->dir, f->public_keys, &verified, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(verified.reason, ==, report->reason);
  g_assert_cmpuint(verified.segments, ==, segments);
  wt_verify_report_clear(&verified);
}

/* The chain's records of @type (transfer full). */
static GPtrArray *
records(Fixture *f, const char *type)
{
  g_autofree char *path = g_build_filename(f->dir, WT_CHAIN_FILE, NULL);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; lines[i] && *lines[i]; i++) {
    g_autoptr(JsonParser) parser = json_parser_new();
    g_assert_true(json_parser_load_from_data(parser, lines[i], -1, NULL));
    JsonObject *o = json_node_get_object(json_parser_get_root(parser));
    if (strcmp(json_object_get_string_member(o, "type"), type) == 0)
      g_ptr_array_add(out, json_object_ref(o));
  }
  return out;
}

static void
test_torn_line(Fixture *f, gconstpointer data)
{
  closed_segment(f, "00000", 0);
  g_autofree char *path = g_build_filename(f->dir, WT_CHAIN_FILE, NULL);
  const char torn[] = "{\"seq\":2,\"type\":\"segment\",\"time\":17963250";
  FILE *file = fopen(path, "a");
  fputs(torn, file);
  fclose(file);
  WtRecoveryReport report;
  recover_and_verify(f, &report, 1);
  g_assert_cmpuint(report.torn_bytes, ==, strlen(torn));
  g_assert_cmpuint(report.segments_kept, ==, 1);
  g_assert_cmpstr(report.reason, ==, "interrupted");
  g_autoptr(GPtrArray) repairs = records(f, "repair");
  g_assert_cmpuint(repairs->len, ==, 1);
  g_assert_cmpint(json_object_get_int_member(repairs->pdata[0], "bytes"), ==, strlen(torn));
  g_autofree char *sha = g_compute_checksum_for_string(G_CHECKSUM_SHA256, torn, -1);
  g_assert_cmpstr(json_object_get_string_member(repairs->pdata[0], "sha256"), ==, sha);
  g_autoptr(GPtrArray) leaves = records(f, "leave");
  g_assert_cmpuint(leaves->len, ==, 1); /* p-1 never left: the crash ended its stay */
  g_assert_cmpstr(json_object_get_string_member(leaves->pdata[0], "reason"), ==, "interrupted");
  wt_recovery_report_clear(&report);
}

static void
test_open_segment_readable(Fixture *f, gconstpointer data)
{
  closed_segment(f, "00000", 0);
  open_segment(f, "00001", 2000);
  WtRecoveryReport report;
  recover_and_verify(f, &report, 2);
  g_assert_cmpuint(report.segments_kept, ==, 1);
  g_assert_cmpuint(report.segments_recovered, ==, 1);
  g_assert_cmpuint(report.segments_lost, ==, 0);
  g_assert_cmpuint(report.frames_recovered, >, 10);
  g_assert_cmpuint(report.frames_recovered, <=, 100);
  g_autoptr(GPtrArray) segments = records(f, "segment");
  JsonObject *r = segments->pdata[1];
  g_assert_true(json_object_get_boolean_member(r, "recovered"));
  g_assert_cmpstr(json_object_get_string_member(r, "file"), ==, "p-1/00001.webm");
  g_assert_false(json_object_has_member(r, "time_approximate"));
  /* Its time comes from the recording's origin, found through the closed segment. */
  g_assert_cmpint(json_object_get_int_member(r, "start_ms"), ==, f->origin_ms + 2000);
  g_assert_true(json_object_has_member(r, "recovered_from"));
  /* Nothing of the crash is left under a temporary name. */
  g_autofree char *tmp = g_build_filename(f->dir, "p-1", ".00001.webm.tmp", NULL);
  g_autofree char *crashed = g_build_filename(f->dir, "p-1", ".00001.webm.crashed", NULL);
  g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
  g_assert_false(g_file_test(crashed, G_FILE_TEST_EXISTS));
  wt_recovery_report_clear(&report);
}

static void
test_open_segment_garbage(Fixture *f, gconstpointer data)
{
  closed_segment(f, "00000", 0);
  g_autofree char *tmp = g_build_filename(f->dir, "p-1", ".00001.webm.tmp", NULL);
  guint8 junk[5000];
  for (gsize i = 0; i < sizeof junk; i++)
    junk[i] = (guint8)g_random_int();
  g_assert_true(g_file_set_contents(tmp, (const char *)junk, sizeof junk, NULL));
  WtRecoveryReport report;
  recover_and_verify(f, &report, 1);
  g_assert_cmpuint(report.segments_lost, ==, 1);
  g_assert_cmpuint(report.segments_recovered, ==, 0);
  g_autoptr(GPtrArray) gaps = records(f, "gap");
  g_assert_cmpuint(gaps->len, ==, 1);
  JsonObject *gap = gaps->pdata[0];
  g_assert_cmpstr(json_object_get_string_member(gap, "quarantined"), ==, "p-1/.00001.webm.lost");
  g_assert_cmpint(json_object_get_int_member(gap, "quarantined_size"), ==, sizeof junk);
  g_assert_cmpint(json_object_get_int_member(gap, "from_ms"), >=, f->origin_ms);
  g_assert_cmpint(json_object_get_int_member(gap, "to_ms"), >=,
                  json_object_get_int_member(gap, "from_ms"));
  g_autofree char *lost = g_build_filename(f->dir, "p-1", ".00001.webm.lost", NULL);
  g_assert_true(g_file_test(lost, G_FILE_TEST_EXISTS));
  g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
  wt_recovery_report_clear(&report);
}

static void
test_no_segments(Fixture *f, gconstpointer data)
{
  WtRecoveryReport report;
  recover_and_verify(f, &report, 0);
  g_assert_cmpstr(report.reason, ==, "interrupted");
  g_assert_cmpuint(report.segments_kept + report.segments_recovered + report.segments_lost, ==, 0);
  wt_recovery_report_clear(&report);
}

static void
test_empty_chain(Fixture *f, gconstpointer data)
{
  /* The crash came right after the folder and its chain were made. */
  g_clear_pointer(&f->chain, wt_chain_free);
  g_autofree char *path = g_build_filename(f->dir, WT_CHAIN_FILE, NULL);
  g_assert_true(g_file_set_contents(path, "", 0, NULL));
  WtRecoveryReport report;
  recover_and_verify(f, &report, 0);
  wt_recovery_report_clear(&report);
}

static void
test_unrecorded_segment(Fixture *f, gconstpointer data)
{
  closed_segment(f, "00000", 0);
  /* Finished and renamed, but the crash came before its chain record. */
  g_autofree char *pdir = g_build_filename(f->dir, "p-1", NULL);
  g_autoptr(GError) error = NULL;
  WtSegmentWriter *w = wt_segment_writer_new(pdir, "00001", &tracks, &error);
  write_frames(w, 40, 2000);
  WtSegmentInfo info;
  g_assert_true(wt_segment_writer_finish(w, &info, &error));
  WtRecoveryReport report;
  recover_and_verify(f, &report, 2);
  g_assert_cmpuint(report.segments_recovered, ==, 1);
  g_assert_cmpuint(report.frames_recovered, ==, 80);
  wt_recovery_report_clear(&report);
}

static void
test_seal_record_without_seal_file(Fixture *f, gconstpointer data)
{
  closed_segment(f, "00000", 0);
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "reason", "ended");
  append(f, "seal", o, f->origin_ms + 5000);
  WtRecoveryReport report;
  recover_and_verify(f, &report, 1);
  g_assert_cmpstr(report.reason, ==, "ended");
  wt_recovery_report_clear(&report);
}

static void
test_damaged_chain_is_left_alone(Fixture *f, gconstpointer data)
{
  closed_segment(f, "00000", 0);
  g_clear_pointer(&f->chain, wt_chain_free);
  g_autofree char *path = g_build_filename(f->dir, WT_CHAIN_FILE, NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, &text, &len, NULL));
  text[10] ^= 1; /* a whole line that does not hash */
  g_assert_true(g_file_set_contents(path, text, (gssize)len, NULL));
  WtRecoveryReport report;
  g_autoptr(GError) error = NULL;
  g_assert_false(wt_recording_recover(f->dir, f->key, &report, &error));
  g_assert_nonnull(error);
  g_assert_true(wt_recording_needs_recovery(f->dir)); /* unsealed, untouched */
  g_autofree char *after = NULL;
  g_assert_true(g_file_get_contents(path, &after, NULL, NULL));
  g_assert_cmpstr(after, ==, text);
  wt_recovery_report_clear(&report);
}

static void
test_run_over_archive(Fixture *f, gconstpointer data)
{
  closed_segment(f, "00000", 0);
  g_clear_pointer(&f->chain, wt_chain_free);
  g_assert_cmpuint(wt_recovery_run(f->root, f->key), ==, 1); /* keys/ is no recording */
  g_assert_cmpuint(wt_recovery_run(f->root, f->key), ==, 0); /* sealed now */
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  /* Recovery warns on purpose (a lost segment, a damaged chain): not fatal here. */
  g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
  /* The frames here are random bytes: libavcodec's parsers would complain of each. */
  av_log_set_level(AV_LOG_QUIET);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD("/recovery/torn-chain-line", test_torn_line);
  ADD("/recovery/open-segment-readable", test_open_segment_readable);
  ADD("/recovery/open-segment-garbage", test_open_segment_garbage);
  ADD("/recovery/no-segments", test_no_segments);
  ADD("/recovery/empty-chain", test_empty_chain);
  ADD("/recovery/unrecorded-segment", test_unrecorded_segment);
  ADD("/recovery/seal-record-without-seal-file", test_seal_record_without_seal_file);
  ADD("/recovery/damaged-chain-left-alone", test_damaged_chain_is_left_alone);
  ADD("/recovery/run-over-archive", test_run_over_archive);
  return g_test_run();
}
