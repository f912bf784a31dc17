"""Where a database stands, read from the engine's own tables, never guessed:
the recorded phase (state), the phase step in flight (inflight), the ledger of
every run and its baseline fingerprint (ledger, fingerprint), and the tables
themselves (bookkeeping: checkpoints, revisits, quarantine).
Change here: a new bookkeeping table or ledger field.
"""
