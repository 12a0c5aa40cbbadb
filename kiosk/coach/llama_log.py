"""Keep llama.cpp quiet in a terminal UI: its log lines go to the `kiosk.coach.llama` logger
(llama_log_set), and llama-cpp-python's few Python prints while a model loads go there too
(Python-level only: the process's stdout/stderr file descriptors are left alone)."""

from __future__ import annotations

import contextlib
import io
import logging

llama_log = logging.getLogger("kiosk.coach.llama")

_LOG_CALLBACK = None  # keep a reference: llama.cpp holds a raw pointer to it
_LEVELS = {0: logging.DEBUG, 1: logging.DEBUG, 2: logging.WARNING, 3: logging.ERROR,
           4: logging.DEBUG, 5: logging.DEBUG}


def install_log_bridge() -> None:
    """Send llama.cpp's log lines to the `kiosk.coach.llama` logger instead of stderr."""
    global _LOG_CALLBACK
    if _LOG_CALLBACK is not None:
        return
    import ctypes

    import llama_cpp

    @llama_cpp.llama_log_callback
    def _callback(level, text, _user_data):
        if llama_log.isEnabledFor(_LEVELS.get(level, logging.DEBUG)):
            message = text.decode("utf-8", errors="replace").rstrip()
            if message:
                llama_log.log(_LEVELS.get(level, logging.DEBUG), "%s", message)

    _LOG_CALLBACK = _callback
    llama_cpp.llama_log_set(_callback, ctypes.c_void_p(0))


class _LogWriter(io.TextIOBase):
    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.strip():
                llama_log.debug("%s", line.rstrip())
        return len(text)


@contextlib.contextmanager
def python_output_to_log():
    """llama-cpp-python prints a few lines (system info, chat template) while loading with
    verbose=True; send them to the log. Python-level only: file descriptors are left alone."""
    writer = _LogWriter()
    with contextlib.redirect_stderr(writer), contextlib.redirect_stdout(writer):
        yield
