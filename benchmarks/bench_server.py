"""Benchmark: the service's two HTTP/1.1 implementations side by side, in one run (≈ 3 minutes).

    python benchmarks/bench_server.py [--seconds 10] [--rounds 2] [--clients 50] [--org trafiknamnden] [--out benchmarks/results]

`mhkg serve` runs uvicorn with httptools on uvloop (the default) or with h11 on asyncio (`--http h11`); both apply
the same read timeouts and connection limit (api/web/server.py). This starts the real service once per protocol
and round, in the order h11, httptools, h11, httptools … so that drift in the machine's load touches both alike,
and drives each with the closed loop of harness/loadgen.py (50 clients on keep-alive connections, every response
checked against a reference answer) on /health, the measures API and the SPARQL endpoint. The figure that counts is
the ratio of the two protocols' throughputs within this run, per target; the absolute numbers are this machine's.
Results go to results/server.{json,md}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench_load import ensure_build, machine, measured, rss_mb  # noqa: E402 - after the path set-up

from api.settings import HTTP_PROTOCOLS  # noqa: E402
from harness import loadgen, mhkg_serve  # noqa: E402

BASELINE = "h11"


def _check_health(body: bytes) -> str | None:
    return None if json.loads(body).get("status") == "ok" else "not ok"


def one_server(protocol: str, *, seconds: float, clients: int, org: str, build_dir: Path) -> list[dict[str, Any]]:
    """Start ``mhkg serve --http protocol``, warm each target up, and measure each in a closed loop."""
    rows = []
    with mhkg_serve("--http", protocol, build_dir=build_dir) as server:
        server.wait_ready(timeout=120)
        host, port, proc = server.host, server.port, server.proc
        expect = loadgen.expectation(host, port, org)
        targets = {"/health": loadgen.Target("/health", "/health", accept="application/json", media="application/json", check=_check_health)}
        targets |= {name: t for name, t in loadgen.targets(expect).items() if name in ("measures API", "SPARQL endpoint")}
        for name, target in targets.items():
            asyncio.run(loadgen.prepare(target, host, port))
            warm = asyncio.run(loadgen.closed_loop(target, host, port, clients=clients, duration=2))
            row = measured(lambda t=target: loadgen.closed_loop(t, host, port, clients=clients, duration=seconds), proc.pid)
            row |= {"protocol": protocol, "target": name, "warmup_errors": warm.errors, "service_rss_mb": rss_mb(proc.pid)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def run(seconds: float, rounds: int, clients: int, org: str, build_dir: Path) -> dict[str, Any]:
    ensure_build(build_dir)
    info = machine()
    started = time.perf_counter()
    order = [BASELINE] + [p for p in HTTP_PROTOCOLS if p != BASELINE]
    rows = [row for _ in range(rounds) for protocol in order for row in one_server(protocol, seconds=seconds, clients=clients, org=org, build_dir=build_dir)]
    summary = []
    for target in dict.fromkeys(r["target"] for r in rows):
        by = {p: [r["throughput_rps"] for r in rows if r["target"] == target and r["protocol"] == p] for p in order}
        p99 = {p: statistics.median(r["p99_ms"] for r in rows if r["target"] == target and r["protocol"] == p) for p in order}
        mean = {p: statistics.mean(v) for p, v in by.items()}
        summary.append(
            {
                "target": target,
                "throughput_rps": {p: round(v, 1) for p, v in mean.items()},
                "rounds_rps": {p: [round(x, 1) for x in v] for p, v in by.items()},
                "p99_ms_median": {p: round(v, 1) for p, v in p99.items()},
                "ratio": {p: round(mean[p] / mean[BASELINE], 2) for p in order if p != BASELINE},
            }
        )
    errors = sum(r["errors"] + r["warmup_errors"] for r in rows)
    return {
        "machine": info,
        "config": {"seconds": seconds, "rounds": rounds, "clients": clients, "organisation": org, "order": order, "baseline": BASELINE},
        "rows": rows,
        "summary": summary,
        "errors": errors,
        "wall_s": round(time.perf_counter() - started, 1),
    }


def markdown(result: dict[str, Any]) -> str:
    m, c = result["machine"], result["config"]
    other = [p for p in c["order"] if p != BASELINE]
    lines = [
        "# The service's HTTP/1.1 implementations side by side",
        "",
        f"Machine: {m['arch']}, {m['nproc']} cores ({m['cpu']}), {m['python']}, Linux {m['kernel']}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v) + ".",
        "",
        f"Reproduce: `python benchmarks/bench_server.py` (this run: {c['rounds']} rounds of {' then '.join(c['order'])}, "
        f"{c['seconds']:g} s per target and server after a 2 s warm-up, {c['clients']} clients in a closed loop; {result['wall_s']:g} s in all).",
        "",
        "Each server is the real `mhkg serve --http PROTOCOL` on the bundled knowledge. The load generator "
        "(harness/loadgen.py) runs in the benchmark's process on the same 2 cores, so both share the machine with it alike. "
        f"Every response is checked against a reference answer; errors in this run: {result['errors']}.",
        "",
        f"| target | {' | '.join(f'{p} req/s' for p in c['order'])} | {' | '.join(f'{p} / {BASELINE}' for p in other)} | p99 ({', '.join(c['order'])}) |",
        "|---|" + "---:|" * (len(c["order"]) + len(other)) + "---|",
    ]
    for s in result["summary"]:
        rps = " | ".join(f"{s['throughput_rps'][p]:,.0f} ({', '.join(f'{x:,.0f}' for x in s['rounds_rps'][p])})" for p in c["order"])
        ratio = " | ".join(f"**{s['ratio'][p]:.2f}×**" for p in other)
        p99 = ", ".join(f"{s['p99_ms_median'][p]:.1f}" for p in c["order"]) + " ms"
        lines.append(f"| {s['target']} | {rps} | {ratio} | {p99} |")
    lines += [
        "",
        "Throughput is the mean of the rounds (each round in brackets); p99 the median of the rounds' p99. "
        "The ratio is the figure to compare across machines.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--org", default="trafiknamnden")
    ap.add_argument("--build-dir", type=Path, default=ROOT / "build")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args()
    result = run(args.seconds, args.rounds, args.clients, args.org, args.build_dir)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "server.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (args.out / "server.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
