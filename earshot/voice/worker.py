"""The sentence encoder in a process of its own, for the builds that score sentences.

A dbt build runs its Python models in dbt's one process, beside DuckDB. Loaded
there, the encoder (torch and the weights, about 650 MiB) adds to
DuckDB's memory while sentences are scored, and torch keeps about 400 MiB of it
after the encoder is dropped, which every model after scoring then runs beside
(docs/benchmarks.md, scale L). In a process of its own the encoder takes its
memory with it when scoring is done, and the build's process never imports
torch at all.

:class:`EncoderProcess` starts ``python -m earshot.voice.worker``, which loads
the encoder the pipeline reads with (``earshot.language.reader``) and answers
each batch of texts with their vectors, over its standard input and output as
Arrow streams; the vectors are the same as the reader's in the calling process
(same code, same threads). The process ends
when its :meth:`~EncoderProcess.close` is called, its owner is collected, or
the calling process exits (its input closes).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa

from earshot import language

TEXTS = pa.schema([("text", pa.string())])
# how much of the process's error output a failure quotes
ERROR_TAIL = 4000


def _vectors_schema(dimensions: int) -> pa.Schema:
    return pa.schema([("vector", pa.list_(pa.float32(), dimensions))])


class EncoderProcess:
    """``encode(texts)`` as ``earshot.language.reader``'s, computed in a child process.

    The child starts at once and loads the encoder while the caller goes on; the
    first :meth:`encode` waits for it. A child that fails (a missing model file,
    memory) raises ``RuntimeError`` with the end of its error output.
    """

    def __init__(
        self, base_name: str, tuned: Path | None = None, threads: int | None = None
    ) -> None:
        self.base = language.base(base_name)
        self._schema = _vectors_schema(self.base.dimensions)
        # kept open while the process lives, and closed with it (close)
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115
        command = [
            sys.executable,
            "-m",
            "earshot.voice.worker",
            base_name,
            str(tuned or ""),
            str(threads or 0),
        ]
        self._process = subprocess.Popen(  # noqa: S603 - argv is fixed by this module
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors
        )
        self._requests = pa.ipc.new_stream(self._process.stdin, TEXTS)
        self._replies: pa.ipc.RecordBatchStreamReader | None = None
        self._lock = threading.Lock()  # one batch in flight: dbt models run in threads

    @property
    def pid(self) -> int:
        return self._process.pid

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.base.dimensions), dtype=np.float32)
        with self._lock:
            try:
                self._requests.write_batch(
                    pa.record_batch([pa.array(list(texts), pa.string())], schema=TEXTS)
                )
                self._process.stdin.flush()
                if self._replies is None:
                    self._replies = pa.ipc.open_stream(self._process.stdout)
                reply = self._replies.read_next_batch()
            except (OSError, pa.ArrowInvalid, StopIteration) as lost:
                raise RuntimeError(self._failure()) from lost
        if reply.num_rows != len(texts) or reply.schema != self._schema:
            raise RuntimeError(
                f"the encoder process answered {reply.num_rows} vectors of {reply.schema}"
                f" for {len(texts)} texts"
            )
        flat = reply.column(0).values.to_numpy(zero_copy_only=False)
        return flat.reshape(len(texts), self.base.dimensions)

    def _failure(self) -> str:
        try:
            code = self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            code = self._process.wait()
        self._errors.seek(0)
        said = self._errors.read().decode(errors="replace").strip()[-ERROR_TAIL:]
        return f"the sentence encoder's process ({self.base.name}) exited with code {code}" + (
            f":\n{said}" if said else " and said nothing"
        )

    def close(self) -> None:
        """End the child (it exits when its input closes) and wait for it."""
        process = getattr(self, "_process", None)
        if process is None or process.poll() is not None:
            return
        try:
            self._requests.close()
            process.stdin.close()
        except OSError:  # it is gone already
            pass
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        self._errors.close()

    def __enter__(self) -> EncoderProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        # at the interpreter's exit the modules close() needs may be gone; the child
        # then ends on its own, as its input closes with this process
        with contextlib.suppress(Exception):
            self.close()


def main(argv: Sequence[str] | None = None) -> None:
    """The child: ``BASE TUNED THREADS``; texts in on standard input, vectors out on standard
    output (Arrow streams), until the input closes."""
    base_name, tuned, threads = argv or sys.argv[1:]
    # the Arrow stream is the only thing on standard output: what a library prints
    # goes to the error output instead
    replies_file = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    encoder = language.reader(
        base_name, Path(tuned) if tuned else None, int(threads) or None, trim=True
    )
    schema = _vectors_schema(encoder.base.dimensions)
    requests = pa.ipc.open_stream(sys.stdin.buffer)
    with pa.ipc.new_stream(replies_file, schema) as replies:
        for batch in requests:
            vectors = encoder.encode(batch.column(0).to_pylist())
            flat = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1))
            replies.write_batch(
                pa.record_batch(
                    [pa.FixedSizeListArray.from_arrays(flat, encoder.base.dimensions)],
                    schema=schema,
                )
            )
            replies_file.flush()
    replies_file.close()


if __name__ == "__main__":
    main()
