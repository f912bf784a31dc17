"""The service's logic that is not HTTP: where the database stands, the
exercise catalog, reminder scheduling and dispatch, and progress stats."""
