/* test_recorder_evidence.c — records added with wt_recorder_add_evidence():
 * about a participant, and about the recording as a whole (WT_RECORDER_ROOM,
 * what workflow modules add: consent marks, decisions). Both land in the
 * chain in order, their files are named, sized and hashed, and the sealed
 * recording verifies; a handle nobody holds adds nothing. */
#include <glib/gstdio.h>
#include <string.h>

#include "recorder.h"
#include "recording.h"
#include "seal.h"

static char *
make_temp_dir(void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp("wt-evidence-XXXXXX", &error);
  g_assert_no_error(error);
  return dir;
}

static void
rm_rf(const char *path)
{
  g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", path);
  g_assert_cmpint(system(cmd), ==, 0);
}

static JsonObject *
payload(const char *key, const char *value)
{
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, key, value);
  return o;
}

/* Every record of @dir's chain, parsed (transfer full). */
static GPtrArray *
read_chain(const char *dir)
{
  g_autofree char *path = g_build_filename(dir, "chain.jsonl", NULL);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; lines[i] && *lines[i]; i++) {
    g_autoptr(JsonNode) node = json_from_string(lines[i], NULL);
    g_assert_nonnull(node);
    g_ptr_array_add(out, json_object_ref(json_node_get_object(node)));
  }
  return out;
}

static void
test_room_and_participant_records(void)
{
  g_autofree char *tmp = make_temp_dir();
  g_autofree char *keys = g_build_filename(tmp, "keys", NULL);
  g_autofree char *archive = g_build_filename(tmp, "archive", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WtSigningKey) key = wt_signing_key_load_or_create(keys, &error);
  g_assert_no_error(error);
  GMainContext *context = g_main_context_new();
  WtRecorderConfig config = {
      .archive_dir = archive, .id = "r-evidence", .key = key, .segment_s = 2, .context = context};
  WtRecorder *rec = wt_recorder_new(&config, NULL, NULL, &error);
  g_assert_no_error(error);
  WtRecorderTracks none = {.audio_codec = WT_CODEC_NONE, .video_codec = WT_CODEC_NONE};
  guint who = wt_recorder_join(rec, "p-1", "applicant", &none);

  g_autoptr(GBytes) doc = g_bytes_new_static("the entrustment", 15);
  wt_recorder_add_evidence(rec, WT_RECORDER_ROOM, "consent", payload("mark", "start"), NULL, NULL);
  wt_recorder_add_evidence(rec, who, "note", payload("said", "yes"), NULL, NULL);
  wt_recorder_add_evidence(rec, WT_RECORDER_ROOM, "signature", payload("party", "p-1"), doc, "txt");
  wt_recorder_add_evidence(rec, 63, "note", payload("said", "nobody"), NULL, NULL);
  wt_recorder_leave(rec, who, "left");
  wt_recorder_stop(rec, "ended");
  g_autofree char *dir = g_strdup(wt_recorder_get_dir(rec));
  wt_recorder_free(rec); /* waits for the seal */
  while (g_main_context_iteration(context, FALSE))
    ;
  g_main_context_unref(context);

  g_autoptr(GPtrArray) chain = read_chain(dir);
  GString *types = g_string_new(NULL);
  for (guint i = 0; i < chain->len; i++)
    g_string_append_printf(types, "%s%s", i ? " " : "",
                           json_object_get_string_member(chain->pdata[i], "type"));
  g_autofree char *order = g_string_free(types, FALSE);
  g_assert_cmpstr(order, ==, "join consent note signature leave seal");

  JsonObject *consent = chain->pdata[1], *note = chain->pdata[2], *signature = chain->pdata[3];
  g_assert_false(json_object_has_member(consent, "participant"));
  g_assert_cmpstr(json_object_get_string_member(consent, "mark"), ==, "start");
  g_assert_cmpstr(json_object_get_string_member(note, "participant"), ==, "p-1");
  g_assert_false(json_object_has_member(signature, "participant"));
  g_assert_cmpstr(json_object_get_string_member(signature, "file"), ==, "room/signature-00001.txt");
  g_assert_cmpint(json_object_get_int_member(signature, "size"), ==, 15);
  g_autofree char *sum = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, doc);
  g_assert_cmpstr(json_object_get_string_member(signature, "sha256"), ==, sum);
  g_autofree char *file = g_build_filename(dir, "room", "signature-00001.txt", NULL);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(file, &text, NULL, NULL));
  g_assert_cmpstr(text, ==, "the entrustment");

  g_autoptr(GHashTable) public_keys = wt_signing_keys_list(keys, &error);
  g_assert_no_error(error);
  WtVerifyReport report = {0};
  g_assert_true(wt_recording_verify(dir, public_keys, &report, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(report.reason, ==, "ended");
  wt_verify_report_clear(&report);

  /* A changed file is caught. */
  g_assert_true(g_file_set_contents(file, "the entrustmenT", -1, NULL));
  g_assert_false(wt_recording_verify(dir, public_keys, &report, &error));
  g_assert_nonnull(error);
  g_assert_nonnull(strstr(error->message, "room/signature-00001.txt"));
  rm_rf(tmp);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/recorder/evidence/room-and-participant", test_room_and_participant_records);
  return g_test_run();
}
