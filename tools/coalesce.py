"""Concurrent requests for single keys, answered together by one batch call.

Threads that each need one key (16 booking threads, each assessing its customer) call
:meth:`Coalescer.get`. One of them at a time is the leader: it takes every key waiting
(its own first), calls ``fetch`` once for all of them, hands each waiting thread its
answer, and passes the lead to the thread that has waited longest. A lone request is
served at once (no timer, no added latency); under N concurrent callers the batches
grow to about N, so fixed per-call costs (a query, a vectorised kernel run) are paid
once per batch instead of once per key.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
_UNSET = object()


class _Slot:
    """One caller's request: filled by a leader, or handed the lead.

    ``wake`` is held while the caller waits; whoever answers the request or hands
    it the lead releases it (a bare lock: cheaper than an ``Event`` to signal).
    """

    __slots__ = ("key", "wake", "done", "lead", "value", "error")

    def __init__(self, key: Any) -> None:
        self.key = key
        self.wake = threading.Lock()
        self.wake.acquire()
        self.done = False
        self.lead = False
        self.value: object = _UNSET
        self.error: BaseException | None = None


class Coalescer(Generic[K, V]):
    """Batch concurrent single-key requests into calls of ``fetch``.

    Args:
        fetch: Answers a batch of distinct keys: a mapping from key to its value, or
            to the exception that key's caller gets. A key missing from the mapping
            gets ``KeyError``; an exception raised by ``fetch`` goes to every caller
            of that batch.
        max_batch: At most this many keys per call.
    """

    def __init__(
        self,
        fetch: Callable[[Sequence[K]], Mapping[K, V | BaseException]],
        max_batch: int = 256,
    ) -> None:
        self._fetch = fetch
        self._max = max_batch
        self._lock = threading.Lock()
        self._waiting: list[_Slot] = []
        self._busy = False
        self.batches = 0  # calls of ``fetch`` made (for tests and benchmarks)
        self.keys = 0  # keys answered by them

    def get(self, key: K) -> V:
        """The value of ``key``, fetched alone or with concurrent callers' keys."""
        me = _Slot(key)
        with self._lock:
            self._waiting.append(me)
            if not self._busy:
                self._busy = me.lead = True
        while True:
            if me.lead:
                me.lead = False
                self._lead()
            me.wake.acquire()  # until answered, or handed the lead
            if me.done:
                break
        if me.error is not None:
            raise me.error
        return me.value  # type: ignore[return-value]

    def get_now(self, keys: Sequence[K]) -> dict[K, V | BaseException]:
        """Several keys fetched at once by the calling thread (one call of ``fetch``).

        Not shared with concurrent :meth:`get` callers: for a caller that has a
        batch of its own already.

        Returns:
            Each key's value, or the exception its caller would get.
        """
        keys = list(dict.fromkeys(keys))
        try:
            found: Mapping[K, V | BaseException] = self._fetch(keys)
        except Exception as exc:  # the batch failed: each key hears
            found = {k: exc for k in keys}
        self._count(len(keys))
        return {k: found.get(k, KeyError(k)) for k in keys}

    def _count(self, keys: int) -> None:
        with self._lock:
            self.batches, self.keys = self.batches + 1, self.keys + keys

    def _lead(self) -> None:
        """Serve the oldest waiting callers (the leader among them), pass the lead."""
        with self._lock:
            batch = self._waiting[: self._max]
            del self._waiting[: self._max]
        try:
            keys = list(dict.fromkeys(s.key for s in batch))
            try:
                found: Mapping[K, V | BaseException] = self._fetch(keys)  # type: ignore[arg-type]
            except Exception as exc:  # the batch failed: each of its callers hears
                found = {k: exc for k in keys}  # type: ignore[misc]
            self._count(len(keys))
            for slot in batch:
                answer = found.get(slot.key, KeyError(slot.key))
                if isinstance(answer, BaseException):
                    slot.error = answer
                else:
                    slot.value = answer
        finally:
            for slot in batch:
                if slot.value is _UNSET and slot.error is None:
                    slot.error = RuntimeError("the batch was interrupted")
                slot.done = True
                slot.wake.release()
            with self._lock:
                if self._waiting:
                    nxt = self._waiting[0]
                    nxt.lead = True
                    nxt.wake.release()
                else:
                    self._busy = False
