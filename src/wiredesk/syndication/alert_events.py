"""The alerts' events and channels, plain Python: read by wiredesk.toml's reader too
(config/alerts.py) before Django starts."""

# What an alert is about (syndication/alerts.py sends them; docs/desk.md, Alerts).
EVENTS = ("feed.red", "feed.recovered", "agency.kill", "flash.held", "delivery.quarantined")
# How it is sent: Django's mail, a Slack-compatible JSON, a generic JSON signed with HMAC-SHA256.
KINDS = ("email", "slack", "signed")
