"""A socket's outgoing frames, sent in the order given and, when the socket can take them, at once.

A room hands each event to every socket in the process. Awaiting each socket's ASGI `send` in turn would let
one slow reader (its buffer full, the server waiting for it to drain) hold up the whole room, and a task per
socket and frame costs more than the send itself. `Outbox.put` starts the send where it is called, as an
eager task would (Python 3.12 has them; Debian 12 has 3.11): a send that finishes without waiting, the usual
case, costs no task at all; one that has to wait goes on in a task, and the socket's later frames wait behind
it in order.
"""

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any

logger = logging.getLogger(__name__)

Message = dict[str, Any]
Send = Callable[[Message], Coroutine[Any, Any, None]]


class _Started:
    """The rest of a coroutine that has already run up to its first wait (`waiting`), to be awaited."""

    def __init__(self, coroutine: Coroutine[Any, Any, None], waiting: Any) -> None:
        self.coroutine = coroutine
        self.waiting = waiting

    def __await__(self) -> Generator[Any, Any, None]:
        waiting = self.waiting
        while True:
            try:
                try:
                    resumed_with = yield waiting
                except BaseException as error:  # handed on to the coroutine, as a task would
                    waiting = self.coroutine.throw(error)
                else:
                    waiting = self.coroutine.send(resumed_with)
            except StopIteration:
                return


class Outbox:
    """The ASGI `send` of one socket, keeping the order frames were given in.

    `await outbox(message)` sends after every frame given before it, raising what the send raised (a closed
    socket). `outbox.put(message)` does the same without waiting: what fails there is logged, since the
    socket's own reader learns of the close."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._queued: deque[tuple[Message, asyncio.Future[None] | None]] = deque()
        self._busy = False  # a send is under way; later frames queue behind it
        self._draining: asyncio.Task[None] | None = None

    def put(self, message: Message) -> None:
        if self._busy:
            self._queued.append((message, None))
            return
        coroutine = self._send(message)
        try:
            waiting = coroutine.send(None)
        except StopIteration:
            return
        except Exception:
            logger.info("live frame not sent", exc_info=True)
            return
        self._busy = True
        self._drain_after(_Started(coroutine, waiting))

    async def __call__(self, message: Message) -> None:
        if self._busy:
            sent: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._queued.append((message, sent))
            await sent
            return
        self._busy = True
        try:
            await self._send(message)
        finally:
            if self._queued:
                self._drain_after(None)
            else:
                self._busy = False

    def _drain_after(self, first: Awaitable[None] | None) -> None:
        self._draining = asyncio.ensure_future(self._drain(first))

    async def _drain(self, first: Awaitable[None] | None) -> None:
        """Finish `first`, then send what queued meanwhile, in order."""
        try:
            if first is not None:
                try:
                    await first
                except Exception:
                    logger.info("live frame not sent", exc_info=True)
            while self._queued:
                message, sent = self._queued.popleft()
                try:
                    await self._send(message)
                except Exception as error:
                    if sent is None:
                        logger.info("live frame not sent", exc_info=True)
                    elif not sent.done():
                        sent.set_exception(error)
                    continue
                if sent is not None and not sent.done():
                    sent.set_result(None)
        finally:
            self._busy = False
            self._draining = None
