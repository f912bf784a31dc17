"""The commands and each phase step's lifecycle (pgroll's start, complete,
rollback, validate): the Migrator's commands (commands), what a step would run
rendered offline (planner), running one step (executor) and what the engine
adds to a revision (additions), the ledger entry of each step (recorder), the
run's HTML report (report), and a rehearsal on a clone (rehearse).
Change here: a new command, or the order of a step's parts.
"""
