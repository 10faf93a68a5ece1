#!/usr/bin/env node
// complaints.mjs: a small Node.js caller of the complaints.v1 gRPC contract, written as a pattern to copy.
//   node ops/client/complaints.mjs submit  [--request-id ID] [--phone P] [--description D] [--received ISO]
//   node ops/client/complaints.mjs get     <id-or-case-number>
//   node ops/client/complaints.mjs preview [--received 2026-09-29T10:00:00+08:00]
//   node ops/client/complaints.mjs call <Service>.<Method> --json '{"field": ...}'   (any unary RPC; fields named as in
//        the protos, enums by name, and any "..._time" or "period..." string given as ISO-8601 becomes a Timestamp)
//   common: [--address 127.0.0.1:5080] --token JWT   (install first: npm ci --prefix ops/client)
//
// What a caller must know:
// - Plaintext HTTP/2 (h2c) on the gRPC port; protos are loaded at run time from <repo>/protos (never copied).
// - Every RPC needs `authorization: Bearer <JWT>` (--token); an intake system's token has role intake, which may
//   submit, preview and read the cases it submitted. Dev token: ops/mint-token.sh --sub intake-95598 --role intake.
//   No or a bad token is UNAUTHENTICATED; a role not allowed the RPC is PERMISSION_DENIED (HTTP 401/403: no details).
// - Idempotency: SubmitComplaint is keyed on request_id. On a retry (UNAVAILABLE, DEADLINE_EXCEEDED, a lost
//   answer) resend the IDENTICAL request: same request_id and same content, received_time included. The same
//   key with other content is ALREADY_EXISTS (ErrorInfo reason REQUEST_ID_REUSED). Choose received_time once.
// - Writes that move a case (dispatch, assign, reply, ...) send the case's current etag; a stale one is ABORTED
//   (reason ETAG_MISMATCH): read the case again, then decide again.
// - Times are google.protobuf.Timestamp: UTC instants ({seconds, nanos}). Deadlines' due_time is UTC; convert to
//   local time only for display. Work strictly before due_time is on time.
// - Errors: a status code plus google.rpc.Status in the `grpc-status-details-bin` trailer: BadRequest (one
//   violation per bad field, e.g. "customer.phone") for INVALID_ARGUMENT, ErrorInfo (stable reason) otherwise.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import googleProtoFiles from 'google-proto-files';
import protobuf from 'protobufjs';

const REPO_PROTOS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../protos');
const GOOGLE_PROTOS = path.dirname(googleProtoFiles.getProtoPath()); // holds google/rpc/*.proto, google/protobuf/*.proto

const definition = protoLoader.loadSync(
  ['complaints/v1/complaint_service.proto', 'complaints/v1/sla_service.proto', 'complaints/v1/organization_service.proto',
    'complaints/v1/evaluation.proto', 'complaints/v1/report_service.proto', 'complaints/v1/rectification.proto',
    'complaints/v1/analysis.proto', 'complaints/v1/case_library.proto', 'complaints/v1/outage_notices.proto',
    'complaints/v1/taxonomy.proto'],
  { includeDirs: [REPO_PROTOS, GOOGLE_PROTOS], keepCase: true, enums: String, longs: String, defaults: true, oneofs: true });
const v1 = grpc.loadPackageDefinition(definition).complaints.v1;

const { values: opt, positionals: [command, target] } = parseArgs({
  allowPositionals: true,
  options: {
    address: { type: 'string', default: '127.0.0.1:5080' },
    token: { type: 'string' },
    'request-id': { type: 'string' },
    phone: { type: 'string', default: '13800138000' },
    description: { type: 'string', default: '小区停电三小时，至今未恢复。(sample from ops/client)' },
    received: { type: 'string' },
    json: { type: 'string', default: '{}' },
  },
});

const toTimestamp = (date) => ({ seconds: String(Math.floor(date.getTime() / 1000)), nanos: (date.getTime() % 1000) * 1e6 });
const iso = (ts) => (ts ? new Date(Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6)).toISOString() : null);
const deadline = (d) => ({ clock: d.clock, due_time: iso(d.due_time), limit: d.limit, status: d.status, calendar_covered: d.calendar_covered });
const summary = (c) => ({
  id: c.id, case_number: c.case_number, request_id: c.request_id, status: c.status, etag: c.etag,
  received_time: iso(c.received_time), deadlines: c.deadlines.map(deadline),
});

function receivedTime() {
  const date = opt.received ? new Date(opt.received) : new Date();
  if (Number.isNaN(date.getTime())) usage(`--received is not a date: ${opt.received}`);
  return toTimestamp(date);
}

// One unary call as a promise. Every call gets a deadline so a dead server cannot hang the caller.
function unary(client, method, request) {
  const metadata = new grpc.Metadata();
  if (opt.token) metadata.set('authorization', `Bearer ${opt.token}`);
  return new Promise((resolve, reject) =>
    client[method](request, metadata, { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res))));
}

// Submit with bounded retries of transient failures, resending the very same request object (same request_id,
// same received_time), so the server returns the case stored by an earlier attempt instead of a second case.
async function submitWithRetry(client, request) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await unary(client, 'SubmitComplaint', request);
    } catch (err) {
      const transient = err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED;
      if (!transient || attempt === 3) throw err;
      await new Promise((r) => setTimeout(r, 300 * attempt));
    }
  }
}

// google.rpc.Status from the trailer, each Any detail decoded by its type name (BadRequest, ErrorInfo, ...).
function decodeStatusDetails(bytes) {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(GOOGLE_PROTOS, target);
  root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'], { keepCase: true });
  const status = root.lookupType('google.rpc.Status').decode(bytes);
  return status.details.map((any) => {
    const typeName = any.type_url.slice(any.type_url.lastIndexOf('/') + 1);
    const type = root.lookup(typeName);
    if (!(type instanceof protobuf.Type)) return { '@type': typeName, value_base64: Buffer.from(any.value).toString('base64') };
    return { '@type': typeName, ...type.toObject(type.decode(any.value), { enums: String, longs: String, defaults: true }) };
  });
}

// For `call`: every string under a key ending in "_time" becomes a google.protobuf.Timestamp.
function withTimestamps(value, key = '') {
  if (typeof value === 'string' && key.endsWith('_time')) {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) usage(`${key} is not a date: ${value}`);
    return toTimestamp(date);
  }
  if (Array.isArray(value)) return value.map((v) => withTimestamps(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withTimestamps(v, k)]));
  return value;
}

async function call(credentials) {
  const [service, method] = (target ?? '').split('.');
  const Service = v1[service];
  if (!Service?.service?.[method]) usage(`call needs <Service>.<Method> of complaints.v1, e.g. ComplaintService.RecordFinding; got: ${target}`);
  let request;
  try {
    request = withTimestamps(JSON.parse(opt.json));
  } catch (err) {
    usage(`--json is not JSON: ${err.message}`);
  }
  const client = new Service(opt.address, credentials);
  try {
    const response = await unary(client, method, request);
    console.log(JSON.stringify(response, (_k, v) => (v && typeof v === 'object' && 'seconds' in v && 'nanos' in v ? iso(v) : v), 2));
  } finally {
    client.close();
  }
}

function usage(problem) {
  console.error(`${problem}\nusage: node complaints.mjs submit|get <id-or-case-number>|preview|call <Service>.<Method> [--address host:port] [--token T]`
    + ' [--request-id ID] [--phone P] [--description D] [--received ISO-8601] [--json REQUEST]');
  process.exit(2);
}

async function main() {
  const credentials = grpc.credentials.createInsecure();
  const complaints = new v1.ComplaintService(opt.address, credentials);
  const sla = new v1.SlaService(opt.address, credentials);
  try {
    switch (command) {
      case 'submit': {
        const stored = await submitWithRetry(complaints, {
          request_id: opt['request-id'] ?? `cli-${randomUUID()}`, // 1-64 of A-Z a-z 0-9 . _ : -
          channel: 'CHANNEL_PHONE_95598',
          request_kind: 'REQUEST_KIND_COMPLAINT',
          category: 'CATEGORY_OUTAGE',
          sub_category: 'SUB_CATEGORY_OUTAGE',
          level: 'LEVEL_NORMAL',
          customer: { phone: opt.phone, customer_class: 'CUSTOMER_CLASS_RESIDENTIAL' },
          site_class: 'SITE_CLASS_URBAN',
          description: opt.description,
          received_time: receivedTime(),
        });
        return console.log(JSON.stringify(summary(stored), null, 2));
      }
      case 'get': {
        if (!target) usage('get needs an id or a case number');
        const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(target);
        const found = await unary(complaints, 'GetComplaint', byId ? { id: target } : { case_number: target });
        return console.log(JSON.stringify(summary(found), null, 2));
      }
      case 'preview': {
        const preview = await unary(sla, 'PreviewDeadlines', {
          channel: 'CHANNEL_PHONE_95598', request_kind: 'REQUEST_KIND_COMPLAINT', level: 'LEVEL_NORMAL',
          customer_class: 'CUSTOMER_CLASS_RESIDENTIAL', received_time: receivedTime(),
        });
        return console.log(JSON.stringify({ deadlines: preview.deadlines.map(deadline) }, null, 2));
      }
      case 'call':
        return await call(credentials);
      default:
        usage(command ? `unknown command: ${command}` : 'no command given');
    }
  } catch (err) {
    if (err.code === undefined) throw err; // not a gRPC status: a bug, let Node print it
    const bin = err.metadata?.get('grpc-status-details-bin')?.[0];
    const out = { code: grpc.status[err.code] ?? String(err.code), message: err.details };
    if (bin) out.details = decodeStatusDetails(bin);
    console.error(JSON.stringify(out, null, 2));
    process.exitCode = 1;
  } finally {
    complaints.close();
    sla.close();
  }
}

await main();
