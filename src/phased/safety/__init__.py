"""What lets an operator undo anything: backups taken before a migration and
restores that bring a database back exactly, checked by fingerprint.
Change here: the backup's manifest, or what a restore refuses.
"""
