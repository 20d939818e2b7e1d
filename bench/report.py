"""The results as Markdown tables (1 kB = 1000 bytes)."""

from __future__ import annotations

APPS = {"tend": "Tend `GET /` (signed in)", "bare": "bare Flask"}


def kb(size: int | None) -> str:
    if size is None:
        return "–"
    return f"{size / 1000:.1f} kB" if size >= 100 else f"{size} B"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def machine_line(results: dict) -> str:
    gunicorn = results["gunicorn"]
    return (
        f"{results['date']}, {results['nproc']} cores ({results['cpu_model']}), "
        f"gunicorn {gunicorn['workers']} workers × {gunicorn['threads']} threads "
        f"({gunicorn['worker_class']}), {results.get('database', 'SQLite')}, "
        f"commit {results['git']['commit']}"
        + (" with uncommitted changes" if results["git"]["uncommitted_changes"] else "")
    )


def weight_tables(weight: dict) -> list[str]:
    totals = weight["totals"]
    estimate = weight["server_compresses"] != "all"
    header = ["Visit", "Requests", "Transferred", "Uncompressed", "Response headers"]
    if estimate:
        header.insert(3, f"If gzip -{weight['gzip_estimate_level']} (local estimate)")
    labels = [
        ("first_visit_page", "First visit: page (HTML + CSS, JS, icon, manifest)"),
        ("first_visit_service_worker", "First visit: service worker install, after load"),
        ("repeat_visit_page", "Repeat visit: page"),
        ("repeat_visit_service_worker", "Repeat visit: service worker update check"),
    ]
    rows = []
    for key, label in labels:
        total = totals[key]
        row = [label, str(total["requests"]), kb(total["transferred"])]
        row += [kb(total["decoded"]), kb(total["headers"])]
        if estimate:
            row.insert(3, kb(total["estimated"]))
        rows.append(row)
    lines = _table(header, rows)
    lines.append("")
    repeat_rows = weight["repeat_visit"]["page"] + weight["repeat_visit"]["service_worker"]
    repeat = {row["path"]: row for row in repeat_rows}
    detail = []
    for item in weight["first_visit"]["page"] + weight["first_visit"]["service_worker"]:
        again = repeat.get(item["path"]) if item["kind"] != "precache (reload)" else None
        if again is None:
            on_repeat = "–"
        elif again["action"] == "cache":
            on_repeat = "from cache"
        else:
            on_repeat = f"{again['action']}: {again['status']}, {kb(again['transferred'])}"
        detail.append(
            [
                f"`{item['path']}`",
                item["kind"],
                item["encoding"] or "none",
                kb(item["transferred"]),
                kb(item["decoded"]),
                f"`{item['cache_control'] or '—'}`",
                on_repeat,
            ]
        )
    header = ["Resource", "Kind", "Encoding", "Transferred", "Uncompressed", "Cache-Control"]
    lines += _table(header + ["Repeat visit"], detail)
    if estimate:
        lines += [
            "",
            f"The server compresses {weight['server_compresses']} of its text responses; the "
            "local estimate gzips the uncompressed text bodies here (images count as sent).",
        ]
    return lines


def load_table(load: dict) -> list[str]:
    header = ["App", "Connections", "Req/s", "p50", "p95", "p99", "Bytes/resp", "Non-200 + errors"]
    header.append("CPU s: server / wrk / other")
    rows = []
    runs = {name: {run["connections"]: run for run in load.get(name, [])} for name in APPS}
    for name, label in APPS.items():
        for run in load.get(name, []):
            latency = run["latency_ms"]
            rows.append(
                [
                    label,
                    str(run["connections"]),
                    f"{run['requests_per_s']:.0f}",
                    f"{latency['p50']:.1f} ms",
                    f"{latency['p95']:.1f} ms",
                    f"{latency['p99']:.1f} ms",
                    str(run["bytes_per_response"]),
                    str(run["non_200"] + sum(run["socket_errors"].values())),
                    "{server} / {wrk} / {other}".format(**run["cpu_seconds"]),
                ]
            )
    for connections in runs["tend"]:
        ratio = load.get("ratio", {}).get(str(connections))
        if ratio is None:
            continue
        rows.append(
            [
                "**Tend / bare**",
                str(connections),
                f"**{ratio['requests_per_s']:.3f}**",
                f"{ratio['p50']:.1f}×",
                f"{ratio['p95']:.1f}×",
                f"{ratio['p99']:.1f}×",
                "",
                "",
                "",
            ]
        )
    return _table(header, rows)


def _ms(value: float) -> str:
    return f"{value:.1f} ms"


def journal_table(journal: dict) -> list[str]:
    header = ["Page", "Signed in as", "Req/s", "p50", "p95", "p99", "p95 each round"]
    header += ["Bytes/resp", "Non-200 + errors (all rounds)", "CPU s: server / wrk / other"]
    header += ["Server CPU/resp", "Target (p95)", "Met"]
    targets = journal["targets"]
    rows = []
    for key, run in journal["runs"].items():
        latency = run["latency_ms"]
        target = targets.get(key)
        if target is None:
            goal, met = "(the reference)", ""
        elif "ratio_to_home" in target:
            goal = f"≤ home {_ms(target['limit_ms'])} ({target['ratio_to_home']:.2f}× home)"
            met = "yes" if target["met"] else "**no**"
        else:
            goal = f"< {target['limit_ms']} ms"
            met = "yes" if target["met"] else "**no**"
        rows.append(
            [
                run["label"],
                run["signed_in_as"],
                f"{run['requests_per_s']:.0f}",
                _ms(latency["p50"]),
                _ms(latency["p95"]),
                _ms(latency["p99"]),
                " / ".join(_ms(p95) for p95 in run.get("p95_each_round_ms", [latency["p95"]])),
                str(run["bytes_per_response"]),
                str(
                    run.get("non_200_all_rounds", run["non_200"])
                    + sum(run.get("socket_errors_all_rounds", run["socket_errors"]).values())
                ),
                "{server} / {wrk} / {other}".format(**run["cpu_seconds"]),
                _ms(1000 * run["cpu_seconds"]["server"] / max(run["requests"], 1)),
                goal,
                met,
            ]
        )
    return _table(header, rows)


def journal_lines(journal: dict) -> list[str]:
    seed, checks = journal["seed"], journal["checks"]
    sharing = ", ".join(f"{name} {count}" for name, count in seed["sharing"].items())
    lines = [
        f"Seeded {seed['participants']} participants × {seed['entries'] // seed['participants']} "
        f"entries ({sharing}; bodies of {seed['body_chars']['min']}–{seed['body_chars']['max']} "
        f"characters, {seed['body_chars']['mean']} on average) in {seed['seconds']} s. "
        f"The journal list shows "
        f"{checks['list_entries_on_page']} entries per page; the reading room for "
        f"{seed['group_name']}, week {seed['week']} holds {seed['reading_room_entries']} entries "
        f"from {seed['reading_room_authors']} people and shows "
        f"{checks['reading_room_entries_shown']} a page "
        f"({checks['reading_room_html_bytes'] / 1000:.0f} kB of HTML).",
    ]
    drafts = checks.get("autosave_drafts")
    if drafts:
        kept = drafts["version_sum"] == checks["autosave_posts_answered_200"]
        lines[0] += (
            f" The saves wrote {drafts['drafts']} drafts whose versions add up to "
            f"{drafts['version_sum']}, for {checks['autosave_posts_answered_200']} saves "
            f"answered 200: {'no update was lost' if kept else '**some updates were lost**'}."
        )
    disturbed = [
        f"{key} ({run['cpu_seconds']['other']} of {run['cpu_seconds']['capacity']} CPU s)"
        for key, run in journal["runs"].items()
        if run["cpu_seconds"]["other"] > run["cpu_seconds"]["capacity"] / 10
    ]
    if disturbed:
        lines += [
            "",
            "Other processes took more than a tenth of the machine during: "
            + ", ".join(disturbed)
            + "; those latencies are high and the comparisons less fair.",
        ]
    return lines


COST_LABELS = {
    "home": "Home",
    "list": "Journal list",
    "save": "Save",
    "reading_room": "Reading room",
}


def cost_table(costs: dict) -> list[str]:
    header = ["Page", "CPU per response (median round)", "× home (median round)"]
    header += ["× home, lowest–highest round"]
    rows = []
    for key, page in costs["pages"].items():
        low, high = page["ratio_range"]
        rows.append(
            [
                COST_LABELS.get(key, key),
                _ms(page["ms_per_response"]),
                f"{page['ratio_to_home']:.2f}",
                f"{low:.2f}–{high:.2f}",
            ]
        )
    return _table(header, rows)


def markdown(results: dict) -> str:
    lines = [f"## Tend benchmarks, {machine_line(results)}", ""]
    if "weight" in results:
        lines += ["### Page weight: participant home", ""] + weight_tables(results["weight"])
        lines.append("")
    if "load" in results:
        duration = results["load"]["duration_s"]
        lines += [
            f"### Throughput and latency (wrk, {duration} s per run, same run, same config)",
            "",
        ]
        lines += load_table(results["load"])
        lines.append("")
    if "journal" in results:
        journal = results["journal"]
        lines += [
            f"### Journal ({journal['connections']} connections, wrk, "
            f"{journal['duration_s']} s per run, {journal.get('rounds', 1)} rounds, same run; "
            "each page's median run by p95)",
            "",
        ]
        lines += journal_table(journal) + [""] + journal_lines(journal) + [""]
        if "cost" in journal:
            costs = journal["cost"]
            lines += [
                f"#### CPU per response, the pages taking turns in one process "
                f"({costs['rounds']} rounds of {costs['batch']} requests each; no HTTP server)",
                "",
            ]
            lines += cost_table(costs) + [""]
    return "\n".join(lines)
