/* request.h — creating WtRequest objects (private to signaling/). */
#pragma once

#include "signaling.h"

/* @who (transfer none, copied), @msg (transfer full). */
WtRequest *wt_request_new(guint64 session, const WtIdentity *who, WtMessage *msg);
