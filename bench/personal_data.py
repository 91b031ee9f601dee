"""Benchmark: the personal-data check against the labelled corpus (issue 12).

Loads tests/data/personal_data_corpus.jsonl, gives the engine the corpus's fixed list of member
names, runs ``check_personal_data(text, place)`` on every text and reports:

- text level: a hold is caught when any finding is reported, a pass is a false alarm when any
  finding is reported; precision, recall, F1 and the confusion matrix, overall, per place and per
  "where";
- per category: a hold expecting a category is caught for it when a finding of that category is
  reported; a finding of a category on a text that does not expect it is a false positive;
- the misses and false alarms (id, excerpt, what was found), grouped by family;
- the time per check, p50/p95/max over 200 runs of 2,000-character posts built from corpus texts;
- the extra memory of the process: RSS after importing the app package, then after importing
  and warming the engine.

Writes bench/results/personal_data.md. Exit code 0 always: it is a report, the corpus test is
the gate. No network.
Run: .venv/bin/python bench/personal_data.py
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CORPUS = ROOT / "tests" / "data" / "personal_data_corpus.jsonl"
HOLDOUT = ROOT / "tests" / "data" / "personal_data_holdout.jsonl"
RESULT = BENCH / "results" / "personal_data.md"
RECALL_TARGET, FALSE_ALARM_TARGET, P95_TARGET_MS, MEMORY_TARGET_MB = 0.97, 0.05, 20.0, 150.0
TIMING_RUNS, POST_CHARS = 200, 2000
# Hook names the engine may use for "who are the members"; the first one present is used.
MEMBER_HOOKS = (
    "register_known_people",
    "set_known_people",
    "register_people_provider",
    "set_people_provider",
    "register_member_names",
    "set_member_names",
)


def rss_mb() -> float:
    """Resident set size of this process now, in MB (Linux /proc; resource as a fallback)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_corpus(path: Path = CORPUS) -> tuple[dict, list[dict]]:
    """The corpus header (policy, members) and its records, in file order."""
    header, records = {}, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if "_header" in row:
            header = row["_header"]
        else:
            records.append(row)
    return header, records


def install_members(module, names: list[str]) -> str | None:
    """Give the engine the corpus's members, and only them, through its provider hook.

    The engine's provider returns a ``KnownPeople`` (``KnownPeople.from_names(people=...)``) when the
    module has one, else the plain list of names. Providers registered on import (the app's own) are
    forgotten first: the corpus's members are the only people this process knows. Returns the hook
    used, or None when the engine has none.
    """
    known = getattr(module, "KnownPeople", None)
    make = getattr(known, "from_names", None)
    provider = (lambda: make(people=list(names))) if callable(make) else (lambda: list(names))
    for hook in MEMBER_HOOKS:
        register = getattr(module, hook, None)
        if callable(register):
            forget = getattr(module, "forget_known_people", None)
            if callable(forget):
                forget()
            register(provider)
            return hook
    return None


def ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def prf(tp: int, fp: int, fn: int) -> tuple[float | None, float | None, float | None]:
    precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
    f1 = (
        (2 * precision * recall / (precision + recall))
        if precision and recall
        else (0.0 if precision is not None and recall is not None else None)
    )
    return precision, recall, f1


def excerpt(text: str, width: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def found_summary(findings) -> str:
    return "; ".join(f'{f.category}: "{" ".join(f.text.split())[:40]}"' for f in findings) or "nothing"


def git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "association/core"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return f"{head}" + (", with uncommitted changes under association/core" if dirty else ", clean")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def build_posts(records: list[dict], count: int, chars: int) -> list[str]:
    """``count`` posts of about ``chars`` characters, each a shuffled run of corpus texts."""
    rng = random.Random(12)
    texts = [r["text"] for r in records]
    posts = []
    for _ in range(count):
        rng.shuffle(texts)
        post, i = "", 0
        while len(post) < chars:
            post += texts[i % len(texts)] + "\n\n"
            i += 1
        cut = post[:chars]
        posts.append(cut[: cut.rfind(" ")] if " " in cut[chars // 2 :] else cut)
    return posts


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def evaluate(records: list[dict], check) -> list[dict]:
    """Each record with the engine's findings (or the error it raised)."""
    results = []
    for record in records:
        try:
            findings, error = list(check(record["text"], record["place"])), None
        except Exception as exc:  # noqa: BLE001 - the report names it; a crash is a finding too
            findings, error = [], f"{type(exc).__name__}: {exc}"
        results.append({**record, "findings": findings, "error": error})
    return results


def text_counts(rows: list[dict]) -> dict[str, int]:
    counts = Counter()
    for row in rows:
        flagged = bool(row["findings"])
        key = ("tp" if flagged else "fn") if row["label"] == "hold" else ("fp" if flagged else "tn")
        counts[key] += 1
    return {k: counts[k] for k in ("tp", "fn", "fp", "tn")}


def group_table(title: str, rows: list[dict], key: str) -> list[str]:
    lines = [
        f"### {title}",
        "",
        "| " + key + " | holds | passes | caught | missed | false alarms | precision | "
        "recall | F1 | false-alarm rate |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    groups = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    for name in sorted(groups):
        c = text_counts(groups[name])
        p, r, f = prf(c["tp"], c["fp"], c["fn"])
        lines.append(
            f"| {name} | {c['tp'] + c['fn']} | {c['fp'] + c['tn']} | {c['tp']} | {c['fn']} | {c['fp']} | "
            f"{fmt(p)} | {fmt(r)} | {fmt(f)} | {fmt(ratio(c['fp'], c['fp'] + c['tn']))} |"
        )
    return lines + [""]


def category_table(rows: list[dict], categories: tuple[str, ...]) -> list[str]:
    lines = [
        "### Per category",
        "",
        "A hold expecting a category is caught for it when a finding of that category is reported; a "
        "finding of a category on a text that does not expect it (passes included) is a false positive.",
        "",
        "| category | expected | caught | missed | false positives | precision | recall | F1 |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for category in categories:
        tp = fn = fp = 0
        for row in rows:
            reported = any(f.category == category for f in row["findings"])
            if category in row["categories"]:
                tp, fn = tp + reported, fn + (not reported)
            elif reported:
                fp += 1
        p, r, f = prf(tp, fp, fn)
        lines.append(f"| {category} | {tp + fn} | {tp} | {fn} | {fp} | {fmt(p)} | {fmt(r)} | {fmt(f)} |")
    return lines + [""]


def by_family(rows: list[dict], heading: str, show_expected: bool) -> list[str]:
    lines = [f"### {heading} ({len(rows)})", ""]
    if not rows:
        return lines + ["None.", ""]
    families = defaultdict(list)
    for row in rows:
        families[row["family"]].append(row)
    for family in sorted(families, key=lambda f: (-len(families[f]), f)):
        lines.append(f"- **{family}** ({len(families[family])})")
        for row in families[family]:
            what = (
                f"expected {', '.join(row['categories'])}; found {found_summary(row['findings'])}"
                if show_expected
                else f"found {found_summary(row['findings'])}"
            )
            if row["error"]:
                what += f"; raised {row['error']}"
            lines.append(f'  - `{row["id"]}` ({row["place"]}, {row["where"]}): "{excerpt(row["text"])}" — {what}')
    return lines + [""]


def timing(check, posts: list[str], place: str) -> list[float]:
    times = []
    for post in posts:
        started = time.perf_counter()
        try:
            check(post, place)
        except Exception:  # noqa: BLE001 - timed all the same
            pass
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> int:
    rss_start = rss_mb()
    sys.path.insert(0, str(ROOT))
    import flask  # noqa: F401

    import association  # noqa: F401 - the app package, imported by every worker anyway

    rss_app = rss_mb()
    header, records = load_corpus()
    members = header.get("members", [])
    out: list[str] = [
        f"# Benchmark: personal-data check ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"App code: commit {git_commit()}.",
        "",
    ]
    out += [
        f"Corpus: {len(records)} texts ({CORPUS.relative_to(ROOT)}), "
        f"{sum(r['label'] == 'hold' for r in records)} hold and {sum(r['label'] == 'pass' for r in records)} "
        f"pass; {len({r['family'] for r in records})} families; {len(members)} member names from its header.",
        "",
    ]

    started = time.perf_counter()
    try:
        from association.core import personal_data as engine
        from association.core.personal_data import CATEGORIES, check_personal_data
    except Exception as exc:  # noqa: BLE001 - a missing engine is reported, not raised
        out += [f"**The engine could not be imported**: {type(exc).__name__}: {exc}", ""]
        return finish(out)
    hook = install_members(engine, members)
    from flask import Flask

    context = Flask("personal_data_bench").app_context()  # providers are called inside an app context
    context.push()
    for record in records[:20]:  # warm: lazy lists and models load on first use
        for place in ("service", "community"):
            try:
                check_personal_data(record["text"], place)
            except Exception:  # noqa: BLE001 - counted below
                pass
    warm_s = time.perf_counter() - started
    rss_engine = rss_mb()
    out += [
        f"Members given to the engine through `{hook}`."
        if hook
        else f"**The engine has none of the member hooks** ({', '.join(MEMBER_HOOKS)}); it ran without the members.",
        "",
    ]

    rows = evaluate(records, check_personal_data)
    total = text_counts(rows)
    holds, passes = total["tp"] + total["fn"], total["fp"] + total["tn"]
    precision, recall, f1 = prf(total["tp"], total["fp"], total["fn"])
    false_alarm_rate = ratio(total["fp"], passes) or 0.0
    strict = sum(1 for r in rows if r["label"] == "hold" and any(f.category in r["categories"] for f in r["findings"]))
    errors = [r for r in rows if r["error"]]

    posts = build_posts(records, TIMING_RUNS, POST_CHARS)
    times = {place: timing(check_personal_data, posts, place) for place in ("community", "service")}
    p95_worst = max(percentile(t, 95) for t in times.values())
    extra_mb = rss_engine - rss_app

    verdict = lambda ok: "met" if ok else "**not met**"  # noqa: E731
    out += [
        "## Targets",
        "",
        "| target | measured | verdict |",
        "|---|--:|---|",
        f"| recall on hold ≥ {RECALL_TARGET} | {fmt(recall)} ({total['tp']}/{holds}) | "
        f"{verdict((recall or 0) >= RECALL_TARGET)} |",
        f"| false alarms ≤ {FALSE_ALARM_TARGET:.0%} of passes | {false_alarm_rate:.1%} ({total['fp']}/{passes}) | "
        f"{verdict(false_alarm_rate <= FALSE_ALARM_TARGET)} |",
        f"| p95 per 2,000-character check ≤ {P95_TARGET_MS:.0f} ms | {p95_worst:.2f} ms | "
        f"{verdict(p95_worst <= P95_TARGET_MS)} |",
        f"| extra memory per process ≤ {MEMORY_TARGET_MB:.0f} MB | {extra_mb:.1f} MB | "
        f"{verdict(extra_mb <= MEMORY_TARGET_MB)} |",
        "",
    ]
    out += [
        "## Text level (held or not)",
        "",
        f"Precision {fmt(precision)}, recall {fmt(recall)}, F1 {fmt(f1)}; false-alarm rate "
        f"{false_alarm_rate:.3f}. Holds caught with at least one expected category: {strict}/{holds}.",
        "",
        "| | engine holds | engine passes |",
        "|---|--:|--:|",
        f"| labelled hold | {total['tp']} | {total['fn']} |",
        f"| labelled pass | {total['fp']} | {total['tn']} |",
        "",
    ]
    if errors:
        out += [f"**{len(errors)} checks raised** (first: `{errors[0]['id']}`: {errors[0]['error']}).", ""]
    out += category_table(rows, tuple(CATEGORIES))
    out += group_table("Per place", rows, "place")
    out += group_table("Per where", rows, "where")
    misses = [r for r in rows if r["label"] == "hold" and not r["findings"]]
    false_alarms = [r for r in rows if r["label"] == "pass" and r["findings"]]
    category_misses = [
        r
        for r in rows
        if r["label"] == "hold" and r["findings"] and not set(r["categories"]) <= {f.category for f in r["findings"]}
    ]
    out += ["## Cases", ""]
    out += by_family(misses, "Misses (hold, nothing found)", show_expected=True)
    out += by_family(false_alarms, "False alarms (pass, something found)", show_expected=False)
    out += by_family(category_misses, "Held, but an expected category not reported", show_expected=True)

    out += held_out(check_personal_data)
    out += [
        "## Time and memory",
        "",
        f"{TIMING_RUNS} posts of {POST_CHARS:,} characters, each a shuffled run of corpus texts, checked once "
        "each per place after warming; single process on a 2-core machine shared with other work.",
        "",
        "| place | p50 ms | p95 ms | max ms | mean ms |",
        "|---|--:|--:|--:|--:|",
    ]
    for place, values in times.items():
        out.append(
            f"| {place} | {percentile(values, 50):.2f} | {percentile(values, 95):.2f} | {max(values):.2f} | "
            f"{statistics.fmean(values):.2f} |"
        )
    out += [
        "",
        f"RSS: {rss_start:.1f} MB at start, {rss_app:.1f} MB after importing the app package and Flask, "
        f"{rss_engine:.1f} MB after importing the engine and warming it (40 checks, {warm_s:.2f} s): "
        f"**{extra_mb:.1f} MB extra** for the engine. RSS is counted after warming because lists and models "
        "may load on first use.",
        "",
    ]
    return finish(out)


def held_out(check) -> list[str]:
    """The same measure on texts the engine was never tuned on (tests/data/personal_data_holdout.jsonl).

    The main corpus was used to improve the engine family by family, so its figures flatter it; this
    file was written afterwards, without looking at the engine's rules, and is kept out of tuning:
    fix a miss here only by adding a family to the main corpus and a new held-out text in its place.
    """
    if not HOLDOUT.exists():
        return []
    _, records = load_corpus(HOLDOUT)
    rows = evaluate(records, check)
    total = text_counts(rows)
    holds, passes = total["tp"] + total["fn"], total["fp"] + total["tn"]
    _, recall, _ = prf(total["tp"], total["fp"], total["fn"])
    out = [
        "## Held out (never tuned on)",
        "",
        f"{len(records)} texts ({HOLDOUT.relative_to(ROOT)}): recall on hold {fmt(recall)} ({total['tp']}/{holds}), "
        f"false alarms {ratio(total['fp'], passes) or 0:.1%} ({total['fp']}/{passes}).",
        "",
    ]
    out += by_family([r for r in rows if r["label"] == "hold" and not r["findings"]], "Held-out misses", True)
    out += by_family([r for r in rows if r["label"] == "pass" and r["findings"]], "Held-out false alarms", False)
    return out


def finish(out: list[str]) -> int:
    report = "\n".join(out).rstrip() + "\n"
    print(report)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(report, encoding="utf-8")
    print(f"Written to {RESULT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # noqa: BLE001 - a report, never a failing command
        print(f"benchmark failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(0)
