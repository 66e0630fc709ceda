#!/usr/bin/env python3
"""hello, in Python 3 with only the standard library, straight over the Mesos v1 scheduler HTTP API.

    python3 frameworks/examples/python-hello/hello.py --master http://127.0.0.1:5050 --tasks 5

SUBSCRIBE opens a long-lived response: a RecordIO stream of JSON events ("<length>\\n<json>").
Every other call is a separate POST that carries the Mesos-Stream-Id from that response. The
script launches N command tasks, acknowledges each status update that has a uuid, declines the
offers it does not need, tears the framework down when every task has ended, prints their final
states and exits 0 if all finished (1 otherwise).
"""
import argparse
import getpass
import http.client
import json
import os
import sys
import time
import urllib.parse

TERMINAL = {"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_ERROR", "TASK_LOST",
            "TASK_DROPPED", "TASK_GONE", "TASK_GONE_BY_OPERATOR"}
CPUS, MEM = 0.1, 32  # per task


class Scheduler:
    def __init__(self, master, tasks, command):
        url = urllib.parse.urlsplit(master if "://" in master else "http://" + master)
        self.host, self.port = url.hostname, url.port or 5050
        self.pending = [f"hello-{i}" for i in range(tasks)]
        self.final = {}
        self.command = command
        self.framework_id = None
        self.stream_id = None
        self.stream = None

    def call(self, body):
        """One scheduler call on its own connection; the master answers 202 Accepted."""
        body = {"framework_id": {"value": self.framework_id}, **body}
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request("POST", "/api/v1/scheduler", json.dumps(body),
                         {"Content-Type": "application/json", "Mesos-Stream-Id": self.stream_id})
            resp = conn.getresponse()
            text = resp.read().decode()
            if resp.status != 202:
                raise RuntimeError(f"{body['type']} answered {resp.status}: {text}")
        finally:
            conn.close()

    def events(self, timeout):
        """SUBSCRIBE, then yield each event of the RecordIO stream."""
        info = {"user": getpass.getuser(), "name": "python-hello", "roles": ["*"],
                "capabilities": [{"type": "MULTI_ROLE"}]}
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        conn.request("POST", "/api/v1/scheduler",
                     json.dumps({"type": "SUBSCRIBE", "subscribe": {"framework_info": info}}),
                     {"Content-Type": "application/json", "Accept": "application/json"})
        self.stream = resp = conn.getresponse()  # kept open until TEARDOWN: closing it disconnects us
        if resp.status != 200:
            raise RuntimeError(f"SUBSCRIBE answered {resp.status}: {resp.read().decode()}")
        self.stream_id = resp.getheader("Mesos-Stream-Id")
        while True:
            size = resp.readline()  # http.client undoes the chunked encoding for us
            if not size:
                raise RuntimeError("the master closed the subscription stream")
            yield json.loads(resp.read(int(size)))

    def offers(self, offers):
        for offer in offers:
            free = {r["name"]: r["scalar"]["value"] for r in offer.get("resources", [])  # unreserved only
                    if r.get("type") == "SCALAR" and r.get("role", "*") == "*" and not r.get("reservations")}
            fits = min(round(free.get("cpus", 0) * 1000) // round(CPUS * 1000), int(free.get("mem", 0) // MEM))
            launch, self.pending = self.pending[:fits], self.pending[fits:]
            if not launch:
                self.call({"type": "DECLINE", "decline": {"offer_ids": [offer["id"]], "filters": {"refuse_seconds": 30}}})
                continue
            tasks = [{"name": t, "task_id": {"value": t}, "agent_id": offer["agent_id"],
                      "command": {"value": self.command},
                      "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": CPUS}},
                                    {"name": "mem", "type": "SCALAR", "scalar": {"value": MEM}}]}
                     for t in launch]
            self.call({"type": "ACCEPT", "accept": {"offer_ids": [offer["id"]],
                                                     "operations": [{"type": "LAUNCH", "launch": {"task_infos": tasks}}]}})
        if not self.pending:
            self.call({"type": "SUPPRESS", "suppress": {}})

    def update(self, status):
        task, state = status["task_id"]["value"], status["state"]
        print(f"{task}: {state} {status.get('message', '')}".rstrip(), file=sys.stderr)
        if state in TERMINAL:
            self.final[task] = state
        if "uuid" in status:  # the agent resends the update until it is acknowledged
            self.call({"type": "ACKNOWLEDGE", "acknowledge": {
                "agent_id": status["agent_id"], "task_id": status["task_id"], "uuid": status["uuid"]}})

    def run(self, count, timeout):
        deadline = time.monotonic() + timeout
        try:
            for event in self.events(timeout):
                kind = event["type"]
                if kind == "SUBSCRIBED":
                    self.framework_id = event["subscribed"]["framework_id"]["value"]
                    print(f"subscribed as {self.framework_id}", file=sys.stderr)
                elif kind == "OFFERS":
                    self.offers(event["offers"]["offers"])
                elif kind == "UPDATE":
                    self.update(event["update"]["status"])
                elif kind == "ERROR":
                    raise RuntimeError(event["error"]["message"])
                if len(self.final) == count or time.monotonic() > deadline:
                    break
        finally:
            if self.framework_id:
                self.call({"type": "TEARDOWN"})  # kills anything left, removes the framework


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--master", default=os.environ.get("AGORA_MASTER", "http://127.0.0.1:5050"))
    p.add_argument("--tasks", type=int, default=3)
    p.add_argument("--command", default='echo "hello from $(hostname)"')
    p.add_argument("--timeout", type=float, default=60, help="seconds")
    args = p.parse_args()
    s = Scheduler(args.master, args.tasks, args.command)
    try:
        s.run(args.tasks, args.timeout)
    except (OSError, RuntimeError) as e:
        print(f"python-hello: {e}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    for i in range(args.tasks):
        print(f"hello-{i} {s.final.get(f'hello-{i}', 'UNFINISHED')}")
    return 0 if list(s.final.values()).count("TASK_FINISHED") == args.tasks else 1


if __name__ == "__main__":
    sys.exit(main())
