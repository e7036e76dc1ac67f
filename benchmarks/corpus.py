"""The real-world model corpus (tests/corpus): one row per model, a pass ratio per check.

Every model Keras' own ``model_from_json`` rebuilds must import, rebuild with equal outputs
(1e-5), survive the JSON round trip byte for byte, exec from ``to_code`` with equal params and
output shapes, and draw on a canvas with a preview on every block. Every other model must be
refused with a `GraphError` naming the block. Entries with a documented gap (a bug outside
perceptinb) are listed apart.

Prints the table and the ratios; exits 1 when an entry without a gap breaks the rule.
Run: ``make bench`` (or ``python benchmarks/corpus.py [name-substring ...]``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from corpus import entries  # noqa: E402
from corpus.checks import CHECKS, Result, run  # noqa: E402


def _cell(result: Result, check: str) -> str:
    if check == "import" and result.refused is not None:
        return "refused"
    if check not in result.checks:
        return "-"
    return "pass" if result.checks[check] is None else "FAIL"


def _verdict(result: Result) -> str:
    if result.entry.gap is not None:
        return "gap"
    if result.refused is not None:
        return "refused" if result.ok else "BAD REFUSAL"
    return "ok" if result.ok else "FAIL"


def main(filters: list[str]) -> int:
    chosen = [e for e in entries() if not filters or any(f in e.name for f in filters)]
    header = f"{'model':28} {'keras':6}" + "".join(f"{c:8}" for c in CHECKS)
    print(f"{header}{'live':8}{'seconds':>8}  verdict  source")
    results = []
    for entry in chosen:
        result = run(entry)
        results.append(result)
        cells = "".join(f"{_cell(result, c):8}" for c in CHECKS)
        keras_ok = "yes" if result.keras_rebuilds else "no"
        live = "-" if result.refused is None else "pass" if result.live is None else "n/a"
        if result.live not in (None, "no graph"):
            live = "FAIL"
        print(
            f"{entry.name:28} {keras_ok:6}{cells}{live:8}{result.seconds:8.1f}  "
            f"{_verdict(result):8} {entry.source}",
            flush=True,
        )
    refused = [r for r in results if r.refused is not None and r.live != "no graph"]
    drawn = sum(r.live is None for r in refused)
    held = [r for r in results if r.entry.gap is None]
    graphs = [r for r in held if r.refused is None]
    print(
        f"\n{len(results)} models: {len(graphs)} imported, "
        f"{sum(r.refused is not None for r in held)} refused, "
        f"{len(results) - len(held)} with a documented gap"
    )
    for check in CHECKS:
        passed = sum(r.checks.get(check, "x") is None for r in graphs)
        print(f"  {check:8} {passed}/{len(graphs)} = {passed / max(len(graphs), 1):.2f}")
    print(f"  refused models drawn from their live layers: {drawn}/{len(refused)}")
    rebuildable = [r for r in results if r.keras_rebuilds]
    ok = sum(r.ok for r in rebuildable)
    print(
        f"Keras-rebuildable models passing every check: {ok}/{len(rebuildable)} = "
        f"{ok / max(len(rebuildable), 1):.2f}"
    )
    for r in results:
        if r.refused is not None or r.entry.gap is not None:
            reason = r.entry.gap or r.refused
            print(f"  {_verdict(r):8} {r.entry.name}: {reason[:160]}")
    broken = [r for r in held if not r.ok]
    for r in broken:
        print(f"BROKEN {r.entry.name}: {r.refused or r.failures()}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
