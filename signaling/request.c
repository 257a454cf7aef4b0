/* request.c — a request handed to the daemon, and its one reply.
 *
 * A WtRequest carries what the reply needs (session id, request id) so the
 * daemon can answer from any thread, after the connection may even be gone:
 * the reply is then dropped on the signaling thread.
 */
#include "request.h"

struct _WtRequest {
  guint64 session;
  WtIdentity *who;
  WtMessage *msg;
};

WtRequest *
wt_request_new(guint64 session, const WtIdentity *who, WtMessage *msg)
{
  WtRequest *req = g_new0(WtRequest, 1);
  req->session = session;
  req->who = wt_identity_copy(who);
  req->msg = msg;
  return req;
}

void
wt_request_free(WtRequest *req)
{
  wt_identity_free(req->who);
  wt_message_free(req->msg);
  g_free(req);
}

guint64
wt_request_get_session(const WtRequest *req)
{
  return req->session;
}

const WtIdentity *
wt_request_get_identity(const WtRequest *req)
{
  return req->who;
}

const char *
wt_request_get_type(const WtRequest *req)
{
  return req->msg->type;
}

JsonObject *
wt_request_get_body(const WtRequest *req)
{
  return req->msg->obj;
}

void
wt_signaling_reply(WtSignaling *sig, WtRequest *req, JsonObject *result)
{
  wt_signaling_send_event(sig, req->session, wt_protocol_result(req->msg->id, result));
  wt_request_free(req);
}

void
wt_signaling_reply_error(WtSignaling *sig, WtRequest *req, const char *code, const char *reason)
{
  wt_signaling_send_event(sig, req->session, wt_protocol_error(req->msg->id, code, reason));
  wt_request_free(req);
}
