"""Version control and CI: git links (a commit tied to traces and sessions) and CI runs."""
