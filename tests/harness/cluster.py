"""An emulated cluster on a real HTTP port, with a kubeconfig, in a background thread.

``with EmulatedCluster(work_dir) as cluster:`` serves ``ClusterEmulator`` through
``kmock.Server`` on 127.0.0.1, runs the ``Kubelet`` on the same event loop, and writes
``cluster.kubeconfig`` for the orchestrator's normal client. Sync helpers read the store and
inject faults from the test's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import kmock
import yaml

from harness.emulator import NAMESPACES, ClusterEmulator, Obj
from harness.kubelet import Faults, Kubelet

T = TypeVar("T")
# a client hanging up mid-stream is normal here (watch resumes, teardown); keep the output clean
logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
REPO_ROOT = Path(__file__).resolve().parents[2]


class EmulatedCluster:
    def __init__(self, work: Path, repo_root: Path = REPO_ROOT) -> None:
        self.work, self.repo_root = work, repo_root
        self.kubeconfig = work / "kubeconfig.yaml"
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="emulated-cluster")
        self._stop: asyncio.Event | None = None
        self.api: ClusterEmulator | None = None
        self.kubelet: Kubelet | None = None
        self.url = ""
        self._error: BaseException | None = None

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._main())
        except BaseException as exc:  # surfaced by __enter__ / __exit__
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        api = ClusterEmulator()
        async with api, kmock.Server(api) as server:
            self.api, self.url = api, str(server.url).rstrip("/")
            self.kubelet = Kubelet(api, self.repo_root, self.work)
            await api.put(
                NAMESPACES,
                {
                    "apiVersion": "v1",
                    "kind": "Namespace",
                    "metadata": {"name": "default"},
                    "status": {"phase": "Active"},
                },
            )
            self._ready.set()
            await self._stop.wait()
            for run in list(self.kubelet.runs.values()):
                self.kubelet.kill(run, "shutdown")
            current = asyncio.current_task()
            pending = [t for t in asyncio.all_tasks() if t is not current]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def __enter__(self) -> EmulatedCluster:
        self.work.mkdir(parents=True, exist_ok=True)
        self._thread.start()
        self._ready.wait(timeout=10)
        if self._error is not None or self.api is None:
            raise RuntimeError(f"the emulated cluster did not start: {self._error!r}")
        self.kubeconfig.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "current-context": "emulated",
                    "clusters": [{"name": "emulated", "cluster": {"server": self.url}}],
                    "users": [{"name": "tester", "user": {}}],
                    "contexts": [
                        {"name": "emulated", "context": {"cluster": "emulated", "user": "tester"}}
                    ],
                }
            )
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)

    # --- sync helpers for tests ----------------------------------------------------------
    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout=10)

    def _sync(self, fn: Any, *args: Any) -> Any:
        async def run() -> Any:
            return fn(*args)

        return self.call(run())

    @property
    def faults(self) -> Faults:
        assert self.kubelet is not None
        return self.kubelet.faults

    def inject(self, **faults: Any) -> None:
        assert self.kubelet is not None
        self.kubelet.faults = Faults(**faults)

    def objects(self, plural: str, namespace: str | None = None) -> list[Obj]:
        assert self.api is not None
        group = "batch" if plural == "jobs" else ""
        resource = kmock.resource(group, "v1", plural)
        return list(self._sync(self.api.items, resource, namespace))

    def namespaces(self) -> list[str]:
        return sorted(o["metadata"]["name"] for o in self.objects("namespaces"))

    def drop_streams(self) -> None:
        assert self.api is not None
        self._sync(self.api.drop_streams)

    def live_processes(self) -> list[int]:
        assert self.kubelet is not None
        return [
            r.process.pid
            for r in self.kubelet.runs.values()
            if r.process is not None and r.process.returncode is None
        ]

    @property
    def last_exit(self) -> float:
        assert self.kubelet is not None
        return self.kubelet.last_exit

    def kill_all(self) -> None:
        for pid in self.live_processes():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
