#!/usr/bin/python3
"""complaints_client.py: a small Python caller of the complaints.v1 gRPC contract, written as a pattern to copy.

    /usr/bin/python3 ops/client/python/complaints_client.py submit [--request-id ID] [--phone P] [--description D] [--received ISO]
    /usr/bin/python3 ops/client/python/complaints_client.py get <id-or-case-number>
    /usr/bin/python3 ops/client/python/complaints_client.py preview [--received 2026-09-29T10:00:00+08:00]
    /usr/bin/python3 ops/client/python/complaints_client.py watch --handler-id H   (streams a handler's inbox; Ctrl-C ends)
    common: [--address 127.0.0.1:5080] --token JWT

Needs Debian's python3-grpcio and python3-grpc-tools (run by /usr/bin/python3, which sees Debian's packages) and the
google/rpc protos of `npm ci --prefix ops/client`. What a caller must know is the same as for the Node.js client
(ops/client/complaints.mjs), in short:
- Plaintext HTTP/2 (h2c) on the gRPC port; stubs are generated from <repo>/protos when the client starts (protostubs).
- Every RPC needs `authorization: Bearer <JWT>`; an intake system's token has role intake. Dev token:
  ops/mint-token.sh --sub intake-95598 --role intake. No or a bad token is UNAUTHENTICATED (no details).
- SubmitComplaint is idempotent on request_id: on UNAVAILABLE or DEADLINE_EXCEEDED resend the IDENTICAL request (same
  request_id, same received_time). The same request_id with other content is ALREADY_EXISTS, reason REQUEST_ID_REUSED.
- Writes that move a case send its current etag; a stale one is ABORTED (reason ETAG_MISMATCH): read again, decide again.
- Times are google.protobuf.Timestamp (UTC instants); due_time is UTC.
- Errors carry google.rpc.Status in the `grpc-status-details-bin` trailer: BadRequest (one violation per bad field)
  for INVALID_ARGUMENT, ErrorInfo (a stable reason) otherwise. error_details() decodes them.
"""

import argparse
import datetime
import json
import re
import sys
import time
import uuid

import grpc

import protostubs

protostubs.load()

# pylint: disable=wrong-import-position  (the modules below exist only once protostubs.load() has generated them)
from google.protobuf import json_format, symbol_database  # noqa: E402
from google.protobuf.timestamp_pb2 import Timestamp  # noqa: E402
from google.rpc import error_details_pb2, status_pb2  # noqa: E402,F401  (error_details_pb2 registers the detail types)

from complaints.v1 import (  # noqa: E402
    complaint_service_pb2 as cs,
    complaint_service_pb2_grpc as cs_grpc,
    notification_service_pb2 as ns,
    notification_service_pb2_grpc as ns_grpc,
    organization_service_pb2_grpc as org_grpc,
    sla_service_pb2 as sla,
    sla_service_pb2_grpc as sla_grpc,
    types_pb2 as types,
)

# Every unary call gets a deadline, so a dead server cannot hang the caller.
CALL_TIMEOUT_SECONDS = 10
TRANSIENT = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


class _BearerToken(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    """Adds `authorization: Bearer <token>` to every call on the channel."""

    def __init__(self, token):
        self._header = ("authorization", f"Bearer {token}")

    def _with_token(self, details):
        return details._replace(metadata=[*(details.metadata or []), self._header])

    def intercept_unary_unary(self, continuation, client_call_details, request):
        return continuation(self._with_token(client_call_details), request)

    def intercept_unary_stream(self, continuation, client_call_details, request):
        return continuation(self._with_token(client_call_details), request)


class Client:
    """The services of complaints.v1 on one plaintext channel, every call carrying the caller's token."""

    def __init__(self, address, token=None):
        self.channel = grpc.insecure_channel(address)
        if token:
            self.channel = grpc.intercept_channel(self.channel, _BearerToken(token))
        self.complaints = cs_grpc.ComplaintServiceStub(self.channel)
        self.sla = sla_grpc.SlaServiceStub(self.channel)
        self.organization = org_grpc.OrganizationServiceStub(self.channel)
        self.notifications = ns_grpc.NotificationServiceStub(self.channel)

    def close(self):
        self.channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()


def submit_with_retry(complaints, request, attempts=3, backoff_seconds=0.3, sleep=time.sleep):
    """SubmitComplaint with bounded retries of transient failures. The very same request is resent (same request_id,
    same received_time), so when an earlier attempt was stored and only its answer was lost, the server returns
    that case instead of storing a second one."""
    attempt = 1
    while True:
        try:
            return complaints.SubmitComplaint(request, timeout=CALL_TIMEOUT_SECONDS)
        except grpc.RpcError as error:
            if error.code() not in TRANSIENT or attempt >= attempts:
                raise
        sleep(backoff_seconds * attempt)
        attempt += 1


def error_details(error):
    """The google.rpc detail messages of a failed call (BadRequest, ErrorInfo, ...), decoded from the
    grpc-status-details-bin trailer; [] when the call carried none (e.g. UNAUTHENTICATED)."""
    trailer = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin")
    if trailer is None:
        return []
    status = status_pb2.Status.FromString(trailer)
    decoded = []
    for detail in status.details:
        try:
            message = symbol_database.Default().GetSymbol(detail.TypeName())()
        except KeyError:  # a detail type this client has no stub for: kept as the packed Any
            decoded.append(detail)
            continue
        detail.Unpack(message)
        decoded.append(message)
    return decoded


def error_json(error):
    """A failed call as JSON-ready data: code, message and each detail with its @type, as the Node client prints it."""
    out = {"code": error.code().name, "message": error.details()}
    details = error_details(error)
    if details:
        out["details"] = [{"@type": d.DESCRIPTOR.full_name, **json_format.MessageToDict(d, preserving_proto_field_name=True)}
                          for d in details]
    return out


def timestamp(moment):
    """A timezone-aware datetime as google.protobuf.Timestamp."""
    if moment.tzinfo is None:
        raise ValueError(f"{moment} has no time zone; a Timestamp is an instant")
    ts = Timestamp()
    ts.FromDatetime(moment.astimezone(datetime.timezone.utc))
    return ts


def iso(ts):
    return ts.ToJsonString() if ts.seconds or ts.nanos else None


SAMPLE_DESCRIPTION = "小区停电三小时，至今未恢复。(sample from ops/client/python)"


def sample_submission(request_id, received, phone="13800138000", description=SAMPLE_DESCRIPTION, account_number=""):
    """The request an intake system sends for a residential outage complaint taken on the 95598 line."""
    return cs.SubmitComplaintRequest(
        request_id=request_id,  # 1-64 of A-Z a-z 0-9 . _ : -
        channel=types.CHANNEL_PHONE_95598,
        request_kind=types.REQUEST_KIND_COMPLAINT,
        category=types.CATEGORY_OUTAGE,
        sub_category=types.SUB_CATEGORY_OUTAGE,
        level=types.LEVEL_NORMAL,
        customer=types.Customer(phone=phone, customer_class=types.CUSTOMER_CLASS_RESIDENTIAL, account_number=account_number),
        site_class=types.SITE_CLASS_URBAN,
        description=description,
        received_time=timestamp(received),
    )


def summary(case):
    return {
        "id": case.id, "case_number": case.case_number, "request_id": case.request_id,
        "status": types.CaseStatus.Name(case.status), "etag": case.etag, "received_time": iso(case.received_time),
        "deadlines": [deadline(d) for d in case.deadlines],
    }


def deadline(d):
    return {"clock": types.ClockKind.Name(d.clock), "due_time": iso(d.due_time), "limit": d.limit,
            "status": types.ClockStatus.Name(d.status), "calendar_covered": d.calendar_covered}


def _received(text):
    if not text:
        return datetime.datetime.now(datetime.timezone.utc)
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise SystemExit(f"--received needs a UTC offset, e.g. 2026-09-29T10:00:00+08:00: {text}")
    return moment


def main(argv=None):
    parser = argparse.ArgumentParser(description="Call complaints.v1 over gRPC (h2c).")
    parser.add_argument("command", choices=["submit", "get", "preview", "watch"])
    parser.add_argument("target", nargs="?", help="get: an id (UUID) or a case number")
    parser.add_argument("--address", default="127.0.0.1:5080")
    parser.add_argument("--token", help="bearer token (JWT); the server requires one")
    parser.add_argument("--request-id", default=None)
    parser.add_argument("--phone", default="13800138000")
    parser.add_argument("--description", default=SAMPLE_DESCRIPTION)
    parser.add_argument("--received", default=None, help="ISO-8601 with offset; default now")
    parser.add_argument("--handler-id", default=None, help="watch: whose inbox")
    args = parser.parse_args(argv)

    with Client(args.address, args.token) as client:
        try:
            if args.command == "submit":
                request = sample_submission(args.request_id or f"cli-{uuid.uuid4()}", _received(args.received),
                                            args.phone, args.description)
                print(json.dumps(summary(submit_with_retry(client.complaints, request)), ensure_ascii=False, indent=2))
            elif args.command == "get":
                if not args.target:
                    parser.error("get needs an id or a case number")
                by = {"id": args.target} if UUID.match(args.target) else {"case_number": args.target}
                case = client.complaints.GetComplaint(cs.GetComplaintRequest(**by), timeout=CALL_TIMEOUT_SECONDS)
                print(json.dumps(summary(case), ensure_ascii=False, indent=2))
            elif args.command == "preview":
                preview = client.sla.PreviewDeadlines(sla.PreviewDeadlinesRequest(
                    channel=types.CHANNEL_PHONE_95598, request_kind=types.REQUEST_KIND_COMPLAINT, level=types.LEVEL_NORMAL,
                    customer_class=types.CUSTOMER_CLASS_RESIDENTIAL, received_time=timestamp(_received(args.received))),
                    timeout=CALL_TIMEOUT_SECONDS)
                print(json.dumps({"deadlines": [deadline(d) for d in preview.deadlines]}, ensure_ascii=False, indent=2))
            else:
                if not args.handler_id:
                    parser.error("watch needs --handler-id")
                # A server stream has no deadline: it stays open until the caller cancels it (Ctrl-C here).
                for n in client.notifications.WatchNotifications(ns.WatchNotificationsRequest(handler_id=args.handler_id)):
                    print(json.dumps(json_format.MessageToDict(n, preserving_proto_field_name=True), ensure_ascii=False), flush=True)
        except grpc.RpcError as error:
            print(json.dumps(error_json(error), ensure_ascii=False, indent=2), file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
