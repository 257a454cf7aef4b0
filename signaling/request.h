/* request.h — creating WtRequest objects (private to signaling/). */
#pragma once

#include "signaling.h"

/* @who (transfer none, copied), @msg (transfer full). */
WtRequest *wt_request_new(guint64 session, const WtIdentity *who, WtMessage *msg);

/* Frees a request nobody answered (the daemon did not take it). */
void wt_request_free(WtRequest *req);
