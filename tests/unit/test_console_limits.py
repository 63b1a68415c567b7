"""The console's in-memory sign-in limits (console/limits.py): the client's address behind a
trusted proxy, the sliding window of tries per address, the gate of Argon2 checks at once."""
import asyncio

from console.limits import Gate, Refusals, Window, client_address

PROXY = frozenset({"10.0.0.5"})


def test_the_forwarded_address_is_believed_only_from_a_trusted_proxy():
    assert client_address("203.0.113.9", "198.51.100.1", PROXY) == "203.0.113.9"  # not the proxy: its own word
    assert client_address("10.0.0.5", "198.51.100.1", PROXY) == "198.51.100.1"
    # The proxy appends what it saw: earlier hops are the client's word, so the last one counts.
    assert client_address("10.0.0.5", "1.2.3.4, 198.51.100.1", PROXY) == "198.51.100.1"
    assert client_address("10.0.0.5", "198.51.100.1, 10.0.0.5", PROXY) == "198.51.100.1"  # proxy behind proxy
    assert client_address("10.0.0.5", "pas-une-adresse", PROXY) == "10.0.0.5"
    assert client_address("10.0.0.5", None, PROXY) == "10.0.0.5"
    assert client_address("10.0.0.5", " [2001:db8::1] ", PROXY) == "2001:db8::1"
    assert client_address("127.0.0.1", "198.51.100.1", frozenset()) == "127.0.0.1"


def test_tries_per_address_in_a_sliding_minute():
    window = Window(3, 60)
    assert [window.allow("a", t)[0] for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert window.allow("a", 3) == (False, 57)
    assert window.allow("b", 3) == (True, 0)
    assert window.allow("a", 60.5) == (True, 0)


def test_the_gate_lets_a_bounded_number_through_and_refuses_after_the_wait():
    async def scenario():
        gate, inside, most = Gate(2), 0, 0
        outcomes = []

        async def check(hold: float, wait: float):
            nonlocal inside, most
            if not await gate.enter(wait):
                outcomes.append("refused")
                return
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(hold)
            inside -= 1
            gate.leave()
            outcomes.append("checked")

        # 2 at once, 0.1 s each: in 0.25 s of waiting, 4 more get their turn; the others are refused.
        await asyncio.gather(*(check(0.1, 0.25) for _ in range(10)))
        assert most == 2
        assert outcomes.count("checked") in (6, 7) and outcomes.count("refused") in (3, 4)
        assert gate.holders == 0 and not gate.queue
        # A try that gives up (client gone) leaves no place taken.
        await gate.enter(0)
        await gate.enter(0)
        waiting = asyncio.ensure_future(gate.enter(5))
        await asyncio.sleep(0.01)
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        gate.leave()
        gate.leave()
        assert gate.holders == 0 and not gate.queue
        assert await gate.enter(0) is True
    asyncio.run(scenario())


def test_refusals_are_counted_until_taken():
    refusals = Refusals()
    for _ in range(100):
        refusals.add("-", "connexion limitée", "192.0.2.1", "détail")
    refusals.add("x", "connexion refusée", "192.0.2.1", "détail")
    assert refusals.take() == {("-", "connexion limitée", "192.0.2.1", "détail"): 100,
                               ("x", "connexion refusée", "192.0.2.1", "détail"): 1}
    assert refusals.take() == {}
