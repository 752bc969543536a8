"""Media files (images, audio, documents) sent beside traces and dataset items: kept once per
content on disk, listed per project, handed out through signed short-lived URLs."""
