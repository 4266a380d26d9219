"""Reads a trace into tape records in a second process, so that on a machine with two cores
the checking of the next lines overlaps the firmware's run on the ones before. Errors travel
back and are raised where the record would have been, so a bad line still stops the replay
at that line."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from typing import Any

from benchctl.replay.trace import Trace, TraceError

_CHUNK = 4096


def _read(path: str, conn) -> None:
    try:
        trace = Trace(path)
        chunk: list = []
        for record in trace:
            chunk.append(record)
            if len(chunk) == _CHUNK:
                conn.send(("records", chunk, trace.progress()))
                chunk = []
        conn.send(("records", chunk, 1.0))
        conn.send(("end", trace.duration_ms, sorted(trace.channels)))
    except TraceError as e:
        conn.send(("error", e.path, e.line, e.message))
    except Exception as e:  # the parent reports it; the child must not leave it waiting
        conn.send(("error", path, 0, f"{type(e).__name__}: {e}"))
    finally:
        conn.close()


def records(trace: Trace, progress=None) -> Iterator[Any]:
    """The tape records of `trace` (whose header is already read), read in another process.
    Sets trace.duration_ms and trace.channels as reading it in this process would."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_read, args=(str(trace.path), child), daemon=True)
    proc.start()
    child.close()
    try:
        while True:
            try:
                message = parent.recv()
            except EOFError:
                raise TraceError(trace.name, trace.lines, "the reader stopped without an answer") from None
            if message[0] == "records":
                if progress is not None and message[1]:
                    progress(message[2], message[1][0][0])
                yield from message[1]
            elif message[0] == "end":
                trace.duration_ms, trace.channels = message[1], set(message[2])
                if progress is not None:
                    progress(1.0, trace.duration_ms)
                return
            else:
                raise TraceError(message[1], message[2], message[3])
    finally:
        parent.close()
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
