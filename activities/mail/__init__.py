"""Email to requesters and the Sales inbox: templates, MIME, SMTP sessions, and the activity
that sends each email at most once through the Commerce outbox."""
