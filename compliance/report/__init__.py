"""Report model and renderers (html, md, json built in; more through the hook)."""
