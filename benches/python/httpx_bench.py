"""The Python side of benches/sdk_vs_raw.rs: what a user of the Kataven Python
SDK runs (httpx), against the same loopback server.

N asyncio tasks share one httpx.AsyncClient (a keep-alive pool of N
connections) and call GET /api/v1/widget-keys in a loop for --seconds, decoding
each body into dataclasses with the same field types as the Rust side (UUID,
datetimes). Prints one line: rps=... median_us=... p99_us=... requests=...

Run through benches/python/setup.sh's venv; the Rust bench starts it itself
when given --python (scripts/bench.sh does that).
"""

import argparse
import asyncio
import dataclasses
import datetime
import time
import uuid

import httpx


@dataclasses.dataclass
class WidgetKey:
    id: uuid.UUID
    name: str
    key_last8: str
    domain_allowlist: list
    agent_id: "str | None"
    created_at: datetime.datetime
    updated_at: datetime.datetime
    disabled_at: "datetime.datetime | None"
    last_used_at: "datetime.datetime | None"


def _ts(value):
    return None if value is None else datetime.datetime.fromisoformat(value)


def decode(items):
    return [
        WidgetKey(
            id=uuid.UUID(k["id"]),
            name=k["name"],
            key_last8=k["key_last8"],
            domain_allowlist=list(k["domain_allowlist"]),
            agent_id=k.get("agent_id"),
            created_at=_ts(k["created_at"]),
            updated_at=_ts(k["updated_at"]),
            disabled_at=_ts(k.get("disabled_at")),
            last_used_at=_ts(k.get("last_used_at")),
        )
        for k in items
    ]


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--expect", type=int, default=10)
    args = parser.parse_args()

    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    headers = {
        "Authorization": f"Bearer {args.api_key}",
        "Accept": "application/json",
        "api-version": "1.0.0",
    }
    latencies = []
    async with httpx.AsyncClient(limits=limits, headers=headers, timeout=30.0) as client:
        # Warm-up: open the pool's connections.
        for _ in range(20):
            (await client.get(args.url)).raise_for_status()

        deadline = time.perf_counter() + args.seconds

        async def worker():
            n = 0
            # Bounded in time and in count.
            while time.perf_counter() < deadline and n < 10_000_000:
                start = time.perf_counter()
                response = await client.get(args.url)
                response.raise_for_status()
                keys = decode(response.json())
                latencies.append(time.perf_counter() - start)
                assert len(keys) == args.expect, len(keys)
                n += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        elapsed = time.perf_counter() - started

    latencies.sort()
    median = latencies[len(latencies) // 2]
    p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
    print(
        f"rps={len(latencies) / elapsed:.1f} median_us={median * 1e6:.1f} "
        f"p99_us={p99 * 1e6:.1f} requests={len(latencies)}"
    )


if __name__ == "__main__":
    asyncio.run(main())
