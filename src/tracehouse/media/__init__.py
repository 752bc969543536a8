"""Media files (images, audio, documents) sent beside traces and dataset items: kept once per
content on disk or in an S3-compatible bucket, listed per project, handed out through signed
short-lived URLs."""
