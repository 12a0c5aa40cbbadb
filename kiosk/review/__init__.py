"""Supervisor review, UI-free (never imports textual).

queue.ReviewIndex   every non-private entry in memory: filter(), search, facets; load() in a thread
actions             mark_seen(), answer(), set_status(): validated, saved, audited, indexed
audit.AuditLog      append-only JSON-lines log of supervisor actions; read_audit()
insights            insights_for(index, ...): aggregates only, minimum group size, themes;
                    format_insights(found, labels): the same as plain text
report              build_report(store, week, ...) and render(report, "md"|"csv"|"html", lang)
report_csv          the report's CSV form (one row per shared entry) and its CSV_COLUMNS
The commands (`kiosk report`, `kiosk insights`, `kiosk review ...`) are in kiosk/cli/review.py.
"""
