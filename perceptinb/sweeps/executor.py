"""Where trials run: a lazily started local Dask cluster, or any `distributed.Client`.

The local cluster uses processes started with *spawn* (a forked worker hung in ``fit`` here), one
thread per worker and TensorFlow's intra- and inter-op pools at one thread each, so two trials on
a two-core machine do not fight over cores. It starts on the first sweep, is reused by later
sweeps in the session and closes at interpreter exit.

TensorFlow is imported on each worker in the background as soon as the worker joins (a worker
plugin, so workers that replace killed ones warm up too). Its import time is reported once per
worker on the ``pnb-warm`` event topic, apart from the per-trial figures.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import threading
import time
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

log = logging.getLogger(__name__)

WARM_TOPIC = "pnb-warm"
CONNECT_TIMEOUT_S = 8.0
# Retries of a trial whose worker died. At 0, the queued trials of a killed worker fail with
# KilledWorker too (measured), so a local cluster never goes below 1.
ALLOWED_FAILURES = 3
_SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    # On a GPU machine every local worker would otherwise reserve the whole GPU's memory.
    "TF_FORCE_GPU_ALLOW_GROWTH": "true",
}

_lock = threading.Lock()
_local: dict[str, Any] = {}


class WarmUp(WorkerPlugin):
    """Worker plugin: import TensorFlow, Keras and perceptinb's builder in a background thread.

    The worker stays responsive meanwhile (a trial that arrives first simply waits on the import
    lock). ``single_thread`` pins TensorFlow's thread pools to one thread: right for a local
    cluster of one-thread workers, wrong for somebody else's big workers.
    """

    name = "pnb-warm"
    idempotent = True

    def __init__(self, single_thread: bool = False) -> None:
        self.single_thread = single_thread

    def setup(self, worker: Any) -> None:
        if getattr(worker, "_pnb_warm_started", False):
            return
        worker._pnb_warm_started = True
        # Trials wait on this: two threads importing TensorFlow at once deadlock on its
        # module locks (measured: _DeadlockError in tensorflow.python.trackable).
        worker._pnb_warm_ready = threading.Event()
        threading.Thread(
            target=self._warm, args=(worker,), name="pnb-warm", daemon=True
        ).start()

    def _warm(self, worker: Any) -> None:
        started = time.perf_counter()
        report: dict[str, Any] = {"worker": worker.address, "pid": os.getpid()}
        try:
            import tensorflow as tf

            if self.single_thread:
                try:
                    tf.config.threading.set_intra_op_parallelism_threads(1)
                    tf.config.threading.set_inter_op_parallelism_threads(1)
                except RuntimeError:  # the context started already; the env vars held
                    pass
            report["tensorflow_import_s"] = time.perf_counter() - started
            import keras  # noqa: F401

            import perceptinb.keras_bridge  # noqa: F401
            import perceptinb.sweeps.trial  # noqa: F401

            worker._get_client()  # the client a trial's stop watcher uses: connect it now
            report["ready_s"] = time.perf_counter() - started
        except Exception as exc:  # a worker without TensorFlow fails its trials, not the loop
            report["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            worker._pnb_warm_ready.set()
        worker.log_event(WARM_TOPIC, report)


def wait_warm(worker: Any, timeout: float = 300.0) -> None:
    """Block until the worker's warm-up import finished (no-op on a worker without it)."""
    ready = getattr(worker, "_pnb_warm_ready", None)
    if ready is not None:
        ready.wait(timeout)


def warm_reports(client: Any) -> dict[str, dict[str, Any]]:
    """Per worker address: its TensorFlow import time and when it was ready to train."""
    return {msg["worker"]: msg for _, msg in client.get_events(WARM_TOPIC)}


def connect(executor: Any, *, workers: int | None = None) -> tuple[Any, bool]:
    """The client to run trials on, and whether it is perceptinb's own local cluster.

    Args:
        executor: None (the local cluster), a ``distributed.Client``, or a scheduler address.
        workers: Size of the local cluster when it is first started (default: CPU count, at most
            8).

    Raises:
        ConnectionError: a scheduler address that does not answer within about 8 s.
        TypeError: anything else.
    """
    from distributed import Client

    if executor is None:
        return local_client(workers), True
    if isinstance(executor, Client):
        if executor.status not in ("running", "connecting", "newly-created"):
            raise ValueError(f"The Dask client is {executor.status!r}. Expected a running client.")
        executor.register_plugin(WarmUp(single_thread=False))
        return executor, False
    if isinstance(executor, str):
        return _client_for_address(executor), False
    raise TypeError(
        "executor must be None (a local Dask cluster), a distributed.Client or a scheduler "
        f"address such as 'tcp://host:8786'. Received: {type(executor).__name__}."
    )


def _client_for_address(address: str) -> Any:
    from distributed import Client

    started = time.monotonic()
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ConnectionError(
            f"Could not reach the Dask scheduler at {address!r} within "
            f"{time.monotonic() - started:.1f} s: {exc}"
        ) from None
    client.register_plugin(WarmUp(single_thread=False))
    return client


def local_client(workers: int | None = None) -> Any:
    """The session's local cluster client; started on first use, closed at exit."""
    with _lock:
        client = _local.get("client")
        if client is not None and client.status == "running":
            return client
        started = time.perf_counter()
        client, cluster = _start_local(workers)
        _local.update(client=client, cluster=cluster, ready_s=time.perf_counter() - started)
        if not _local.get("atexit"):
            atexit.register(close_local)
            _local["atexit"] = True
        return client


def local_ready_seconds() -> float | None:
    """How long the local cluster took to start (without TensorFlow's import)."""
    return _local.get("ready_s")


def _start_local(workers: int | None) -> tuple[Any, Any]:
    import dask
    from distributed import Client, LocalCluster

    count = workers or min(os.cpu_count() or 1, 8)
    with dask.config.set(
        {
            "distributed.worker.multiprocessing-method": "spawn",
            "distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
            # The active memory manager drops "extra" replicas of scattered data within
            # seconds, undoing broadcast=True; a killed worker then took the only copy of the
            # sweep's data with it and the rerun failed (measured). Keep every replica.
            "distributed.scheduler.active-memory-manager.start": False,
        }
    ):
        cluster = LocalCluster(
            n_workers=count,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            env=dict(_SINGLE_THREAD_ENV),
            silence_logs=logging.ERROR,
        )
        client = Client(cluster, set_as_default=False)
    client.register_plugin(WarmUp(single_thread=True))
    return client, cluster


def close_local() -> None:
    """Close the session's local cluster (also runs at interpreter exit)."""
    with _lock:
        client, cluster = _local.pop("client", None), _local.pop("cluster", None)
        _local.pop("ready_s", None)
    if client is not None:
        from perceptinb.sweeps.stream import forget_client

        forget_client(client)
        # A sweep still subscribed would make the scheduler log a CRITICAL closed-comm error.
        for topic in list(getattr(client, "_event_handlers", {})):
            try:
                client.unsubscribe_topic(topic)
            except Exception:
                log.debug("unsubscribing %s failed", topic, exc_info=True)
    for closable in (client, cluster):
        if closable is not None:
            try:
                closable.close()
            except Exception:  # at exit the loop may be gone already
                log.debug("closing the local Dask cluster failed", exc_info=True)


def check_serializable(name: str, value: Any) -> None:
    """Raise a clear TypeError for data that cannot travel to the workers.

    Numeric arrays always can; anything else is pickled once here (small things only in
    practice: a DataFrame is converted to arrays before this).
    """
    import numpy as np

    if isinstance(value, np.ndarray) and value.dtype != object:
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            check_serializable(f"{name}[{i}]", item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            check_serializable(f"{name}[{key!r}]", item)
        return
    if _is_dataset(value):
        raise TypeError(
            f"{name} is a {type(value).__name__}: a sweep sends its data to the workers once, so "
            "it needs arrays. Expected numpy arrays or a pandas DataFrame."
        )
    try:
        import cloudpickle

        cloudpickle.dumps(value)
    except Exception as exc:
        raise TypeError(
            f"{name} cannot be sent to the Dask workers: {type(exc).__name__}: {exc}. Expected "
            f"numpy arrays (or picklable data). Received: {type(value).__name__}."
        ) from None


def _is_dataset(value: Any) -> bool:
    from perceptinb.training.data import is_stream

    return is_stream(value)


def scatter(client: Any, **data: Any) -> dict[str, Any]:
    """Send each value to every worker once (``broadcast=True``); futures by name."""
    names = list(data)
    try:
        futures = client.scatter([data[n] for n in names], broadcast=True, hash=False)
    except (TypeError, pickle.PicklingError) as exc:
        raise TypeError(f"The sweep's data cannot be sent to the Dask workers: {exc}") from None
    return dict(zip(names, futures))
