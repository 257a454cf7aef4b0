/* test_witness_gate.c — the witness module's fail-closed rule
 * (server/modules/witness/witness_gate.c): consent marks and signatures go
 * on only while the room's recording is on and receives both parties' audio
 * and video; the reason names whose audio or video is missing. Fed with
 * room_status results as the engine makes them, and with broken ones. No
 * server. */
#include <gio/gio.h>
#include <string.h>

#include "witness_gate.h"

static WtWitnessCase *
make_case(void)
{
  WtWitnessCase *c = wt_witness_case_new();
  c->number = g_strdup("WT-20261204-0001");
  c->party[WT_WITNESS_PRINCIPAL].sub = g_strdup("pam");
  c->party[WT_WITNESS_AGENT].sub = g_strdup("al");
  return c;
}

/* A room_status result: @state of the recording, then "sub:audio:video" per person. */
static JsonObject *
status(const char *state, const char *const *people)
{
  g_autoptr(GString) s = g_string_new(NULL);
  g_string_append_printf(s,
                         "{\"room\":\"witness-1\",\"recording\":{\"state\":\"%s\",\"id\":\"r-1\"},"
                         "\"participants\":[",
                         state);
  for (guint i = 0; people && people[i]; i++) {
    g_auto(GStrv) f = g_strsplit(people[i], ":", 3);
    g_string_append_printf(s,
                           "%s{\"participant\":\"p-%u\",\"sub\":\"%s\",\"role\":\"applicant\","
                           "\"tracks\":[],\"recorded\":{\"audio\":%s,\"video\":%s}}",
                           i ? "," : "", i, f[0], f[1], f[2]);
  }
  g_string_append(s, "]}");
  g_autoptr(JsonNode) node = json_from_string(s->str, NULL);
  g_assert_nonnull(node);
  return json_node_dup_object(node);
}

static void
expect(const char *state, const char *const *people, const char *why)
{
  g_autoptr(WtWitnessCase) c = make_case();
  g_autoptr(JsonObject) st = status(state, people);
  g_autofree char *missing = wt_witness_gate_missing(c, st);
  g_assert_cmpstr(missing, ==, why);
}

static void
test_both_recorded(void)
{
  /* Staff in the room too, recorded or not, changes nothing. */
  expect("on", (const char *[]){"sam:true:true", "pam:true:true", "al:true:true", NULL}, NULL);
  expect("on", (const char *[]){"al:true:true", "pam:true:true", "sam:false:false", NULL}, NULL);
}

static void
test_missing(void)
{
  expect("on", (const char *[]){"pam:true:true", "al:true:false", NULL},
         "the agent's video is not being recorded");
  expect("on", (const char *[]){"pam:false:true", "al:true:true", NULL},
         "the principal's audio is not being recorded");
  expect("on", (const char *[]){"pam:false:false", "al:true:false", NULL},
         "the principal's audio and video are not being recorded; "
         "the agent's video is not being recorded");
  expect("on", (const char *[]){"pam:true:true", NULL}, "the agent is not in the room");
  expect("on", (const char *[]){NULL},
         "the principal is not in the room; the agent is not in the room");
  /* The recording itself first: stopping or off, nothing counts. */
  expect("stopping", (const char *[]){"pam:true:true", "al:true:true", NULL},
         "the room is not being recorded (recording stopping)");
  expect("off", (const char *[]){"pam:true:true", "al:true:true", NULL},
         "the room is not being recorded (recording off)");
}

static void
test_agent_not_accepted(void)
{
  g_autoptr(WtWitnessCase) c = make_case();
  g_clear_pointer(&c->party[WT_WITNESS_AGENT].sub, g_free);
  g_autoptr(JsonObject) st = status("on", (const char *[]){"pam:true:true", "al:true:true", NULL});
  g_autofree char *missing = wt_witness_gate_missing(c, st);
  g_assert_cmpstr(missing, ==, "the agent is not in the room");
}

/* Odd shapes are refused, not crashed on (G_DEBUG=fatal-criticals makes a warning fatal). */
static void
test_broken_status(void)
{
  g_autoptr(WtWitnessCase) c = make_case();
  const char *texts[] = {
      "{}",
      "{\"recording\":\"on\",\"participants\":{}}",
      "{\"recording\":{\"state\":5},\"participants\":[1,2]}",
      ("{\"recording\":{\"state\":\"on\"},\"participants\":[{\"sub\":7},"
       "{\"sub\":\"pam\",\"recorded\":\"yes\"},{\"sub\":\"al\",\"recorded\":{\"audio\":1}}]}"),
  };
  for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
    g_autoptr(JsonNode) node = json_from_string(texts[i], NULL);
    JsonObject *o = json_node_get_object(node);
    g_autofree char *missing = wt_witness_gate_missing(c, o);
    g_assert_nonnull(missing);
    g_autoptr(JsonObject) rec = wt_witness_gate_recorded(c, o);
    for (int p = 0; p < WT_WITNESS_N_PARTIES; p++) {
      JsonObject *q = json_object_get_object_member(rec, wt_witness_party_name(p));
      g_assert_false(json_object_get_boolean_member(q, "audio"));
      g_assert_false(json_object_get_boolean_member(q, "video"));
    }
  }
  g_autofree char *none = wt_witness_gate_missing(c, NULL);
  g_assert_cmpstr(none, ==, "the room is not being recorded (recording off)");
}

static void
test_recorded_by_party(void)
{
  g_autoptr(WtWitnessCase) c = make_case();
  g_autoptr(JsonObject) st = status("on", (const char *[]){"al:true:false", NULL});
  g_autoptr(JsonObject) rec = wt_witness_gate_recorded(c, st);
  JsonObject *pr = json_object_get_object_member(rec, "principal");
  JsonObject *ag = json_object_get_object_member(rec, "agent");
  g_assert_false(json_object_get_boolean_member(pr, "present"));
  g_assert_true(json_object_get_boolean_member(ag, "present"));
  g_assert_true(json_object_get_boolean_member(ag, "audio"));
  g_assert_false(json_object_get_boolean_member(ag, "video"));
  /* Recorded means by the running recording: off, nothing is. */
  g_autoptr(JsonObject) off = status("off", (const char *[]){"al:true:true", NULL});
  g_autoptr(JsonObject) rec_off = wt_witness_gate_recorded(c, off);
  g_assert_false(
      json_object_get_boolean_member(json_object_get_object_member(rec_off, "agent"), "audio"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/witness/gate/both-recorded", test_both_recorded);
  g_test_add_func("/witness/gate/missing", test_missing);
  g_test_add_func("/witness/gate/agent-not-accepted", test_agent_not_accepted);
  g_test_add_func("/witness/gate/broken-status", test_broken_status);
  g_test_add_func("/witness/gate/recorded-by-party", test_recorded_by_party);
  return g_test_run();
}
