/* witness_gate.h — the fail-closed rule of a witnessed session: consent
 * marks and signatures go on only while the room's recording is on and
 * receives both parties' audio and video. Pure: it reads a room_status
 * result (server/module.h), so tests/unit/test_witness_gate.c checks it
 * without a server. Main thread.
 *
 *   g_autofree char *why = wt_witness_gate_missing(c, status);
 *   if (why) refuse("not-recorded", why);   // "the agent's video is not being recorded"
 */
#pragma once

#include <json-glib/json-glib.h>

#include "witness_case.h"

G_BEGIN_DECLS

/* {"principal": {present, audio, video}, "agent": {…}} from @status (a
 * room_status result, transfer none, may be NULL): audio (video) is true
 * only while the recording is on and receives it (transfer full). */
JsonObject *wt_witness_gate_recorded(const WtWitnessCase *c, JsonObject *status);
/* What keeps @status (transfer none) from proving that both parties' audio
 * and video are recorded, for people: "the room is not being recorded
 * (recording off)", or "; "-separated "the agent is not in the room", "the
 * principal's video is not being recorded"… (transfer full); NULL when
 * nothing does. */
char *wt_witness_gate_missing(const WtWitnessCase *c, JsonObject *status);

G_END_DECLS
