"""gunicorn's threaded worker, letting go of the port as soon as its master is gone.

When the master dies without stopping its workers (SIGKILL, an out-of-memory kill), each
worker notices within a second and finishes the requests it holds for up to
`graceful_timeout` seconds, keeping the listening socket open all along: a master started
again at once cannot bind and exits. Shutting the listener down as the worker notices frees
the port for the new master (the kernel refuses only while a socket listens on it) and
leaves the connections already accepted to finish, so saves in flight are still answered.
"""

from __future__ import annotations

import contextlib
import errno
import socket

from gunicorn.workers.gthread import ThreadWorker


class PortReleasingWorker(ThreadWorker):
    def is_parent_alive(self) -> bool:
        alive = super().is_parent_alive()
        if not alive:
            # The worker's loop stops accepting right after this answer; the listener is
            # shared by every worker of the dead master, so the first to notice frees it.
            for listener in self.sockets:
                with contextlib.suppress(OSError):
                    listener.sock.shutdown(socket.SHUT_RDWR)
        return alive

    def accept(self, listener) -> None:
        try:
            super().accept(listener)
        except OSError as error:
            # A sibling shut the shared listener down: the master is gone, and this worker
            # stops accepting too (it notices the master itself within a second) instead of
            # dying with the requests it still holds.
            if error.errno != errno.EINVAL:
                raise
            self.set_accept_enabled(False)
