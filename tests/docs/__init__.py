"""The Markdown pages (README.md, SECURITY.md, docs/): their links lead somewhere and their diagrams render."""
