/* janus_stub.c — placeholder until janus_client.c lands: the Janus protocol
 * fails every participant with a clear reason. Main thread. */
#include "load.h"

static void
stub_start(LoadParticipant *p)
{
  load_participant_fail(p, "this witness-load was built without Janus support");
}

static void
stub_send_candidate(LoadParticipant *p, const char *candidate)
{
}

static void
stub_free(LoadParticipant *p)
{
}

const LoadProtocol load_janus_protocol = {"janus", stub_start, stub_send_candidate, stub_free};
