"""A discrete-event model of `pulumi up` onboarding N clusters, in one stack or in S shards.

    /work/venv/bin/python bench/onboarding_model.py [--sizes 10 100 1000 10000] [--parallel 32]
        [--shard-size 50] [--write docs/onboarding-model.md] [--plot docs/onboarding-timeline.png]

What it simulates, and why each part is there:
- the steps the program declares, read from the offline plan's `--json` for a 2-cluster fleet and
  replicated per cluster (planning 10,000 clusters offline takes far too long); every dependency
  and provider edge of the plan is kept;
- the engine: a step starts when its dependencies are done, the program has registered it (the
  SDK's serial cost per resource, measured in docs/benchmarks.md) and one of `--parallel` workers
  is free; it holds the worker for its whole operation (LRO polling, Helm wait, verify loop);
- Azure Resource Manager throttling as Learn documents it (token buckets per principal and per
  operation type, and a subscription-wide bucket 15 times larger), shared by every stack that
  signs in as the same principal; a throttled call waits for its token (an ideal client);
- the runner's cores, which every `az` process (registrations, each verify poll) and every RSA key
  needs.

Every latency is in INPUTS with its source; the ones no reference gives are marked assumptions.
Pure standard library (heapq) except the optional plot, which imports matplotlib when asked.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[1]


# --- inputs ------------------------------------------------------------------------------------


class Figure(NamedTuple):
    value: float
    source: str
    assumed: bool


def measured(value: float, source: str) -> Figure:
    return Figure(value, source, False)


def assumed(value: float, why: str) -> Figure:
    return Figure(value, why, True)


INPUTS: dict[str, Figure] = {
    "sdk_seconds_per_resource": measured(
        0.0046, "docs/benchmarks.md and issue 13: 4.6-7.5 ms per resource registered by the Python SDK (serial)"
    ),
    "startup_seconds": assumed(
        5.0, "engine, language host and provider plugins starting; the offline plan alone takes 2.0 s for 1 cluster"
    ),
    "key_cpu_seconds": measured(
        0.58,
        "issue 13: one RSA-4096 key costs 0.17-1.8 s, median 0.58 s (Python cryptography); the tls provider's Go assumed alike",
    ),
    "local_seconds": assumed(0.5, "a provider configure or a no-op command (delete-only guard and cleanup)"),
    "k8s_call_seconds": assumed(
        0.5, "one Kubernetes API round trip to a store's cluster over a WAN (Namespace, Secret)"
    ),
    "preflight_seconds": assumed(
        60.0, "preflight Job: image pull plus DNS/HTTPS checks; the plan bounds it with a 6 m customTimeout"
    ),
    "helm_seconds": assumed(
        180.0,
        "agents' Helm install with --wait (about 10 deployments, images pulled at the store); bounded by agents.timeoutSeconds",
    ),
    "connect_seconds": assumed(
        60.0,
        "from Helm done to connectivityStatus Connected (first agent heartbeat); Learn says metadata takes 5-10 min to surface",
    ),
    "lro_seconds": assumed(20.0, "the connected cluster PUT's long-running operation (Accepted to Succeeded)"),
    "lro_poll_seconds": measured(
        30.0,
        "connectedk8s.md §4: azure-core's default LRO polling interval is 30 s (the Go provider's assumed the same)",
    ),
    "register_poll_seconds": assumed(10.0, "`az provider register --wait` polls the provider's state (az CLI loop)"),
    "registration_seconds": measured(
        600.0,
        "connect-cluster-article.md: provider registration 'may take approximately 10 minutes' (fresh subscription only)",
    ),
    "verify_poll_seconds": measured(
        10.0, "the plan's verify script: `sleep 10` between polls (parsed from the plan when present)"
    ),
    "verify_timeout_seconds": measured(
        1200.0, "the plan's verify script: deadline = agents.timeoutSeconds (default 1200)"
    ),
    "az_cpu_seconds": assumed(0.7, "CPU of one `az` process (Python start-up, imports, token cache) on the runner"),
    "reads_per_az_show": assumed(
        2.0, "`az resource show` without --api-version reads the provider to pick one, then the resource"
    ),
    "arm_read_seconds": assumed(0.3, "latency of one ARM GET"),
    "arm_write_seconds": assumed(1.0, "latency of one ARM PUT/POST (until its 200/201/202)"),
    "data_plane_post_seconds": assumed(
        0.5, "latency of one POST to the region's Arc data plane (healthCheck, GetHelmSettings); not ARM's throttle"
    ),
    "runner_cores": assumed(4.0, "cores of the machine running one stack's `pulumi up` (a GitHub-hosted Linux runner)"),
    "retry_budget_seconds": assumed(
        60.0,
        "how long a 429'd provider call can wait before its client gives up (azure-native's azcore retries a few times)",
    ),
    "jitter_sigma": assumed(0.25, "log-normal spread applied per cluster to every assumed duration (seeded)"),
}

LEARN_THROTTLING = "https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling"


class Limit(NamedTuple):
    capacity: float
    refill_per_second: float


# Learn, "Regional throttling and token bucket algorithm": per subscription, per principal, per region
# and per operation type; the subscription-wide buckets are 15 times the per-principal ones.
ARM_LIMITS: dict[str, Limit] = {"read": Limit(250, 25), "write": Limit(200, 10), "delete": Limit(200, 10)}
SUBSCRIPTION_FACTOR = 15

RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
UNBOUNDED = 2_147_483_647  # the CLI's default --parallel (pulumi/pulumi: "Defaults to unbounded")


# --- token bucket ------------------------------------------------------------------------------


@dataclass
class TokenBucket:
    """FIFO token bucket: take() returns when the caller's token is available.

    The level may go below zero: each waiting caller reserves the next token to refill, so callers
    are served in order and the refill is never counted twice. Calls must come in time order.
    """

    capacity: float
    refill: float
    level: float = field(init=False)
    stamp: float = 0.0

    def __post_init__(self) -> None:
        self.level = self.capacity

    def take(self, now: float) -> float:
        if now > self.stamp:
            self.level = min(self.capacity, self.level + (now - self.stamp) * self.refill)
            self.stamp = now
        self.level -= 1
        return now if self.level >= 0 else now + -self.level / self.refill


# --- the plan ----------------------------------------------------------------------------------


class Dep(NamedTuple):
    scope: str  # "cluster", "group" or "stack"
    key: str


@dataclass(frozen=True)
class Resource:
    """One resource of the plan, reduced to what the model needs."""

    scope: str
    key: str  # the role in its cluster ("cluster", "agents"), "{group}" for the group, or the stack-level name
    type: str
    behaviour: str
    deps: tuple[Dep, ...]


@dataclass(frozen=True)
class Template:
    cluster: tuple[Resource, ...]
    group: tuple[Resource, ...]
    stack: tuple[Resource, ...]
    verify_poll_seconds: float
    verify_timeout_seconds: float

    def resources_per_cluster(self) -> int:
        return len(self.cluster)


def behaviour_of(resource: dict[str, Any]) -> str:
    """The operation a `pulumi up` create runs for this resource (a latency profile's name)."""
    type_: str = resource["type"]
    create = str(resource.get("inputs", {}).get("create", ""))
    if not resource["custom"]:
        return "component"
    if resource["read"]:
        return "arm-read"
    if type_ == "pulumi:providers:kubernetes":
        return "local"
    if type_ == RESOURCE_GROUP:
        return "arm-put"
    if type_.startswith("azure-native:"):
        return "arm-put-lro"
    if type_ == "tls:index/privateKey:PrivateKey":
        return "keygen"
    if type_ == "kubernetes:helm.sh/v3:Release":
        return "helm"
    if type_ == "kubernetes:batch/v1:Job":
        return "preflight"
    if type_.startswith("kubernetes:"):
        return "k8s"
    if type_ == "command:local:Command":
        if not create:
            return "local"  # delete-time only: its create does nothing
        if "az provider register" in create:
            return "register"
        if "az resource show" in create:
            return "verify"
        if "GetHelmSettings" in create:
            return "data-plane"
    raise ValueError(f"no latency model for {type_} {resource['name']}: add one to bench/onboarding_model.py")


def template_from_plan(doc: dict[str, Any]) -> Template:
    """The first cluster's subgraph and the shared resources it needs, from a fleet plan's JSON."""
    resources: list[dict[str, Any]] = doc["resources"]
    by_urn = {r["urn"]: r for r in resources}
    components = [r for r in resources if r["type"] == "arc-onboarding:index:ArcConnectedCluster"]
    first = components[0]
    prefix = first["name"] + "-"
    groups = sorted({c["name"].split("/")[0] for c in components}, key=len, reverse=True)
    mine = first["name"].split("/")[0]

    def group_of(name: str) -> str | None:
        return next((g for g in groups if name == g or name.startswith(g + "-")), None)

    def dep_of(urn: str) -> Dep:
        other = by_urn[urn]
        if other["parent"] == first["urn"]:
            return Dep("cluster", other["name"].removeprefix(prefix))
        if group_of(other["name"]) == mine:
            return Dep("group", other["name"].replace(mine, "{group}", 1))
        return Dep("stack", other["name"])

    def reduce(r: dict[str, Any], scope: str, key: str) -> Resource:
        urns = [*r["dependencies"], *([r["provider"]] if r["provider"] else [])]
        return Resource(scope, key, r["type"], behaviour_of(r), tuple(dict.fromkeys(dep_of(u) for u in urns)))

    children = [r for r in resources if r["parent"] == first["urn"]]
    shared = [r for r in resources if r["parent"] is None and r["type"] != first["type"]]
    cluster = [reduce(first, "cluster", "component")]
    cluster += [reduce(r, "cluster", r["name"].removeprefix(prefix)) for r in children]
    group = [reduce(r, "group", r["name"].replace(mine, "{group}", 1)) for r in shared if group_of(r["name"]) == mine]
    stack = [reduce(r, "stack", r["name"]) for r in shared if group_of(r["name"]) is None]
    verify = next((str(r["inputs"].get("create", "")) for r in children if behaviour_of(r) == "verify"), "")
    poll = re.search(r"sleep (\d+)", verify)
    deadline = re.search(r"date \+%s\) \+ (\d+)", verify)
    return Template(
        tuple(cluster),
        tuple(group),
        tuple(stack),
        float(poll[1]) if poll else INPUTS["verify_poll_seconds"].value,
        float(deadline[1]) if deadline else INPUTS["verify_timeout_seconds"].value,
    )


def plan_document(clusters: int = 2, lean: bool = False) -> dict[str, Any]:
    """Run the offline plan (`python -m components.plan --json`) on a generated fleet stack."""
    sys.path.insert(0, str(ROOT / "bench"))
    from fleet_bench import write_fleet

    with tempfile.TemporaryDirectory() as tmp:
        stack = write_fleet(Path(tmp), clusters, lean)
        command = [sys.executable, "-m", "components.plan", "--config-file", str(stack), "--json"]
        run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise SystemExit(f"plan failed: {run.stderr.strip()}")
    doc: dict[str, Any] = json.loads(run.stdout)
    return doc


# --- scenario ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    clusters: int
    shards: int = 1  # 1: one stack holding everything; more: a base stack, then the shards at once
    identities: str = "one"  # "one" principal for every stack, or "per-shard"
    parallel: int = 32
    groups: int = 10
    rerun: bool = False  # a later `pulumi up` that changes nothing: refresh reads, then the program
    fresh_subscription: bool = False
    throttle: bool = True
    runner_cores: float = INPUTS["runner_cores"].value
    sdk_seconds: float = INPUTS["sdk_seconds_per_resource"].value
    seed: int = 1

    def label(self) -> str:
        if self.shards == 1:
            p = "unbounded" if self.parallel >= UNBOUNDED else str(self.parallel)
            return f"one stack, --parallel {p}"
        return f"{self.shards} shards, {'one identity' if self.identities == 'one' else 'one identity per shard'}"


# --- the simulation ----------------------------------------------------------------------------

Request = tuple[str, float | str]  # ("wait", seconds) | ("cpu", seconds) | ("arm", op)
Operation = Generator[Request, float, None]


@dataclass
class ClusterTimes:
    """One cluster's sampled durations and what its verify step needs to know."""

    preflight: float
    helm: float
    connect: float
    lro: float
    agents_done: float = math.inf
    verified: float = math.inf


@dataclass(eq=False)
class Step:
    behaviour: str
    stack: Engine
    cluster: ClusterTimes | None
    waiting_on: int = 0
    dependents: list[Step] = field(default_factory=list)
    operation: Operation | None = None
    ready_at: float = 0.0


@dataclass(eq=False)
class Engine:
    """One stack's `pulumi up`: its workers, its program (SDK) and its runner's cores."""

    name: str
    parallel: int
    principal: str
    cores: list[float]
    start: float = 0.0
    running: int = 0
    queue: deque[Step] = field(default_factory=deque)
    sdk_free: float = 0.0
    steps: list[Step] = field(default_factory=list)
    left: int = 0
    done_at: float = 0.0
    then: list[Engine] = field(default_factory=list)  # stacks that start when this one ends


@dataclass
class Result:
    scenario: Scenario
    wall: float
    calls: dict[str, int]
    waits: dict[str, float]  # seconds spent waiting, by what was waited for
    max_token_wait: float
    bucket_waits: dict[str, float]  # ARM waits by the bucket that held the call back
    calls_by_behaviour: dict[str, dict[str, int]]
    calls_at_risk: int  # provider calls held past the retry budget: the step would likely fail
    verify_late: int  # verify steps whose polls ran past their deadline (the step would fail)
    verified: list[float]
    reads: list[float]
    in_flight: list[tuple[float, int]]


class Simulation:
    def __init__(self, template: Template, scenario: Scenario) -> None:
        self.t = template
        self.s = scenario
        self.now = 0.0
        self.heap: list[tuple[float, int, Callable[[], None]]] = []
        self.seq = 0
        self.rng = random.Random(scenario.seed)
        self.buckets: dict[tuple[str, str], TokenBucket] = {}
        self.calls = {"read": 0, "write": 0, "delete": 0}
        self.waits = {"engine": 0.0, "arm": 0.0, "cpu": 0.0, "sdk": 0.0}
        self.bucket_waits: dict[str, float] = {}
        self.calls_by_behaviour: dict[str, dict[str, int]] = {}
        self.calls_at_risk = 0
        self.max_token_wait = 0.0
        self.verify_late = 0
        self.reads: list[float] = []
        self.in_flight: list[tuple[float, int]] = []
        self.flying = 0
        self.clusters: list[ClusterTimes] = []
        self.engines = self.build()

    # scheduling
    def at(self, when: float, action: Callable[[], None]) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (when, self.seq, action))

    def run(self) -> Result:
        for engine in self.engines:
            if engine.start == 0.0 and not any(engine in e.then for e in self.engines):
                self.launch(engine)
        while self.heap:
            self.now, _, action = heapq.heappop(self.heap)
            action()
        wall = max(e.done_at for e in self.engines)
        return Result(
            self.s,
            wall,
            self.calls,
            self.waits,
            self.max_token_wait,
            self.bucket_waits,
            self.calls_by_behaviour,
            self.calls_at_risk,
            self.verify_late,
            sorted(c.verified for c in self.clusters),
            self.reads,
            self.in_flight,
        )

    # building the stacks
    def jitter(self, name: str) -> float:
        figure = INPUTS[name]
        sigma = INPUTS["jitter_sigma"].value if figure.assumed else 0.0
        return figure.value * math.exp(self.rng.gauss(-sigma * sigma / 2, sigma))

    def engine(self, name: str, principal: str) -> Engine:
        cores = [0.0] * max(1, int(self.s.runner_cores)) if math.isfinite(self.s.runner_cores) else []
        return Engine(name, self.s.parallel, principal, cores)

    def build(self) -> list[Engine]:
        s = self.s
        if s.shards <= 1:
            one = self.engine("stack", "p0")
            self.populate(one, range(s.clusters), shared=True)
            return [one]
        base = self.engine("base", "p0")
        self.populate(base, range(0), shared=True, groups=range(min(s.groups, s.clusters)))
        shards = []
        size = math.ceil(s.clusters / s.shards)
        for k in range(s.shards):
            shard = self.engine(f"shard-{k}", "p0" if s.identities == "one" else f"p{k}")
            self.populate(shard, range(k * size, min(s.clusters, (k + 1) * size)), shared=False)
            shards.append(shard)
        base.then = shards
        return [base, *shards]

    def populate(
        self, engine: Engine, clusters: Iterable[int], shared: bool, groups: Iterable[int] | None = None
    ) -> None:
        """Instantiate the template's steps for these clusters (and the shared ones when `shared`)."""
        t, s = self.t, self.s
        stack: dict[str, Step] = {}
        by_group: dict[int, dict[str, Step]] = {}

        def add(resource: Resource, cluster: ClusterTimes | None, deps: list[Step]) -> Step:
            step = Step(resource.behaviour, engine, cluster)
            for d in deps:
                d.dependents.append(step)
            step.waiting_on = len(deps)
            engine.steps.append(step)
            return step

        def group_steps(g: int) -> dict[str, Step]:
            if g not in by_group:
                steps = by_group[g] = {}
                for r in t.group:
                    if not shared and r.type != RESOURCE_GROUP:
                        continue  # a shard declares no group resource; it reads the groups it uses
                    resource = r if shared else replace(r, behaviour="arm-read", deps=())
                    deps = [stack[d.key] for d in resource.deps if d.scope == "stack" and d.key in stack]
                    deps += [steps[d.key] for d in resource.deps if d.scope == "group"]
                    steps[r.key] = add(resource, None, deps)
            return by_group[g]

        if shared:
            for r in t.stack:
                stack[r.key] = add(r, None, [stack[d.key] for d in r.deps if d.key in stack])
            for g in groups or ():
                group_steps(g)
        for c in clusters:
            times = ClusterTimes(
                self.jitter("preflight_seconds"),
                self.jitter("helm_seconds"),
                self.jitter("connect_seconds"),
                self.jitter("lro_seconds"),
            )
            self.clusters.append(times)
            g_steps = group_steps(c % s.groups)
            local: dict[str, Step] = {}
            for r in t.cluster:  # dependencies on what another stack declares are that stack's to wait for
                deps = [local[d.key] for d in r.deps if d.scope == "cluster"]
                deps += [g_steps[d.key] for d in r.deps if d.scope == "group" and d.key in g_steps]
                deps += [stack[d.key] for d in r.deps if d.scope == "stack" and d.key in stack]
                local[r.key] = add(r, times, deps)
        if s.rerun:  # refresh reads each resource once; nothing waits on anything
            for step in engine.steps:
                step.dependents.clear()
                step.waiting_on = 0
        engine.left = len(engine.steps)

    # the engine
    def launch(self, engine: Engine) -> None:
        engine.start = self.now
        ready = self.now + INPUTS["startup_seconds"].value
        engine.sdk_free = ready
        if engine.left == 0:
            self.at(ready, lambda: self.finish_engine(engine))
            return
        for step in engine.steps:
            if step.waiting_on == 0:
                self.at(ready, partial(self.register, step))

    def register(self, step: Step) -> None:
        """The program registers the resource (serial SDK cost) once its inputs are known."""
        engine = step.stack
        if self.s.rerun or step.behaviour == "component":
            when = self.now  # refresh does not run the program; a component is registered with its children
            if step.behaviour == "component":
                when = engine.sdk_free = max(self.now, engine.sdk_free) + self.s.sdk_seconds
        else:
            when = engine.sdk_free = max(self.now, engine.sdk_free) + self.s.sdk_seconds
        self.waits["sdk"] += when - self.now - (0 if self.s.rerun else self.s.sdk_seconds)
        self.at(when, lambda: self.ready(step))

    def ready(self, step: Step) -> None:
        step.ready_at = self.now
        engine = step.stack
        if step.behaviour == "component":
            self.complete(step)
        elif engine.running < engine.parallel:
            self.start(step)
        else:
            engine.queue.append(step)

    def start(self, step: Step) -> None:
        step.stack.running += 1
        self.waits["engine"] += self.now - step.ready_at
        self.flying += 1
        self.in_flight.append((self.now, self.flying))
        step.operation = self.refresh(step) if self.s.rerun else self.operation(step)
        self.resume(step, first=True)

    def resume(self, step: Step, first: bool = False) -> None:
        assert step.operation is not None
        try:  # each request gets back the time it completed
            kind, arg = step.operation.send(None if first else self.now)  # type: ignore[arg-type]
        except StopIteration:
            self.complete(step)
            return
        if kind == "wait":
            self.at(self.now + float(arg), lambda: self.resume(step))
        elif kind == "cpu":
            self.at(self.cpu(step.stack, float(arg)), lambda: self.resume(step))
        else:
            self.at(self.arm(step, str(arg)), lambda: self.resume(step))

    def complete(self, step: Step) -> None:
        engine = step.stack
        if step.behaviour != "component":
            engine.running -= 1
            self.flying -= 1
            self.in_flight.append((self.now, self.flying))
            if engine.queue:
                self.start(engine.queue.popleft())
        for dependent in step.dependents:
            dependent.waiting_on -= 1
            if dependent.waiting_on == 0:
                self.register(dependent)
        engine.left -= 1
        if engine.left == 0:
            self.finish_engine(engine)

    def finish_engine(self, engine: Engine) -> None:
        end = self.now
        if self.s.rerun:  # after the refresh, the program registers every resource again (no changes)
            end += len(engine.steps) * self.s.sdk_seconds
        engine.done_at = end
        for then in engine.then:
            self.at(end, partial(self.launch, then))

    # shared capacities
    def cpu(self, engine: Engine, seconds: float) -> float:
        if not engine.cores:
            return self.now + seconds
        free = heapq.heappop(engine.cores)
        start = max(self.now, free)
        heapq.heappush(engine.cores, start + seconds)
        self.waits["cpu"] += start - self.now
        return start + seconds

    def bucket(self, scope: str, op: str) -> TokenBucket:
        key = (scope, op)
        if key not in self.buckets:
            limit = ARM_LIMITS[op]
            factor = SUBSCRIPTION_FACTOR if scope == "subscription" else 1
            self.buckets[key] = TokenBucket(limit.capacity * factor, limit.refill_per_second * factor)
        return self.buckets[key]

    def arm(self, step: Step, op: str) -> float:
        engine = step.stack
        self.calls[op] += 1
        mine_calls = self.calls_by_behaviour.setdefault(step.behaviour, {})
        mine_calls[op] = mine_calls.get(op, 0) + 1
        granted = self.now
        if self.s.throttle:
            mine = self.bucket(engine.principal, op).take(self.now)
            everyone = self.bucket("subscription", op).take(self.now)
            granted = max(mine, everyone)
            if granted > self.now:
                which = f"{op}s, {'subscription' if everyone > mine else 'one principal'}"
                self.bucket_waits[which] = self.bucket_waits.get(which, 0.0) + granted - self.now
                self.waits["arm"] += granted - self.now
                self.max_token_wait = max(self.max_token_wait, granted - self.now)
                # the verify script treats a failed `az` call as "not yet" and polls again
                if step.behaviour != "verify" and granted - self.now > INPUTS["retry_budget_seconds"].value:
                    self.calls_at_risk += 1
        if op == "read":
            self.reads.append(granted)
        latency = INPUTS["arm_read_seconds" if op == "read" else "arm_write_seconds"].value
        return granted + latency

    # latency profiles: what each create does, as requests to the simulation
    def operation(self, step: Step) -> Operation:
        c = step.cluster
        b = step.behaviour
        if b == "local":
            yield "wait", INPUTS["local_seconds"].value
        elif b == "keygen":
            yield "cpu", INPUTS["key_cpu_seconds"].value
        elif b == "k8s":
            yield "wait", INPUTS["k8s_call_seconds"].value
        elif b == "preflight":
            assert c
            yield "wait", c.preflight
        elif b == "helm":
            assert c
            now = yield "wait", c.helm
            c.agents_done = now
        elif b == "arm-read":
            yield "arm", "read"
        elif b == "arm-put":  # the provider checks the name is free, then PUTs (synchronous)
            yield "arm", "read"
            yield "arm", "write"
        elif b == "arm-put-lro":
            yield "arm", "read"
            accepted = yield "arm", "write"
            finished = accepted + (c.lro if c else INPUTS["lro_seconds"].value)
            while True:
                yield "wait", INPUTS["lro_poll_seconds"].value
                now = yield "arm", "read"
                if now >= finished:
                    break
            yield "arm", "read"  # the final GET of the resource
        elif b == "register":
            yield "cpu", INPUTS["az_cpu_seconds"].value
            posted = yield "arm", "write"
            registered = posted + (INPUTS["registration_seconds"].value if self.s.fresh_subscription else 0.0)
            while True:
                yield "wait", INPUTS["register_poll_seconds"].value
                now = yield "arm", "read"
                if now >= registered:
                    break
        elif b == "data-plane":  # helm_settings.sh: two `az rest` POSTs to the data plane, not to ARM
            for _ in range(2):
                yield "cpu", INPUTS["az_cpu_seconds"].value
                yield "wait", INPUTS["data_plane_post_seconds"].value
        elif b == "verify":
            assert c
            started = self.now
            deadline = started + self.t.verify_timeout_seconds
            while True:
                yield "cpu", INPUTS["az_cpu_seconds"].value
                for _ in range(int(INPUTS["reads_per_az_show"].value) - 1):
                    yield "arm", "read"
                now = yield "arm", "read"
                if now >= c.agents_done + c.connect:
                    c.verified = now
                    break
                if now >= deadline:  # the script gives up: the step fails
                    self.verify_late += 1
                    break
                yield "wait", self.t.verify_poll_seconds
        else:
            raise ValueError(b)

    def refresh(self, step: Step) -> Operation:
        """`refresh: always`: the provider's Read of each resource in the state."""
        b = step.behaviour
        if b in ("arm-read", "arm-put", "arm-put-lro"):
            yield "arm", "read"
        elif b in ("k8s", "preflight", "helm"):
            yield "wait", INPUTS["k8s_call_seconds"].value
        # commands, keys and providers are read from the state alone


def simulate(template: Template, scenario: Scenario) -> Result:
    return Simulation(template, scenario).run()


# --- what limits a run -------------------------------------------------------------------------

LIFTS: dict[str, tuple[str, Callable[[Scenario], Scenario]]] = {
    "engine": ("engine --parallel", lambda s: replace(s, parallel=UNBOUNDED)),
    "arm": ("ARM throttling", lambda s: replace(s, throttle=False)),
    "cpu": ("runner CPU (az processes, keys)", lambda s: replace(s, runner_cores=math.inf)),
    "sdk": ("program (SDK registration)", lambda s: replace(s, sdk_seconds=0.0)),
}


def limiting_factor(template: Template, base: Result) -> tuple[str, float]:
    """The constraint whose removal shortens the run most, and by what factor; lifting only the
    constraints the run waited on. Below a 10 % gain the run is bound by one cluster's latency."""
    best, gain = "per-cluster latency", 1.0
    for key, (name, lift) in LIFTS.items():
        if base.waits[key] <= 1.0 or lift(base.scenario) == base.scenario:
            continue
        speedup = base.wall / max(simulate(template, lift(base.scenario)).wall, 1e-9)
        if speedup > gain:
            best, gain = name, speedup
    if gain < 1.1:
        return "per-cluster latency", gain
    if best == "ARM throttling" and base.bucket_waits:
        best = f"ARM {max(base.bucket_waits, key=lambda k: base.bucket_waits[k])}"
    return best, gain


# --- report ------------------------------------------------------------------------------------


def configurations(n: int, parallel: int, shard_size: int) -> list[Scenario]:
    shards = max(1, math.ceil(n / shard_size))
    one = Scenario(n, parallel=parallel)
    rows = [one, replace(one, parallel=UNBOUNDED)]
    if shards > 1:
        rows += [
            Scenario(n, shards=shards, parallel=parallel),
            Scenario(n, shards=shards, identities="per-shard", parallel=parallel),
        ]
    return rows


def duration(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min" if seconds >= 600 else f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def table(template: Template, sizes: Iterable[int], parallel: int, shard_size: int) -> tuple[str, list[Result]]:
    lines = [
        (
            "| clusters | configuration | wall time | limiting factor (speed-up if lifted) | ARM reads | ARM writes "
            "| longest token wait | provider calls held > 60 s | verify past deadline |"
        ),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    results = []
    for n in sizes:
        for scenario in configurations(n, parallel, shard_size):
            result = simulate(template, scenario)
            factor, gain = limiting_factor(template, result)
            results.append(result)
            lines.append(
                f"| {n:,} | {scenario.label()} | {duration(result.wall)} | {factor} (×{gain:.1f}) "
                f"| {result.calls['read']:,} | {result.calls['write']:,} | {result.max_token_wait:.0f} s "
                f"| {result.calls_at_risk:,} | {result.verify_late} |"
            )
            print(lines[-1], flush=True)
    return "\n".join(lines), results


def rerun_table(template: Template, sizes: Iterable[int], parallel: int, shard_size: int) -> str:
    lines = ["| clusters | configuration | wall time | ARM reads (refresh) |", "|---|---|---|---|"]
    for n in sizes:
        for scenario in configurations(n, parallel, shard_size):
            result = simulate(template, replace(scenario, rerun=True))
            lines.append(f"| {n:,} | {scenario.label()} | {duration(result.wall)} | {result.calls['read']:,} |")
    return "\n".join(lines)


def inputs_table() -> str:
    lines = ["| input | value | kind | source or reason |", "|---|---|---|---|"]
    for name, figure in INPUTS.items():
        kind = "**assumption**" if figure.assumed else "reference / measured"
        lines.append(f"| `{name}` | {figure.value:g} | {kind} | {figure.source} |")
    for op, limit in ARM_LIMITS.items():
        lines.append(
            f"| ARM {op}s per principal | bucket {limit.capacity:g}, refill {limit.refill_per_second:g}/s "
            f"| reference | Learn, [request limits and throttling]({LEARN_THROTTLING}) |"
        )
    lines.append(
        f"| ARM subscription-wide bucket | {SUBSCRIPTION_FACTOR}× the per-principal one | reference | same page |"
    )
    return "\n".join(lines)


def plot(template: Template, n: int, parallel: int, shard_size: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = [simulate(template, s) for s in configurations(n, parallel, shard_size)]
    fig, (top, middle, bottom) = plt.subplots(3, 1, figsize=(10, 9), sharex=True)
    for run in runs:
        label = run.scenario.label()
        minutes = [t / 60 for t in run.verified]
        top.step(minutes, range(1, len(minutes) + 1), where="post", label=label)
        end = int(run.wall) + 60
        per_minute = [0] * (end // 60 + 1)
        for t in run.reads:
            per_minute[int(t) // 60] += 1
        middle.plot([i + 0.5 for i in range(len(per_minute))], [c / 60 for c in per_minute], label=label)
        bottom.step(
            [t / 60 for t, _ in run.in_flight], [max(k, 1) for _, k in run.in_flight], where="post", label=label
        )
    read = ARM_LIMITS["read"].refill_per_second
    middle.axhline(read, color="black", linestyle="--", linewidth=1)
    middle.text(1, read, f" one principal: {read:g} reads/s", va="bottom")
    middle.axhline(read * SUBSCRIPTION_FACTOR, color="grey", linestyle=":", linewidth=1)
    middle.text(1, read * SUBSCRIPTION_FACTOR, f" subscription: {read * SUBSCRIPTION_FACTOR:g} reads/s", va="bottom")
    top.set_ylabel("clusters Connected")
    middle.set_ylabel("ARM reads/s (1-min mean)")
    bottom.set_ylabel("engine steps in flight")
    bottom.set_yscale("log")
    bottom.set_xscale("log")  # runs differ by orders of magnitude
    bottom.set_xlim(left=1)
    bottom.set_xlabel("minutes since `pulumi up` (log scale)")
    top.set_title(f"Onboarding {n:,} clusters: modelled timeline (--parallel {parallel}, shards of {shard_size})")
    top.legend(loc="upper left", fontsize=8)
    for ax in (top, middle, bottom):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def replace_sections(text: str, sections: dict[str, str]) -> str:
    """Put each body between its `<!-- name:start -->` and `<!-- name:end -->` lines."""
    for name, body in sections.items():
        pattern = rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)"
        if not re.search(pattern, text, flags=re.DOTALL):
            raise SystemExit(f"no <!-- {name}:start --> ... <!-- {name}:end --> section to replace")
        text = re.sub(pattern, partial(lambda m, b: m[1] + b + "\n" + m[2], b=body), text, flags=re.DOTALL)
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 10000])
    parser.add_argument("--parallel", type=int, default=32, help="each stack's `pulumi up --parallel`")
    parser.add_argument("--shard-size", type=int, default=50, help="clusters per shard")
    parser.add_argument("--plan", type=Path, help="a fleet plan's --json to read instead of planning 2 clusters")
    parser.add_argument("--write", type=Path, help="markdown file whose model tables are replaced")
    parser.add_argument("--plot", type=Path, help="PNG of the timeline")
    parser.add_argument("--plot-size", type=int, default=10000)
    args = parser.parse_args(argv)
    doc = json.loads(args.plan.read_text()) if args.plan else plan_document(2)
    template = template_from_plan(doc)
    started = time.perf_counter()
    onboarding, _ = table(template, args.sizes, args.parallel, args.shard_size)
    rerun = rerun_table(template, args.sizes, args.parallel, args.shard_size)
    print(rerun)
    print(f"model run time: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if args.plot:
        plot(template, args.plot_size, args.parallel, args.shard_size, args.plot)
    if args.write:
        sections = {"model": onboarding, "rerun": rerun, "inputs": inputs_table()}
        args.write.write_text(replace_sections(args.write.read_text(), sections))


if __name__ == "__main__":
    main()
