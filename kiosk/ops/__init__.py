"""Operations for IT: `kiosk doctor` (health checks), backups and restore, privacy retention.

Nothing here imports textual; these modules run from the command line and from systemd timers.
"""
