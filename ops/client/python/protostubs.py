"""Python stubs for complaints.v1, generated at run time from the repository's protos/ into a temporary folder.

Nothing generated is kept in the repository: every run compiles the protos it finds, so a field or RPC added to
protos/ is there the next time a caller starts. Import load() and call it before importing any complaints.v1 module:

    import protostubs
    protostubs.load()
    from complaints.v1 import complaint_service_pb2, complaint_service_pb2_grpc

Where the inputs come from:
- protos/ of this repository (every .proto under it);
- google/rpc/*.proto (and any other non-protobuf google/... file the protos import) from the npm package
  google-proto-files that ops/client installs (`npm ci --prefix ops/client`), or from the folder in $GOOGLE_PROTOS;
- google/protobuf/*.proto from grpc_tools itself; their Python modules come with the protobuf runtime.

Debian 12's python3-grpc-tools (1.14) bundles protoc 3.5.1, which predates proto3 `optional` (it rejects the label;
newer google/rpc/error_details.proto uses it). load() asks the compiler first; when it refuses, the temporary copy
(never the repository) rewrites each `optional T name = N;` as `oneof _name { T name = N; }`, the synthetic oneof
that protoc itself makes for an optional field: same wire format, same field names, and HasField() works the same.
"""

import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile

import grpc_tools

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_PROTOS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "protos"))
NPM_GOOGLE_PROTOS = os.path.normpath(os.path.join(HERE, "..", "node_modules", "google-proto-files"))
WELL_KNOWN_PROTOS = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")

IMPORT = re.compile(r'^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;', re.MULTILINE)
PROTO3 = re.compile(r'^\s*syntax\s*=\s*"proto3"\s*;', re.MULTILINE)
# The error details of every failed call (google.rpc.Status in the grpc-status-details-bin trailer); no RPC names them.
ERROR_PROTOS = ["google/rpc/status.proto", "google/rpc/error_details.proto"]
OPTIONAL_FIELD = re.compile(r"^(\s*)optional\s+([\w.]+)\s+(\w+)(\s*=\s*\d+\s*(?:\[[^\]]*\])?\s*);", re.MULTILINE)

_loaded = None


class StubError(RuntimeError):
    """The stubs cannot be generated; the message says what to install or set."""


def google_protos_dir():
    folder = os.environ.get("GOOGLE_PROTOS") or NPM_GOOGLE_PROTOS
    if not os.path.isfile(os.path.join(folder, "google", "rpc", "status.proto")):
        raise StubError(
            f"google/rpc/status.proto is not under {folder}: run `npm ci --prefix ops/client` in the repository root "
            "(it installs google-proto-files), or set GOOGLE_PROTOS to a folder holding google/rpc/*.proto")
    return folder


def _protoc(args, cwd):
    """Runs grpc_tools' protoc in a child process, so its messages can be captured and shown."""
    return subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{WELL_KNOWN_PROTOS}", *args],
                          cwd=cwd, capture_output=True, text=True, check=False)


def optional_support(work):
    """How this protoc takes proto3 `optional`: [] (natively), the experimental flag, or None (not at all)."""
    probe = os.path.join(work, "probe")
    os.makedirs(probe)
    with open(os.path.join(probe, "probe.proto"), "w", encoding="utf-8") as f:
        f.write('syntax = "proto3";\nmessage Probe { optional int32 x = 1; }\n')
    try:
        for flags in ([], ["--experimental_allow_proto3_optional"]):
            if _protoc(["-I.", *flags, f"--python_out={probe}", "probe.proto"], probe).returncode == 0:
                return flags
        return None
    finally:
        shutil.rmtree(probe)


def rewrite_optional(text):
    """proto3 `optional T name = N;` as the synthetic oneof protoc would make of it (proto3 files only)."""
    if not PROTO3.search(text):
        return text
    return OPTIONAL_FIELD.sub(lambda m: f"{m[1]}oneof _{m[3]} {{ {m[2]} {m[3]}{m[4]}; }}", text)


def _closure(protos_dir, google_dir):
    """Every .proto under protos/, the google.rpc error protos and what they import, transitively, as (name, path).
    google/protobuf/* is left out: grpc_tools has the sources and the protobuf runtime the Python modules."""
    pending = [os.path.relpath(os.path.join(d, f), protos_dir).replace(os.sep, "/")
               for d, _, files in os.walk(protos_dir) for f in files if f.endswith(".proto")] + ERROR_PROTOS
    found = {}
    while pending:
        name = pending.pop()
        if name in found or name.startswith("google/protobuf/"):
            continue
        source = next((os.path.join(root, name) for root in (protos_dir, google_dir)
                       if os.path.isfile(os.path.join(root, name))), None)
        if source is None:
            raise StubError(f"cannot find {name} under {protos_dir} or {google_dir}")
        found[name] = source
        with open(source, encoding="utf-8") as f:
            pending.extend(IMPORT.findall(f.read()))
    return sorted(found.items())


def generate(out_dir, protos_dir=REPO_PROTOS):
    """Compiles protos_dir (and the google/rpc files) into out_dir; returns the names of the .proto files compiled."""
    work = tempfile.mkdtemp(prefix="complaints-protos-")
    try:
        flags = optional_support(work)
        files = _closure(protos_dir, google_protos_dir())
        for name, source in files:
            target = os.path.join(work, name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(source, encoding="utf-8") as f:
                text = f.read()
            with open(target, "w", encoding="utf-8") as f:
                f.write(text if flags is not None else rewrite_optional(text))
        names = [name for name, _ in files]
        result = _protoc(["-I.", *(flags or []), f"--python_out={out_dir}", f"--grpc_python_out={out_dir}", *names], work)
        if result.returncode != 0:
            raise StubError(f"protoc failed (exit {result.returncode}):\n{result.stderr}")
        return names
    finally:
        shutil.rmtree(work, ignore_errors=True)


def load():
    """Generates the stubs once per process into a temporary folder (removed at exit) and puts it on sys.path."""
    global _loaded
    if _loaded is None:
        out = tempfile.mkdtemp(prefix="complaints-stubs-")
        atexit.register(shutil.rmtree, out, True)
        generate(out)
        sys.path.insert(0, out)
        _loaded = out
    return _loaded
