/* test_rooms_bridge.c — the rooms side of the module interface (server/rooms.h:
 * invitations, closing a room, commands, the observer) through a real witnessd
 * and the hello test module (tests/modules/hello.c), which hands its clients'
 * requests to the room services and remembers the events it is given.
 * witness-load publishes real VP8 + Opus into the recorded room.
 *
 * Arguments after --tap: the witness-load binary and the clip folder.
 */
#include <string.h>

#include "../load/recorded_room.h"
#include "harness.h"

static const char *witness_load, *clip_dir;
/* The daemon of the running test: its log is printed when a connection closes under us. */
static WtItDaemon *daemon_for_log;

/* Liveness checks run only on applicants who publish video (GStreamer, whose
 * leak suppression needs slow unwinding): @liveness is for rooms without media. */
static char *
config_text(gboolean liveness)
{
  return g_strdup_printf("[modules]\ndir=%s\nload=hello\n"
                         "[ice]\nloopback=true\n"
                         "[liveness]\nenabled=%s\n"
                         "[recording]\nsegment_seconds=2\n",
                         g_getenv("WT_TEST_MODULES"), liveness ? "true" : "false");
}

/* A hello request with @fields; the reply (transfer full), events skipped. */
static JsonObject *
hello(WtItWs *ws, gint64 id, const char *fields)
{
  g_autofree char *text = g_strdup_printf(
      "{\"type\":\"request\",\"id\":%" G_GINT64_FORMAT ",\"module\":\"hello\",%s}", id, fields);
  g_assert_true(wt_it_ws_send(ws, text));
  for (;;) {
    g_autofree char *msg = NULL;
    WtItWsEvent ev = wt_it_ws_next(ws, WT_IT_REPLY_TIMEOUT_MS, &msg);
    if (ev != WT_IT_WS_MESSAGE) {
      g_autofree char *log = daemon_for_log ? wt_it_daemon_log(daemon_for_log) : NULL;
      g_test_message("no reply to %s; witnessd's log:\n%s", text, log);
      g_assert_not_reached();
    }
    g_autoptr(JsonNode) node = json_from_string(msg, NULL);
    g_assert_true(node && JSON_NODE_HOLDS_OBJECT(node));
    JsonObject *o = json_node_get_object(node);
    if (g_strcmp0(wt_it_get_string(o, "type"), "event") != 0)
      return json_object_ref(o);
  }
}

static JsonObject *
join(WtItWs *ws, gint64 id, const char *room)
{
  g_autofree char *text =
      g_strdup_printf("{\"type\":\"join\",\"id\":%" G_GINT64_FORMAT ",\"room\":\"%s\"}", id, room);
  return rr_request(ws, text);
}

/* The events hello saw about @room, as "event:detail" words in order
 * (detail: the sub, or the recording state). */
static char *
events_about(WtItWs *ws, gint64 id, const char *room)
{
  g_autoptr(JsonObject) r = hello(ws, id, "\"action\":\"events\"");
  JsonArray *seen = json_object_get_array_member(wt_it_assert_result(r, id), "events");
  GString *out = g_string_new(NULL);
  for (guint i = 0; i < json_array_get_length(seen); i++) {
    JsonObject *o = json_array_get_object_element(seen, i);
    if (g_strcmp0(wt_it_get_string(o, "room"), room) != 0)
      continue;
    const char *event = wt_it_get_string(o, "event");
    const char *detail =
        g_str_equal(event, "recording") ? wt_it_get_string(o, "state") : wt_it_get_string(o, "sub");
    g_string_append_printf(out, "%s%s%s%s", out->len ? " " : "", event, detail ? ":" : "",
                           detail ? detail : "");
  }
  return g_string_free(out, FALSE);
}

/* An applicant whose token names no room joins once invited; closing the room
 * puts everyone out with `left`, keeps their connections, and drops the
 * invitation; the module saw it all in order. */
static void
test_invite_and_close(void)
{
  g_autofree char *config = config_text(TRUE);
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(config);
  daemon_for_log = d;
  g_autofree char *amy_token = wt_it_mint(d, "applicant", "amy", NULL);
  g_autofree char *sam_token = wt_it_mint(d, "staff", "sam", NULL);
  g_autoptr(WtItWs) amy = wt_it_ws_hello(d, amy_token, NULL);
  g_autoptr(WtItWs) sam = wt_it_ws_hello(d, sam_token, NULL);

  g_autoptr(JsonObject) refused = join(amy, 2, "case-1");
  wt_it_assert_error(refused, 2, "forbidden");
  g_autoptr(JsonObject) invited =
      hello(sam, 3, "\"action\":\"invite\",\"room\":\"case-1\",\"sub\":\"amy\"");
  wt_it_assert_result(invited, 3);
  /* Another applicant is still refused: the invitation is amy's. */
  g_autofree char *bob_token = wt_it_mint(d, "applicant", "bob", NULL);
  g_autoptr(WtItWs) bob = wt_it_ws_hello(d, bob_token, NULL);
  g_autoptr(JsonObject) bob_refused = join(bob, 2, "case-1");
  wt_it_assert_error(bob_refused, 2, "forbidden");

  g_autoptr(JsonObject) amy_in = join(amy, 4, "case-1");
  wt_it_assert_result(amy_in, 4);
  g_autoptr(JsonObject) sam_in = join(sam, 5, "case-1");
  wt_it_assert_result(sam_in, 5);

  g_autoptr(JsonObject) status = hello(sam, 6, "\"action\":\"status\",\"room\":\"case-1\"");
  JsonObject *st = wt_it_assert_result(status, 6);
  g_assert_cmpstr(wt_it_get_string(st, "room"), ==, "case-1");
  g_assert_cmpstr(wt_it_get_string(json_object_get_object_member(st, "recording"), "state"), ==,
                  "off");
  JsonArray *people = json_object_get_array_member(st, "participants");
  g_assert_cmpuint(json_array_get_length(people), ==, 2);
  for (guint i = 0; i < 2; i++) {
    JsonObject *p = json_array_get_object_element(people, i);
    JsonObject *rec = json_object_get_object_member(p, "recorded");
    g_assert_false(json_object_get_boolean_member(rec, "audio"));
    g_assert_false(json_object_get_boolean_member(rec, "video"));
    g_assert_true(g_str_equal(wt_it_get_string(p, "sub"), "amy") ||
                  g_str_equal(wt_it_get_string(p, "sub"), "sam"));
  }
  /* A liveness check by sub: refused with the engine's reasons. */
  g_autoptr(JsonObject) lv_none =
      hello(sam, 20, "\"action\":\"liveness\",\"room\":\"case-1\",\"sub\":\"bob\"");
  wt_it_assert_error(lv_none, 20, "unavailable");
  g_assert_nonnull(strstr(wt_it_get_string(lv_none, "reason"), "bob is not in room case-1"));
  g_autoptr(JsonObject) lv_staff =
      hello(sam, 21, "\"action\":\"liveness\",\"room\":\"case-1\",\"sub\":\"sam\"");
  wt_it_assert_error(lv_staff, 21, "unavailable");
  g_assert_cmpstr(wt_it_get_string(lv_staff, "reason"), ==, "only applicants are checked");
  g_autoptr(JsonObject) lv_amy =
      hello(sam, 22, "\"action\":\"liveness\",\"room\":\"case-1\",\"sub\":\"amy\"");
  wt_it_assert_error(lv_amy, 22, "unavailable");
  g_assert_cmpstr(wt_it_get_string(lv_amy, "reason"), ==,
                  "the participant publishes no video that can be checked");
  /* Stopping when nothing is recorded is no error. */
  g_autoptr(JsonObject) stop_nothing =
      hello(sam, 23, "\"action\":\"record\",\"room\":\"case-1\",\"start\":false,\"x\":1");
  wt_it_assert_result(stop_nothing, 23); /* stop with nothing recorded: "off" */
  g_assert_cmpstr(wt_it_get_string(wt_it_assert_result(stop_nothing, 23), "state"), ==, "off");

  /* Nothing is recorded: evidence has nowhere to go. */
  g_autoptr(JsonObject) no_rec =
      hello(sam, 7, "\"action\":\"evidence\",\"room\":\"case-1\",\"payload\":{\"a\":1}");
  wt_it_assert_error(no_rec, 7, "unavailable");
  g_assert_nonnull(strstr(wt_it_get_string(no_rec, "reason"), "nothing is being recorded"));

  g_autoptr(JsonObject) closed = hello(sam, 8, "\"action\":\"close\",\"room\":\"case-1\"");
  wt_it_assert_result(closed, 8);
  g_autoptr(JsonObject) amy_left = rr_wait_event(amy, "left", NULL, 5000);
  g_assert_nonnull(amy_left);
  g_assert_cmpstr(wt_it_get_string(amy_left, "room"), ==, "case-1");
  g_assert_cmpstr(wt_it_get_string(amy_left, "reason"), ==, "closed by the hello module");
  g_autoptr(JsonObject) sam_left = rr_wait_event(sam, "left", NULL, 5000);
  g_assert_nonnull(sam_left);

  /* Connections stay open, the membership is gone, and so is the invitation. */
  g_assert_false(wt_it_ws_is_closed(amy));
  g_autoptr(JsonObject) not_joined = rr_request(amy, "{\"type\":\"leave\",\"id\":9}");
  wt_it_assert_error(not_joined, 9, "not-joined");
  g_autoptr(JsonObject) again = join(amy, 10, "case-1");
  wt_it_assert_error(again, 10, "forbidden");
  wt_it_pump(300);
  g_autoptr(JsonObject) gone = hello(sam, 11, "\"action\":\"status\",\"room\":\"case-1\"");
  wt_it_assert_error(gone, 11, "unavailable");
  g_assert_nonnull(strstr(wt_it_get_string(gone, "reason"), "nobody is in room case-1"));

  g_autofree char *seen = events_about(sam, 12, "case-1");
  g_test_message("hello saw: %s", seen);
  /* Who leaves first follows the registry's table; both leave before the room closes. */
  g_assert_true(g_str_equal(seen, "participant-joined:amy participant-joined:sam "
                                  "participant-left:amy participant-left:sam room-closed") ||
                g_str_equal(seen, "participant-joined:amy participant-joined:sam "
                                  "participant-left:sam participant-left:amy room-closed"));
  wt_it_daemon_stop_clean(d);
}

/* @sub's entry in a status of room load-0 (transfer full), NULL when not there. */
static JsonObject *
status_of(WtItWs *staff, gint64 *id, const char *sub)
{
  g_autoptr(JsonObject) r = hello(staff, *id, "\"action\":\"status\",\"room\":\"load-0\"");
  JsonArray *people = json_object_get_array_member(wt_it_assert_result(r, *id), "participants");
  (*id)++;
  for (guint i = 0; i < json_array_get_length(people); i++) {
    JsonObject *p = json_array_get_object_element(people, i);
    if (g_strcmp0(wt_it_get_string(p, "sub"), sub) == 0)
      return json_object_ref(p);
  }
  return NULL;
}

/* Whether @p's audio and video are both recorded (@want TRUE) or neither is. */
static gboolean
recorded_is(JsonObject *p, gboolean want)
{
  JsonObject *rec = json_object_get_object_member(p, "recorded");
  return json_object_get_boolean_member(rec, "audio") == want &&
         json_object_get_boolean_member(rec, "video") == want;
}

/* Polls until @sub's status is recorded_is(@want), at most @timeout_ms; FALSE then. */
static gboolean
wait_recorded(WtItWs *staff, gint64 *id, const char *sub, gboolean want, guint timeout_ms)
{
  gint64 until = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  do {
    g_autoptr(JsonObject) p = status_of(staff, id, sub);
    if (p && recorded_is(p, want))
      return TRUE;
    wt_it_pump(200);
  } while (g_get_monotonic_time() < until);
  return FALSE;
}

/* A module starts recording a room witness-load publishes into: the status says
 * the publisher's audio and video are recorded while they are, and not once the
 * recording stops; its evidence is a room-level record in chain.jsonl, which
 * still verifies. */
static void
test_recorded_status_and_evidence(void)
{
  g_autofree char *config = config_text(FALSE);
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(config);
  daemon_for_log = d;
  g_autofree char *sam_token = wt_it_mint(d, "staff", "sam", NULL);
  g_autoptr(WtItWs) sam = wt_it_ws_hello(d, sam_token, NULL);
  gint64 id = 2;

  /* An empty room cannot be recorded. */
  g_autoptr(JsonObject) empty = hello(sam, id, "\"action\":\"record\",\"room\":\"load-0\"");
  wt_it_assert_error(empty, id++, "unavailable");

  g_autoptr(GSubprocess) load = rr_start_load(d, witness_load, clip_dir, "30");
  g_autoptr(JsonObject) in = join(sam, id, "load-0");
  wt_it_assert_result(in, id++);
  /* Publishing, not recorded: nothing runs. */
  gint64 until = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
  gboolean publishing = FALSE;
  while (!publishing && g_get_monotonic_time() < until) {
    g_autoptr(JsonObject) p = status_of(sam, &id, "pub-0");
    publishing = p && json_array_get_length(json_object_get_array_member(p, "tracks")) == 2;
    if (publishing)
      g_assert_true(recorded_is(p, FALSE));
    else
      wt_it_pump(200);
  }
  g_assert_true(publishing);

  g_autoptr(JsonObject) started = hello(sam, id, "\"action\":\"record\",\"room\":\"load-0\"");
  JsonObject *st = wt_it_assert_result(started, id++);
  g_assert_cmpstr(wt_it_get_string(st, "state"), ==, "on");
  g_autofree char *recording = g_strdup(wt_it_get_string(st, "recording"));
  g_assert_nonnull(recording);
  g_assert_true(wait_recorded(sam, &id, "pub-0", TRUE, 10000));
  /* And it stays so: long enough for segments (the clip has a keyframe every 2 s). */
  wt_it_pump(4500);
  g_assert_true(wait_recorded(sam, &id, "pub-0", TRUE, 1));
  g_autoptr(JsonObject) status_on = hello(sam, id, "\"action\":\"status\",\"room\":\"load-0\"");
  JsonObject *on_rec =
      json_object_get_object_member(wt_it_assert_result(status_on, id++), "recording");
  g_assert_cmpstr(wt_it_get_string(on_rec, "state"), ==, "on");
  g_assert_cmpstr(wt_it_get_string(on_rec, "id"), ==, recording);

  /* Evidence: a room-level record; reserved types and members are refused. */
  g_autoptr(JsonObject) ev =
      hello(sam, id,
            "\"action\":\"evidence\",\"room\":\"load-0\",\"record\":\"consent\","
            "\"payload\":{\"mark\":\"start\",\"party\":\"pub-0\"}");
  g_assert_cmpstr(wt_it_get_string(wt_it_assert_result(ev, id++), "recording"), ==, recording);
  g_autoptr(JsonObject) forged = hello(
      sam, id, "\"action\":\"evidence\",\"room\":\"load-0\",\"record\":\"seal\",\"payload\":{}");
  wt_it_assert_error(forged, id++, "unavailable");
  g_autoptr(JsonObject) member = hello(
      sam, id, "\"action\":\"evidence\",\"room\":\"load-0\",\"payload\":{\"participant\":\"p-x\"}");
  wt_it_assert_error(member, id++, "unavailable");

  g_autoptr(JsonObject) stopped =
      hello(sam, id, "\"action\":\"record\",\"room\":\"load-0\",\"start\":false");
  JsonObject *sp = wt_it_assert_result(stopped, id++);
  g_assert_true(g_str_equal(wt_it_get_string(sp, "state"), "stopping") ||
                g_str_equal(wt_it_get_string(sp, "state"), "off"));
  /* Still publishing, no longer recorded. */
  g_assert_true(wait_recorded(sam, &id, "pub-0", FALSE, 1000));
  g_autoptr(JsonObject) off = rr_wait_event(sam, "recording", "off", 15000);
  g_assert_nonnull(off);
  g_assert_cmpstr(wt_it_get_string(off, "recording"), ==, recording);
  g_autoptr(JsonObject) late =
      hello(sam, id, "\"action\":\"evidence\",\"room\":\"load-0\",\"payload\":{}");
  wt_it_assert_error(late, id++, "unavailable");

  /* The consent mark is in the chain, about the room (no participant), and verifies. */
  g_autofree char *dir = g_build_filename(wt_it_daemon_data_dir(d), "archive", recording, NULL);
  g_autoptr(GPtrArray) chain = rr_chain(dir);
  guint consents = 0, segments = 0;
  for (guint i = 0; i < chain->len; i++) {
    JsonObject *r = g_ptr_array_index(chain, i);
    if (g_strcmp0(wt_it_get_string(r, "type"), "segment") == 0)
      segments++;
    if (g_strcmp0(wt_it_get_string(r, "type"), "consent") != 0)
      continue;
    consents++;
    g_assert_cmpstr(wt_it_get_string(r, "module"), ==, "hello");
    g_assert_cmpstr(wt_it_get_string(r, "mark"), ==, "start");
    g_assert_cmpstr(wt_it_get_string(r, "party"), ==, "pub-0");
    g_assert_false(json_object_has_member(r, "participant"));
  }
  g_assert_cmpuint(consents, ==, 1);
  g_assert_cmpuint(segments, >=, 1);
  g_autofree char *reason = rr_verify(d, wt_it_daemon_data_dir(d), dir);
  g_assert_cmpstr(reason, ==, "ended");

  g_subprocess_force_exit(load);
  rr_wait_process(load, 10000);
  g_autoptr(JsonObject) left = rr_request(sam, "{\"type\":\"leave\",\"id\":99}");
  wt_it_assert_result(left, 99);
  wt_it_pump(500);
  g_autofree char *seen = events_about(sam, id++, "load-0");
  g_test_message("hello saw: %s", seen);
  /* The order of what the module saw: joins, the recording on then off, leaves, closed. */
  const char *on = strstr(seen, "recording:on");
  const char *was_off = on ? strstr(on, "recording:off") : NULL;
  const char *sam_left = was_off ? strstr(was_off, "participant-left:sam") : NULL;
  g_assert_nonnull(strstr(seen, "participant-joined:sam"));
  g_assert_true(strstr(seen, "participant-joined:sam") < on);
  g_assert_nonnull(sam_left);
  g_assert_true(g_str_has_suffix(seen, "room-closed"));
  wt_it_daemon_stop_clean(d);
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  if (argc < 3)
    g_error("usage: test_rooms_bridge --tap WITNESS_LOAD CLIP_DIR");
  witness_load = argv[1];
  clip_dir = argv[2];
  g_test_add_func("/rooms-bridge/invite-and-close", test_invite_and_close);
  g_test_add_func("/rooms-bridge/recorded-status-and-evidence", test_recorded_status_and_evidence);
  return wt_it_run_tests();
}
