"""What must hold, checked: the checks as data (checks/, one class per kind), the
row-by-row comparison of a backfill (compare), reads spread over connections
that share one snapshot (parallel), and the runner of a phase's checks and
pre-flight checks (verify).
Change here: a new check, or a faster comparison.
"""
