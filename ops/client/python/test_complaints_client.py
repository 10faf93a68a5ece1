"""The Python caller suite: complaints_client.py against a real server (python3 unittest).

    COMPLAINTS_ADDRESS=127.0.0.1:5080 COMPLAINTS_INTAKE_TOKEN=... COMPLAINTS_DESK_TOKEN=... \\
        /usr/bin/python3 -m unittest -v test_complaints_client        (from ops/client/python)

COMPLAINTS_INTAKE_TOKEN: role intake (submits); COMPLAINTS_DESK_TOKEN: roles supervisor and admin, bound to no unit
(sets up units and handlers and moves cases). The assignment notification reaches WatchNotifications only while the
worker runs. tests/ComplaintGrpc.IntegrationTests/Clients/PythonClientTests.cs starts the server, the worker and
PostgreSQL and runs each test here as its own process; the tests that need a server fail, never skip, without one.
"""

import contextlib
import datetime
import importlib
import io
import json
import os
import secrets
import socket
import sys
import tempfile
import unittest
import uuid

import grpc

import complaints_client as cc
import protostubs
from complaints.v1 import complaint_service_pb2 as cs
from complaints.v1 import evaluation_pb2 as ev
from complaints.v1 import notification_service_pb2 as ns
from complaints.v1 import organization_service_pb2 as org
from complaints.v1 import types_pb2 as types
from google.rpc import error_details_pb2

# A server stream is given a deadline here only so that a missing notification fails the test instead of hanging it.
WATCH_TIMEOUT_SECONDS = 60


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def mobile():
    """A valid mainland mobile number of its own, so no two cases of this suite look like one customer calling again."""
    return "139" + "".join(secrets.choice("0123456789") for _ in range(8))


def recently():
    return datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=2)


def server_settings():
    names = ("COMPLAINTS_ADDRESS", "COMPLAINTS_INTAKE_TOKEN", "COMPLAINTS_DESK_TOKEN")
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        raise RuntimeError(f"set {', '.join(missing)} (a running server and its tokens; see this file's docstring)")
    return [os.environ[n] for n in names]


class LostAnswer(grpc.RpcError):
    """UNAVAILABLE after the server has done the work: what a caller sees when a connection drops mid-answer."""

    def code(self):
        return grpc.StatusCode.UNAVAILABLE

    def details(self):
        return "connection lost before the answer arrived"

    def trailing_metadata(self):
        return ()


class FirstAnswerLost:
    """A ComplaintService stub whose first SubmitComplaint reaches the server but whose answer never gets back."""

    def __init__(self, stub):
        self._stub = stub
        self.sent = []
        self.lost = None

    def SubmitComplaint(self, request, **kwargs):  # noqa: N802 (the stub's method name)
        self.sent.append(request.SerializeToString())
        answer = self._stub.SubmitComplaint(request, **kwargs)
        if self.lost is None:
            self.lost = answer
            raise LostAnswer()
        return answer


class ClientTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        address, intake_token, desk_token = server_settings()
        cls.intake = cc.Client(address, intake_token)
        cls.desk = cc.Client(address, desk_token)
        cls.anonymous = cc.Client(address)

    @classmethod
    def tearDownClass(cls):
        for client in (cls.intake, cls.desk, cls.anonymous):
            client.close()

    # --- helpers -------------------------------------------------------------------------------------------------

    def organization(self):
        """A province -> city -> county -> station chain with one handler at the station: (station_id, handler_id)."""
        parent = ""
        for level, name in ((org.UNIT_LEVEL_PROVINCE, "江苏省电力公司"), (org.UNIT_LEVEL_CITY, "南京供电公司"),
                            (org.UNIT_LEVEL_COUNTY, "江宁供电公司"), (org.UNIT_LEVEL_STATION, "东山供电所")):
            unit = org.Unit(unit_id=unique("py-u"), name=name, level=level, parent_unit_id=parent, customer_count=100_000)
            parent = self.desk.organization.CreateUnit(org.CreateUnitRequest(unit=unit), timeout=cc.CALL_TIMEOUT_SECONDS).unit_id
        handler = org.Handler(handler_id=unique("py-h"), unit_id=parent, name="李娜", email="lina@example.test")
        self.desk.organization.CreateHandler(org.CreateHandlerRequest(handler=handler), timeout=cc.CALL_TIMEOUT_SECONDS)
        return parent, handler.handler_id

    def submit(self, **fields):
        request = cc.sample_submission(unique("py-req"), recently(), phone=mobile(), **fields)
        return cc.submit_with_retry(self.intake.complaints, request)

    def rejected(self, call, *args):
        """The RpcError of a call that must fail."""
        with self.assertRaises(grpc.RpcError) as raised:
            call(*args, timeout=cc.CALL_TIMEOUT_SECONDS)
        return raised.exception

    def detail(self, error, message_type):
        found = [d for d in cc.error_details(error) if isinstance(d, message_type)]
        self.assertEqual(len(found), 1, f"one {message_type.DESCRIPTOR.full_name} in {cc.error_json(error)}")
        return found[0]

    def listed(self, **filters):
        """Every case the desk's ListComplaints returns for these filters, page by page (2 a page): (pages, cases)."""
        pages, token = [], ""
        while True:
            page = self.desk.complaints.ListComplaints(cs.ListComplaintsRequest(page_size=2, page_token=token, **filters),
                                                       timeout=cc.CALL_TIMEOUT_SECONDS)
            pages.append([c.id for c in page.complaints])
            token = page.next_page_token
            if not token:
                return pages, [i for p in pages for i in p]

    def command_line(self, *args):
        """complaints_client.main() with the intake token, as `complaints_client.py ARGS` runs: (exit, stdout, stderr)."""
        address, intake_token, _ = server_settings()
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cc.main([*args, "--address", address, "--token", intake_token])
        return code, out.getvalue(), err.getvalue()

    # --- tests ---------------------------------------------------------------------------------------------------

    def test_a_case_walks_from_submit_to_close_with_the_latest_etag_at_every_step(self):
        station, handler = self.organization()
        c = self.submit(description="变压器冒烟后全楼停电")
        self.assertEqual((c.status, c.etag), (types.CASE_STATUS_RECEIVED, "1"))
        self.assertRegex(c.case_number, r"^CP\d{14,}$")
        self.assertEqual(sorted(types.ClockKind.Name(d.clock) for d in c.deadlines),
                         ["CLOCK_KIND_DISPATCH", "CLOCK_KIND_FIRST_CONTACT", "CLOCK_KIND_REPLY"])
        self.assertTrue(all(d.due_time.ToDatetime() > c.received_time.ToDatetime() for d in c.deadlines))

        steps = self.desk.complaints
        t = cc.CALL_TIMEOUT_SECONDS
        etags = [c.etag]
        c = steps.DispatchToUnit(cs.DispatchToUnitRequest(id=c.id, etag=c.etag, unit_id=station), timeout=t)
        etags.append(c.etag)
        self.assertEqual(c.status, types.CASE_STATUS_DISPATCHED)
        c = steps.AssignHandler(cs.AssignHandlerRequest(id=c.id, etag=c.etag, handler_id=handler), timeout=t)
        etags.append(c.etag)
        self.assertEqual(c.status, types.CASE_STATUS_ASSIGNED)
        c = steps.AcceptAssignment(cs.AcceptAssignmentRequest(id=c.id, etag=c.etag), timeout=t)
        etags.append(c.etag)
        self.assertEqual(c.status, types.CASE_STATUS_ACCEPTED)
        c = steps.RecordFirstContact(cs.RecordFirstContactRequest(id=c.id, etag=c.etag, note="电话联系客户"), timeout=t)
        etags.append(c.etag)
        self.assertEqual(c.status, types.CASE_STATUS_CONTACTED)
        c = steps.ReplyToCustomer(cs.ReplyToCustomerRequest(id=c.id, etag=c.etag, reply_text="线路故障已修复。"), timeout=t)
        etags.append(c.etag)
        self.assertEqual(c.status, types.CASE_STATUS_REPLIED)
        c = steps.RecordCallback(cs.RecordCallbackRequest(id=c.id, etag=c.etag, satisfied=True, score=5), timeout=t)
        etags.append(c.etag)
        self.assertEqual(c.status, types.CASE_STATUS_CALLED_BACK)
        finding = ev.Finding(outcome=types.SUBSTANTIATION_UNSUBSTANTIATED, basis="调取停电记录：该时段无停电。",
                             evidence=[ev.EvidenceReference(attachment_id="rec-42", kind="outage-log")],
                             investigator_id="inv-zhou", investigated_time=c.reply_time)
        c = steps.RecordFinding(ev.RecordFindingRequest(id=c.id, etag=c.etag, finding=finding), timeout=t)
        etags.append(c.etag)
        closed = steps.CloseComplaint(cs.CloseComplaintRequest(id=c.id, etag=c.etag), timeout=t)
        etags.append(closed.etag)

        self.assertEqual((closed.status, closed.substantiation), (types.CASE_STATUS_CLOSED, types.SUBSTANTIATION_UNSUBSTANTIATED))
        self.assertEqual([int(e) for e in etags], list(range(1, 10)), "a new etag with every change: submit and eight steps")
        read = self.intake.complaints.GetComplaint(cs.GetComplaintRequest(case_number=closed.case_number), timeout=t)
        self.assertEqual((read.id, read.etag, read.status, read.description), (closed.id, closed.etag, closed.status, "变压器冒烟后全楼停电"))
        history = steps.GetComplaintHistory(cs.GetComplaintHistoryRequest(id=closed.id), timeout=t).events
        self.assertEqual([types.CaseAction.Name(e.action_kind) for e in history], [
            "CASE_ACTION_SUBMITTED", "CASE_ACTION_DISPATCHED_TO_UNIT", "CASE_ACTION_HANDLER_ASSIGNED",
            "CASE_ACTION_ASSIGNMENT_ACCEPTED", "CASE_ACTION_FIRST_CONTACT_RECORDED", "CASE_ACTION_REPLIED_TO_CUSTOMER",
            "CASE_ACTION_CALLBACK_SATISFIED", "CASE_ACTION_FINDING_RECORDED", "CASE_ACTION_CLOSED"])

    def test_a_bad_phone_is_invalid_argument_with_a_bad_request_naming_the_field(self):
        request = cc.sample_submission(unique("py-bad"), recently(), phone="12345")

        error = self.rejected(self.intake.complaints.SubmitComplaint, request)

        self.assertEqual(error.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertTrue(error.details())
        bad_request = self.detail(error, error_details_pb2.BadRequest)
        self.assertEqual([v.field for v in bad_request.field_violations], ["customer.phone"])
        self.assertTrue(bad_request.field_violations[0].description)
        # The same, as the command line prints it.
        printed = cc.error_json(error)
        self.assertEqual(printed["code"], "INVALID_ARGUMENT")
        printed_bad_request = [d for d in printed["details"] if d["@type"] == "google.rpc.BadRequest"]
        self.assertEqual([v["field"] for v in printed_bad_request[0]["field_violations"]], ["customer.phone"])

    def test_a_stale_etag_is_aborted_with_error_info_etag_mismatch(self):
        station, _ = self.organization()
        c = self.submit()

        error = self.rejected(self.desk.complaints.DispatchToUnit, cs.DispatchToUnitRequest(id=c.id, etag="7", unit_id=station))

        self.assertEqual(error.code(), grpc.StatusCode.ABORTED)
        info = self.detail(error, error_details_pb2.ErrorInfo)
        self.assertEqual((info.reason, info.domain), ("ETAG_MISMATCH", "complaints.v1"))
        unchanged = self.desk.complaints.GetComplaint(cs.GetComplaintRequest(id=c.id), timeout=cc.CALL_TIMEOUT_SECONDS)
        self.assertEqual((unchanged.status, unchanged.etag), (types.CASE_STATUS_RECEIVED, "1"))

    def test_a_submit_whose_answer_was_lost_is_retried_with_the_same_request_and_stores_one_case(self):
        account = uuid.uuid4().hex[:20]
        request = cc.sample_submission(unique("py-retry"), recently(), phone=mobile(), account_number=account)
        flaky = FirstAnswerLost(self.intake.complaints)
        waits = []

        stored = cc.submit_with_retry(flaky, request, sleep=waits.append)

        self.assertEqual(len(flaky.sent), 2, "one retry after the lost answer")
        self.assertEqual(flaky.sent[0], flaky.sent[1], "the retry resends the identical request")
        self.assertEqual(len(waits), 1, "it backed off once before retrying")
        self.assertEqual((stored.id, stored.case_number, stored.etag), (flaky.lost.id, flaky.lost.case_number, "1"))
        _, cases = self.listed(customer_account_number=account)
        self.assertEqual(cases, [stored.id], "the server stored the case once")

    def test_a_submit_to_a_server_that_is_not_there_is_retried_then_fails_unavailable(self):
        with socket.socket() as closed:  # a loopback port nothing listens on
            closed.bind(("127.0.0.1", 0))
            address = f"127.0.0.1:{closed.getsockname()[1]}"
        waits = []
        with cc.Client(address, "any-token") as nowhere:
            with self.assertRaises(grpc.RpcError) as raised:
                cc.submit_with_retry(nowhere.complaints, cc.sample_submission(unique("py-down"), recently()), sleep=waits.append)

        self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAVAILABLE)
        self.assertEqual(waits, [0.3, 0.6], "three attempts, backing off between them")

    def test_the_same_request_id_with_other_content_is_already_exists_with_error_info_request_id_reused(self):
        request = cc.sample_submission(unique("py-reuse"), recently(), phone=mobile())
        first = cc.submit_with_retry(self.intake.complaints, request)
        changed = cs.SubmitComplaintRequest()
        changed.CopyFrom(request)
        changed.description = "另一件事"

        error = self.rejected(self.intake.complaints.SubmitComplaint, changed)

        self.assertEqual(error.code(), grpc.StatusCode.ALREADY_EXISTS)
        info = self.detail(error, error_details_pb2.ErrorInfo)
        self.assertEqual((info.reason, info.domain), ("REQUEST_ID_REUSED", "complaints.v1"))
        self.assertEqual(cc.submit_with_retry(self.intake.complaints, request).id, first.id, "the identical request still gets its case")

    def test_a_list_is_read_page_by_page_until_the_token_is_empty(self):
        account = uuid.uuid4().hex[:20]
        submitted = {self.submit(account_number=account).id for _ in range(5)}

        pages, cases = self.listed(customer_account_number=account)

        self.assertEqual([len(p) for p in pages], [2, 2, 1])
        self.assertEqual(len(cases), len(set(cases)), "no case on two pages")
        self.assertEqual(set(cases), submitted)

    def test_watch_notifications_streams_the_assignment_to_the_handler(self):
        station, handler = self.organization()
        watch = self.desk.notifications.WatchNotifications(ns.WatchNotificationsRequest(handler_id=handler),
                                                           timeout=WATCH_TIMEOUT_SECONDS)
        try:
            c = self.submit()
            c = self.desk.complaints.DispatchToUnit(cs.DispatchToUnitRequest(id=c.id, etag=c.etag, unit_id=station),
                                                    timeout=cc.CALL_TIMEOUT_SECONDS)
            c = self.desk.complaints.AssignHandler(cs.AssignHandlerRequest(id=c.id, etag=c.etag, handler_id=handler),
                                                   timeout=cc.CALL_TIMEOUT_SECONDS)

            seen = next(watch)  # the worker delivers it; the stream's deadline bounds the wait
        finally:
            watch.cancel()

        self.assertEqual((seen.kind, seen.complaint_id, seen.case_number, seen.handler_id),
                         (ns.NOTIFICATION_KIND_CASE_ASSIGNED, c.id, c.case_number, handler))
        self.assertTrue(seen.notification_id)
        self.assertTrue(seen.HasField("delivered_time"))

    def test_without_a_token_a_call_is_unauthenticated_without_details(self):
        request = cc.sample_submission(unique("py-anon"), recently())

        error = self.rejected(self.anonymous.complaints.SubmitComplaint, request)

        self.assertEqual(error.code(), grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(cc.error_details(error), [])


    def test_the_command_line_prints_the_stored_case_reads_it_back_and_prints_a_rejection_with_its_details(self):
        request_id = unique("py-cli")
        beijing = datetime.timezone(datetime.timedelta(hours=8))
        received = recently().replace(microsecond=0)

        submitted = self.command_line("submit", "--request-id", request_id, "--phone", mobile(),
                                      "--received", received.astimezone(beijing).isoformat(), "--description", "电表箱门损坏")
        self.assertEqual(submitted[0], 0, submitted)
        case = json.loads(submitted[1])
        self.assertEqual((case["request_id"], case["status"], case["etag"], case["received_time"]),
                         (request_id, "CASE_STATUS_RECEIVED", "1", received.strftime("%Y-%m-%dT%H:%M:%SZ")))
        read = self.command_line("get", case["case_number"])
        self.assertEqual(read[0], 0, read)
        self.assertEqual(json.loads(read[1]), case)

        rejected = self.command_line("submit", "--phone", "12345")
        self.assertEqual((rejected[0], rejected[1]), (1, ""), rejected)
        error = json.loads(rejected[2])
        self.assertEqual(error["code"], "INVALID_ARGUMENT")
        bad_request = next(d for d in error["details"] if d["@type"] == "google.rpc.BadRequest")
        self.assertEqual([v["field"] for v in bad_request["field_violations"]], ["customer.phone"])

    def test_preview_prints_the_worked_example_reply_due_time_in_utc(self):
        code, out, err = self.command_line("preview", "--received", "2026-09-29T10:00:00+08:00")

        self.assertEqual(code, 0, err)
        deadlines = json.loads(out)["deadlines"]
        self.assertEqual([d["clock"] for d in deadlines], ["CLOCK_KIND_DISPATCH", "CLOCK_KIND_FIRST_CONTACT", "CLOCK_KIND_REPLY"])
        reply = deadlines[2]
        self.assertEqual((reply["due_time"], reply["limit"], reply["calendar_covered"]), ("2026-10-10T16:00:00Z", "4 working days", True))


class StubGenerationTests(unittest.TestCase):
    """protostubs' rewrite of proto3 `optional` for a protoc that predates it (pure text; no server)."""

    def test_an_optional_field_becomes_its_synthetic_oneof_and_everything_else_is_kept(self):
        source = ('syntax = "proto3";\n'
                  "message Quota {\n"
                  "  // optional int64 in_a_comment = 9;\n"
                  "  optional int64 future_quota_value = 8;\n"
                  "  optional google.protobuf.Timestamp since = 3 [deprecated = true];\n"
                  "  string subject = 1;\n"
                  "}\n")

        rewritten = protostubs.rewrite_optional(source)

        self.assertEqual(rewritten, ('syntax = "proto3";\n'
                                     "message Quota {\n"
                                     "  // optional int64 in_a_comment = 9;\n"
                                     "  oneof _future_quota_value { int64 future_quota_value = 8; }\n"
                                     "  oneof _since { google.protobuf.Timestamp since = 3 [deprecated = true]; }\n"
                                     "  string subject = 1;\n"
                                     "}\n"))

    def test_a_proto2_file_keeps_its_optional_labels(self):
        source = 'syntax = "proto2";\nmessage M { optional int32 x = 1; }\n'

        self.assertEqual(protostubs.rewrite_optional(source), source)

    def test_a_contract_with_an_optional_field_compiles_and_the_field_keeps_its_presence(self):
        with tempfile.TemporaryDirectory() as protos, tempfile.TemporaryDirectory() as out:
            os.makedirs(os.path.join(protos, "optionalprobe", "v1"))
            with open(os.path.join(protos, "optionalprobe", "v1", "reading.proto"), "w", encoding="utf-8") as f:
                f.write('syntax = "proto3";\npackage optionalprobe.v1;\nimport "google/protobuf/timestamp.proto";\n'
                        "message Reading {\n  string meter = 1;\n  optional int32 kwh = 2;\n"
                        "  optional google.protobuf.Timestamp read_time = 3;\n}\n")

            compiled = protostubs.generate(out, protos_dir=protos)
            sys.path.insert(0, out)
            try:
                reading_pb2 = importlib.import_module("optionalprobe.v1.reading_pb2")
            finally:
                sys.path.remove(out)

            self.assertIn("optionalprobe/v1/reading.proto", compiled)
            self.assertIn("google/rpc/error_details.proto", compiled)
            reading = reading_pb2.Reading(meter="m-1")
            self.assertFalse(reading.HasField("kwh"))
            reading.kwh = 0
            back = reading_pb2.Reading.FromString(reading.SerializeToString())
            self.assertTrue(back.HasField("kwh"), "an optional field set to its default is still present after a round trip")
            self.assertFalse(back.HasField("read_time"))

    def test_the_generated_error_details_keep_field_presence(self):
        violation = error_details_pb2.QuotaFailure.Violation()  # future_quota_value is `optional` in error_details.proto

        self.assertFalse(violation.HasField("future_quota_value"))
        violation.future_quota_value = 0
        self.assertTrue(violation.HasField("future_quota_value"), "an optional field set to its default is still present")
        self.assertTrue(error_details_pb2.QuotaFailure.Violation.FromString(violation.SerializeToString()).HasField("future_quota_value"))


if __name__ == "__main__":
    unittest.main()
