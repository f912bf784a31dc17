class MigrateError(Exception):
    """A refusal or failure the operator must act on. Its message is one line."""
