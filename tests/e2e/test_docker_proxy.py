"""`dagrun docker-proxy` against an attack corpus, in front of the real Docker Engine.

The proxy is a fail-closed filter in front of the daemon's socket: only the
calls the container executor makes, only on containers created through it,
and only create bodies that grant nothing the container policy refuses
(docs/security.md). Each case of CORPUS is a request sent as raw bytes over the
proxy's unix socket (framing tricks must arrive exactly as written), with the
statuses it may be answered with. For every case the test asserts the status,
the proxy's own JSON refusal, the one audit line it writes, and that the
connection is closed after one response; over the whole corpus it asserts,
from the daemon's side, that nothing reached it: no container of this test
appeared or changed, and the daemon's event stream shows no event of any of
this test's objects between two markers. Positive controls show the proxy is
no wall that refuses everything: a create shaped like dagrun's own goes
through, and start, attach, wait, logs, inspect, list and remove work on it.

Every object the tests cause carries e2e.test_docker_proxy=<a value unique to
the test> (or that value in its name); clean-up talks to the daemon directly.
Without a Docker Engine the tests skip (fail under CI=true).
"""
import json
import os
import re
import select
import shutil
import signal
import socket
import tempfile
import threading
import time
import unittest
import urllib.parse
import uuid
from collections import namedtuple

from harness import DAGRUN, Started, wait_for, where_it_waits
from test_news_docker import SOCKET, Docker, docker_or_skip

LABEL = "e2e.test_docker_proxy"  # dagrun.* labels are the engine's and the proxy's
PROXY_LABEL = "dagrun.proxy"
BUSYBOX = "dagrun-test-busybox:latest"
DAG_ID = "proxy_dag"
MAX_BODY = 1048576  # the proxy's default --max-body
CASE_TIMEOUT = 8.0  # a case whose answer takes longer has hung
AUDIT_WAIT = 3.0  # how long an audit line may lag behind the answer
REFUSAL_PREFIX = "dagrun docker-proxy: "

# Statuses a case may be answered with.
BAD = {400}
POLICY = {403}
BAD_OR_POLICY = {400, 403}
NOT_YOURS = {403, 404}
BAD_POLICY_OR_UNKNOWN = {400, 403, 404}
FRAMING_TE = {400, 411}
TOO_LARGE = {413}


# --- raw HTTP over a unix socket ------------------------------------------


def unix_connect(path, timeout):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(timeout)
        s.connect(path)
    except OSError:
        s.close()
        raise
    return s


def dechunk(data):
    """(body, rest, complete) of a chunked body at the start of data."""
    body, pos = b"", 0
    while True:
        end = data.find(b"\r\n", pos)
        if end < 0:
            return body, b"", False
        size_text = data[pos:end].split(b";")[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return body, data[pos:], True  # not chunked after all; show what came
        start = end + 2
        if size == 0:
            trailer_end = data.find(b"\r\n\r\n", start - 2)
            if trailer_end < 0:
                return body, b"", False
            return body, data[trailer_end + 4:], True
        if len(data) < start + size + 2:
            return body, b"", False
        body += data[start:start + size]
        pos = start + size + 2


class Parsed:
    def __init__(self, status, reason, headers, body, rest, complete, interim):
        self.status, self.reason, self.headers = status, reason, headers
        self.body, self.rest, self.complete, self.interim = body, rest, complete, interim


def parse_response(buf, head_request=False):
    """The first final response in buf (1xx interim ones but 101 skipped), or None if its head is not all there."""
    interim, pos = [], 0
    while True:
        end = buf.find(b"\r\n\r\n", pos)
        if end < 0:
            return None
        lines = buf[pos:end].decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3})(?: (.*))?$", lines[0])
        if not m:
            raise ValueError(f"not an HTTP status line: {lines[0]!r}")
        status = int(m.group(1))
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        start = end + 4
        if 100 <= status < 200 and status != 101:
            interim.append(status)
            pos = start
            continue
        break
    reason = m.group(2) or ""
    if head_request or status in (101, 204, 304):
        return Parsed(status, reason, headers, b"", buf[start:], True, interim)
    if "chunked" in ",".join(headers.get("transfer-encoding", [])).lower():
        body, rest, complete = dechunk(buf[start:])
        return Parsed(status, reason, headers, body, rest, complete, interim)
    if "content-length" in headers:
        n = int(headers["content-length"][0])
        body = buf[start:start + n]
        return Parsed(status, reason, headers, body, buf[start + n:], len(body) == n, interim)
    return Parsed(status, reason, headers, buf[start:], b"", False, interim)  # until the connection closes


class Answer:
    """What came back for one request: the raw bytes, the parsed first response, whether the peer closed."""

    def __init__(self, raw, closed, elapsed, send_error, head_request):
        self.raw, self.closed, self.elapsed, self.send_error = raw, closed, elapsed, send_error
        self.status = None
        self.headers, self.body, self.extra, self.interim = {}, b"", b"", []
        self.parse_error = None
        try:
            parsed = parse_response(raw, head_request)
        except ValueError as error:
            parsed, self.parse_error = None, str(error)
        if parsed:
            self.status, self.headers, self.body = parsed.status, parsed.headers, parsed.body
            self.extra, self.interim = parsed.rest, parsed.interim

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def message(self):
        doc = self.json()
        return doc.get("message") if isinstance(doc, dict) else None

    def __repr__(self):
        raw = self.raw if len(self.raw) <= 600 else self.raw[:600] + b"...(%d bytes)" % len(self.raw)
        return (f"<status {self.status}, closed={self.closed}, {self.elapsed:.2f}s"
                f"{', send error ' + repr(self.send_error) if self.send_error else ''}: {raw!r}>")


def exchange(path, data, timeout=CASE_TIMEOUT, head_request=False, linger=2.0, later=None, delay=0.3):
    """Sends data and reads until the peer closes (or timeout). linger: how long to wait for the close once a
    complete response is in. later: bytes sent `delay` seconds after data, on the same connection (a request
    pipelined after the first has been read)."""
    started = time.monotonic()
    deadline = started + timeout
    s = unix_connect(path, timeout)
    send_error, buf, closed = None, b"", False
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError, socket.timeout) as error:
            send_error = error
        if later is not None and send_error is None:
            time.sleep(delay)
            try:
                s.sendall(later)
            except (BrokenPipeError, ConnectionResetError, socket.timeout):
                pass  # the proxy answered and closed already: what it never read was never forwarded
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            s.settimeout(remaining)
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            buf += chunk
            try:
                parsed = parse_response(buf, head_request)
            except ValueError:
                parsed = None
            if parsed and parsed.complete:
                deadline = min(deadline, time.monotonic() + linger)
    finally:
        s.close()
    return Answer(buf, closed, time.monotonic() - started, send_error, head_request)


def http(method, target, body=None, headers=(), version="HTTP/1.1", content_type=True):
    """A well-formed request; body bytes get a Content-Length."""
    lines = [f"{method} {target} {version}".encode(), b"Host: docker"]
    for h in headers:
        lines.append(h if isinstance(h, bytes) else h.encode())
    if body is not None:
        if isinstance(body, str):
            body = body.encode()
        if content_type:
            lines.append(b"Content-Type: application/json")
        lines.append(f"Content-Length: {len(body)}".encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")


def demux(stream):
    """stdout and stderr of Docker's multiplexed stream (no TTY)."""
    out, err, pos = b"", b"", 0
    while pos + 8 <= len(stream):
        kind, size = stream[pos], int.from_bytes(stream[pos + 4:pos + 8], "big")
        payload = stream[pos + 8:pos + 8 + size]
        if kind == 1:
            out += payload
        elif kind == 2:
            err += payload
        pos += 8 + size
    return out, err


# --- create bodies ---------------------------------------------------------

DROP = object()  # a key to leave out


def base_body(ctx, cmd=("echo", "hi"), labels=None):
    """A create body like the engine's (engine/exec/docker/create_body.cpp), which the proxy lets through."""
    all_labels = changed({LABEL: ctx.v, "dagrun.managed": "true", "dagrun.dag_id": DAG_ID}, labels or {})
    return {
        "Image": BUSYBOX, "Cmd": list(cmd), "Env": ["DAGRUN_E2E=1"], "Labels": all_labels,
        "Tty": False, "OpenStdin": False, "AttachStdin": False, "AttachStdout": True, "AttachStderr": True,
        "NetworkDisabled": True,
        "HostConfig": {
            "Mounts": [], "CapDrop": ["ALL"], "CapAdd": [], "SecurityOpt": ["no-new-privileges"],
            "Privileged": False, "PublishAllPorts": False, "AutoRemove": False, "PidsLimit": 256,
            "Memory": 536870912, "MemorySwap": 536870912, "NetworkMode": "none"}}


def changed(d, changes):
    for k, v in changes.items():
        if v is DROP:
            d.pop(k, None)
        else:
            d[k] = v
    return d


def with_host(ctx, **changes):
    body = base_body(ctx)
    changed(body["HostConfig"], changes)
    return body


def with_top(ctx, **changes):
    return changed(base_body(ctx), changes)


def with_mount(ctx, source, labels=None, **mount_keys):
    body = base_body(ctx, labels=labels)
    mount = {"Type": "bind", "Source": source, "Target": "/mnt", "ReadOnly": False}
    changed(mount, mount_keys)
    body["HostConfig"]["Mounts"] = [mount]
    return body


def as_bytes(x):
    return x if isinstance(x, bytes) else x.encode()


def body_text(ctx, host_raw=(), top_raw=(), drop_host=(), drop_top=(), host_key='"HostConfig"'):
    """A create body written by hand: the base body's keys (less the dropped ones), then raw JSON members
    (str or bytes, written as given) in HostConfig and at the top level."""
    body = base_body(ctx)
    host = body.pop("HostConfig")
    host_items = [as_bytes(f"{json.dumps(k)}: {json.dumps(v)}") for k, v in host.items() if k not in drop_host]
    host_items += [as_bytes(x) for x in host_raw]
    items = [as_bytes(f"{json.dumps(k)}: {json.dumps(v)}") for k, v in body.items() if k not in drop_top]
    if host_key is not None:
        items.append(as_bytes(host_key) + b": {" + b", ".join(host_items) + b"}")
    items += [as_bytes(x) for x in top_raw]
    return b"{" + b", ".join(items) + b"}"


def create(body, target="/containers/create", headers=()):
    if isinstance(body, dict):
        body = json.dumps(body)
    return http("POST", target, body=as_bytes(body), headers=headers)


def privileged(ctx):
    return json.dumps(with_host(ctx, Privileged=True)).encode()


# --- the corpus --------------------------------------------------------------

Case = namedtuple("Case", "name build expect opts")


def case(name, expect, build, **opts):
    """opts: head_request (a HEAD: no body in the answer), timeout, later (ctx -> bytes sent 0.3 s after the
    request, on the same connection)."""
    return Case(name, build, frozenset(expect), opts)


def corpus():
    """Every attack, as (name, ctx -> raw request bytes, the statuses it may get)."""
    cases = []
    add = lambda name, expect, build, **opts: cases.append(case(name, expect, build, **opts))

    # Privilege, each refusal on its own.
    add("privileged", POLICY, lambda c: create(with_host(c, Privileged=True)))
    add("privileged_v1.41", POLICY, lambda c: create(with_host(c, Privileged=True), "/v1.41/containers/create"))
    add("privileged_v1.30", POLICY, lambda c: create(with_host(c, Privileged=True), "/v1.30/containers/create"))
    add("privileged_named", POLICY,
        lambda c: create(with_host(c, Privileged=True), f"/containers/create?name=e2e-proxy-{c.v}-priv"))
    for cap in ("SYS_ADMIN", "ALL", "NET_ADMIN", "SYS_PTRACE", "sys_admin", "CAP_SYS_ADMIN", "cap_net_admin",
                "all", "SYS_MODULE", "DAC_READ_SEARCH", "BPF",
                "NET_RAW"):  # NET_RAW: in Docker's default set, but not in this test's allowed_capabilities
        add(f"cap_add_{cap}", POLICY, lambda c, cap=cap: create(with_host(c, CapAdd=[cap])))
    add("cap_add_allowed_then_sys_admin", POLICY, lambda c: create(with_host(c, CapAdd=["CHOWN", "SYS_ADMIN"])))
    add("capabilities_field_v1.40", BAD_OR_POLICY,  # HostConfig.Capabilities: the whole set, past CapAdd/CapDrop
        lambda c: create(with_host(c, Capabilities=["CAP_SYS_ADMIN"]), "/v1.40/containers/create"))
    add("cap_drop_empty", POLICY, lambda c: create(with_host(c, CapDrop=[])))
    add("cap_drop_net_raw_only", POLICY, lambda c: create(with_host(c, CapDrop=["NET_RAW"])))
    add("cap_drop_absent", POLICY, lambda c: create(with_host(c, CapDrop=DROP)))
    for opt in ("seccomp=unconfined", "seccomp:unconfined", "apparmor=unconfined", "apparmor:unconfined",
                "label=disable", "label:disable", "no-new-privileges=false", "no-new-privileges:false",
                "systempaths=unconfined", 'seccomp={"defaultAction":"SCMP_ACT_ALLOW"}'):
        add(f"security_opt_{opt[:24]}", POLICY,
            lambda c, opt=opt: create(with_host(c, SecurityOpt=["no-new-privileges", opt])))
    add("security_opt_nnp_false_alone", POLICY, lambda c: create(with_host(c, SecurityOpt=["no-new-privileges=false"])))
    add("security_opt_empty", POLICY, lambda c: create(with_host(c, SecurityOpt=[])))
    add("security_opt_absent", POLICY, lambda c: create(with_host(c, SecurityOpt=DROP)))
    add("binds_root", POLICY, lambda c: create(with_host(c, Binds=["/:/host"])))
    add("binds_etc_ro", POLICY, lambda c: create(with_host(c, Binds=["/etc:/h:ro"])))
    add("binds_docker_sock", POLICY, lambda c: create(with_host(c, Binds=["/var/run/docker.sock:/var/run/docker.sock"])))
    add("binds_inside_root", POLICY, lambda c: create(with_host(c, Binds=[f"{c.root}/ok:/d"])))
    add("devices", POLICY, lambda c: create(with_host(
        c, Devices=[{"PathOnHost": "/dev/sda", "PathInContainer": "/dev/sda", "CgroupPermissions": "rwm"}])))
    add("device_cgroup_rules", POLICY, lambda c: create(with_host(c, DeviceCgroupRules=["a *:* rwm"])))
    add("device_requests", POLICY, lambda c: create(with_host(
        c, DeviceRequests=[{"Driver": "", "Count": -1, "Capabilities": [["gpu"]]}])))

    # Namespaces.
    add("network_host", POLICY, lambda c: create(with_host(c, NetworkMode="host")))
    add("network_HOST", BAD_OR_POLICY, lambda c: create(with_host(c, NetworkMode="HOST")))
    add("network_container", POLICY, lambda c: create(with_host(c, NetworkMode=f"container:{c.foreign_id}")))
    add("pid_host", POLICY, lambda c: create(with_host(c, PidMode="host")))
    add("pid_container", POLICY, lambda c: create(with_host(c, PidMode=f"container:{c.foreign_id}")))
    add("ipc_host", POLICY, lambda c: create(with_host(c, IpcMode="host")))
    add("ipc_container", POLICY, lambda c: create(with_host(c, IpcMode=f"container:{c.foreign_id}")))
    add("uts_host", POLICY, lambda c: create(with_host(c, UTSMode="host")))
    add("userns_host", POLICY, lambda c: create(with_host(c, UsernsMode="host")))
    add("cgroupns_host", POLICY, lambda c: create(with_host(c, CgroupnsMode="host")))
    add("endpoints_config", POLICY, lambda c: create(with_top(c, NetworkingConfig={"EndpointsConfig": {"host": {}}})))

    # Resources and the rest of HostConfig.
    add("sysctls", POLICY, lambda c: create(with_host(c, Sysctls={"net.ipv4.ip_forward": "1"})))
    add("cgroup_parent", POLICY, lambda c: create(with_host(c, CgroupParent="/")))
    add("runtime_runsc", POLICY, lambda c: create(with_host(c, Runtime="runsc")))
    add("oom_kill_disable", POLICY, lambda c: create(with_host(c, OomKillDisable=True)))
    add("pids_limit_absent", POLICY, lambda c: create(with_host(c, PidsLimit=DROP)))
    add("pids_limit_0", POLICY, lambda c: create(with_host(c, PidsLimit=0)))
    add("pids_limit_minus_1", POLICY, lambda c: create(with_host(c, PidsLimit=-1)))
    add("pids_limit_above_config_max", POLICY, lambda c: create(with_host(c, PidsLimit=1000)))  # max_pids_limit 512
    add("pids_limit_huge", POLICY, lambda c: create(with_host(c, PidsLimit=99999999)))
    add("memory_absent", POLICY, lambda c: create(with_host(c, Memory=DROP, MemorySwap=DROP)))
    add("memory_0", POLICY, lambda c: create(with_host(c, Memory=0, MemorySwap=0)))
    add("memory_above_config_max", POLICY,  # max_memory 1GiB here, 4GiB by default
        lambda c: create(with_host(c, Memory=2 << 30, MemorySwap=2 << 30)))
    add("memory_negative", BAD_OR_POLICY, lambda c: create(with_host(c, Memory=-1, MemorySwap=-1)))
    add("masked_paths_empty", POLICY, lambda c: create(with_host(c, MaskedPaths=[])))
    add("readonly_paths_empty", POLICY, lambda c: create(with_host(c, ReadonlyPaths=[])))
    add("masked_paths_some", POLICY, lambda c: create(with_host(c, MaskedPaths=["/proc/kcore"])))
    add("container_id_file", POLICY, lambda c: create(with_host(c, ContainerIDFile=f"/tmp/e2e-proxy-{c.v}.cid")))
    add("port_bindings", POLICY, lambda c: create(with_host(c, PortBindings={"80/tcp": [{"HostPort": "18080"}]})))
    add("publish_all_ports", POLICY, lambda c: create(with_host(c, PublishAllPorts=True)))
    add("links", POLICY, lambda c: create(with_host(c, Links=[f"{c.foreign_name}:f"])))
    add("log_config_type", POLICY, lambda c: create(with_host(c, LogConfig={"Type": "syslog", "Config": {}})))
    add("restart_always", POLICY, lambda c: create(with_host(c, RestartPolicy={"Name": "always"})))
    add("restart_unless_stopped", POLICY, lambda c: create(with_host(c, RestartPolicy={"Name": "unless-stopped"})))
    add("restart_on_failure", POLICY,
        lambda c: create(with_host(c, RestartPolicy={"Name": "on-failure", "MaximumRetryCount": 5})))
    add("group_add_root", POLICY, lambda c: create(with_host(c, GroupAdd=["0"])))
    add("ulimits", POLICY, lambda c: create(with_host(c, Ulimits=[{"Name": "nofile", "Soft": 1, "Hard": 1}])))
    add("tmpfs_map", POLICY, lambda c: create(with_host(c, Tmpfs={"/run": "rw,exec"})))
    add("storage_opt", POLICY, lambda c: create(with_host(c, StorageOpt={"size": "1G"})))
    add("volumes_from", POLICY, lambda c: create(with_host(c, VolumesFrom=[c.foreign_id])))
    add("volume_driver", POLICY, lambda c: create(with_host(c, VolumeDriver="local")))
    add("unknown_top_key", POLICY, lambda c: create(with_top(c, Foo=1)))
    add("unknown_top_key_underscore", POLICY, lambda c: create(with_top(c, Host_Config={"Privileged": True})))
    add("unknown_host_key", POLICY, lambda c: create(with_host(c, Foo=1)))

    # Mounts.
    for name, source in (("root", "/"), ("etc", "/etc"), ("root_home", "/root"),
                         ("docker_sock", "/var/run/docker.sock"), ("run_docker_sock", "/run/docker.sock"),
                         ("proc", "/proc"), ("sys", "/sys"), ("dev", "/dev"), ("var_lib_docker", "/var/lib/docker"),
                         ("run_containerd", "/run/containerd"), ("double_slash_etc", "//etc"),
                         ("etc_dot", "/etc/."), ("tmp_dotdot_etc", "/tmp/../etc")):
        add(f"mount_{name}", POLICY, lambda c, source=source: create(with_mount(c, source)))
    add("mount_dotdot_out_of_root", POLICY, lambda c: create(with_mount(c, f"{c.root}/ok/../../../../../..")))
    add("mount_dotdot_to_config", POLICY, lambda c: create(with_mount(c, f"{c.root}/ok/../../conf")))
    add("mount_link_to_slash", POLICY, lambda c: create(with_mount(c, f"{c.root}/out")))
    add("mount_through_link_to_slash", POLICY, lambda c: create(with_mount(c, f"{c.root}/out/etc")))
    add("mount_link_to_etc", POLICY, lambda c: create(with_mount(c, f"{c.root}/etc_link")))
    add("mount_link_to_docker_sock", POLICY, lambda c: create(with_mount(c, f"{c.root}/sock_link")))
    add("mount_relative_link_out", POLICY, lambda c: create(with_mount(c, f"{c.root}/rel_out")))
    add("mount_link_inside_root", POLICY, lambda c: create(with_mount(c, f"{c.root}/inner_link")))
    add("mount_relative_source", BAD_OR_POLICY, lambda c: create(with_mount(c, "etc")))
    add("mount_nul_in_source", BAD_OR_POLICY, lambda c: create(with_mount(c, f"{c.root}/ok\u0000/../../../../etc")))
    # Any directory of the dagrun home is a root to the proxy (which DAG may
    # mount which is the engine's rule): the home itself, with the
    # configuration inside, is not.
    add("mount_dag_id_dotdot", POLICY,
        lambda c: create(with_mount(c, f"{c.home}/data/..", labels={"dagrun.dag_id": ".."})))
    add("mount_dag_id_climbs", POLICY,
        lambda c: create(with_mount(c, f"{c.home}/data/../../../etc", labels={"dagrun.dag_id": "../../../etc"})))
    add("mount_volume_driver_bind_slash", POLICY, lambda c: create(with_mount(
        c, f"e2e-proxy-{c.v}-vol", Type="volume",
        VolumeOptions={"DriverConfig": {"Name": "local", "Options": {"type": "none", "o": "bind", "device": "/"}}})))
    add("mount_volume_driver_bind_etc", POLICY, lambda c: create(with_mount(
        c, f"e2e-proxy-{c.v}-vol2", Type="volume",
        VolumeOptions={"NoCopy": False,
                       "DriverConfig": {"Name": "local", "Options": {"type": "none", "o": "bind", "device": "/etc"}}})))
    add("mount_propagation_rshared", POLICY,
        lambda c: create(with_mount(c, f"{c.root}/ok", BindOptions={"Propagation": "rshared"})))
    add("mount_propagation_shared", POLICY,
        lambda c: create(with_mount(c, f"{c.root}/ok", BindOptions={"Propagation": "shared"})))
    add("mount_unknown_key", POLICY, lambda c: create(with_mount(c, f"{c.root}/ok", Foo=1)))
    add("mount_type_npipe", BAD_OR_POLICY, lambda c: create(with_mount(c, "/", Type="npipe")))
    add("mount_lowercase_keys", BAD_OR_POLICY, lambda c: create(with_host(
        c, Mounts=[{"type": "bind", "source": "/", "target": "/h"}])))
    add("mount_duplicate_source", BAD_OR_POLICY, lambda c: create(body_text(c, drop_host=("Mounts",), host_raw=(
        f'"Mounts": [{{"Type": "bind", "Source": "{c.root}/ok", "Target": "/m", "source": "/"}}]',))))

    # Not a JSON object, or not one JSON text.
    add("form_data", BAD, lambda c: http("POST", "/containers/create", body=b"Privileged=true&Image=busybox",
                                         content_type=False,
                                         headers=["Content-Type: application/x-www-form-urlencoded"]))
    add("json_array", BAD, lambda c: create(json.dumps([with_host(c, Privileged=True)])))
    add("json_string", BAD, lambda c: create(b'"HostConfig"'))
    add("json_truncated", BAD, lambda c: create(privileged(c)[:-7]))
    add("json_trailing_garbage", BAD, lambda c: create(json.dumps(base_body(c)) + "xyz"))
    add("json_second_object", BAD, lambda c: create(json.dumps(base_body(c)) + '{"HostConfig": {"Privileged": true}}'))
    add("json_second_object_after_newline", BAD,
        lambda c: create(json.dumps(base_body(c)) + '\n{"HostConfig": {"Privileged": true}}'))
    add("json_empty_body", BAD_OR_POLICY, lambda c: create(b""))
    add("json_bom", BAD_OR_POLICY, lambda c: create(b"\xef\xbb\xbf" + privileged(c)))
    add("json_comment", BAD, lambda c: create(b"{/* x */" + privileged(c)[1:]))
    add("json_nan", BAD, lambda c: create(body_text(c, drop_host=("Memory",), host_raw=('"Memory": NaN',))))
    add("json_single_quotes", BAD, lambda c: create(privileged(c).replace(b'"', b"'")))
    add("json_leading_zero", BAD, lambda c: create(body_text(c, drop_host=("Memory",), host_raw=('"Memory": 0536870912',))))
    add("json_huge_number", BAD_OR_POLICY,
        lambda c: create(body_text(c, drop_host=("PidsLimit",), host_raw=('"PidsLimit": 1e400',))))
    add("json_deep_nesting", BAD_OR_POLICY,
        lambda c: create(body_text(c, top_raw=('"Foo": ' + "[" * 100000 + "]" * 100000,))))
    add("json_deep_objects", BAD_OR_POLICY,
        lambda c: create(body_text(c, top_raw=('"Foo": ' + '{"a":' * 50000 + "1" + "}" * 50000,))))
    add("json_privileged_string", BAD_OR_POLICY, lambda c: create(with_host(c, Privileged="true")))
    add("json_privileged_number", BAD_OR_POLICY, lambda c: create(with_host(c, Privileged=1)))
    add("json_hostconfig_null", BAD_OR_POLICY, lambda c: create(with_top(c, HostConfig=None)))
    add("json_hostconfig_array", BAD_OR_POLICY, lambda c: create(with_top(c, HostConfig=[])))
    add("json_empty_object", BAD_OR_POLICY, lambda c: create(b"{}"))
    add("json_mounts_object", BAD_OR_POLICY, lambda c: create(with_host(c, Mounts={"Type": "bind", "Source": "/"})))
    add("json_invalid_utf8_key", BAD_OR_POLICY,
        lambda c: create(body_text(c, host_raw=(b'"Privileged\xff": true',))))
    add("json_lone_surrogate_key", BAD_OR_POLICY, lambda c: create(body_text(c, host_raw=('"Privileged\\ud800": true',))))
    add("json_nul_key", BAD_OR_POLICY, lambda c: create(body_text(c, host_raw=('"Privileged\\u0000": true',))))

    # Keys as Go reads them: case-insensitive, the last duplicate wins, escapes decoded.
    add("dup_privileged_false_true", BAD_OR_POLICY,
        lambda c: create(body_text(c, host_raw=('"Privileged": true',))))  # the base body's false comes first
    add("dup_privileged_true_false", BAD_OR_POLICY,
        lambda c: create(body_text(c, drop_host=("Privileged",), host_raw=('"Privileged": true', '"Privileged": false'))))
    add("case_privileged_lower", BAD_OR_POLICY,
        lambda c: create(body_text(c, drop_host=("Privileged",), host_raw=('"privileged": true',))))
    add("case_privileged_upper", BAD_OR_POLICY,
        lambda c: create(body_text(c, drop_host=("Privileged",), host_raw=('"PRIVILEGED": true',))))
    add("case_folded_duplicate", BAD_OR_POLICY, lambda c: create(body_text(c, host_raw=('"privileged": true',))))
    add("case_hostconfig_lower", BAD_OR_POLICY, lambda c: create(body_text(
        c, host_key='"hostconfig"', drop_host=("Privileged",), host_raw=('"Privileged": true',))))
    add("case_hostconfig_upper", BAD_OR_POLICY, lambda c: create(body_text(
        c, host_key='"HOSTCONFIG"', drop_host=("Privileged",), host_raw=('"privileged": true',))))
    add("dup_hostconfig_case_folded", BAD_OR_POLICY,
        lambda c: create(body_text(c, top_raw=('"hostConfig": {"Privileged": true}',))))
    add("dup_hostconfig_exact", BAD_OR_POLICY,
        lambda c: create(body_text(c, top_raw=('"HostConfig": {"Privileged": true}',))))
    add("case_capadd_duplicate", BAD_OR_POLICY, lambda c: create(body_text(c, host_raw=('"capadd": ["SYS_ADMIN"]',))))
    add("case_capadd_alone", BAD_OR_POLICY,
        lambda c: create(body_text(c, drop_host=("CapAdd",), host_raw=('"CAPADD": ["SYS_ADMIN"]',))))
    add("case_network_mode", BAD_OR_POLICY,
        lambda c: create(body_text(c, drop_host=("NetworkMode",), host_raw=('"networkmode": "host"',))))
    add("dup_network_mode", BAD_OR_POLICY, lambda c: create(body_text(c, host_raw=('"NetworkMode": "host"',))))
    add("dup_label_dag_id", BAD_OR_POLICY, lambda c: create(body_text(
        c, drop_host=("Mounts",), drop_top=("Labels",),
        top_raw=(f'"Labels": {{"{LABEL}": "{c.v}", "dagrun.dag_id": "{DAG_ID}", "dagrun.dag_id": "other_dag"}}',),
        host_raw=(f'"Mounts": [{{"Type": "bind", "Source": "{c.home}/data/other_dag", "Target": "/m"}}]',))))
    add("escape_privileged_ascii", POLICY,  # decodes to "Privileged": checked as such
        lambda c: create(body_text(c, drop_host=("Privileged",), host_raw=('"Privil\\u0065ged": true',))))
    add("escape_privileged_case", BAD_OR_POLICY,
        lambda c: create(body_text(c, drop_host=("Privileged",), host_raw=('"privil\\u0045ged": true',))))
    add("escape_hostconfig", POLICY, lambda c: create(body_text(
        c, host_key='"\\u0048ostConfig"', drop_host=("Privileged",), host_raw=('"Privileged": true',))))
    add("escape_capadd", POLICY,
        lambda c: create(body_text(c, drop_host=("CapAdd",), host_raw=('"Cap\\u0041dd": ["SYS_ADMIN"]',))))
    add("long_s_hostconfig", BAD_OR_POLICY, lambda c: create(body_text(  # Go folds U+017F to 's'
        c, top_raw=('"Ho\\u017ftConfig": {"Privileged": true}',))))
    add("long_s_hostconfig_raw_utf8", BAD_OR_POLICY, lambda c: create(body_text(
        c, top_raw=('"Ho\u017ftConfig": {"Privileged": true}',))))
    add("long_s_security_opt", BAD_OR_POLICY,
        lambda c: create(body_text(c, host_raw=('"\\u017fecurityOpt": ["seccomp=unconfined"]',))))
    add("kelvin_network_mode", BAD_OR_POLICY,  # Go folds U+212A to 'k'
        lambda c: create(body_text(c, drop_host=("NetworkMode",), host_raw=('"Networ\\u212aMode": "host"',))))

    # Framing.
    def raw(c, head, body=b""):
        return head.replace("\n", "\r\n").encode() + body

    def chunked(body):
        return b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"

    add("cl_and_te", FRAMING_TE, lambda c: raw(c, (
        "POST /containers/create HTTP/1.1\nHost: docker\nContent-Type: application/json\n"
        f"Content-Length: {len(chunked(privileged(c)))}\nTransfer-Encoding: chunked\n\n"), chunked(privileged(c))))
    add("te_and_cl", FRAMING_TE, lambda c: raw(c, (
        "POST /containers/create HTTP/1.1\nHost: docker\nContent-Type: application/json\n"
        f"Transfer-Encoding: chunked\nContent-Length: 4\n\n"), chunked(privileged(c))))
    add("te_chunked", FRAMING_TE, lambda c: raw(c, (
        "POST /containers/create HTTP/1.1\nHost: docker\nContent-Type: application/json\n"
        "Transfer-Encoding: chunked\n\n"), chunked(privileged(c))))
    add("te_identity", FRAMING_TE, lambda c: raw(c, (
        "POST /containers/create HTTP/1.1\nHost: docker\nContent-Type: application/json\n"
        f"Transfer-Encoding: identity\nContent-Length: {len(privileged(c))}\n\n"), privileged(c)))
    add("te_lowercase", FRAMING_TE, lambda c: raw(c, (
        "POST /containers/create HTTP/1.1\nHost: docker\ntransfer-encoding: chunked\n\n"), chunked(privileged(c))))
    add("te_space_before_colon", FRAMING_TE, lambda c: raw(c, (
        "POST /containers/create HTTP/1.1\nHost: docker\nTransfer-Encoding : chunked\n\n"), chunked(privileged(c))))
    add("te_tab_value", FRAMING_TE, lambda c: raw(c, (
        "POST /containers/create HTTP/1.1\nHost: docker\nTransfer-Encoding:\tchunked\n\n"), chunked(privileged(c))))
    add("te_on_ping", FRAMING_TE, lambda c: raw(c, "GET /_ping HTTP/1.1\nHost: docker\nTransfer-Encoding: chunked\n\n",
                                                 chunked(b"x")))
    add("te_on_start", FRAMING_TE, lambda c: raw(c, (
        f"POST /containers/{c.own_id}/start HTTP/1.1\nHost: docker\nTransfer-Encoding: chunked\n\n"),
        chunked(b'{"Privileged": true}')))

    def cl_case(value, body):
        return lambda c: raw(c, ("POST /containers/create HTTP/1.1\nHost: docker\nContent-Type: application/json\n"
                                 f"{value}\n\n"), body(c))

    add("cl_duplicate_equal", BAD,
        lambda c: cl_case(f"Content-Length: {len(privileged(c))}\nContent-Length: {len(privileged(c))}", privileged)(c))
    add("cl_duplicate_different", BAD,
        lambda c: cl_case(f"Content-Length: 2\nContent-Length: {len(privileged(c))}", lambda c: b"{}" + privileged(c)[2:])(c))
    add("cl_list", BAD, lambda c: cl_case(f"Content-Length: {len(privileged(c))}, {len(privileged(c))}", privileged)(c))
    add("cl_plus_sign", BAD, lambda c: cl_case(f"Content-Length: +{len(privileged(c))}", privileged)(c))
    add("cl_minus", BAD, lambda c: cl_case("Content-Length: -1", privileged)(c))
    add("cl_hex", BAD, lambda c: cl_case(f"Content-Length: 0x{len(privileged(c)):x}", privileged)(c))
    add("cl_inner_space", BAD, lambda c: cl_case(f"Content-Length: {len(privileged(c))} 0", privileged)(c))
    add("cl_empty", BAD, lambda c: cl_case("Content-Length: ", privileged)(c))
    add("cl_huge", {400, 413}, lambda c: cl_case("Content-Length: 99999999999999999999999999", privileged)(c))
    add("cl_name_space", BAD, lambda c: cl_case(f"Content Length: {len(privileged(c))}", privileged)(c))
    add("obs_fold", BAD, lambda c: cl_case(f"X-Folded: a\n  b\nContent-Length: {len(privileged(c))}", privileged)(c))
    add("obs_fold_cl", BAD, lambda c: cl_case(f"Content-Length:\n {len(privileged(c))}", privileged)(c))
    add("header_no_colon", BAD, lambda c: cl_case(f"Foo\nContent-Length: {len(privileged(c))}", privileged)(c))
    add("header_nul", BAD, lambda c: cl_case(f"X-Nul: a\0b\nContent-Length: {len(privileged(c))}", privileged)(c))
    add("header_bare_cr", BAD, lambda c: cl_case(f"X-Cr: a\rb\nContent-Length: {len(privileged(c))}", privileged)(c))
    add("bare_lf", {400, 403, 408},
        lambda c: b"GET /info HTTP/1.1\nHost: docker\n\n", timeout=15.0)
    add("request_line_double_space", BAD, lambda c: b"GET  /_ping HTTP/1.1\r\nHost: docker\r\n\r\n")
    add("request_line_nul_in_path", BAD, lambda c: b"GET /_ping\0/../info HTTP/1.1\r\nHost: docker\r\n\r\n")
    add("http_2_0", {400, 505}, lambda c: b"GET /info HTTP/2.0\r\nHost: docker\r\n\r\n")
    add("http_version_junk", BAD, lambda c: b"GET /info HTTP/1.1x\r\nHost: docker\r\n\r\n")
    add("http_0_9", BAD, lambda c: b"GET /info\r\n\r\n")
    add("empty_request_line", BAD_OR_POLICY, lambda c: b"\r\n\r\nGET /info HTTP/1.1\r\nHost: docker\r\n\r\n")
    add("tls_client_hello", {400, 408}, lambda c: b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 64,
        timeout=15.0)
    add("absolute_form_target", BAD_OR_POLICY, lambda c: http("GET", "http://docker/info"))
    add("absolute_form_create", BAD_OR_POLICY, lambda c: create(privileged(c), "http://docker/containers/create"))
    add("lowercase_method", BAD_OR_POLICY, lambda c: http("get", "/info"))
    add("connect_method", BAD_OR_POLICY, lambda c: http("CONNECT", "/var/run/docker.sock"))
    add("options_star", BAD_OR_POLICY, lambda c: http("OPTIONS", "*"))
    add("huge_header", {400, 431}, lambda c: http("GET", "/info", headers=["X-Big: " + "a" * 20000]))
    add("many_headers", {400, 431}, lambda c: http("GET", "/info", headers=[f"X-H{i}: v" for i in range(200)]))
    add("long_target", {400, 414, 431}, lambda c: http("GET", "/info?" + "a" * 10000))
    add("expect_continue", {403, 417}, lambda c: create(privileged(c), headers=["Expect: 100-continue"]))
    add("upgrade_on_create", BAD_OR_POLICY,
        lambda c: create(privileged(c), headers=["Connection: Upgrade", "Upgrade: tcp"]))
    add("content_type_text", BAD_OR_POLICY, lambda c: http("POST", "/containers/create", body=privileged(c),
                                                       content_type=False, headers=["Content-Type: text/plain"]))
    add("body_on_ping", BAD, lambda c: http("GET", "/_ping", body=b"hello"))
    add("body_on_start", BAD_OR_POLICY,  # API < 1.24 took a HostConfig here
        lambda c: http("POST", f"/containers/{c.own_id}/start", body=b'{"Privileged": true, "Binds": ["/:/h"]}'))
    add("smuggle_after_create_body", BAD_OR_POLICY, lambda c: create(b"{}") + create(privileged(c)))
    add("smuggle_in_ping_body", BAD, lambda c: http("GET", "/_ping", body=create(privileged(c)), content_type=False))
    add("pipelined_after_denied", POLICY, lambda c: http("GET", "/info") + create(privileged(c)))
    # The first request is allowed: the answer is the ping's (or, with the second request's bytes in the same
    # read, a refusal of the whole), and the create after it is never read.
    add("pipelined_after_ping", {200, 400}, lambda c: http("GET", "/_ping") + create(privileged(c)))
    add("pipelined_after_version", {200, 400}, lambda c: http("GET", "/version") + create(privileged(c)))
    add("pipelined_later_after_ping", {200}, lambda c: http("GET", "/_ping"), later=lambda c: create(privileged(c)))
    add("pipelined_later_after_denied", POLICY, lambda c: http("GET", "/info"), later=lambda c: create(privileged(c)))
    add("pipelined_later_after_refused_create", POLICY, lambda c: create(privileged(c)),
        later=lambda c: create(privileged(c)))

    # Size.
    add("cl_2mib_head_only", TOO_LARGE, lambda c: raw(c, (
        "POST /containers/create HTTP/1.1\nHost: docker\nContent-Type: application/json\n"
        f"Content-Length: {2 * MAX_BODY}\n\n")))
    add("cl_limit_plus_one_head_only", TOO_LARGE, lambda c: raw(c, (
        "POST /containers/create HTTP/1.1\nHost: docker\nContent-Type: application/json\n"
        f"Content-Length: {MAX_BODY + 1}\n\n")))
    add("cl_small_then_2mib", BAD, lambda c: raw(c, (
        "POST /containers/create HTTP/1.1\nHost: docker\nContent-Type: application/json\nContent-Length: 64\n\n"),
        json.dumps(with_top(c, Pad="x" * (2 * MAX_BODY))).encode()))

    # Paths.
    add("path_encoded_dotdot", BAD_OR_POLICY, lambda c: http("POST", "/containers/%2e%2e/%2e%2e/build"))
    add("path_encoded_slash_id", BAD_POLICY_OR_UNKNOWN, lambda c: http("POST", "/v1.41/containers/x%2Fy/start"))
    add("path_double_slash_create", BAD_OR_POLICY, lambda c: create(base_body(c), "//containers/create"))
    add("path_inner_double_slash_create", BAD_OR_POLICY, lambda c: create(base_body(c), "/containers//create"))
    add("path_dot_segment_create", BAD_OR_POLICY, lambda c: create(base_body(c), "/./containers/create"))
    add("path_create_dotdot_build", BAD_OR_POLICY, lambda c: http("POST", "/containers/create/../../build"))
    add("path_encoded_query", BAD_OR_POLICY, lambda c: create(base_body(c), "/containers/create%3Fname=x"))
    add("path_version_9.99", BAD, lambda c: http("GET", "/v9.99/_ping"))
    add("path_version_dotdot_build", BAD_OR_POLICY, lambda c: http("POST", "/v1.41/../build"))
    add("path_version_1.29", BAD, lambda c: http("GET", "/v1.29/_ping"))
    add("path_version_1.42", BAD, lambda c: http("GET", "/v1.42/_ping"))
    add("path_version_1.43", BAD, lambda c: http("GET", "/v1.43/_ping"))
    add("path_version_1.44", BAD, lambda c: http("GET", "/v1.44/version"))
    add("path_version_1.45", BAD, lambda c: http("GET", "/v1.45/_ping"))
    add("path_version_leading_zero", BAD, lambda c: http("GET", "/v1.041/_ping"))
    add("path_version_major_only", BAD_OR_POLICY, lambda c: http("GET", "/v1/_ping"))
    add("path_version_upper_v", BAD_OR_POLICY, lambda c: http("GET", "/V1.41/_ping"))
    add("path_version_three_parts", BAD_OR_POLICY, lambda c: http("GET", "/v1.41.0/_ping"))
    add("path_encoded_nul", BAD_OR_POLICY, lambda c: http("GET", "/_ping%00"))
    add("path_trailing_slash_ping", BAD_OR_POLICY, lambda c: http("GET", "/_ping/"))
    add("path_upper_ping", BAD_OR_POLICY, lambda c: http("GET", "/_PING"))
    add("path_root", BAD_OR_POLICY, lambda c: http("GET", "/"))
    add("path_encoded_exec", BAD_OR_POLICY,
        lambda c: http("POST", f"/containers/{c.own_id}/%65xec", body=b'{"Cmd": ["id"]}'))
    add("path_id_encoded_slash_exec", BAD_POLICY_OR_UNKNOWN,
        lambda c: http("POST", f"/containers/{c.own_id}%2Fexec", body=b'{"Cmd": ["id"]}'))
    add("path_start_dotdot_exec", BAD_OR_POLICY,
        lambda c: http("POST", f"/containers/{c.own_id}/start/../exec", body=b'{"Cmd": ["id"]}'))
    add("path_double_encoding", BAD_OR_POLICY, lambda c: http("POST", "/containers/%252e%252e/build"))

    # Routes that are not the executor's, on nobody's container or on the proxy's own.
    for method, target in (("GET", "/info"), ("GET", "/v1.41/info"), ("GET", "/events"), ("GET", "/system/df"),
                           ("POST", "/containers/prune"), ("POST", "/build"),
                           ("POST", "/images/create?fromImage=e2e-proxy-{v}&tag=latest"), ("POST", "/images/load"),
                           ("GET", "/images/json"), ("DELETE", f"/images/{BUSYBOX}"), ("POST", "/images/prune"),
                           ("GET", "/plugins"), ("POST", "/plugins/pull?remote=e2e-proxy-{v}"), ("GET", "/swarm"),
                           ("GET", "/services"), ("GET", "/secrets"), ("GET", "/configs"), ("GET", "/nodes"),
                           ("GET", "/tasks"), ("POST", "/session"), ("GET", "/volumes"), ("GET", "/networks"),
                           ("GET", "/distribution/busybox/json"), ("POST", "/grpc"),
                           ("POST", "/containers/json"), ("GET", "/containers/create"),
                           ("DELETE", "/containers/create"), ("PUT", "/_ping"), ("TRACE", "/_ping"),
                           ("POST", "/commit?container={own}&repo=e2e-proxy-{v}"),
                           ("GET", "/containers/{own}/archive?path=/"), ("HEAD", "/containers/{own}/archive?path=/"),
                           ("GET", "/containers/{own}/export"), ("POST", "/containers/{own}/rename?name=e2e-proxy-{v}-r"),
                           ("POST", "/containers/{own}/pause"), ("POST", "/containers/{own}/unpause"),
                           ("POST", "/containers/{own}/resize?h=10&w=10"), ("GET", "/containers/{own}/top"),
                           ("GET", "/containers/{own}/changes"), ("GET", "/containers/{own}/stats?stream=0"),
                           ("POST", "/containers/{own}/restart?t=1"), ("GET", "/containers/{own}/attach/ws"),
                           ("GET", "/v1.41/containers/{own}/export"), ("GET", "/exec/0123456789ab/json"),
                           ("POST", "/containers/{own}/exec/../restart")):
        name = "route_" + re.sub(r"[^a-z0-9]+", "_", f"{method} {target}".lower().replace("{own}", "own")
                                 .replace("{v}", "v")).strip("_")[:48]
        expect = BAD_OR_POLICY if "/../" in target or method not in ("GET", "HEAD", "POST", "PUT", "DELETE") else POLICY
        if (method, target) == ("DELETE", "/containers/create"):
            expect = NOT_YOURS  # DELETE /containers/{id}, of a container named "create"
        add(name, expect, lambda c, method=method, target=target: http(method, target.format(own=c.own_id, v=c.v)),
            head_request=(method == "HEAD"))
    for target, body in (("/swarm/init", '{"ListenAddr": "127.0.0.1:2377"}'),
                         ("/secrets/create", '{"Name": "e2e-proxy-{v}", "Data": "eA=="}'),
                         ("/volumes/create", '{"Name": "e2e-proxy-{v}", "Labels": {"%s": "{v}"}}' % LABEL),
                         ("/networks/create", '{"Name": "e2e-proxy-{v}", "Labels": {"%s": "{v}"}}' % LABEL),
                         ("/auth", '{"username": "x", "password": "y"}'),
                         ("/containers/{own}/exec", '{"Cmd": ["id"], "AttachStdout": true, "Privileged": true}'),
                         ("/v1.41/containers/{own}/exec", '{"Cmd": ["id"]}'),
                         ("/containers/{own}/update", '{"Memory": 0, "PidsLimit": -1}'),
                         ("/containers/{own}/copy", '{"Resource": "/etc/passwd"}'),
                         ("/exec/0123456789ab/start", '{"Detach": false}')):
        name = "route_post_" + re.sub(r"[^a-z0-9]+", "_", target.replace("{own}", "own").lower()).strip("_")
        add(name, BAD_OR_POLICY, lambda c, target=target, body=body: http(
            "POST", target.replace("{own}", c.own_id), body=body.replace("{v}", c.v).encode()))
    add("route_put_archive", BAD_OR_POLICY, lambda c: http("PUT", f"/containers/{c.own_id}/archive?path=/tmp",
                                                          body=b"\0" * 1024, content_type=False,
                                                          headers=["Content-Type: application/x-tar"]))
    add("route_attach_ws_upgrade", BAD_OR_POLICY, lambda c: http(
        "GET", f"/containers/{c.own_id}/attach/ws?stream=1",
        headers=["Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13",
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="]))

    # Other clients' containers: one made on the daemon directly, one labelled as another proxy's. Reading ones
    # first, then the ones that would change the container.
    ops = (("inspect", "GET", "/containers/{}/json"), ("logs", "GET", "/containers/{}/logs?stdout=1&stderr=1"),
           ("attach", "POST", "/containers/{}/attach?stream=0&logs=1&stdout=1"),
           ("wait", "POST", "/containers/{}/wait"), ("start", "POST", "/containers/{}/start"),
           ("stop", "POST", "/containers/{}/stop?t=1"), ("kill", "POST", "/containers/{}/kill"),
           ("delete", "DELETE", "/containers/{}?force=1&v=1"))
    ids = (("foreign_id", lambda c: c.foreign_id), ("foreign_short", lambda c: c.foreign_id[:12]),
           ("foreign_name", lambda c: c.foreign_name), ("sibling_id", lambda c: c.sibling_id))
    for op, method, template in ops:
        for id_name, id_of in ids:
            add(f"{id_name}_{op}", NOT_YOURS,
                lambda c, method=method, template=template, id_of=id_of: http(method, template.format(id_of(c))))
    add("foreign_kill_versioned", NOT_YOURS, lambda c: http("POST", f"/v1.41/containers/{c.foreign_id}/kill?signal=KILL"))
    add("foreign_attach_upgrade", NOT_YOURS, lambda c: http(
        "POST", f"/containers/{c.foreign_id}/attach?stream=1&stdin=1&stdout=1",
        headers=["Connection: Upgrade", "Upgrade: tcp"]))
    add("foreign_name_slash_prefix", BAD_POLICY_OR_UNKNOWN, lambda c: http("GET", f"/containers/%2F{c.foreign_name}/json"))
    add("foreign_name_double_slash", BAD_POLICY_OR_UNKNOWN, lambda c: http("GET", f"/containers//{c.foreign_name}/json"))
    # Ambiguous (the daemon answers its inspect with 500: a 502 from the proxy) or not ours; never started.
    add("foreign_start_by_one_char_prefix", {400, 403, 404, 409, 502},
        lambda c: http("POST", f"/containers/{c.foreign_id[:1]}/start"))
    add("unknown_id_start", NOT_YOURS, lambda c: http("POST", "/containers/" + "0" * 64 + "/start"))
    add("unknown_name_kill", NOT_YOURS, lambda c: http("POST", f"/containers/e2e-proxy-{c.v}-nobody/kill"))
    return cases


CORPUS = corpus()


class Ctx:
    """What the corpus builders need to know about a test's world."""

    def __init__(self, v, tmp, own_id="f" * 64, foreign_id="a" * 64, foreign_name="e2e-proxy-foreign",
                 sibling_id="b" * 64):
        self.v = v
        self.tmp = tmp
        self.root = os.path.join(tmp, "roots")
        self.home = os.path.join(tmp, "home")
        self.conf = os.path.join(tmp, "conf")
        self.own_id, self.foreign_id, self.foreign_name, self.sibling_id = own_id, foreign_id, foreign_name, sibling_id


class CorpusTableTest(unittest.TestCase):
    """The table itself: big enough, names unique, every builder gives bytes. Needs neither daemon nor binary."""

    def test_corpus_has_at_least_100_cases(self):
        self.assertGreaterEqual(len(CORPUS), 100)

    def test_names_are_unique_and_builders_build(self):
        names = [c.name for c in CORPUS]
        self.assertEqual(sorted({n for n in names if names.count(n) > 1}), [])
        ctx = Ctx("0123456789", "/tmp/e2e-proxy-table")
        for c in CORPUS:
            with self.subTest(c.name):
                data = c.build(ctx)
                self.assertIsInstance(data, bytes)
                self.assertTrue(c.expect)


# --- the daemon's side -------------------------------------------------------


class Daemon(Docker):
    """The Engine API on the local socket, for setting up, looking and cleaning up."""

    def ok(self, method, path, body=None, statuses=(200, 201, 204)):
        status, answer = self.call(method, path, body)
        assert status in statuses, (method, path, status, answer)
        return answer

    def list(self, label=None):
        query = {"all": "1"}
        if label:
            query["filters"] = json.dumps({"label": [label]})
        return self.ok("GET", "/containers/json?" + urllib.parse.urlencode(query))

    def inspect(self, cid):
        status, body = self.call("GET", f"/containers/{cid}/json")
        return body if status == 200 else None

    def run_sleeper(self, name, labels):
        body = {"Image": BUSYBOX, "Cmd": ["sleep", "300"], "Labels": labels, "NetworkDisabled": True,
                "HostConfig": {"NetworkMode": "none"}}
        cid = self.ok("POST", f"/containers/create?name={name}", body)["Id"]
        self.ok("POST", f"/containers/{cid}/start")
        return cid

    def clean(self, v, proxy_name):
        for label in (f"{LABEL}={v}", f"{PROXY_LABEL}={proxy_name}"):
            for c in self.list(label):
                self.call("DELETE", f"/containers/{c['Id']}?force=1&v=1")
        for kind in ("networks", "volumes"):
            status, body = self.call("GET", f"/{kind}?" + urllib.parse.urlencode(
                {"filters": json.dumps({"name": [f"e2e-proxy-{v}"]})}))
            if status != 200:
                continue
            items = (body.get("Volumes") or []) if isinstance(body, dict) else body
            for item in items:
                self.call("DELETE", f"/{kind}/{item.get('Id') or item['Name']}")


class EventWatcher:
    """The daemon's event stream, read live from `since` on (the daemon keeps only its last few events, so a
    query afterwards could miss some while other tests run)."""

    def __init__(self):
        self.events = []
        self._lock = threading.Lock()
        self._sock = unix_connect(SOCKET, None)
        since = f"{time.time() - 1:.9f}"
        # HTTP/1.0: the daemon streams the events without chunking and ends by closing.
        self._sock.sendall(f"GET /events?since={since} HTTP/1.0\r\nHost: docker\r\n\r\n".encode())
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        buf, head_done = b"", False
        while True:
            try:
                chunk = self._sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            if not head_done:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    continue
                buf, head_done = buf[end + 4:], True
            *lines, buf = buf.split(b"\n")
            with self._lock:
                self.events += [json.loads(line) for line in lines if line.strip()]

    def snapshot(self):
        with self._lock:
            return list(self.events)

    def mark(self, daemon, cid):
        """Causes a `top` event of container cid and waits until the stream has it: every event before it has
        then been read. Returns its index in events."""
        before = sum(1 for e in self.snapshot() if e.get("Action") == "top" and e.get("id") == cid)
        daemon.ok("GET", f"/containers/{cid}/top")
        def seen():
            tops = [i for i, e in enumerate(self.snapshot()) if e.get("Action") == "top" and e.get("id") == cid]
            return tops[before] + 1 if len(tops) > before else None
        return wait_for(seen, timeout=15, what="the marker event") - 1

    def close(self):
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        self._thread.join(timeout=5)


# --- the proxy -----------------------------------------------------------------


class ProxyTestCase(unittest.TestCase):
    """A proxy of the test's own, with a throw-away home, a policy file, an audit file, a foreign container
    (created on the daemon directly) and a sibling one (labelled as another proxy's)."""

    def setUp(self):
        docker_or_skip(self)  # before anything exists: a skipped test has no tearDown
        self.daemon = Daemon()
        self.v = uuid.uuid4().hex[:12]
        self.name = f"e2e-proxy-{type(self).__name__.lower()[:20]}-{self.v}"
        self.tmp = os.path.realpath(tempfile.mkdtemp(prefix="dagrun-e2e-proxy-"))
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.addCleanup(self.daemon.clean, self.v, self.name)
        self.ctx = Ctx(self.v, self.tmp)
        c = self.ctx
        for d in (c.root, os.path.join(c.root, "ok"), os.path.join(c.root, "ok", "sub"), c.conf,
                  os.path.join(c.home, "data", DAG_ID, "ok"), os.path.join(c.home, "data", "other_dag")):
            os.makedirs(d, exist_ok=True)
        os.symlink("/", os.path.join(c.root, "out"))
        os.symlink("/etc", os.path.join(c.root, "etc_link"))
        os.symlink("/var/run/docker.sock", os.path.join(c.root, "sock_link"))
        os.symlink("../" * 12, os.path.join(c.root, "rel_out"))
        os.symlink(os.path.join(c.root, "ok"), os.path.join(c.root, "inner_link"))
        self.config = os.path.join(c.conf, "dagrun.json")
        with open(self.config, "w", encoding="utf-8") as f:
            json.dump({"containers": {"allowed_mount_roots": [c.root],
                                      "allowed_capabilities": ["CHOWN", "SETUID", "SETGID"],
                                      "max_memory": "1GiB", "max_pids_limit": 512}}, f)
        self.socket_path = os.path.join(self.tmp, "proxy.sock")
        self.audit_path = os.path.join(self.tmp, "audit.jsonl")

        c.foreign_name = f"e2e-proxy-{self.v}-foreign"
        c.foreign_id = self.daemon.run_sleeper(c.foreign_name, {LABEL: self.v})
        c.sibling_id = self.daemon.run_sleeper(f"e2e-proxy-{self.v}-sibling",
                                               {LABEL: self.v, PROXY_LABEL: f"e2e-other-{self.v}"})
        self.proxy = None
        self.start_proxy()

    def start_proxy(self, config=True, extra=()):
        argv = [DAGRUN, "docker-proxy", "--listen", f"unix:{self.socket_path}",
                "--upstream", f"unix://{SOCKET}", "--home", self.ctx.home,
                "--audit", self.audit_path, "--name", self.name, *extra]
        if config:
            argv += ["--config", self.config]
        env = dict(os.environ)
        env.pop("DAGRUN_HOME", None)
        self.proxy = Started(argv, env)
        self.addCleanup(self.stop_proxy)
        listening = f"listening on unix:{self.socket_path}"
        try:
            wait_for(lambda: listening in self.proxy.output()[1] or self.proxy.poll() is not None, timeout=30,
                     what="the proxy to listen")
        except AssertionError:
            # Seen once in a fresh-clone run, not reproduced: say where it stood.
            out, err = self.proxy.output()
            self.fail(f"the proxy did not say it listens within 30 s; it printed:\n{out}\n{err}\n"
                      f"socket there: {os.path.exists(self.socket_path)}\n{where_it_waits(self.proxy.pid)}")
        if self.proxy.poll() is not None:
            out, err = self.proxy.output()
            self.fail(f"the proxy exited with {self.proxy.returncode} before listening:\n{out}\n{err}")
        self.assertTrue(os.path.exists(self.socket_path))

    def stop_proxy(self):
        """SIGTERM; returns its exit status."""
        if self.proxy is None:
            return None
        if self.proxy.poll() is None:
            self.proxy.send_signal(signal.SIGTERM)
            try:
                self.proxy.wait(timeout=15)
            except Exception:  # pylint: disable=broad-except
                self.proxy.kill()
                self.proxy.wait(timeout=15)
        return self.proxy.returncode

    def send(self, data, **opts):
        return exchange(self.socket_path, data, **opts)

    def audit_lines(self):
        try:
            with open(self.audit_path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except FileNotFoundError:
            return []
        return [json.loads(line) if line.strip().startswith("{") else {"unparsable": line}
                for line in text.split("\n")[:-1] if line.strip()]  # the last piece may be a line being written

    def new_audit_lines(self, before, count=1):
        """The audit lines after the first `before`, once there are `count` of them (or AUDIT_WAIT passed)."""
        deadline = time.monotonic() + AUDIT_WAIT
        while True:
            lines = self.audit_lines()[before:]
            if len(lines) >= count or time.monotonic() > deadline:
                return lines
            time.sleep(0.01)

    def assert_audit(self, line, answer, decision):
        self.assertEqual(line.get("decision"), decision, line)
        self.assertEqual(line.get("status"), answer.status, line)
        self.assertEqual(line.get("client_pid"), os.getpid(), line)
        self.assertEqual(line.get("client_uid"), os.getuid(), line)
        self.assertIsInstance(line.get("time"), (str, int, float), line)
        if decision == "deny":
            self.assertIsInstance(line.get("reason"), str, line)
            self.assertTrue(line["reason"].strip(), line)

    def proxied(self, method, target, body=None, headers=(), **opts):
        """A well-formed request through the proxy."""
        if isinstance(body, dict):
            body = json.dumps(body)
        return self.send(http(method, target, body=body, headers=headers), **opts)

    def create_through_proxy(self, body, target="/v1.41/containers/create", expect=201):
        answer = self.proxied("POST", target, body)
        self.assertEqual(answer.status, expect, answer)
        return answer.json()["Id"] if expect == 201 else None


class CorpusTest(ProxyTestCase):
    def setUp(self):
        super().setUp()
        # A container of the proxy's own, running, for the routes that must be refused even on it.
        own = base_body(self.ctx, cmd=("sleep", "300"))
        answer = self.proxied("POST", f"/containers/create?name=e2e-proxy-{self.v}-own", own)
        if answer.status == 201:
            self.ctx.own_id = answer.json()["Id"]
            start = self.proxied("POST", f"/containers/{self.ctx.own_id}/start")
            self.own_through_proxy = None if start.status == 204 else f"(created through it, but) start: {start!r}"
        else:  # the positive controls report it; the corpus still needs a target
            self.own_through_proxy = f"create: {answer!r}"
            own["Labels"][PROXY_LABEL] = self.name
            self.ctx.own_id = self.daemon.ok("POST", f"/containers/create?name=e2e-proxy-{self.v}-own", own)["Id"]
        if not self.daemon.inspect(self.ctx.own_id)["State"]["Running"]:
            self.daemon.ok("POST", f"/containers/{self.ctx.own_id}/start", statuses=(204, 304))

    def state(self, cid):
        info = self.daemon.inspect(cid)
        self.assertIsNotNone(info, f"container {cid} is gone")
        s = info["State"]
        return {"Name": info["Name"], "Running": s["Running"], "Paused": s["Paused"], "StartedAt": s["StartedAt"],
                "Pid": s["Pid"], "RestartCount": info["RestartCount"], "ExecIDs": info.get("ExecIDs"),
                "Privileged": info["HostConfig"]["Privileged"], "Memory": info["HostConfig"]["Memory"]}

    def ours(self, event_or_container):
        text = json.dumps(event_or_container)
        c = self.ctx
        return any(marker in text for marker in (self.v, c.foreign_id, c.sibling_id, c.own_id))

    def test_every_attack_is_refused_and_nothing_reaches_the_daemon(self):
        c = self.ctx
        watched = (c.foreign_id, c.sibling_id, c.own_id)
        states_before = {cid: self.state(cid) for cid in watched}
        all_before = {x["Id"] for x in self.daemon.list()}
        ours_before = {x["Id"] for x in self.daemon.list(f"{LABEL}={self.v}")}
        proxied_before = {x["Id"] for x in self.daemon.list(f"{PROXY_LABEL}={self.name}")}
        watcher = EventWatcher()
        self.addCleanup(watcher.close)
        first = watcher.mark(self.daemon, c.foreign_id)

        misbehaved = []
        audit_seen = len(self.audit_lines())
        for entry in CORPUS:
            data = entry.build(c)
            try:
                later = entry.opts.get("later")
                answer = self.send(data, head_request=entry.opts.get("head_request", False),
                                   timeout=entry.opts.get("timeout", CASE_TIMEOUT), later=later and later(c))
            except OSError as error:
                answer = Answer(b"", False, 0.0, error, False)
            lines = self.new_audit_lines(audit_seen)
            audit_seen += len(lines)
            problems = self.judge(entry, answer, lines)
            if answer.send_error and not answer.raw:
                problems.append(f"no answer: {answer.send_error!r}")
            if self.proxy.poll() is not None:  # note the crash, and go on with a new proxy
                problems.append(f"the proxy exited with {self.proxy.returncode}: {self.proxy.output()[1][-1500:]}")
                self.start_proxy()
                audit_seen = len(self.audit_lines())
            if problems:
                misbehaved.append((entry.name, problems, data, answer, lines))
            with self.subTest(entry.name):
                if problems:
                    self.fail("; ".join(problems) + f"\nrequest: {data[:400]!r}\nanswer: {answer!r}\naudit: {lines}")

        last = watcher.mark(self.daemon, c.foreign_id)
        with self.subTest("daemon: no event of this test's objects during the corpus"):
            window = [e for e in watcher.snapshot()[first + 1:last] if self.ours(e)]
            seen = [(e.get("Type"), e.get("Action"), (e.get("Actor") or {}).get("ID", "")[:12],
                     (e.get("Actor") or {}).get("Attributes", {}).get("name")) for e in window]
            if seen:
                self.fail(f"{len(seen)} events: {seen}")
        with self.subTest("daemon: the same containers of this test's"):
            self.assertEqual({x["Id"] for x in self.daemon.list(f"{LABEL}={self.v}")}, ours_before)
            self.assertEqual({x["Id"] for x in self.daemon.list(f"{PROXY_LABEL}={self.name}")}, proxied_before)
        with self.subTest("daemon: no new container of this test's"):
            appeared = {x["Id"] for x in self.daemon.list()} - all_before
            mine = [cid[:12] for cid in appeared if self.ours(self.daemon.inspect(cid) or {})]
            self.assertEqual(mine, [], f"containers appeared during the corpus ({len(appeared)} in all on the daemon)")
        for cid in watched:
            with self.subTest("daemon: unchanged", container=cid[:12]):
                self.assertEqual(self.state(cid), states_before[cid])
        with self.subTest("audit: no line after the last case"):
            self.assertEqual(len(self.audit_lines()), audit_seen)
        with self.subTest("proxy: still running and answering"):
            self.assertIsNone(self.proxy.poll(), self.proxy.output()[1][-3000:])
            self.assertEqual(self.send(http("GET", "/_ping")).status, 200)
        if self.own_through_proxy:
            print(f"\nthe proxy's own container did not come through the proxy: {self.own_through_proxy}")
        if misbehaved:
            print(f"\n{len(misbehaved)} of {len(CORPUS)} corpus cases misbehaved:")
            for name, problems, data, answer, lines in misbehaved:
                print(f"- {name}: {'; '.join(problems)}\n    request: {data[:300]!r}\n    answer: {answer!r}"
                      f"\n    audit: {lines}")

    def judge(self, entry, answer, lines):
        """Everything wrong with one case's answer and audit lines, as sentences."""
        problems = []
        if answer.status not in entry.expect:
            problems.append(f"status {answer.status}, expected one of {sorted(entry.expect)}"
                            + (f" ({answer.parse_error})" if answer.parse_error else ""))
        if not answer.closed:
            problems.append(f"connection not closed after the answer (waited {answer.elapsed:.1f}s)")
        allowed = answer.status is not None and answer.status < 400
        if answer.extra.startswith(b"HTTP/"):
            problems.append("a second response followed: a pipelined request was served")
        if answer.status is not None and answer.status >= 400 and not entry.opts.get("head_request"):
            message = answer.message()
            if not (isinstance(message, str) and message.startswith(REFUSAL_PREFIX) and message[len(REFUSAL_PREFIX):].strip()):
                problems.append(f"not the proxy's refusal: body {answer.body[:200]!r}")
        if len(lines) != 1:
            problems.append(f"{len(lines)} audit lines, expected 1")
        for line in lines[:1]:
            decision = "allow" if allowed else "deny"
            if line.get("decision") != decision:
                problems.append(f"audit decision {line.get('decision')!r}, expected {decision!r}")
            if line.get("status") != answer.status:
                problems.append(f"audit status {line.get('status')!r}, answered {answer.status}")
            if decision == "deny" and not (isinstance(line.get("reason"), str) and line["reason"].strip()):
                problems.append("audit line without a reason")
            if line.get("client_pid") != os.getpid() or line.get("client_uid") != os.getuid():
                problems.append(f"audit client {line.get('client_pid')}/{line.get('client_uid')}, "
                                f"expected {os.getpid()}/{os.getuid()}")
        return problems


class AllowedTest(ProxyTestCase):
    """Positive controls: what dagrun's executor does goes through."""

    def test_ping_and_version(self):
        for method, target in (("GET", "/_ping"), ("HEAD", "/_ping"), ("GET", "/v1.41/_ping"),
                               ("GET", "/v1.30/_ping"), ("GET", "/version"), ("GET", "/v1.41/version")):
            with self.subTest(f"{method} {target}"):
                before = len(self.audit_lines())
                answer = self.proxied(method, target, head_request=(method == "HEAD"))
                self.assertEqual(answer.status, 200, answer)
                self.assertTrue(answer.closed, answer)
                if target.endswith("version"):
                    self.assertEqual(answer.json()["ApiVersion"], "1.41")
                elif method == "GET":
                    self.assertEqual(answer.body, b"OK")
                [line] = self.new_audit_lines(before)
                self.assert_audit(line, answer, "allow")
                self.assertEqual(line.get("method"), method)
                self.assertEqual(line.get("path"), target.split("?")[0])

    def test_a_dagrun_container_runs_through_the_proxy(self):
        """create, attach (upgraded), wait, start, logs, inspect, list, remove: the executor's calls, in its
        order (engine/exec/docker/docker_client.cpp)."""
        name = f"e2e-proxy-{self.v}-run"
        before = len(self.audit_lines())
        cid = self.create_through_proxy(base_body(self.ctx), f"/v1.41/containers/create?name={name}")
        [line] = self.new_audit_lines(before)
        self.assertEqual(line.get("decision"), "allow", line)
        self.assertEqual(line.get("status"), 201, line)
        info = self.daemon.inspect(cid)
        self.assertEqual(info["Config"]["Labels"].get(PROXY_LABEL), self.name)
        self.assertEqual(info["Config"]["Labels"].get(LABEL), self.v)
        self.assertFalse(info["HostConfig"]["Privileged"])
        self.assertEqual(info["HostConfig"]["CapDrop"], ["ALL"])
        self.assertIn("no-new-privileges", info["HostConfig"]["SecurityOpt"])
        self.assertEqual(info["HostConfig"]["Memory"], 536870912)
        self.assertEqual(info["HostConfig"]["PidsLimit"], 256)

        # The attach, hijacked to a raw stream, before the start: nothing of the output is lost.
        attach = unix_connect(self.socket_path, 30)
        self.addCleanup(attach.close)
        attach.sendall(b"POST /v1.41/containers/%s/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: docker\r\n"
                       b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n" % cid.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = attach.recv(4096)
            self.assertTrue(chunk, f"the attach was closed: {head!r}")
            head += chunk
        head, _, stream = head.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 101"), head)
        waited = {}
        waiter = threading.Thread(target=lambda: waited.setdefault("answer", self.proxied(
            "POST", f"/v1.41/containers/{cid}/wait?condition=next-exit", timeout=60)))
        waiter.start()
        time.sleep(1.0)  # the wait is in before the start, as the executor's is
        self.assertEqual(self.proxied("POST", f"/v1.41/containers/{cid}/start").status, 204)
        while True:
            chunk = attach.recv(65536)
            if not chunk:
                break
            stream += chunk
        self.assertEqual(demux(stream)[0], b"hi\n", stream)
        waiter.join(timeout=60)
        answer = waited.get("answer")
        self.assertIsNotNone(answer)
        self.assertEqual(answer.status, 200, answer)
        self.assertEqual(answer.json()["StatusCode"], 0, answer)

        logs = self.proxied("GET", f"/v1.41/containers/{cid}/logs?stdout=1&stderr=1")
        self.assertEqual(logs.status, 200, logs)
        self.assertEqual(demux(logs.body)[0], b"hi\n", logs)
        for ref in (cid, cid[:12], name):
            inspect = self.proxied("GET", f"/v1.41/containers/{ref}/json")
            self.assertEqual(inspect.status, 200, inspect)
            self.assertEqual(inspect.json()["Id"], cid)

        listed = self.proxied("GET", "/v1.41/containers/json?all=1")
        self.assertEqual(listed.status, 200, listed)
        ids = {c["Id"] for c in listed.json()}
        self.assertIn(cid, ids)
        self.assertNotIn(self.ctx.foreign_id, ids)
        self.assertNotIn(self.ctx.sibling_id, ids)
        # Filters of the client's own narrow the list further; they never widen it.
        for filters in ({"label": [f"{LABEL}={self.v}"]}, {"id": [self.ctx.foreign_id]},
                        {"label": [f"{PROXY_LABEL}=e2e-other-{self.v}"]}, {"name": [f"e2e-proxy-{self.v}"]}):
            with self.subTest(filters=filters):
                answer = self.proxied("GET", "/containers/json?" + urllib.parse.urlencode(
                    {"all": "1", "filters": json.dumps(filters)}))
                self.assertIn(answer.status, (200, 400, 403), answer)
                if answer.status == 200:
                    ids = {c["Id"] for c in answer.json()}
                    self.assertNotIn(self.ctx.foreign_id, ids)
                    self.assertNotIn(self.ctx.sibling_id, ids)

        removed = self.proxied("DELETE", f"/v1.41/containers/{cid}?force=1&v=1")
        self.assertEqual(removed.status, 204, removed)
        self.assertIsNone(self.daemon.inspect(cid))
        self.assertIsNotNone(self.daemon.inspect(self.ctx.foreign_id))

        self.assertEqual(self.stop_proxy(), 0, self.proxy.output()[1][-3000:])
        self.assertFalse(os.path.exists(self.socket_path) and self.send_or_none())

    def send_or_none(self):
        try:
            return self.send(http("GET", "/_ping"), timeout=2).status
        except OSError:
            return None

    def test_stop_and_kill_on_the_proxys_own_container(self):
        cid = self.create_through_proxy(base_body(self.ctx, cmd=("sleep", "300")), "/containers/create")
        self.assertEqual(self.proxied("POST", f"/containers/{cid}/start").status, 204)
        self.assertTrue(self.daemon.inspect(cid)["State"]["Running"])
        stopped = self.proxied("POST", f"/containers/{cid}/stop?t=1", timeout=20)
        self.assertEqual(stopped.status, 204, stopped)
        self.assertFalse(self.daemon.inspect(cid)["State"]["Running"])
        self.assertEqual(self.proxied("POST", f"/containers/{cid}/start").status, 204)
        killed = self.proxied("POST", f"/containers/{cid}/kill")
        self.assertEqual(killed.status, 204, killed)
        wait_for(lambda: not self.daemon.inspect(cid)["State"]["Running"], timeout=10, what="the kill")
        self.assertEqual(self.proxied("DELETE", f"/containers/{cid}?force=1&v=1").status, 204)
        self.assertIsNone(self.daemon.inspect(cid))

    def test_bind_mounts_under_the_roots(self):
        c = self.ctx
        for source in (f"{c.root}/ok", f"{c.root}/ok/sub", f"{c.home}/data/{DAG_ID}/ok"):
            with self.subTest(source):
                cid = self.create_through_proxy(with_mount(c, source))
                mounts = self.daemon.inspect(cid)["Mounts"]
                self.assertEqual([(m["Type"], m["Source"]) for m in mounts], [("bind", source)])

    def test_a_label_naming_another_proxy_is_not_kept(self):
        answer = self.proxied("POST", "/containers/create",
                              base_body(self.ctx, labels={PROXY_LABEL: f"e2e-other-{self.v}"}))
        self.assertIn(answer.status, (201, 403), answer)
        if answer.status == 201:
            labels = self.daemon.inspect(answer.json()["Id"])["Config"]["Labels"]
            self.assertEqual(labels[PROXY_LABEL], self.name)

    def test_bytes_after_a_create_body_are_not_forwarded(self):
        """A privileged create after a dagrun-like one on the same connection, in the same write and 0.3 s
        later: the first is created (or, in the same write, all is refused), the second never."""
        c = self.ctx
        for delayed in (False, True):
            with self.subTest(delayed=delayed):
                mark = f"{self.v}-{int(delayed)}"
                smuggled = with_host(c, Privileged=True)
                smuggled["Labels"]["e2e.smuggled"] = mark
                first = create(base_body(c, labels={"e2e.first": mark}))
                if delayed:
                    answer = self.send(first, later=create(smuggled))
                else:
                    answer = self.send(first + create(smuggled))
                self.assertIn(answer.status, (201, 400) if not delayed else (201,), answer)
                self.assertTrue(answer.closed, answer)
                self.assertFalse(answer.extra.startswith(b"HTTP/"), answer)
                time.sleep(1)
                mine = self.daemon.list(f"{LABEL}={self.v}")
                self.assertEqual([x["Id"] for x in mine if x["Labels"].get("e2e.smuggled") == mark], [])
                created = [x["Id"] for x in mine if x["Labels"].get("e2e.first") == mark]
                if answer.status == 201:
                    self.assertEqual(created, [answer.json()["Id"]])
                    self.assertFalse(self.daemon.inspect(created[0])["HostConfig"]["Privileged"])
                else:
                    self.assertEqual(created, [])


    def test_max_body_and_the_homes_dagrun_json(self):
        """--max-body, and without --config the policy of HOME/dagrun.json (max_pids_limit 300 there; 512 and
        max_memory 1GiB in the --config file the other tests use)."""
        self.assertEqual(self.stop_proxy(), 0)
        with open(os.path.join(self.ctx.home, "dagrun.json"), "w", encoding="utf-8") as f:
            json.dump({"containers": {"max_pids_limit": 300}}, f)
        self.start_proxy(config=False, extra=["--max-body", "4096"])
        padded = base_body(self.ctx)
        padded["Env"].append("PAD=" + "x" * 5000)
        answer = self.proxied("POST", "/containers/create", padded)
        self.assertEqual(answer.status, 413, answer)
        self.assertTrue(answer.message().startswith(REFUSAL_PREFIX), answer)
        answer = self.proxied("POST", "/containers/create", with_host(self.ctx, PidsLimit=400))
        self.assertEqual(answer.status, 403, answer)
        self.create_through_proxy(with_host(self.ctx, PidsLimit=300))
        self.create_through_proxy(with_host(self.ctx, Memory=2 << 30, MemorySwap=2 << 30))  # under the default 4GiB


class SlowClientTest(ProxyTestCase):
    """Clients that never finish their request are cut off with 408, and do not hold up anyone else."""

    def slow(self, prefix, drip, limit):
        """Sends prefix, then drip one byte a second until the proxy answers; (answer bytes, seconds)."""
        started = time.monotonic()
        s = unix_connect(self.socket_path, 5)
        buf = b""
        try:
            if prefix:
                s.sendall(prefix)
            i = 0
            while time.monotonic() - started < limit:
                readable, _, _ = select.select([s], [], [], 1.0)
                if readable:
                    try:
                        chunk = s.recv(65536)
                    except (ConnectionResetError, socket.timeout):
                        break
                    if not chunk:
                        break
                    buf += chunk
                    continue
                if drip and i < len(drip):
                    try:
                        s.sendall(drip[i:i + 1])
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    i += 1
        finally:
            s.close()
        return buf, time.monotonic() - started

    def test_slow_clients_get_408(self):
        body = json.dumps(base_body(self.ctx)).encode()
        head = (b"POST /containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % len(body))
        clients = {
            # (what is sent at once, what is dripped, the latest the 408 may come)
            "silent": (b"", b"", 16),
            "head": (b"GET /_ping HTTP/1.1\r\n", b"X-Slow: " + b"a" * 200, 16),
            "body": (head, body, 36),
        }
        results = {}
        threads = [threading.Thread(target=lambda k=k, a=a: results.setdefault(k, self.slow(a[0], a[1], a[2] + 4)))
                   for k, a in clients.items()]
        before = len(self.audit_lines())
        for t in threads:
            t.start()
        time.sleep(2)
        # Meanwhile the proxy answers others.
        ping = self.send(http("GET", "/_ping"), timeout=5)
        self.assertEqual(ping.status, 200, ping)
        self.assertLess(ping.elapsed, 2.0)
        for t in threads:
            t.join(timeout=60)
        for k, (_, _, limit) in clients.items():
            with self.subTest(k):
                raw, seconds = results[k]
                self.assertLessEqual(seconds, limit, f"not cut off in time: {raw!r}")
                if k == "silent" and not raw:
                    continue  # no request, so no answer: being cut off is enough
                parsed = parse_response(raw)
                self.assertIsNotNone(parsed, f"no answer in {seconds:.1f}s: {raw!r}")
                self.assertEqual(parsed.status, 408, raw)
                self.assertTrue(json.loads(parsed.body)["message"].startswith(REFUSAL_PREFIX), raw)
        lines = self.new_audit_lines(before, count=4)
        decisions = sorted((l.get("decision"), l.get("status")) for l in lines)
        # The silent client sent no request; an audit line for it is optional.
        self.assertIn(decisions, ([("allow", 200)] + [("deny", 408)] * 2, [("allow", 200)] + [("deny", 408)] * 3),
                      lines)
        self.assertEqual([x["Id"] for x in self.daemon.list(f"{PROXY_LABEL}={self.name}")], [])


if __name__ == "__main__":
    unittest.main()
