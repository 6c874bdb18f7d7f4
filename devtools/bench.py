"""`make bench`: the numbers that show what the service costs and how it scales, from one run
on this machine. Everything runs here as real processes (devtools/processes.py), with the fake
Twilio; the figures are printed, and each target is marked met or missed.

1. Web chat replies end to end through the service (on PostgreSQL, as in production, when
   the bench has a server), against the bare Rasa REST webhook of the same Rasa server in the
   same run (the difference is what the gateway costs), at 1, 10 and 50 concurrent
   conversations (each sender starts a new one every 10 turns, as people do): latency
   p50/p95/p99, throughput, each process's CPU time per reply, and how busy the machine's
   cores were (and how much time a virtual machine's host took from them).
2. SMS webhook acknowledgement latency while 10 web chats keep Rasa busy: texts arrive at a
   steady rate (Twilio posts each one as it comes, however quickly the last was answered),
   and the webhook answers once the text is safe, so it must not depend on Rasa's speed.
   At the SMS intake process (production's topology: it answers once the text is in its
   spool file, and stores it in the database after; the most texts waiting in its spool and
   how soon after the last acknowledgement all were stored are printed too) and at the
   service's own webhook (it answers once the text is stored); 100 young people texting a
   few times each, and beside that every text from a new number.
3. Two Rasa processes sharing PostgreSQL and Redis against one (the scaling ratio), through
   the service and straight to Rasa; skipped, and said so, when PostgreSQL or Redis is not
   reachable.
4. Resident memory of each process, and how long the last `make` training took.

Targets: the service adds at most 15 ms at p50 over bare Rasa (read with one conversation at
a time, where nothing queues: see single_rasa); SMS acknowledgement p99 below 50 ms; two Rasa
processes give at least 1.6x the throughput of one (straight to Rasa, and through the service).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
import secrets
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial, reduce
from pathlib import Path
from uuid import uuid4

import aiohttp
from sqlalchemy import make_url

from devtools.databases import drop_databases, ensure_database, shared_stores
from devtools.processes import ROOT, Ports, ProcessSpec, SharedStores, free_port, local_stack
from devtools.send_sms import inbound_params, signed_webhook
from devtools.supervisor import StartFailed, Supervisor
from sms_gateway.config import Settings

TRAINING_SECONDS = ROOT / "build" / "rasa-training-seconds"
TRAINING_LOG = ROOT / "build" / "rasa-training.log"
RESTORED = re.compile(r"Restored component '(\w+)' from cache")
# Ordinary questions (no risk words, no request for a person), so every turn is an answer.
QUESTIONS = (
    "what is staying put",
    "can i get help with uni costs",
    "how do i apply for universal credit",
    "hiya",
    "what is a pathway plan",
)
COUNCIL_NUMBER = "+447700900100"
# Turns in one conversation before a sender starts another, as in a real chat: Rasa's time
# per turn grows with the conversation, so one endless chat would time something no one sends.
TURNS_PER_CHAT = 10
# Texts a second for the acknowledgement's floor, when nothing else keeps the machine busy.
QUIET_SMS_RATE = 2.0
# The SMS rate limit is per number and the bench uses many numbers, so it keeps the default.
# Each web chat worker sends all its turns in one chat, far past a person's pace: the web chat
# limit is lifted, or the bench would time the "slow down" notice.
BENCH_SETTINGS = {
    "LOG_LEVEL": "WARNING",
    "WEB_CHAT_RATE_LIMIT_PER_MINUTE": "100000",
    "WEB_CHAT_RATE_LIMIT_PER_HOUR": "100000",
}


@dataclass
class Run:
    label: str
    concurrency: int
    latencies: list[float] = field(default_factory=list)  # seconds
    seconds: float = 0.0
    errors: int = 0

    def quantile(self, q: float) -> float:
        """Milliseconds at quantile q (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    async def timed(self, send: Callable[[int], Awaitable[bool]], turn: int) -> None:
        """One request: its latency kept if it succeeded, counted as an error if not."""
        started = time.perf_counter()
        try:
            succeeded = await send(turn)
        except (aiohttp.ClientError, TimeoutError):  # e.g. closed with no answer
            succeeded = False
        if succeeded:
            self.latencies.append(time.perf_counter() - started)
        else:
            self.errors += 1

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def row(self) -> str:
        return (
            f"  {self.label:<28} {self.concurrency:>4} {len(self.latencies):>6} "
            f"{self.quantile(0.5):>8.1f} {self.quantile(0.95):>8.1f} {self.quantile(0.99):>8.1f} "
            f"{self.throughput:>8.1f} {self.errors:>6}"
        )


HEADER = (
    f"  {'':<28} {'conc':>4} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
    f"{'req/s':>8} {'errors':>6}"
)
Worker = Callable[[aiohttp.ClientSession, int], Awaitable[Callable[[int], Awaitable[bool]]]]


def _client(connections: int, timeout: float) -> aiohttp.ClientSession:
    """The load generator's HTTP client: aiohttp, as it costs a third of httpx's CPU per
    request, and the generator shares this machine's cores with what it measures."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeout),
        connector=aiohttp.TCPConnector(limit=connections),
    )


async def load(
    label: str, concurrency: int, per_worker: int, worker: Worker, turns: int = TURNS_PER_CHAT
) -> Run:
    """`concurrency` senders at once, each sending `per_worker` messages one after another,
    starting a new conversation every `turns` messages (untimed); every request's latency
    is kept (failed ones are counted, not timed)."""
    run = Run(label, concurrency)
    async with _client(concurrency + 5, timeout=120) as client:
        firsts = [await worker(client, n) for n in range(concurrency)]

        async def converse(n: int) -> None:
            send = firsts[n]
            for turn in range(per_worker):
                if turn and turn % turns == 0:
                    send = await worker(client, n)
                await run.timed(send, turn)

        started = time.perf_counter()
        await asyncio.gather(*(converse(n) for n in range(concurrency)))
        run.seconds = time.perf_counter() - started
    return run


def web_chat(service_url: str) -> Worker:
    async def worker(client: aiohttp.ClientSession, _: int) -> Callable[[int], Awaitable[bool]]:
        async with client.post(
            f"{service_url}/api/chat/sessions", json={"council": "lancashire"}
        ) as created:
            body = await created.json()
        url = f"{service_url}/api/chat/sessions/{body['session_id']}/messages"
        headers = {"Authorization": f"Bearer {body['token']}"}

        async def send(turn: int) -> bool:
            # With a client message id, as the widget sends every message (it makes sending
            # again after a timeout safe): the service stores it once per id.
            message = {"text": QUESTIONS[turn % len(QUESTIONS)], "client_message_id": str(uuid4())}
            async with client.post(url, json=message, headers=headers) as response:
                answer = await response.json() if response.status == 200 else {}
            replies = answer.get("replies", [])
            return bool(replies) and all(r.get("topic") != "holding" for r in replies)

        return send

    return worker


def bare_rasa(*rasa_urls: str) -> Worker:
    """Straight to Rasa's REST webhook; with several servers (sharing a tracker and lock
    store), each request goes to the next, as the service sends them."""
    turns = itertools.cycle(rasa_urls)

    async def worker(client: aiohttp.ClientSession, _: int) -> Callable[[int], Awaitable[bool]]:
        sender = secrets.token_hex(16)

        async def send(turn: int) -> bool:
            async with client.post(
                f"{next(turns)}/webhooks/rest/webhook",
                json={
                    "sender": sender,
                    "message": QUESTIONS[turn % len(QUESTIONS)],
                    "metadata": {"channel": "web", "council": "lancashire"},
                },
            ) as response:
                return response.status == 200 and bool(await response.json())

        return send

    return worker


_numbers = itertools.count(10_000)
# Young people texting in section 2. Each texts a few times (as people do), and under the
# per-number rate limit at 10 texts a second: the first text from each number also creates
# its contact and conversation, so a third of the 300 texts are first contacts.
SMS_SENDERS = 100


def sms_webhook(service_url: str, senders: int = SMS_SENDERS) -> Worker:
    settings = Settings()
    url = f"{service_url}/twilio/sms"
    numbers = itertools.cycle([f"+4477009{next(_numbers):05d}" for _ in range(senders)])

    async def worker(client: aiohttp.ClientSession, _: int) -> Callable[[int], Awaitable[bool]]:
        async def send(turn: int) -> bool:
            sender = next(numbers)
            params = inbound_params(
                sender,
                COUNCIL_NUMBER,
                QUESTIONS[turn % len(QUESTIONS)],
                settings.twilio_account_sid,
            )
            headers = signed_webhook(url, params, settings.twilio_auth_token)
            async with client.post(url, data=params, headers=headers) as response:
                await response.read()
                return response.status == 200

        return send

    return worker


async def texts_at_a_rate(
    receiver_url: str, rate: float, count: int, label: str, senders: int = SMS_SENDERS
) -> Run:
    """`count` texts from `senders` numbers in turn, arriving `rate` a second, each posted
    when it is due whatever the acknowledgements' speed, as Twilio posts texts as they
    arrive (an open loop: a slow acknowledgement does not slow the arrivals down, it shows
    in the latencies)."""
    run = Run(f"{label}, {rate:g} texts/s", 1)
    async with _client(200, timeout=60) as client:
        send = await sms_webhook(receiver_url, senders)(client, 0)

        started = time.perf_counter()
        posts = []
        for turn in range(count):
            await asyncio.sleep(max(0.0, started + turn / rate - time.perf_counter()))
            posts.append(asyncio.create_task(run.timed(send, turn)))
        await asyncio.gather(*posts)
        run.seconds = time.perf_counter() - started
    return run


async def sms_ack_under_load(
    service_url: str,
    receiver_url: str,
    rate: float,
    count: int,
    label: str,
    senders: int = SMS_SENDERS,
) -> Run:
    """Texts to `receiver_url` at a steady rate while 10 web chats keep Rasa and the
    service busy (and the service answers every text too)."""
    background = asyncio.create_task(
        load("(background web chat)", 10, 10**6, web_chat(service_url))
    )
    await asyncio.sleep(2)
    try:
        return await texts_at_a_rate(receiver_url, rate, count, label, senders)
    finally:
        background.cancel()
        await asyncio.gather(background, return_exceptions=True)


def _in_group(pid: int) -> Iterator[tuple[Path, list[str]]]:
    """Each process of a process group (a process and what it started): its /proc folder
    and the fields of its stat line after the name."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pid:
                yield entry, fields
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile


def rss_mb(pid: int) -> float:
    """Resident memory of a process group, in MB."""
    total_kb = 0
    for entry, _ in _in_group(pid):
        try:
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total_kb / 1024


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) used so far by a process group, in seconds."""
    ticks = sum(int(fields[11]) + int(fields[12]) for _, fields in _in_group(pid))
    return ticks / os.sysconf("SC_CLK_TCK")


# Servers the stack uses that the supervisor did not start, by process name.
SHARED_SERVERS = {"postgres": "postgres", "redis-server": "redis"}


def shared_server_cpu_seconds() -> dict[str, float]:
    """CPU time used so far by every process of PostgreSQL and of Redis on this machine."""
    used = dict.fromkeys(SHARED_SERVERS.values(), 0.0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name, fields = (entry / "stat").read_text().split(" (", 1)[1].rsplit(")", 1)
            label = SHARED_SERVERS.get(name)
            if label is not None:
                stat = fields.split()
                used[label] += (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
    return used


def _cpu_now(supervisor: Supervisor) -> dict[str, float]:
    used = {name: cpu_seconds(p.pid) for name, p in supervisor.running.items()}
    used.update(shared_server_cpu_seconds())
    used["bench client"] = time.process_time()  # the load generator shares the cores
    return used


def machine_ticks() -> tuple[int, int]:
    """Clock ticks of every core since boot, from /proc/stat: (busy, stolen). Busy is all
    but idle and I/O wait, whoever used it; stolen is time the virtual machine's host gave
    to others while this machine had work to run."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return user + nice + system + irq + softirq, steal


def cores_used(before: tuple[int, int], after: tuple[int, int], seconds: float) -> CoresUsed:
    """How many cores were busy, on average, over a run, and how many the host took."""
    ticks = os.sysconf("SC_CLK_TCK") * seconds
    busy, stolen = ((a - b) / ticks if ticks else 0.0 for a, b in zip(after, before, strict=True))
    return CoresUsed(busy, stolen)


@dataclass(frozen=True)
class CoresUsed:
    busy: float
    stolen: float

    @property
    def full(self) -> bool:
        """The cores were the limit: busy nine tenths of the time or more."""
        return self.busy >= 0.9 * (os.cpu_count() or 1)

    def row(self) -> str:
        return (
            f"cores busy {self.busy:.2f} of {os.cpu_count()}, stolen by the host {self.stolen:.2f}"
        )


@dataclass(frozen=True)
class Usage:
    """What a run used: each process's CPU time per reply, and the machine's cores."""

    per_reply: dict[str, float]
    cores: CoresUsed

    def __str__(self) -> str:
        per_reply = ", ".join(f"{name} {ms:.1f}" for name, ms in self.per_reply.items())
        return f"CPU ms per reply: {per_reply}\n  {'':<28} {self.cores.row()}"


async def with_cpu(supervisor: Supervisor, measured: Awaitable[Run]) -> tuple[Run, Usage]:
    """A load run, and the CPU time per reply during it of each process of the stack, of
    the database servers, and of the load generator itself: where the cores' time goes.
    Then how busy the whole machine was: a run with the cores full is bound by them, and
    time stolen by a virtual machine's host makes every figure slower."""
    before, machine_before = _cpu_now(supervisor), machine_ticks()
    run = await measured
    after, machine_after = _cpu_now(supervisor), machine_ticks()
    replies = max(1, len(run.latencies))
    used = {name: 1000 * (after[name] - before[name]) / replies for name in before}
    return run, Usage(used, cores_used(machine_before, machine_after, run.seconds))


def combined(first: tuple[Run, Usage], second: tuple[Run, Usage]) -> tuple[Run, Usage]:
    """Two runs of one kind as one: their replies pooled, each process's CPU per reply over
    both, the cores over both runs' time."""
    (run_a, use_a), (run_b, use_b) = first, second
    replies_a, replies_b = max(1, len(run_a.latencies)), max(1, len(run_b.latencies))
    per_reply = {
        name: (use_a.per_reply[name] * replies_a + use_b.per_reply.get(name, 0.0) * replies_b)
        / (replies_a + replies_b)
        for name in use_a.per_reply
    }
    seconds = (run_a.seconds + run_b.seconds) or 1.0

    def over_both(value: Callable[[CoresUsed], float]) -> float:
        return (value(use_a.cores) * run_a.seconds + value(use_b.cores) * run_b.seconds) / seconds

    cores = CoresUsed(over_both(lambda c: c.busy), over_both(lambda c: c.stolen))
    return pooled([run_a, run_b]), Usage(per_reply, cores)


async def side_by_side(
    supervisor: Supervisor,
    first: Callable[[], Awaitable[Run]],
    second: Callable[[], Awaitable[Run]],
) -> tuple[tuple[Run, Usage], tuple[Run, Usage]]:
    """Two kinds of run to compare, each in two halves in the order first, second, second,
    first, and each pooled: the machine's speed drifts by a tenth or more within a minute
    here (Rasa's CPU per reply moved from 43 to 49 ms between two runs of 10 seconds), and
    in this order a steady drift slows both alike."""
    a1 = await with_cpu(supervisor, first())
    b1 = await with_cpu(supervisor, second())
    b2 = await with_cpu(supervisor, second())
    a2 = await with_cpu(supervisor, first())
    return combined(a1, a2), combined(b1, b2)


def memory(supervisor: Supervisor) -> list[str]:
    return [
        f"  {name:<14} {rss_mb(process.pid):>8.0f} MB"
        for name, process in supervisor.running.items()
    ]


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def start(
    var_dir: Path, database_url: str, rasa_processes: int = 1, stores: SharedStores | None = None
) -> tuple[Supervisor, Ports, tuple[int, ...]]:
    ports = Ports.free()
    extra = tuple(free_port() for _ in range(rasa_processes - 1))
    # As in docker-compose.yml: Twilio's webhooks go to the SMS intake process.
    specs = local_stack(
        ports, database_url, var_dir, extra_rasa_ports=extra, stores=stores, sms_intake=True
    )
    for spec in specs:
        if spec.name == "service":
            spec.env.update(BENCH_SETTINGS)
    supervisor = Supervisor(var_dir / "logs")
    supervisor.start_all(specs)
    return supervisor, ports, extra


@dataclass
class SpoolWatch:
    """The intake's spool during a run, read from its /ready: the most texts waiting at once,
    and how long after the run's last acknowledgement the spool was empty again."""

    most_waiting: int = 0
    emptied_after: float | None = None  # seconds

    def row(self) -> str:
        emptied = (
            f"{1000 * self.emptied_after:.0f} ms after the last acknowledgement"
            if self.emptied_after is not None
            else "not emptied within 60 s of the last acknowledgement"
        )
        return f"  {'':<28} spool: at most {self.most_waiting} waiting; all stored {emptied}"


async def watched_spool(intake_url: str, measured: Awaitable[Run]) -> tuple[Run, SpoolWatch]:
    watch = SpoolWatch()
    async with _client(2, timeout=10) as client:

        async def waiting() -> int:
            async with client.get(f"{intake_url}/ready") as response:
                return int((await response.json())["sms_spooled"])

        async def sample() -> None:
            while True:
                watch.most_waiting = max(watch.most_waiting, await waiting())
                await asyncio.sleep(0.2)  # light beside 10 texts a second

        sampler = asyncio.create_task(sample())
        try:
            run = await measured
        finally:
            sampler.cancel()
            await asyncio.gather(sampler, return_exceptions=True)
        ended = time.perf_counter()
        while time.perf_counter() - ended < 60:
            if await waiting() == 0:
                watch.emptied_after = time.perf_counter() - ended
                break
            await asyncio.sleep(0.01)
    return run, watch


async def single_rasa(args: argparse.Namespace, var_dir: Path) -> tuple[tuple[int, float], float]:
    """Sections 1, 2 and 4; returns the added p50 at one conversation at a time (or the
    lowest level measured) with that level, and the SMS p99.

    The latency target is read where nothing queues: there the difference is the time the
    service adds to each reply. With Rasa saturated (10 or 50 at once) each sender waits
    for the whole queue whatever the service adds (Little's law: latency = senders /
    throughput), so there the difference only shows how much the service's CPU slowed Rasa
    on shared cores, which the throughput ratio printed beside it says directly."""
    database_url = service_database(args, var_dir)
    print(f"\nThe service's database: {make_url(database_url).get_backend_name()}")
    supervisor, ports, _ = start(var_dir / "one", database_url)
    service, rasa = f"http://127.0.0.1:{ports.service}", f"http://127.0.0.1:{ports.rasa}"
    try:
        # Warm up both paths (model loading, first queries) before anything is measured.
        await load("warm-up", 2, 3, web_chat(service))
        await load("warm-up", 2, 3, bare_rasa(rasa))
        print("\n1. Web chat reply through the service vs the bare Rasa REST webhook")
        print(HEADER)
        added: dict[int, float] = {}
        for concurrency in args.concurrency:
            # Two halves each, in the order bare, service, service, bare.
            half = max(1, args.requests // concurrency // 2)
            (bare, bare_cpu), (through, through_cpu) = await side_by_side(
                supervisor,
                partial(load, "bare Rasa REST webhook", concurrency, half, bare_rasa(rasa)),
                partial(load, "web chat via the service", concurrency, half, web_chat(service)),
            )
            print(bare.row())
            print(f"  {'':<28} {bare_cpu}")
            print(through.row())
            print(f"  {'':<28} {through_cpu}")
            added[concurrency] = through.quantile(0.5) - bare.quantile(0.5)
            print(
                f"  {'':<28} gateway adds {added[concurrency]:+.1f} ms at p50; "
                f"throughput ratio {_ratio(through, bare):.2f}"
            )
        print(
            f"\n2. SMS webhook acknowledgement: {args.sms} texts at {args.sms_rate:g} a second "
            f"from {SMS_SENDERS} numbers while 10 web chats keep Rasa busy, at the SMS intake "
            "process (as in docker-compose.yml) and at the service's own webhook (make run); "
            "beside them, every text from a new number (each a first contact: the most work "
            f"to store), and a few texts at {QUIET_SMS_RATE:g} a second with nothing else"
        )
        print(HEADER)
        intake = f"http://127.0.0.1:{ports.intake}"
        # Its first texts (new queries to prepare, code paths run for the first time) are
        # not what a running intake does; they are sent, untimed, first.
        await texts_at_a_rate(intake, QUIET_SMS_RATE, 10, "warm-up", senders=10)
        print(
            (await texts_at_a_rate(intake, QUIET_SMS_RATE, 40, "intake, quiet", senders=40)).row()
        )
        sms, spool = await watched_spool(
            intake, sms_ack_under_load(service, intake, args.sms_rate, args.sms, "intake")
        )
        print(sms.row())
        print(spool.row())
        first_contacts, spool = await watched_spool(
            intake,
            sms_ack_under_load(
                service, intake, args.sms_rate, args.sms, "intake, new numbers", senders=args.sms
            ),
        )
        print(first_contacts.row())
        print(spool.row())
        own = await sms_ack_under_load(service, service, args.sms_rate, args.sms, "service webhook")
        print(own.row())
        print("\n4. Resident memory after the load (one Rasa process)")
        print("\n".join(memory(supervisor)))
    finally:
        supervisor.stop_all()
        if database_url.startswith("postgresql"):
            drop_databases(args.postgres, [make_url(database_url).database or ""])
    level = min(added)
    # The target is for the topology of docker-compose.yml: texts go to the intake.
    return (level, added[level]), sms.quantile(0.99)


def service_database(args: argparse.Namespace, var_dir: Path) -> str:
    """PostgreSQL, as in production, when the bench has a server; SQLite otherwise."""
    if args.postgres:
        try:
            return ensure_database(args.postgres, f"bench_service_{secrets.token_hex(4)}")
        except Exception as error:
            print(f"PostgreSQL at {args.postgres} not reachable ({type(error).__name__})")
    return f"sqlite:///{var_dir / 'one' / 'service.db'}"


@dataclass(frozen=True)
class Scaling:
    """Throughput with two Rasa processes over one: through the service, and Rasa alone."""

    through_service: float
    rasa_alone: float
    # The machine's cores while two Rasa processes answered through the service (all rounds).
    cores_with_two: CoresUsed

    def verdict(self) -> str:
        """Rasa alone must reach the target. Through the service it must too, unless the
        cores were full with two Rasa processes: then this machine's cores were the limit,
        not the service (which would leave them idle if it held requests back)."""
        alone = f"{self.rasa_alone:.3f}x Rasa alone, {verdict(self.rasa_alone >= 1.6)}"
        through = f"{self.through_service:.3f}x through the service"
        if self.through_service >= 1.6:
            return f"{alone}; {through}, met"
        if self.cores_with_two.full:
            return (
                f"{alone}; {through}, bound by this machine's cores "
                f"({self.cores_with_two.busy:.2f} of {os.cpu_count()} busy with two Rasa "
                "processes: more Rasa processes need more cores)"
            )
        return f"{alone}; {through}, MISSED (the cores were not full: the service held it back)"


def service_on_one_server(
    service: ProcessSpec, port: int, database_url: str, rasa_url: str, var_dir: Path
) -> ProcessSpec:
    """A second service process, beside the first, that sends everything to one Rasa server:
    the one-server figures are measured with both Rasa servers running (the second idle),
    so the bench can go back and forth between one and two with nothing restarted."""
    return replace(
        service,
        name="service-one",
        env={
            **service.env,
            "SERVICE_PORT": str(port),
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "DATABASE_URL": database_url,
            "RASA_URL": rasa_url,
            "SMS_SPOOL_PATH": str(var_dir / "spool" / "service-one.sqlite3"),
        },
        health_url=f"http://127.0.0.1:{port}/health",
    )


def pooled(runs: list[Run]) -> Run:
    """Several runs of one kind as one: every latency, and the time of them all."""
    return Run(
        runs[0].label,
        runs[0].concurrency,
        [latency for run in runs for latency in run.latencies],
        sum(run.seconds for run in runs),
        sum(run.errors for run in runs),
    )


async def two_rasa(args: argparse.Namespace, var_dir: Path) -> Scaling | None:
    """Section 3: web chat throughput with two Rasa processes and with one, both through
    the service and straight to Rasa (requests going round the servers), in rounds that
    go back and forth between the two (two then one, then one then two), so a change in the
    machine's speed during the section (a virtual machine's host taking time) falls on both
    alike. The ratios are of the rounds pooled; each round's is printed too."""
    try:
        database_url = ensure_database(args.postgres, f"bench_service_{secrets.token_hex(4)}")
        one_database_url = ensure_database(args.postgres, f"bench_service_{secrets.token_hex(4)}")
        stores = shared_stores(args.postgres, f"bench_rasa_{secrets.token_hex(4)}", args.redis)
    except Exception as error:
        print(f"\n3. Two Rasa processes: skipped ({type(error).__name__}: PostgreSQL at "
              f"{args.postgres} and Redis at {args.redis} are needed)")  # fmt: skip
        return None
    supervisor, ports, extra = start(var_dir / "two", database_url, 2, stores)
    service = f"http://127.0.0.1:{ports.service}"
    rasa_urls = [f"http://127.0.0.1:{port}" for port in (ports.rasa, *extra)]
    one_port = free_port()
    service_one = service_on_one_server(
        supervisor.specs["service"], one_port, one_database_url, rasa_urls[0], var_dir / "two"
    )
    concurrency = max(args.concurrency)
    # Each sender sends several turns, so the throughput is that of the steady state, not of
    # the start and the tail (where fewer requests are in flight than servers can take).
    per_worker = max(2, args.scaling_requests // concurrency)
    workers = {
        "two": (bare_rasa(*rasa_urls), web_chat(service)),
        "one": (bare_rasa(rasa_urls[0]), web_chat(f"http://127.0.0.1:{one_port}")),
    }
    runs: dict[tuple[str, str], list[tuple[Run, Usage]]] = {}

    async def measure(label: str, worker: Worker) -> tuple[Run, Usage]:
        run, usage = await with_cpu(supervisor, load(label, concurrency, per_worker, worker))
        print(run.row())
        print(f"  {'':<28} {usage}")
        return run, usage

    try:
        supervisor.start(service_one)
        supervisor.wait_healthy(service_one)
        for bare, through in workers.values():
            await load("warm-up", 4, 3, through)
            await load("warm-up", 4, 3, bare)
        print("\n3. Two Rasa processes (PostgreSQL tracker, Redis lock store) against one, "
              f"in {args.scaling_rounds} round(s)")  # fmt: skip
        print(HEADER)
        for round_ in range(args.scaling_rounds):
            order = ("two", "one") if round_ % 2 == 0 else ("one", "two")
            for servers in order:
                bare, through = workers[servers]
                kind = "processes" if servers == "two" else "process"
                runs.setdefault(("bare", servers), []).append(
                    await measure(f"bare Rasa, {servers} {kind}", bare)
                )
                runs.setdefault(("service", servers), []).append(
                    await measure(f"via the service, {servers}", through)
                )
            if round_ == 0:
                print("\n   Memory with two Rasa processes:")
                print("\n".join(memory(supervisor)))
                print()
            latest = {key: found[-1][0] for key, found in runs.items()}
            print(
                f"  {'':<28} round {round_ + 1}: two against one "
                f"{_ratio(latest['service', 'two'], latest['service', 'one']):.3f}x "
                "through the service, "
                f"{_ratio(latest['bare', 'two'], latest['bare', 'one']):.3f}x Rasa alone"
            )
        total = {key: reduce(combined, found) for key, found in runs.items()}
        scaling = Scaling(
            _ratio(total["service", "two"][0], total["service", "one"][0]),
            _ratio(total["bare", "two"][0], total["bare", "one"][0]),
            total["service", "two"][1].cores,
        )
        print(
            f"  {'':<28} all rounds: two against one {scaling.through_service:.3f}x through "
            f"the service, {scaling.rasa_alone:.3f}x Rasa alone (on {os.cpu_count()} CPU cores)"
        )
        return scaling
    finally:
        supervisor.stop_all()
        drop_databases(
            args.postgres,
            [make_url(url).database or "" for url in (database_url, one_database_url)]
            + [stores.tracker_db],
        )


def _ratio(run: Run, against: Run) -> float:
    """One run's throughput over another's."""
    return run.throughput / against.throughput if against.throughput else float("nan")


def restored_from_cache(log: Path = TRAINING_LOG) -> list[str]:
    """The trained components (classifiers and policies) that the last `make` training took
    from Rasa's cache rather than trained, from its log: a time with these is not a full
    training's."""
    if not log.exists():
        return []
    found = RESTORED.findall(log.read_text(errors="replace"))
    return sorted({name for name in found if name.endswith(("Classifier", "Policy"))})


async def main_async(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        var_dir = Path(tmp)
        print(f"Benchmark on {os.cpu_count()} CPU cores; requests per level ~{args.requests}.")
        try:
            (level, added_p50), sms_p99 = await single_rasa(args, var_dir)
            scaling = await two_rasa(args, var_dir) if args.postgres else None
        except StartFailed as error:
            print(f"Could not start the assistant: {error}")
            return 1
    print("\nTraining")
    if TRAINING_SECONDS.exists():
        print(f"  last `make` training of the Rasa model: {TRAINING_SECONDS.read_text().strip()} s")
        restored = restored_from_cache()
        if restored:
            print(f"  (not a full training: {', '.join(restored)} restored from Rasa's cache)")
    else:
        print("  not recorded: the model was not trained by `make` on this checkout")
    print("\nTargets")
    print(f"  service adds <= 15 ms at p50 over bare Rasa ({level} at a time): "
          f"{added_p50:+.1f} ms, {verdict(added_p50 <= 15)}")  # fmt: skip
    print(
        f"  SMS acknowledgement p99 < 50 ms under load: {sms_p99:.1f} ms, {verdict(sms_p99 < 50)}"
    )
    if scaling is not None:
        print(f"  two Rasa processes >= 1.6x one: {scaling.verdict()}")
    else:
        print("  two Rasa processes >= 1.6x one: not measured")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per load level")
    parser.add_argument(
        "--scaling-requests",
        type=int,
        default=800,
        help="requests per run in section 3 (two Rasa processes against one)",
    )
    parser.add_argument(
        "--scaling-rounds",
        type=int,
        default=2,
        help="rounds of section 3, going back and forth between two Rasa processes and one",
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--sms", type=int, default=300, help="SMS webhooks to time")
    parser.add_argument(
        "--sms-rate", type=float, default=10.0, help="texts arriving per second in section 2"
    )
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server for the two-Rasa section ('' to skip it)",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
