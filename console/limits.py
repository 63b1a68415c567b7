"""What keeps a flood of sign-ins cheap (console.app): the client's address (the forwarded one only
from a trusted reverse proxy), a sliding window of tries per address, a gate that lets a bounded
number of Argon2 checks run at once, and refusals counted in memory, written to the audit log a
few at a time (a refused request writes nothing itself).

All in memory, for one console process (``workers=1``): the lock-out counts are in the database
(console.accounts), these only shed load before them."""
from __future__ import annotations

import asyncio
import ipaddress
from collections import deque

from bma.ratelimit import SlidingWindow


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip().strip("[]")))
    except ValueError:
        return None


def client_address(peer: str | None, forwarded_for: str | None, trusted: frozenset[str]) -> str:
    """The socket peer, unless it is a trusted proxy: then the last X-Forwarded-For hop that is not
    a trusted proxy (what the proxy itself saw; earlier hops are the client's word)."""
    peer = _address(peer or "") or (peer or "?")
    trusted_set = {a for a in (_address(t) for t in trusted) if a}
    if peer not in trusted_set or not forwarded_for:
        return peer
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:
            return peer  # not an address where the proxy writes one: keep the proxy's
        if address not in trusted_set:
            return address
    return peer


Window = SlidingWindow  # bma/ratelimit.py


class Gate:
    """At most ``limit`` holders at once (one event loop); others wait their turn, in order, for at
    most ``wait`` seconds, then are refused. A place freed goes straight to the next waiter."""

    def __init__(self, limit: int):
        self.limit, self.holders = limit, 0
        self.queue: deque[asyncio.Future] = deque()

    async def enter(self, wait: float) -> bool:
        if self.holders < self.limit and not self.queue:
            self.holders += 1
            return True
        if wait <= 0:
            return False
        waiter = asyncio.get_running_loop().create_future()
        self.queue.append(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter), wait)
            return True
        except asyncio.TimeoutError:
            if waiter.done():  # given a place just as the time ran out: it is ours
                return True
            self.queue.remove(waiter)
            waiter.cancel()
            return False
        except asyncio.CancelledError:  # the client went away while waiting
            if waiter.done() and not waiter.cancelled():
                self.leave()
            elif waiter in self.queue:
                self.queue.remove(waiter)
                waiter.cancel()
            raise

    def leave(self) -> None:
        while self.queue:
            waiter = self.queue.popleft()
            if not waiter.done():
                waiter.set_result(True)  # the place passes on; holders unchanged
                return
        self.holders -= 1


class Refusals:
    """Refusals counted in memory by (login shown, action, client, detail), written to the audit
    log by ``flush`` (console.audit.repeated: one row per burst)."""

    def __init__(self):
        self.pending: dict[tuple[str, str, str, str], int] = {}

    def add(self, login: str, action: str, client: str, detail: str) -> None:
        key = (login, action, client, detail)
        self.pending[key] = self.pending.get(key, 0) + 1

    def take(self) -> dict[tuple[str, str, str, str], int]:
        pending, self.pending = self.pending, {}
        return pending
