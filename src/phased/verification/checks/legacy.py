"""The legacy tables' rows are what they were before the first phase (the baseline fingerprint)."""
from __future__ import annotations

from phased.state import fingerprint
from phased.verification.checks import CheckResult, Context, Work


class LegacyUntouched:
    """Row counts and content hashes of the first phase's tables, over their first-phase columns."""

    def plan(self, ctx: Context, owner, work: Work) -> None:
        if ctx.baseline is None:
            return
        columns = fingerprint.legacy_columns(ctx.project)
        # Written through both shapes by design while a two-way sync lasts; BackfillMatches checks
        # them row by row against the target instead.
        mirrored = sorted(ctx.project.mirrored_at(ctx.at.number) & set(columns))
        present = {t: c for t, c in fingerprint.live_columns(ctx.conn, list(columns)).items() if t not in mirrored}
        gone = sorted(set(columns) - set(present) - set(mirrored))  # dropped by a phase (archived), e.g. at 7
        baseline, strict = ctx.baseline, ctx.strict

        def finish(results: list[fingerprint.Fingerprint]) -> list[CheckResult]:
            (now,) = results
            diff = fingerprint.differences({t: v for t, v in baseline.items() if t in present}, now)
            detail = "; ".join(diff) if diff else "row counts and content hashes equal the baseline"
            if gone:
                detail += f" ({', '.join(gone)} dropped by design, archived)"
            if mirrored:
                detail += f" ({', '.join(mirrored)}: written through both shapes, checked against the new one)"
            if diff and not strict:
                detail += " (expected if the application wrote since the baseline)"
            return [CheckResult(owner.number, "legacy data untouched", not diff, detail,
                                warning=bool(diff) and not strict, data={"now": fingerprint.to_json(now)})]

        # One task: on SQLite, two fingerprints side by side would contend for its global
        # allocator lock and each run slower than both in a row.
        work.add([lambda c: fingerprint.take(c, {t: columns[t] for t in present})], finish, long=True)
