"""Moving rows while the application writes: a backfill's keyset batches, each its
own short transaction (batches), paced by the server's load (throttle) and by
who holds the rows it needs (blockers), and the sync that mirrors the
application's writes during the transition (sync: install and inspect; its
triggers are rendered by the dialects).
Change here: how a batch is paced, sized or retried, or how the sync is installed.
"""
